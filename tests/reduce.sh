#!/bin/bash
# ktstr reduce in the VM: a failure hidden among noise cgroups and steps
# shrinks to the pair that fails, the output validates on its own and
# still fails with the same claim; a scenario that passes is refused with
# its verdict; SIGINT stops the reduction, leaves no QEMU, and still
# writes the smallest reproducer so far.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR"
need_kernel
export KTSTR_RUNS=$tmp/runs

start=$(date +%s)
# --repeat 1/1: this failure is deterministic at every size the reducer
# tries (see the scenario), and it halves the test's VM time.
"$KTSTR" reduce -j 2 --repeat 1/1 -o "$tmp/small.yaml" tests/scenarios/reduce_big.yaml >"$tmp/reduce.out" 2>&1
rc=$?
el=$(($(date +%s) - start))
if [[ $rc == 0 && -s $tmp/small.yaml ]]; then
	grep -qE "^(include: \[|  - )/.*/schedulers/kernel.yaml" "$tmp/small.yaml" && "$KTSTR" validate "$tmp/small.yaml" &&
		ok "the reduced scenario validates on its own, in another directory (its include made absolute)" || bad "reduced scenario invalid"
	grep -q "name: victim" "$tmp/small.yaml" && grep -q "freeze: victim" "$tmp/small.yaml" &&
		! grep -v '^#' "$tmp/small.yaml" | grep -qE "noise_|scratch|churn|settle|thaw" &&
		ok "reduced in ${el}s to the frozen step and its victim ($(grep -vc '^#' "$tmp/small.yaml") lines, was $(grep -vc '^#' tests/scenarios/reduce_big.yaml))" ||
		{ bad "reduced scenario keeps noise"; cat "$tmp/small.yaml"; }
	grep -q "^# It fails as the original did: claim not_starved (cgroup victim, step 2) failed" "$tmp/small.yaml" &&
		grep -q "run 3 more times, failed so 3 times" "$tmp/small.yaml" &&
		grep -q "^#   drop " "$tmp/small.yaml" && ok "the header names the signature and the reductions kept" || bad "header"
	"$KTSTR" run --json "$tmp/small.yaml" >"$tmp/small.json" 2>/dev/null
	rc=$?
	py "$tmp/small.json" <<'P' && [[ $rc == 1 ]] && ok "the reduced scenario fails the same way" || bad "reduced scenario does not fail the same way (exit $rc)"
import json, sys
r = json.load(open(sys.argv[1]))
c = [x for x in r["claims"] if x["name"] == "not_starved" and x["scope"] == "cgroup victim, step 1"]
assert c and c[0]["status"] == "failed", c
P
else
	bad "reduce (exit $rc)"; tail -20 "$tmp/reduce.out"
fi

printf 'duration: 1s\nbackdrop:\n  cgroups: [{name: a}]\n' >"$tmp/pass.yaml"
"$KTSTR" reduce "$tmp/pass.yaml" >/dev/null 2>"$tmp/pass.err"
rc=$?
[[ $rc == 2 ]] && grep -q "does not fail" "$tmp/pass.err" && grep -q "run 1: pass" "$tmp/pass.err" &&
	ok "a scenario that passes: exit 2, its verdict shown" || { bad "passing scenario (exit $rc)"; cat "$tmp/pass.err"; }

qemus() { qemus_with "$tmp/ktstr-reduce"; }
TMPDIR=$tmp "$KTSTR" reduce -j 2 --repeat 1/1 -o "$tmp/int.yaml" tests/scenarios/reduce_big.yaml >"$tmp/int.out" 2>&1 &
r=$!
for _ in $(seq 120); do grep -q "signature" "$tmp/int.out" && break; sleep 0.5; done
sleep 3
kill -INT $r
wait $r
rc=$?
sleep 1
[[ $rc == 130 && -s $tmp/int.yaml && $(qemus) == 0 ]] && "$KTSTR" validate "$tmp/int.yaml" &&
	ok "SIGINT: exit 130, the smallest reproducer so far written and valid, no QEMU left" ||
	{ bad "SIGINT (exit $rc)"; tail -3 "$tmp/int.out"; }

finish
