#!/bin/bash
# Gauntlet tests in the VM: a small matrix (two scenarios x two presets x
# {eevdf, simple}) with -j 2, its summary, JUnit and A/B; the same matrix
# in two shards merged equals it; a scenario that does not fit a preset is
# a skip; schedulers found on the scheduler path and as a bare binary;
# bad axes listed at once before anything boots; SIGINT stops the
# gauntlet, leaves no QEMU behind and still writes the summary.
. "$(dirname "$0")/lib.sh"
cd "$SRCDIR"
need_kernel
export KTSTR_RUNS=$tmp/runs
SCEN="scenarios/steady.yaml scenarios/fanout.yaml"
AXES="--level smoke --topologies tiny,llc2 --schedulers eevdf,simple"

# --- bad axes: all listed, nothing boots ---------------------------------------------
"$KTSTR" gauntlet --topologies tiny,nope --schedulers eevdf,bogus,qmap:nosuch $SCEN >/dev/null 2>"$tmp/bad.err"
rc=$?
[[ $rc == 2 ]] && grep -q "unknown topology preset 'nope'" "$tmp/bad.err" && grep -q "'bogus'" "$tmp/bad.err" &&
	grep -q "no flag 'nosuch'" "$tmp/bad.err" && [[ ! -d $KTSTR_RUNS ]] &&
	ok "unknown preset, scheduler and flag: exit 2, all listed, nothing run" || { bad "bad axes (exit $rc)"; cat "$tmp/bad.err"; }

# --- profiles and shards, without booting: --dry-run ------------------------------------------
"$KTSTR" gauntlet --dry-run --profiles all --schedulers eevdf,simple,qmap:slice_1ms --topologies tiny,llc2 \
	scenarios/steady.yaml >"$tmp/dry.out" 2>&1
rc=$?
[[ $rc == 0 ]] && grep -q "^ *1 steady.tiny.simple.r0 " "$tmp/dry.out" && grep -q " steady.tiny.simple-fifo.r0 " "$tmp/dry.out" &&
	grep -q " steady.llc2.qmap-slice_1ms.r0 " "$tmp/dry.out" && grep -q "^8 cells" "$tmp/dry.out" &&
	ok "--profiles all: simple runs with and without its fifo flag; an explicit qmap:slice_1ms stays one variant" ||
	{ bad "dry run (exit $rc)"; cat "$tmp/dry.out"; }
"$KTSTR" gauntlet --dry-run --shard 1/3 --topologies tiny,llc2 --schedulers eevdf,simple scenarios/steady.yaml >"$tmp/dry1.out"
[[ $(grep -c "steady\." "$tmp/dry1.out") == 1 ]] && grep -q "^ *1 steady.tiny.simple.r0" "$tmp/dry1.out" &&
	ok "--shard 1/3 of 4 cells: cell 1 only" || { bad "dry shard"; cat "$tmp/dry1.out"; }

# --- the whole small matrix with -j 2 ------------------------------------------------------
start=$(date +%s)
"$KTSTR" gauntlet $AXES -j 2 --out "$tmp/full" $SCEN >"$tmp/full.out" 2>&1
rc=$?
el=$(($(date +%s) - start))
py "$tmp/full/gauntlet.json" <<'P' && [[ $rc == 0 ]] && ok "gauntlet -j 2: 8 cells in ${el}s, fanout skipped on one LLC with the reason" || { bad "gauntlet (exit $rc)"; tail -20 "$tmp/full.out"; }
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["id"]: x for x in d["cells"]}
assert len(c) == 8, list(c)
for k, x in c.items():
    assert x["state"] == "done", x
    if k.startswith("fanout.tiny"):
        assert x["verdict"] == "skip" and "does not fit topology 1n1l2c1t" in x["reason"], x
    else:
        assert x["verdict"] == "pass", x
        r = json.load(open(x["result"]))
        assert r["scheduler"] == x["scheduler"] and r["verdict"] == "pass", (k, r["verdict"])
        assert r["duration_ms"] == 2000, r["duration_ms"]   # --level smoke caps their 3 s
assert json.load(open(c["steady.llc2.simple.r0"]["result"]))["topology"] == "1n2l2c1t"
P
grep -q '^steady  *pass  *pass  *pass  *pass' "$tmp/full.out" && grep -q '^fanout  *skip  *skip  *pass  *pass' "$tmp/full.out" &&
	grep -q '^A/B fanout on llc2: A = eevdf (1 run), B = simple (1 run)' "$tmp/full.out" &&
	ok "the matrix and the A/B comparison are printed" || { bad "printed matrix"; cat "$tmp/full.out"; }
py "$tmp/full/junit.xml" <<'P' && ok "one JUnit file: a test case per cell, skips marked" || bad "junit"
import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
assert s.get("tests") == "8" and s.get("skipped") == "2" and s.get("failures") == "0", s.attrib
assert len(s.findall("testcase")) == 8
P

# --- two shards, merged, equal the unsharded matrix ------------------------------------
"$KTSTR" gauntlet $AXES -j 2 --shard 0/2 --out "$tmp/s0" $SCEN >/dev/null 2>&1
KTSTR_SHARD=1/2 "$KTSTR" gauntlet $AXES -j 2 --out "$tmp/s1" $SCEN >/dev/null 2>&1
"$KTSTR" gauntlet merge "$tmp/s0" "$tmp/s1" --out "$tmp/merged" >"$tmp/merged.out" 2>&1
rc=$?
grep -E '^(scenario|steady|fanout) ' "$tmp/full.out" >"$tmp/a"
grep -E '^(scenario|steady|fanout) ' "$tmp/merged.out" >"$tmp/b"
py "$tmp/s0/gauntlet.json" "$tmp/s1/gauntlet.json" <<'P' && [[ $rc == 0 ]] && cmp -s "$tmp/a" "$tmp/b" && ok "shards 0/2 (--shard) and 1/2 (KTSTR_SHARD) merged equal the unsharded matrix" || { bad "merge (exit $rc)"; diff "$tmp/a" "$tmp/b"; }
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
ia = {c["index"] for c in a["cells"]}; ib = {c["index"] for c in b["cells"]}
assert not ia & ib and ia | ib == set(range(8)) and abs(len(ia) - len(ib)) <= 1, (ia, ib)
P
"$KTSTR" gauntlet --level smoke --topologies tiny --out "$tmp/other" scenarios/steady.yaml >/dev/null 2>&1
"$KTSTR" gauntlet merge "$tmp/s0" "$tmp/other" >/dev/null 2>"$tmp/other.err"
rc=$?
[[ $rc == 2 ]] && grep -q "another matrix" "$tmp/other.err" && ok "shards of different matrices refuse to merge" || bad "merge of other matrices (exit $rc)"

# --- a budget: what does not fit is reported as not run ---------------------------------------
"$KTSTR" gauntlet --level smoke --topologies tiny --schedulers eevdf,simple --repeat 2 -j 1 --budget 2s \
	--out "$tmp/budget" scenarios/steady.yaml >"$tmp/budget.out" 2>&1
rc=$?
py "$tmp/budget/gauntlet.json" <<'P' && [[ $rc == 0 ]] && grep -q "4 cells, 1 run, 3 not run" "$tmp/budget.out" && ok "--budget 2s: the first cell runs, 3 reported not run" || { bad "budget (exit $rc)"; tail -3 "$tmp/budget.out"; }
import json, sys
c = json.load(open(sys.argv[1]))["cells"]
assert [x["state"] for x in c] == ["done", "not_run", "not_run", "not_run"], c
P

# --- kernels as an axis: a cache entry, and the Debian source (a cache hit) -------------------
entry=$("$KTSTR" kernel path)
src=/usr/src/linux-source-6.12.tar.xz
if [[ -f $src ]]; then
	"$KTSTR" gauntlet --level smoke --topologies tiny --kernels "$entry,$src" --out "$tmp/kern" scenarios/steady.yaml >"$tmp/kern.out" 2>&1
	rc=$?
	py "$tmp/kern/gauntlet.json" "$entry" <<'P' && [[ $rc == 0 ]] && ok "--kernels: a cache entry and a source tarball (built into the cache: here a hit) as two rows" || { bad "kernels axis (exit $rc)"; tail -5 "$tmp/kern.out"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert d["axes"]["kernels"] == [sys.argv[2], sys.argv[2]], d["axes"]["kernels"]
assert [c["verdict"] for c in d["cells"]] == ["pass", "pass"], d["cells"]
assert {c["id"] for c in d["cells"]} == {"steady.tiny.eevdf.k0.r0", "steady.tiny.eevdf.k1.r0"}
P
fi

# --- schedulers from the path and as binaries; a topology that does not fit -------------------
"$KTSTR" run --json --max-duration 1s --scheduler simple scenarios/steady.yaml >"$tmp/path.json" 2>/dev/null
py "$tmp/path.json" <<'P' && ok "--scheduler simple on a file without include: found on the scheduler path" || bad "scheduler path"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["scheduler"] == "simple" and r["verdict"] == "pass", (r["scheduler"], r["verdict"], r["reason"])
assert any(x["type"] == "scheduler" and x.get("event") == "attached" for x in r["records"])
P
"$KTSTR" run --json --max-duration 1s --scheduler scx_simple --sched-args "-f" scenarios/steady.yaml >"$tmp/bin.json" 2>/dev/null
py "$tmp/bin.json" <<'P' && ok "--scheduler scx_simple --sched-args -f: a binary without a definition" || bad "scheduler binary"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["scheduler"] == "scx_simple" and r["verdict"] == "pass", (r["scheduler"], r["verdict"], r["reason"])
assert any(x["type"] == "scheduler" and x.get("event") == "attached" for x in r["records"])
P
"$KTSTR" run --topology 1n1l2c1t scenarios/fanout.yaml >"$tmp/unfit.out" 2>&1
rc=$?
[[ $rc == 0 ]] && grep -q "^SKIP fanout: does not fit topology 1n1l2c1t" "$tmp/unfit.out" && ok "run --topology that cannot fit: a skip with the reason" || bad "unfit (exit $rc)"
printf 'requires: {smt: true}\nbackdrop:\n  cgroups: [{name: a}]\n' >"$tmp/smt.yaml"
"$KTSTR" run --topology 1n1l2c1t "$tmp/smt.yaml" >"$tmp/smt.out" 2>&1
rc=$?
[[ $rc == 0 ]] && grep -q "^SKIP smt: needs SMT" "$tmp/smt.out" && ok "requires: {smt: true} on a topology without SMT: a skip" || bad "requires (exit $rc)"

# --- SIGINT: prompt, no QEMU left, summary written -------------------------------------------
# The gauntlet's VMs: QEMUs whose environment names its output directory.
qemus() { qemus_with "$tmp/int"; }
"$KTSTR" gauntlet --topologies tiny --schedulers eevdf,simple --repeat 3 -j 2 --out "$tmp/int" scenarios/steady.yaml >"$tmp/int.out" 2>&1 &
g=$!
for _ in $(seq 60); do
	(($(qemus) > 0)) && break
	sleep 0.5
done
sleep 2
kill -INT $g
start=$(date +%s)
wait $g
rc=$?
el=$(($(date +%s) - start))
sleep 1
left=$(qemus)
py "$tmp/int/gauntlet.json" <<'P' && [[ $rc == 130 && $el -lt 30 && ${left:-0} == 0 ]] && ok "SIGINT: stopped in ${el}s (exit 130), no QEMU left, summary written" || { bad "SIGINT (exit $rc, ${el}s, $left qemu)"; tail -5 "$tmp/int.out"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["cells"]) == 6
assert any(c["state"] == "not_run" for c in d["cells"]), [c["state"] for c in d["cells"]]
P

finish
