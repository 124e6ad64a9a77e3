#!/bin/bash
# `ktstr run --host` for real: this machine's cgroup v2 lacks the cpu and
# cpuset controllers, the guest's has both, so ktstr itself (with
# ktstr-guest and a scenario) is packed into the VM by `ktstr shell` and
# runs the scenario in host mode there — cpusets and weights on a real
# hierarchy, judged to a verdict, its cgroups removed after; a --watchdog,
# which no host monitor applies there, is reported not applied.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR"
need_kernel
builddir=$(cd "$(dirname "$KTSTR")" && pwd)
"$KTSTR" shell --topology 1n1l2c1t -i "$builddir/ktstr" -i "$builddir/ktstr-guest" \
	-i tests/scenarios/host_weights.yaml --timeout 120s --exec \
	'cd /tmp && /include-files/ktstr run --host --json --watchdog 5s /include-files/host_weights.yaml >/tmp/r.json 2>/tmp/e.txt
	 echo "RC=$?"; echo "LEFT=$(ls /sys/fs/cgroup | grep -c ktstr)"; echo BEGIN-JSON; cat /tmp/r.json; echo END-JSON; tail -3 /tmp/e.txt
	 /include-files/ktstr report ktstr-runs/*.json | grep "watchdog:"' \
	>"$tmp/out.txt" 2>&1
tr -d '\r' <"$tmp/out.txt" | sed -n '/^BEGIN-JSON$/,/^END-JSON$/p' | sed '1d;$d' >"$tmp/r.json"
grep -q "^RC=0" <(tr -d '\r' <"$tmp/out.txt") && ok "run --host in the VM exits 0" || { bad "run --host exit"; tail -20 "$tmp/out.txt"; }
py "$tmp/r.json" <<'P' && ok "run --host: pass, cpusets held, weight 800 outworks weight 100 on a shared CPU" || bad "host-mode result"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verdict"] == "pass", r["reason"]
cg = {c["name"]: c for c in r["cgroups"]}
ratio = cg["heavy"]["total_work_units"] / cg["light"]["total_work_units"]
assert ratio > 3, ratio
iso = [c for c in r["claims"] if c["name"] == "isolation"]
assert len(iso) == 3 and all(c["status"] == "held" for c in iso), iso
print(f"  heavy/light work ratio {ratio:.1f} (weights 8:1)")
P
# --watchdog under --host: no host monitor applies it, and the result and
# the report say so.
py "$tmp/r.json" <<'P' && ok "run --host --watchdog: the result says the watchdog was not applied, and why" || bad "host-mode watchdog"
import json, sys
w = json.load(open(sys.argv[1]))["watchdog"]
assert w["requested_ms"] == 5000 and w["applied"] is False and "--host runs no host monitor" in w["reason"], w
P
grep -q "^  watchdog: sched_ext watchdog 5000 ms NOT applied: --host runs no host monitor" <(tr -d '\r' <"$tmp/out.txt") &&
	ok "run --host --watchdog: the report prints it" || bad "host-mode watchdog in the report"
grep -q "^LEFT=0" <(tr -d '\r' <"$tmp/out.txt") && ok "run --host: no cgroup of its own left after the run" || bad "host-mode cgroups left"
finish
