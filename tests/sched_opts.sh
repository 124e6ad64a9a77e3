#!/bin/bash
# The scheduler's timeouts from the command line, in the VM: a tiny
# --attach-timeout fails a real scheduler (scx_simple from the kernel
# cache) with a reason naming the option, in run and in the gauntlet; and a
# watchdog the host monitor cannot apply (--no-monitor) is said to be not
# applied, and why, in the result and the report (with the monitor on, the
# same run applies it).  Skips (exit 77) without a cached kernel.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR"
need_kernel
export KTSTR_RUNS=$tmp/runs

# 100 ms (the least attach_timeout: allows) is far less than scx_simple
# takes to load its BPF and reach state enabled in the guest.
if run attach_short 1 --scheduler simple --attach-timeout 100ms tests/scenarios/sched_steady.yaml; then
	py "$tmp/attach_short.json" <<'P' && ok "--attach-timeout 100ms: scx_simple does not attach, the reason names --attach-timeout" || bad "attach timeout"
import json, sys
r = json.load(open(sys.argv[1]))
ev = [x["event"] for x in r["records"] if x["type"] == "scheduler"]
assert "attach_timeout" in ev and "attached" not in ev, ev
att = [x for x in r["records"] if x["type"] == "scheduler" and x["event"] == "attach_timeout"][0]
assert "within the attach timeout (100 ms)" in att["reason"], att["reason"]   # the guest got the override
assert r["verdict"] == "fail", r["verdict"]
assert "did not attach within its attach timeout" in r["reason"] and "allow more with --attach-timeout" in r["reason"], r["reason"]
P
fi
"$KTSTR" gauntlet --schedulers eevdf,simple --attach-timeout 100ms -j 1 --out "$tmp/g" tests/scenarios/sched_steady.yaml \
	>"$tmp/g.out" 2>&1
py "$tmp/g/gauntlet.json" <<'P' && ok "gauntlet --attach-timeout reaches the sched_ext cell only (eevdf passes)" || { bad "gauntlet --attach-timeout"; tail -5 "$tmp/g.out"; }
import json, sys
g = json.load(open(sys.argv[1]))
cells = {c["scheduler"]: c for c in g["cells"]}
assert cells["eevdf"]["verdict"] == "pass", cells["eevdf"]
assert cells["simple"]["verdict"] == "fail" and "--attach-timeout" in cells["simple"]["reason"], cells["simple"]
P

cat >"$tmp/wd.yaml" <<'Y'
description: a watchdog under scx_simple for a short steady load
include: [SRC/schedulers/kernel.yaml]
topology: 1n1l2c1t
duration: 1s
watchdog: 3s
scheduler: simple
backdrop:
  cgroups:
    - name: spin
      workers: 2
Y
sed -i "s|SRC|$PWD|" "$tmp/wd.yaml"
if run wd_off 0 --no-monitor "$tmp/wd.yaml"; then
	py "$tmp/wd_off.json" <<'P' && ok "--no-monitor: the result says the watchdog was not applied, and why" || bad "watchdog under --no-monitor"
import json, sys
r = json.load(open(sys.argv[1]))
w = r["watchdog"]
assert w["requested_ms"] == 3000 and w["applied"] is False, w
assert w["reason"] == "the host monitor is off (--no-monitor)", w
assert "monitor" not in r
P
	"$KTSTR" report "$KTSTR_RUNS"/wd-*.json >"$tmp/wd_off.txt" 2>&1
	grep -q "^  watchdog: sched_ext watchdog 3000 ms NOT applied: the host monitor is off (--no-monitor)" "$tmp/wd_off.txt" &&
		ok "--no-monitor: the report prints that the watchdog was not applied" || { bad "report of the watchdog"; head -5 "$tmp/wd_off.txt"; }
fi
shm_mb=$(df -m --output=avail /dev/shm 2>/dev/null | tail -1 | tr -d ' ')
if ((${shm_mb:-0} < 1024)); then
	echo "SKIP: watchdog with the monitor: /dev/shm has ${shm_mb:-0} MiB free"
elif run wd_on 0 --watchdog 4s "$tmp/wd.yaml"; then
	py "$tmp/wd_on.json" <<'P' && ok "with the monitor the same watchdog (4s from --watchdog) is applied and read back" || bad "watchdog applied"
import json, sys
r = json.load(open(sys.argv[1]))
w = r["watchdog"]
assert w == {"requested_ms": 4000, "applied": True, "verified": True}, w
assert r["monitor"]["watchdog"]["requested_ms"] == 4000, r["monitor"]["watchdog"]
P
fi
finish
