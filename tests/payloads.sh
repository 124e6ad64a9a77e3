#!/bin/bash
# Real payloads in the VM: every catalog payload runs and yields its
# metrics (text patterns, histograms, YAML, JSON), a cut output and a
# pattern that matches nothing are reported as such, the guest has what
# programs expect and a scratch disk that is gone from the host after
# the run (and after Ctrl-C), bad binaries are refused before boot, and
# the kernel's sched_ext selftests run as KTAP subtests into JUnit.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR"
need_kernel
export KTSTR_RUNS=$tmp/runs

# --- the catalog ------------------------------------------------------------------
"$KTSTR" run --json tests/scenarios/catalog_payloads.yaml >"$tmp/cat.json" 2>"$tmp/cat.err"
rc=$?
py "$tmp/cat.json" <<'P' && ok "catalog: every payload ran and has its key metrics" || { bad "catalog (exit $rc)"; tail -5 "$tmp/cat.err"; }
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "pass", r["reason"]
got = {p["name"]: p for p in r["payloads"]}
notes = {x["name"]: " ".join(x.get("metric_notes", [])) for x in r["records"] if x["type"] == "payload"}
for name in ["hackbench", "hackbench_threads", "cyclictest", "stress_ng_switch", "stress_ng_futex",
             "stress_ng_yield", "stress_ng_cpu", "fio_randrw", "rt_app_periodic"]:
    p = got[name]
    assert p["exit_code"] == 0, p
    km = p["key_metrics"]
    assert km and isinstance(km[0]["value"], (int, float)), (name, km)
    for m in km:    # absent only with its reason (a wake past the 20 ms histogram under load)
        assert isinstance(m["value"], (int, float)) or "beyond its last bucket" in notes[name], (name, m, notes[name])
cyc = {m["name"]: m["value"] for m in got["cyclictest"]["key_metrics"]}
assert 0 < cyc["lat_p50"] <= (cyc["lat_p99"] or 1e9) <= (cyc["lat_max"] or 1e9), cyc
assert {m["name"]: m["better"] for m in got["stress_ng_switch"]["key_metrics"]} == \
    {"metrics.0.bogo-ops-per-second-real-time": "higher"}
P
py "$tmp/cat.json" <<'P' && ok "catalog: a cut output and a pattern that matched nothing are noted" || bad "catalog notes"
import json, sys
r = json.load(open(sys.argv[1]))
rec = [x for x in r["records"] if x["type"] == "payload" and x["name"] == "flood"][0]
assert rec["metrics"] == {"score": 42}, rec["metrics"]
notes = " | ".join(rec["metric_notes"])
assert "stdout was cut to its last 4096" in notes and "ghost: absent" in notes, notes
P
"$KTSTR" report "$(ls "$tmp"/runs/catalog_payloads-*.json | head -1)" >"$tmp/cat.txt" 2>&1
grep -q "payload cyclictest (step 1): exit 0.*lat_p99=" "$tmp/cat.txt" &&
	grep -q "note: stdout was cut" "$tmp/cat.txt" &&
	ok "report: payload metrics and notes beside the telemetry" || { bad "report"; cat "$tmp/cat.txt"; }
a=$(ls "$tmp"/runs/catalog_payloads-*.json | head -1)
"$KTSTR" report --html -o "$tmp/cat.html" "$a" >/dev/null 2>&1
grep -q "<h3>Payloads</h3>" "$tmp/cat.html" && grep -q "lat_p99 = [0-9]" "$tmp/cat.html" &&
	ok "HTML report: a Payloads table with key metrics" || bad "HTML payloads"
"$KTSTR" compare "$a" "$a" >"$tmp/cmp.txt" 2>&1
grep -q "payload cyclictest.*lat_p99" "$tmp/cmp.txt" && grep -q "payload fio_randrw.*jobs.0.read.iops" "$tmp/cmp.txt" &&
	ok "compare: payload key metrics are rows" || { bad "compare"; cat "$tmp/cmp.txt"; }

# --- the guest environment and the scratch disk ------------------------------------
mkdir -p "$tmp/tmpdir"
if TMPDIR=$tmp/tmpdir "$KTSTR" run --json tests/scenarios/guest_env.yaml >"$tmp/env.json" 2>"$tmp/env.err"; then
	py "$tmp/env.json" <<'P' && ok "guest: /dev/shm, /run, /etc/passwd, cpu_dma_latency; io_sync wrote to the ext4 scratch disk" || bad "guest env"
import json, sys
r = json.load(open(sys.argv[1]))
p = [x for x in r["payloads"] if x["name"] == "env"][0]
assert p["exit_code"] == 0, p
assert p["key_metrics"][0]["value"] >= 64, p
P
else
	bad "guest_env run"
	tail -5 "$tmp/env.err"
fi
left=$(ls -A "$tmp/tmpdir")
[[ -z $left ]] && ok "scratch disk: the image and its run dir are gone after the run" || bad "left behind: $left"

# Ctrl-C while the VM with a disk runs: nothing of it stays.
mkdir -p "$tmp/tmpdir2"
sed 's/^duration: 2s/duration: 60s/' tests/scenarios/guest_env.yaml >"$tmp/env_long.yaml"
marker=KTSTR_PAYLOADS_SIGINT_$$
env "$marker=1" TMPDIR=$tmp/tmpdir2 "$KTSTR" run "$tmp/env_long.yaml" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
	[[ $(qemus_with "$marker") -gt 0 ]] && ls "$tmp"/tmpdir2/*/scratch.img >/dev/null 2>&1 && break
	sleep 0.2
done
had=$(ls "$tmp"/tmpdir2/*/scratch.img 2>/dev/null | wc -l)
sleep 1
kill -INT $pid
wait $pid
sleep 0.5
left=$(ls -A "$tmp/tmpdir2")
[[ $had == 1 && -z $left && $(qemus_with "$marker") == 0 ]] &&
	ok "scratch disk: gone after SIGINT, with its QEMU" || bad "SIGINT: image seen $had, left '$left', qemus $(qemus_with "$marker")"

# --- a payload that hangs: killed at its wait timeout, reported, failed ---------------
cat >"$tmp/hang.yaml" <<'Y'
duration: 1s
payloads:
  - {name: hang, binary: sleep, args: ["600"]}
steps: [{ops: [{run_payload: hang}, {wait_payload: {payload: hang, timeout: 500ms}}], hold: {fixed: 0}}]
Y
"$KTSTR" run --json "$tmp/hang.yaml" >"$tmp/hang.json" 2>/dev/null
rc=$?
py "$tmp/hang.json" <<'P' && [[ $rc == 1 ]] && ok "a hanging payload: killed at its timeout, reported, the run fails" || bad "hang (exit $rc)"
import json, sys
r = json.load(open(sys.argv[1]))
rec = [x for x in r["records"] if x["type"] == "payload"][0]
assert rec["timed_out"] and rec["exit_code"] == -1, rec
assert rec["wall_ns"] < 30e9, rec["wall_ns"]
c = [c for c in r["claims"] if c["name"] == "payload hang: finished"][0]
assert c["status"] == "failed", c
P

# --- bad binaries, before boot ---------------------------------------------------
cat >"$tmp/nobin.yaml" <<'Y'
payloads:
  - {name: ghost, binary: no-such-benchmark-xyz}
steps: [{ops: [{run_payload: ghost}], hold: {fixed: 0}}]
Y
"$KTSTR" run "$tmp/nobin.yaml" >"$tmp/nobin.out" 2>&1
rc=$?
[[ $rc == 2 ]] && grep -q "no-such-benchmark-xyz' not found" "$tmp/nobin.out" &&
	ok "a payload binary missing on the host: exit 2 naming it" || { bad "missing binary: exit $rc"; cat "$tmp/nobin.out"; }
if command -v gcc >/dev/null; then
	echo 'int ktstr_one(void) { return 1; }' >"$tmp/one.c"
	echo 'int ktstr_one(void); int main(void) { return ktstr_one() - 1; }' >"$tmp/main.c"
	gcc -shared -fPIC -o "$tmp/libktstrgone.so" "$tmp/one.c" &&
		gcc -o "$tmp/needs_gone" "$tmp/main.c" -L"$tmp" -lktstrgone && rm "$tmp/libktstrgone.so"
	printf 'payloads:\n  - {name: broken, binary: %s}\nsteps: [{ops: [{run_payload: broken}], hold: {fixed: 0}}]\n' \
		"$tmp/needs_gone" >"$tmp/nolib.yaml"
	"$KTSTR" run "$tmp/nolib.yaml" >"$tmp/nolib.out" 2>&1
	rc=$?
	[[ $rc == 2 ]] && grep -q "needs libktstrgone.so" "$tmp/nolib.out" &&
		ok "a payload whose library is missing: exit 2 listing it" || { bad "missing library: exit $rc"; cat "$tmp/nolib.out"; }
fi

# --- the kernel's sched_ext selftests ------------------------------------------------
"$KTSTR" run --json --junit "$tmp/st.xml" scenarios/kernel_selftests_sched_ext.yaml >"$tmp/st.json" 2>"$tmp/st.err"
rc=$?
py "$tmp/st.json" <<'P' && ok "sched_ext selftests: every subtest a row, none failed" || { bad "selftests (exit $rc)"; tail -5 "$tmp/st.err"; }
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "pass", r["reason"]
p = r["payloads"][0]
assert p["subtests"]["fail"] == 0 and p["subtests"]["pass"] >= 15, p
rec = [x for x in r["records"] if x["type"] == "payload"][0]
names = [s["name"] for s in rec["subtests"]]
assert len(names) == len(set(names)), "a subtest was counted twice"
assert "minimal" in names and "create_dsq" in names, names
assert all(f.get("expected") for f in r["findings"]), r["findings"]
P
grep -q 'classname="kernel_selftests_sched_ext.sched_ext_selftests" name="minimal"' "$tmp/st.xml" &&
	ok "sched_ext selftests: subtests are JUnit test cases" || bad "junit subtests"

"$KTSTR" run scenarios/kernel_selftests_sched_ext.yaml --scheduler simple >"$tmp/st_simple.out" 2>&1
rc=$?
[[ $rc == 0 ]] && grep -q "^SKIP .*runs only under scheduler eevdf; this run uses simple" "$tmp/st_simple.out" &&
	ok "sched_ext selftests under another scheduler: skipped with the reason, not booted" ||
	{ bad "requires scheduler: exit $rc"; cat "$tmp/st_simple.out"; }

finish
