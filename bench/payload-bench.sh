#!/bin/bash
# payload-bench.sh [KTSTR [ROUNDS]] — benchmark, not a test (TCG here).
#  1. wake-latency fidelity: the timer_latency work type and cyclictest
#     (both SCHED_OTHER, 1 ms interval, one per CPU, 3 s each) one after
#     the other in the same VM; p50 and p99 side by side, and the ratio
#     of medians (goal: within +-20 %);
#  2. payload plumbing overhead: hackbench's own Time: run as a ktstr
#     payload vs the same command through a bare `ktstr shell --exec` on
#     the same topology, alternated; the ratio of medians.
set -euo pipefail
KTSTR=${1:-./ktstr}
ROUNDS=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KTSTR_RUNS=$tmp/runs
median() { python3 -c 'import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

cat >"$tmp/fidelity.yaml" <<'Y'
topology: 1n1l2c1t
duration: 7s
payloads:
  - name: cyclictest_other
    binary: cyclictest
    args: [--quiet, --smp, --interval, "1000", --histogram, "20000", -D, "3"]
    output:
      text:
        stream: stdout
        histograms: [{name: lat, overflow: '^# Histogram Overflows:(?<count>[0-9 \t]+)$'}]
steps:
  - name: timer_latency
    cgroups: [{name: timer, workers: 2, work: {timer_latency: {interval: 1ms}}}]
    hold: {fixed: 3s}
  - name: cyclictest
    ops:
      - run_payload: cyclictest_other
      - wait_payload: {payload: cyclictest_other, timeout: 60s}
    hold: {fixed: 100ms}
Y
echo "== 1. wake latency: timer_latency vs cyclictest, same VM, 1 ms, SCHED_OTHER (${ROUNDS} rounds)"
t50=() c50=() t99=() c99=()
for i in $(seq "$ROUNDS"); do
	"$KTSTR" run --json --no-monitor "$tmp/fidelity.yaml" >"$tmp/f.json" 2>/dev/null || true
	read -r a b c d < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
cg = [c for c in r["cgroups"] if c["name"] == "timer"][0]
km = {k: v for k, v in r["records"][[x.get("name") for x in r["records"]].index("cyclictest_other")]["metrics"].items()}
print(cg["p50_wake_latency_us"], km["lat_p50"], cg["p99_wake_latency_us"], km["lat_p99"])' "$tmp/f.json")
	echo "  round $i: p50 timer_latency ${a} us, cyclictest ${b} us; p99 timer_latency ${c} us, cyclictest ${d} us"
	t50+=("$a") c50+=("$b") t99+=("$c") c99+=("$d")
done
mt=$(median "${t50[@]}") mc=$(median "${c50[@]}")
echo "  median p50: timer_latency $mt us, cyclictest $mc us, ratio $(python3 -c "print(f'{$mt / $mc:.3f}')")"
mt=$(median "${t99[@]}") mc=$(median "${c99[@]}")
echo "  median p99: timer_latency $mt us, cyclictest $mc us, ratio $(python3 -c "print(f'{$mt / $mc:.3f}')")"

cat >"$tmp/hb.yaml" <<'Y'
topology: 1n1l2c1t
duration: 1s
steps:
  - ops:
      - run_payload: hackbench
      - wait_payload: {payload: hackbench, timeout: 60s}
    hold: {fixed: 0}
Y
echo "== 2. hackbench Time: as a ktstr payload vs ktstr shell --exec (${ROUNDS} rounds, 1n1l2c1t)"
hb=$(command -v hackbench)
inside=() bare=()
for i in $(seq "$ROUNDS"); do
	"$KTSTR" run --json --no-monitor "$tmp/hb.yaml" >"$tmp/hb.json" 2>/dev/null || true
	a=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print([x for x in r["records"] if x["type"] == "payload"][0]["metrics"]["time_s"])' "$tmp/hb.json")
	b=$("$KTSTR" shell --topology 1n1l2c1t -i "$hb" \
		--exec "/include-files/hackbench --groups 2 --fds 10 --loops 200 --datasize 100" 2>/dev/null |
		sed -n 's/^Time: //p' | tr -d '\r')
	echo "  round $i: payload ${a} s, shell --exec ${b} s"
	inside+=("$a") bare+=("$b")
done
mi=$(median "${inside[@]}") mb=$(median "${bare[@]}")
echo "  median: payload $mi s, shell $mb s, ratio $(python3 -c "print(f'{$mi / $mb:.3f}')")"
