#!/bin/bash
# NUMA locality in the VM (2n2l2c1t: node 0 = CPUs 0-1, node 1 = CPUs
# 2-3), end to end: page_locality workers on node 1's CPUs whose memory
# is bound to node 0 must FAIL min_page_locality (every page counted is
# remote), and workers whose memory is on node 1 must pass it, as must
# the NUMA work types beside them (numa_working_set_sweep first-touching
# from node 1, numa_migration_churn hopping between the nodes).  The
# pages are those of the work's region, counted while it is mapped, so
# the counts must cover the whole region.  Also: the NUMA work types are
# refused on a one-node topology with file:line:col.  Skips (77) without
# a cached kernel.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR"

# --- validation (no VM) ----------------------------------------------------------
printf 'topology: 1n2l2c1t\nbackdrop:\n  cgroups:\n    - name: a\n      work: {numa_migration_churn: {period: 10ms}}\n' >"$tmp/one.yaml"
"$KTSTR" validate "$tmp/one.yaml" >"$tmp/one.out" 2>&1
rc=$?
[[ $rc == 2 ]] && grep -q "one.yaml:5:13: error: numa_migration_churn needs at least 2 NUMA nodes but the topology has 1; expected topology numa_nodes >= 2" "$tmp/one.out" &&
	ok "numa_migration_churn on one node is refused at file:line:col" || { bad "one-node validation (exit $rc)"; cat "$tmp/one.out"; }

need_kernel
export KTSTR_RUNS=$tmp/runs

if run remote 1 tests/scenarios/numa_remote.yaml; then
	py "$tmp/remote.json" <<'P' && ok "memory bound to node 0 from node 1's CPUs fails min_page_locality (locality 0)" || bad "remote"
import json, sys
r = json.load(open(sys.argv[1]))
w = [x for x in r["records"] if x["type"] == "worker"]
assert len(w) == 2 and not any(x["sentinel"] for x in w), w
for x in w:
    pages = {int(k): v for k, v in x["numa_pages"].items()}
    print("  remote pid %d: pages %s of %d queried, local %s (%s), cpus %s"
          % (x["pid"], pages, x["numa_queried"], x["local_nodes"], x["local_nodes_source"], x["cpus_used"]))
    assert x["numa_scope"] == "region" and x["numa_queried"] == 2048, x
    assert x["local_nodes"] == [1] and x["local_nodes_source"] == "cpus", x
    assert set(x["cpus_used"]) <= {2, 3}, x["cpus_used"]
    assert pages.get(0, 0) >= 0.95 * 2048 and pages.get(1, 0) <= 0.05 * 2048, pages
failed = [c for c in r["claims"] if c["status"] == "failed"]
assert [c["name"] for c in failed] == ["min_page_locality"], failed
assert failed[0]["actual"] <= 0.05, failed[0]
assert r["verdict"] == "fail" and "min_page_locality" in r["reason"], r["reason"]
P
fi

if run local 0 tests/scenarios/numa_local.yaml; then
	py "$tmp/local.json" <<'P' && ok "memory on the cpuset's node passes min_page_locality; the NUMA work types report placement and migrations" || bad "local"
import json, sys
r = json.load(open(sys.argv[1]))
w = [x for x in r["records"] if x["type"] == "worker"]
assert not any(x["sentinel"] for x in w), "a worker did not report"
by = lambda cg: [x for x in w if x["cgroup"] == cg]
def pages(x):
    return {int(k): v for k, v in x["numa_pages"].items()}
for x in w:
    p = pages(x)
    loc = sum(v for k, v in p.items() if k in x["local_nodes"]) / max(1, sum(p.values()))
    print("  %s/%s: pages %s of %d queried, local %s (%s), locality %.3f, migrations %d, vmstat migrated %d"
          % (x["cgroup"], x["work"], p, x["numa_queried"], x["local_nodes"], x["local_nodes_source"], loc,
             x["migration_count"], x["vmstat_numa_pages_migrated"]))
    assert x["numa_scope"] == "region", x
    assert sum(p.values()) >= 0.95 * x["numa_queried"], x
for x in by("local"):
    assert x["local_nodes"] == [1] and x["local_nodes_source"] == "cpuset.mems", x
    assert x["numa_queried"] == 2048 and pages(x).get(1, 0) >= 0.95 * 2048, x
(s,) = by("sweep")
assert s["local_nodes"] == [1] and s["local_nodes_source"] == "cpus" and s["numa_queried"] == 1024, s
assert pages(s).get(1, 0) >= 0.95 * 1024 and s["iterations"] > 0, s
(c,) = by("churn")
assert c["local_nodes"] == [0, 1] and c["numa_queried"] == 512, c
used = set(c["cpus_used"])
assert used & {0, 1} and used & {2, 3}, "churn never ran on both nodes: %s" % used
assert c["migration_count"] >= 4, c["migration_count"]
loc = [x for x in r["claims"] if x["name"] == "min_page_locality"]
assert len(loc) == 3 and all(x["status"] == "held" and x["actual"] >= 0.95 for x in loc), loc
assert r["verdict"] == "pass", r["reason"]
P
fi

finish
