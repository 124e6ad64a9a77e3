#!/bin/bash
# gauntlet-bench.sh [KTSTR] — benchmark, not a test (TCG here).
#  1. throughput: the same 8-cell matrix (two scenarios x two presets x
#     {eevdf, simple}, smoke level) with -j 1 and -j 2: cells per hour and
#     the ratio (goal >= 1.8 on 2 cores);
#  2. cost of a smoke gauntlet of the whole catalog on three presets x
#     {eevdf, simple}: wall time and the matrix.
set -euo pipefail
KTSTR=${1:-./ktstr}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KTSTR_RUNS=$tmp/runs
AXES="--level smoke --topologies tiny,llc2 --schedulers eevdf,simple"
SCEN="scenarios/steady.yaml scenarios/oversubscribed.yaml"
declare -A wall
for j in 1 2; do
	s=$(date +%s.%N)
	"$KTSTR" gauntlet $AXES -j $j --out "$tmp/j$j" $SCEN >/dev/null 2>&1 || true
	e=$(date +%s.%N)
	wall[$j]=$(python3 -c "print($e - $s)")
	python3 -c "print(f'  -j $j: 8 cells in {${wall[$j]}:.1f} s = {8 * 3600 / ${wall[$j]}:.0f} cells/hour')"
done
python3 -c "print(f'  speedup -j 2 / -j 1: {${wall[1]} / ${wall[2]}:.2f}x')"
echo "== smoke gauntlet of the catalog, presets tiny,llc2,smt x {eevdf, simple}, -j $(nproc)"
s=$(date +%s)
"$KTSTR" gauntlet --level smoke --topologies tiny,llc2,smt --schedulers eevdf,simple --out "$tmp/catalog" >"$tmp/catalog.out" 2>&1 || true
e=$(date +%s)
grep -A 30 '^scenario ' "$tmp/catalog.out" | grep -v '^  ' || true
echo "  $(grep -c '"id"' "$tmp/catalog/gauntlet.json") cells in $((e - s)) s"
