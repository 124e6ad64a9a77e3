#!/bin/bash
# The work types epoll_storm, net_loopback, irq_wake, request_worker,
# cgroup_attach_storm and alu_hot: their parameters are validated with file:line:col
# errors, and in the VM (tests/scenarios/worktypes_more.yaml) each shows
# its own telemetry in the result JSON — iterations, work, wake samples
# where the type records them, forks — with no worker missing or in
# error.  The VM part skips (exit 77) without a cached kernel.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR"
export KTSTR_RUNS=$tmp/runs
scen=tests/scenarios/worktypes_more.yaml

# --- the language: no VM -----------------------------------------------------
"$KTSTR" validate "$scen" >"$tmp/v.out" 2>&1 && ok "validate accepts $scen" || { bad "validate"; cat "$tmp/v.out"; }
bad_param() { # name sed-expression expected-message
	sed "$2" "$scen" >"$tmp/$1.yaml"
	"$KTSTR" validate "$tmp/$1.yaml" >"$tmp/$1.out" 2>&1
	local rc=$?
	if [[ $rc == 2 ]] && grep -Eq "^$tmp/$1.yaml:[0-9]+:[0-9]+: error: .*$3" "$tmp/$1.out"; then
		ok "$1: exit 2, file:line:col error naming $3"
	else
		bad "$1: exit $rc"
		cat "$tmp/$1.out"
	fi
}
bad_param fds_range 's/fds: 32/fds: 5000/' "fds 5000 is out of range"
bad_param proto 's/proto: tcp/proto: sctp/' "net_proto 'sctp'"
bad_param group 's/workers: 3/workers: 4/' "request_worker needs workers in groups of 3"
bad_param unknown 's/interval: 2ms}/interval: 2ms, frame_bytes: 64}/' "frame_bytes"

need_kernel

# --- the VM --------------------------------------------------------------------
"$KTSTR" run --json "$scen" >"$tmp/r.json" 2>"$tmp/r.err"
rc=$?
if [[ $rc != 0 ]]; then
	bad "worktypes_more: exit $rc, want 0"
	head -c 600 "$tmp/r.err"
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('  verdict:', r['verdict'], '-', r['reason'])" "$tmp/r.json" 2>/dev/null
else
	python3 - "$tmp/r.json" <<'P' && ok "every new work type reported its telemetry in the VM" || bad "worktypes_more telemetry"
import json, sys
r = json.load(open(sys.argv[1]))
w = [x for x in r["records"] if x["type"] == "worker"]
by = lambda cg: sorted((x for x in w if x["cgroup"] == cg), key=lambda x: x["index"])
errs = ("error", "setup_error", "affinity_error", "policy_error", "nice_error", "placement_error")
for x in w:
    assert not x["sentinel"], ("a worker did not report", x["cgroup"], x.get("error"))
    assert all(not x.get(k) for k in errs), (x["cgroup"], {k: x.get(k) for k in errs})
    assert x["iterations"] > 0 and x["work_units"] > 0, (x["cgroup"], x["pos"])
    assert all(0 <= s < 2e9 for s in x["wake_samples_ns"]), (x["cgroup"], max(x["wake_samples_ns"]))
want = {"epoll": ("epoll_storm", 2), "net_tcp": ("net_loopback", 2), "net_udp": ("net_loopback", 2),
        "irq": ("irq_wake", 1), "request": ("request_worker", 3), "attach": ("cgroup_attach_storm", 1),
        "attach_thr": ("cgroup_attach_storm", 1), "alu": ("alu_hot", 1)}
for cg, (work, n) in want.items():
    ws = by(cg)
    assert len(ws) == n and all(x["work"] == work for x in ws), (cg, [x["work"] for x in ws])
# epoll_storm: the producer (pos 0) records none, the consumer records write-to-wakeup
e = by("epoll")
assert e[0]["wake_sample_total"] == 0 and e[1]["wake_sample_total"] >= 10, [x["wake_sample_total"] for x in e]
# net_loopback: both ends of both transports record one sample per message received
for cg in ("net_tcp", "net_udp"):
    assert all(x["wake_sample_total"] >= 10 for x in by(cg)), cg
assert by("net_udp")[0]["clone"] == "thread"
# irq_wake: one sample per timerfd wake; at 2 ms over ~4 s, hundreds
i = by("irq")[0]
assert i["wake_sample_total"] == i["iterations"] >= 100, (i["wake_sample_total"], i["iterations"])
# request_worker: workers record one request latency per request, the message thread none;
# every sample includes the 50 us think time
q = by("request")
assert q[0]["wake_sample_total"] == 0, q[0]["wake_sample_total"]
for x in q[1:]:
    assert x["wake_sample_total"] >= 10 and abs(x["iterations"] - q[0]["iterations"]) <= 1, x["iterations"]
    assert min(x["wake_samples_ns"]) >= 50000, min(x["wake_samples_ns"])
# cgroup_attach_storm: two children forked, each moved every round
a = by("attach")[0]
assert a["forks"] == 2 and a["wake_sample_total"] >= 2 * a["iterations"] - 2 > 0, (a["forks"], a["wake_sample_total"], a["iterations"])
# ... and from a thread worker (only the child moves, so thread clone works too)
a = by("attach_thr")[0]
assert a["clone"] == "thread" and a["forks"] == 1 and a["wake_sample_total"] >= a["iterations"] - 1 > 0, (a["forks"], a["wake_sample_total"], a["iterations"])
# alu_hot: its cost per iteration (1024 steps of each chain) is in the
# cgroup's row of the result: that worker's cpu_ns / iterations
u = by("alu")[0]
cost = [c for c in r["cgroups"] if c["name"] == "alu"][0]["iteration_cost_ns"]
assert abs(cost - u["cpu_ns"] / u["iterations"]) < 1e-6 * cost and cost > 0, (cost, u["cpu_ns"], u["iterations"])
print("  alu_hot: %.0f ns per iteration" % cost)
assert not [x for x in r["records"] if x["type"] == "op_error"], "an op failed"
assert r["verdict"] == "pass", r["reason"]
P
fi
finish
