#!/bin/bash
# reduce-bench.sh [KTSTR] — benchmark, not a test (TCG here).  Two failing
# scenarios reduced with -j 1 and -j 2: a deterministic failure under
# EEVDF (tests/scenarios/reduce_big.yaml: a frozen step's claim among
# noise) and a
# scheduler fault flag (scenarios/mixed_workloads.yaml under scx_qmap
# with error_after).  For each: size before and after, candidate runs,
# wall time.
set -uo pipefail
KTSTR=${1:-./ktstr}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KTSTR_RUNS=$tmp/runs
case_run() { # name j args...
	local name=$1 j=$2
	shift 2
	local s e
	s=$(date +%s)
	# both failures are deterministic: 1 of 1 runs per candidate
	"$KTSTR" reduce -j "$j" --repeat 1/1 -o "$tmp/$name.$j.yaml" "$@" >"$tmp/$name.$j.out" 2>&1
	e=$(date +%s)
	echo "== $name, -j $j: $((e - s)) s"
	grep -E '^reduce: (signature|wrote|no smaller)' "$tmp/$name.$j.out" | sed 's/^/  /'
}
for j in 1 2; do
	case_run frozen_step "$j" tests/scenarios/reduce_big.yaml
	case_run qmap_error "$j" --scheduler qmap --flags error_after scenarios/mixed_workloads.yaml
done
