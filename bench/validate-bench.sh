#!/bin/sh
# Benchmark (not a test) of `ktstr validate` against yamllint.
#   usage: bench/validate-bench.sh KTSTR [COUNT] [SEED]
#
# Generates COUNT (default 1000) varied valid scenarios with
# bench/gen-scenarios.py into a temporary directory, checks that ktstr
# accepts every one (and stops loudly if not), then times:
#   (a) KTSTR validate over the catalog, scenarios/*.yaml
#   (b) KTSTR validate over the generated files (batched through xargs)
#   (c) yamllint -d relaxed over the generated files (skipped, with a
#       message, when yamllint is not installed)
# and prints each wall time and the yamllint/ktstr ratio for (b)/(c).
# Needs python3.  Wall times come from `date +%s.%N`; each timing is the
# best of REPEAT runs (env, default 3).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

if [ $# -lt 1 ]; then
	echo "usage: bench/validate-bench.sh KTSTR [COUNT] [SEED]" >&2
	exit 2
fi
case $1 in
*/*) ktstr=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") ;;
*) ktstr=$(command -v "$1" || true) ;;
esac
count=${2:-1000}
seed=${3:-1}
repeat=${REPEAT:-3}
batch=200	# files per ktstr/yamllint invocation

if [ -z "$ktstr" ] || [ ! -x "$ktstr" ]; then
	echo "validate-bench: $1 is not an executable ktstr" >&2
	exit 2
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "validate-bench: python3 is needed to generate the scenarios" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
gen="$tmp/gen"

now() { date +%s.%N; }
# best_of CMD...: run CMD REPEAT times (output discarded), print the
# shortest wall time in seconds; fails if any run fails.
best_of() {
	best=
	i=0
	while [ "$i" -lt "$repeat" ]; do
		t0=$(now)
		"$@" >/dev/null 2>"$tmp/err" || {
			echo "validate-bench: timed command failed: $*" >&2
			head -n 20 "$tmp/err" >&2
			return 1
		}
		t1=$(now)
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
			'BEGIN { d = b - a; if (best == "" || d < best) best = d; printf "%.3f", best }')
		i=$((i + 1))
	done
	echo "$best"
}
# Over the generated files, in batches so argv stays short.
validate_gen() { find "$gen" -name '*.yaml' | sort | xargs -n "$batch" "$ktstr" validate; }
yamllint_gen() { find "$gen" -name '*.yaml' | sort | xargs -n "$batch" yamllint -d relaxed; }
yamllint_gen_anyway() { yamllint_gen || true; }
validate_catalog() { "$ktstr" validate "$top"/scenarios/*.yaml; }

# ---- generate and check ----------------------------------------------------
echo "generating $count scenarios (seed $seed) in $gen"
python3 "$here/gen-scenarios.py" "$gen" "$count" "$seed"
ngen=$(find "$gen" -name '*.yaml' | wc -l)
bytes=$(cat "$gen"/*.yaml | wc -c)
if [ "$ngen" -ne "$count" ]; then
	echo "validate-bench: FAIL: expected $count generated files, found $ngen" >&2
	exit 1
fi
if ! find "$gen" -name '*.yaml' | sort | xargs -n "$batch" "$ktstr" validate >"$tmp/check.out" 2>&1; then
	echo "validate-bench: FAIL: ktstr rejects generated scenarios (the generator or the validator is wrong):" >&2
	grep -v 'files invalid$' "$tmp/check.out" | head -n 40 >&2
	exit 1
fi
if [ -s "$tmp/check.out" ]; then
	echo "validate-bench: FAIL: ktstr printed diagnostics for generated scenarios:" >&2
	head -n 40 "$tmp/check.out" >&2
	exit 1
fi
ncat=$(find "$top/scenarios" -maxdepth 1 -name '*.yaml' | wc -l)
echo "all $ngen generated files are valid ($bytes bytes); catalog has $ncat scenarios"
echo "timings: best of $repeat runs, wall clock"

# ---- time ----------------------------------------------------------------------
if [ "$ncat" -gt 0 ]; then
	ta=$(best_of validate_catalog)
	printf '(a) ktstr validate, catalog (%d files):    %8.3f s\n' "$ncat" "$ta"
else
	echo "(a) skipped: no scenarios/*.yaml"
fi
tb=$(best_of validate_gen)
printf '(b) ktstr validate, generated (%d files): %8.3f s  (%.0f files/s)\n' \
	"$ngen" "$tb" "$(awk -v n="$ngen" -v t="$tb" 'BEGIN { print (t > 0 ? n / t : 0) }')"

if command -v yamllint >/dev/null 2>&1; then
	# yamllint exits 1 on errors (warnings alone exit 0); relaxed has few
	# errors, but count them so a failing lint is not mistaken for a timing.
	yerr=$(find "$gen" -name '*.yaml' | sort | xargs -n "$batch" yamllint -d relaxed -f parsable 2>&1 |
		grep -c '\[error\]' || true)
	if [ "$yerr" -gt 0 ]; then
		echo "(c) note: yamllint reports $yerr errors on the generated files; timing it anyway"
		tc=$(best_of yamllint_gen_anyway)
	else
		tc=$(best_of yamllint_gen)
	fi
	printf '(c) yamllint -d relaxed, generated:        %8.3f s  (%s)\n' "$tc" \
		"$(yamllint --version 2>&1)"
	printf 'ratio yamllint/ktstr on the generated files: %.1fx\n' \
		"$(awk -v c="$tc" -v b="$tb" 'BEGIN { print (b > 0 ? c / b : 0) }')"
else
	echo "(c) skipped: yamllint is not installed (apt-get install yamllint, or pip install yamllint)"
fi
