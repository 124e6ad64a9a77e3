#!/bin/bash
# Kernel trace tests in the VM: the RT-throttling situation recorded with
# trace-cmd in the guest, the victim's ~950 ms runnable waits found from
# the trace alone (a claim that fails), trace.dat read by the host's real
# trace-cmd with the counts ktstr reports, the Perfetto file, the HTML
# report in headless chromium, and the failure paths: lost events, a
# truncated or corrupted trace.dat, a tracepoint the kernel lacks, --host.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR"
need_kernel
export KTSTR_RUNS=$tmp/runs
stem() { ls "$KTSTR_RUNS"/"$1"-*[0-9].json | sort | tail -1 | sed 's/\.json$//'; }

# --- the RT victim's waits, from the trace alone -------------------------------
"$KTSTR" run --json tests/scenarios/rt_trace.yaml >"$tmp/rt.json" 2>"$tmp/rt.err"
rc=$?
S=$(stem rt_trace)
if [[ $rc == 1 ]] && py "$tmp/rt.json" <<'P'; then ok "trace finds the RT victim's runnable waits (~950 ms) and fails its claim; the hog's holds"; else bad "rt_trace (exit $rc)"; head -c 800 "$tmp/rt.err"; fi
import json, sys
r = json.load(open(sys.argv[1]))
t = r["trace"]
assert t["available"] and t["lost_events"] == 0, t
c = {x["scope"]: x for x in r["claims"] if x["name"] == "max_runnable_wait_ms"}
v, h = c["cgroup victim"], c["cgroup hog"]
assert v["status"] == "failed" and 800 <= v["actual"] <= 1000, v
assert h["status"] == "held" and h["actual"] < 200, h
w = {x["cgroup"]: x for x in r["records"] if x["type"] == "worker"}
assert 800e6 <= w["victim"]["max_runnable_wait_ns"] <= 1000e6, w["victim"]
assert all("max_runnable_wait_ns" in p for p in w["victim"]["phases"])
print("  victim waited %.0f ms runnable; hog %.1f ms" % (v["actual"], h["actual"]))
P

if [[ -f $S.trace.dat ]]; then
	trace-cmd report "$S.trace.dat" >"$tmp/report.txt" 2>/dev/null
	sw=$(grep -c ' sched_switch: ' "$tmp/report.txt")
	wk=$(grep -c ' sched_wakeup: ' "$tmp/report.txt")
	py "$tmp/rt.json" "$sw" "$wk" <<'P' && ok "trace-cmd report reads trace.dat: $sw switches and $wk wakeups, as ktstr counted" || bad "trace-cmd report counts ($sw, $wk)"
import json, sys
c = json.load(open(sys.argv[1]))["trace"]["event_counts"]
assert int(sys.argv[2]) == c["sched_switch"] > 0, (sys.argv[2], c)
assert int(sys.argv[3]) == c["sched_wakeup"], (sys.argv[3], c)
P
	grep -q 'victim-[0-9]' "$tmp/report.txt" && ok "workers are named after their cgroup in the trace" || bad "worker comm in trace"
else
	bad "no trace.dat next to the result"
fi

py "$S.perfetto.json" <<'P' && ok "Perfetto JSON: a track per CPU, the victim's slices, its own track" || bad "perfetto json"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
names = {e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert {"CPU 0", "CPU 1"} <= names, names
assert any(e["ph"] == "X" and e["pid"] == 1 and "victim/" in e["name"] for e in ev)
assert any("cgroup victim" == e["args"]["name"] for e in ev if e["ph"] == "M")
P

# --- the HTML report ----------------------------------------------------------------
"$KTSTR" report --html "$S.json" >"$tmp/html.out" 2>&1
rc=$?
if [[ $rc == 1 && -s $S.html ]]; then	# exit 1: the run's verdict, as `report` gives
	rows=$(tests/html_browser.sh "$S.html" "$tmp/shot" 2>"$tmp/browser.err")
	brc=$?
	[[ $brc == 0 && $rows == 2 ]] && ok "HTML report renders in chromium without console errors: $rows CPU rows (screenshot $tmp/shot/screenshot.png)" ||
		{ bad "html in browser (rc $brc, rows '$rows')"; head -c 600 "$tmp/browser.err"; }
	grep -q 'gap-mark' "$S.html" && ok "the failed claim's worst wait is marked on the victim's row" || bad "no gap mark"
	[[ -n ${KTSTR_KEEP_SHOT:-} ]] && cp "$tmp/shot/screenshot.png" "$KTSTR_KEEP_SHOT"
else
	bad "report --html (exit $rc)"; cat "$tmp/html.out"
fi

# --- compare --html: A and B side by side ------------------------------------------------
"$KTSTR" run --json tests/scenarios/rt_starves_normal.yaml >/dev/null 2>&1
U=$(stem rt_starves_normal)
"$KTSTR" compare "$S.json" "$U.json" --html "$tmp/ab.html" >"$tmp/ab.out" 2>&1
rc=$?
rows=$(tests/html_browser.sh "$tmp/ab.html" "$tmp/abshot" 2>/dev/null)
[[ $rc == 0 && $rows == 2 ]] && grep -q 'class="note no-trace"' "$tmp/ab.html" && grep -q 'class="compare' "$tmp/ab.html" && ok "compare --html: the traced run's CPU rows beside the untraced one's note, no console errors" ||
	{ bad "compare --html (exit $rc, rows '$rows')"; head -5 "$tmp/ab.out"; }

# --- a broken trace.dat: exit 2 naming it, no page left behind ---------------------
mkdir -p "$tmp/broken"
b=$tmp/broken/$(basename "$S")
cp "$S.json" "$b.json"
head -c 100000 "$S.trace.dat" >"$b.trace.dat"
"$KTSTR" report --html "$b.json" >/dev/null 2>"$tmp/trunc.err"
rc=$?
[[ $rc == 2 ]] && grep -q "$b.trace.dat" "$tmp/trunc.err" && grep -q truncated "$tmp/trunc.err" && ! ls "$tmp/broken" | grep -q html &&
	ok "a truncated trace.dat: exit 2 naming the file, no HTML left" || { bad "truncated trace (exit $rc)"; cat "$tmp/trunc.err"; }
cp "$S.trace.dat" "$b.trace.dat"
printf '\xff\xff\xff\xff' | dd of="$b.trace.dat" bs=1 seek=200000 conv=notrunc 2>/dev/null
"$KTSTR" report --html "$b.json" >/dev/null 2>"$tmp/corrupt.err"
rc=$?
[[ $rc == 2 ]] && grep -q corrupted "$tmp/corrupt.err" && ! ls "$tmp/broken" | grep -q html &&
	ok "a corrupted trace.dat: exit 2, no HTML left" || { bad "corrupted trace (exit $rc)"; cat "$tmp/corrupt.err"; }

# --- full buffers: the run still ends with a result that counts the losses ------------
"$KTSTR" run --json --trace-buffer 4 tests/scenarios/rt_trace.yaml >"$tmp/lost.json" 2>/dev/null
py "$tmp/lost.json" <<'P' && ok "overflowing buffers: a result, losses per CPU, and the trace claim cannot hold" || bad "lost events"
import json, sys
r = json.load(open(sys.argv[1]))
t = r["trace"]
assert t["lost_events"] > 0 and sum(c["overrun"] + c["dropped"] for c in t["per_cpu"]) > 0, t
c = [x for x in r["claims"] if x["name"] == "max_runnable_wait_ms"]
assert c and all(x["status"] == "failed" for x in c), c
print("  lost", t["lost_events"], "events:", [(c["cpu"], c["dropped"] + c["overrun"]) for c in t["per_cpu"]])
P

# --- tracing that cannot start: exit 3 with the reason ----------------------------------
"$KTSTR" dump -o "$tmp/rt.ktbc" tests/scenarios/rt_trace.yaml >/dev/null
py "$tmp/rt.ktbc" <<'P'
import struct, sys, zlib
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.find(b"sched:sched_process_exit")
b[i:i + 24] = b"sched:sched_process_exiX"
struct.pack_into("<I", b, 16, 0)
struct.pack_into("<I", b, 16, zlib.crc32(bytes(b)))
open(p, "wb").write(b)
P
"$KTSTR" run --json "$tmp/rt.ktbc" >"$tmp/notp.json" 2>/dev/null
rc=$?
[[ $rc == 3 ]] && grep -q "no tracepoint sched:sched_process_exiX" "$tmp/notp.json" &&
	ok "a tracepoint the kernel lacks: exit 3 naming it" || { bad "missing tracepoint (exit $rc)"; grep -o '"reason": "[^"]*' "$tmp/notp.json" | head -3; }
"$KTSTR" run --host --trace tests/scenarios/rt_trace.yaml >/dev/null 2>"$tmp/host.err"
rc=$?
[[ $rc == 2 ]] && grep -q "cannot run with --host" "$tmp/host.err" && ok "--trace with --host: exit 2, said why" || bad "--host --trace (exit $rc)"

finish
