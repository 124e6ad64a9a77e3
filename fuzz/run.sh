#!/bin/sh
# Run one fuzz target for a fixed time and print a one-line summary.
#   usage: fuzz/run.sh TARGET SECONDS [LIBFUZZER_ARG...]
#   TARGET: yaml, bytecode or result (fuzz_yaml ... are accepted too)
#   env:    KTSTR  ktstr binary used to make bytecode seeds (default ./ktstr)
#
# The working corpus is fuzz/corpus/TARGET (ignored by git).  Each run
# first copies in the tracked seeds from fuzz/seeds/TARGET, plus, for yaml,
# scenarios/*.yaml and tests/invalid/*.yaml, and for bytecode, the output
# of `ktstr dump -q -o` for every scenarios/*.yaml.  Crash, leak, timeout
# and OOM reproducers and the libFuzzer log go to fuzz/out/TARGET/.  The
# target binary is built with fuzz/build.sh if it is missing.
#
# The fuzzer runs in an empty scratch directory with stdin from /dev/null,
# so scenario includes (resolved against the working directory) fail to
# read rather than pick up repository files or block.
#
# Exit status: 0 when no crash was found, 1 when one was, 2 on usage or
# setup errors.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

usage() {
	echo "usage: fuzz/run.sh yaml|bytecode|result SECONDS [LIBFUZZER_ARG...]" >&2
	exit 2
}
[ $# -ge 2 ] || usage
case $1 in
yaml | fuzz_yaml) kind=yaml ;;
bytecode | fuzz_bytecode) kind=bytecode ;;
result | fuzz_result) kind=result ;;
*) usage ;;
esac
secs=$2
shift 2
case $secs in
'' | *[!0-9]*) usage ;;
esac

bin="$here/bin/fuzz_$kind"
corpus="$here/corpus/$kind"
out="$here/out/$kind"
KTSTR=${KTSTR:-"$top/ktstr"}

if [ ! -x "$bin" ]; then
	"$here/build.sh" "fuzz_$kind" || exit 2
fi
mkdir -p "$corpus" "$out"

# ---- seed the working corpus --------------------------------------------
seed_copy() {	# seed_copy FILE... : copy into the corpus unless already there
	for f in "$@"; do
		[ -f "$f" ] || continue
		[ -e "$corpus/$(basename "$f")" ] || cp "$f" "$corpus/"
	done
}
if [ "$kind" = yaml ]; then
	seed_copy "$here"/seeds/yaml/*.yaml "$top"/scenarios/*.yaml
	for f in "$top"/tests/invalid/*.yaml; do
		[ -f "$f" ] || continue
		[ -e "$corpus/invalid-$(basename "$f")" ] || cp "$f" "$corpus/invalid-$(basename "$f")"
	done
	dict="-dict=$here/yaml.dict"
elif [ "$kind" = result ]; then
	seed_copy "$here"/seeds/result/*.json	# real results, series trimmed
	dict=
else
	seed_copy "$here"/seeds/bytecode/*
	if [ -x "$KTSTR" ]; then
		for f in "$top"/scenarios/*.yaml; do
			[ -f "$f" ] || continue
			dst="$corpus/scenario-$(basename "$f" .yaml).bin"
			"$KTSTR" dump -q -o "$dst" "$f" >/dev/null 2>&1 ||
				echo "fuzz/run.sh: note: ktstr dump failed for $f; not seeded" >&2
		done
	else
		echo "fuzz/run.sh: note: $KTSTR not built; bytecode corpus has only fuzz/seeds/bytecode" >&2
	fi
	dict=
fi

# ---- run --------------------------------------------------------------------
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ktstr-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
stamp=$(date +%Y%m%d-%H%M%S)
log="$out/fuzz-$stamp.log"
marker="$scratch/.start"
: >"$marker"
nseeds=$(find "$corpus" -type f | wc -l)

# Stack traces for UBSan reports too; keep anything the caller set.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export UBSAN_OPTIONS

echo "fuzz/run.sh: $kind for ${secs}s, corpus fuzz/corpus/$kind ($nseeds inputs), log ${log#"$top"/}"
rc=0
# shellcheck disable=SC2086  # $dict is empty or one word
(cd "$scratch" && "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/" \
	$dict "$@" "$corpus" </dev/null >"$log" 2>&1) || rc=$?

# ---- summary ---------------------------------------------------------------
final_stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
execs=$(final_stat number_of_executed_units)
rate=$(final_stat average_exec_per_sec)
rss=$(final_stat peak_rss_mb)
cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
if [ -z "$execs" ]; then
	# -fork=N prints no final stats; its progress lines start "#EXECS: cov:".
	execs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
	[ -z "$execs" ] || [ "$secs" -eq 0 ] || rate=$((execs / secs))
fi
artifacts=$(find "$out" -maxdepth 1 -type f -newer "$marker" \
	\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \
	-o -name 'slow-unit-*' \) | sort)
ncrash=0
for a in $artifacts; do
	case $(basename "$a") in slow-unit-*) ;; *) ncrash=$((ncrash + 1)) ;; esac
done
ncorpus=$(find "$corpus" -type f | wc -l)

echo "summary: target=$kind seconds=$secs execs=${execs:-?} execs_per_sec=${rate:-?}" \
	"cov=${cov:-?} corpus=$ncorpus peak_rss_mb=${rss:-?} crashes=$ncrash"
for a in $artifacts; do
	echo "artifact: ${a#"$top"/}"
done
if [ "$ncrash" -gt 0 ] || [ -z "$execs" ]; then
	[ -n "$execs" ] || echo "fuzz/run.sh: libFuzzer ended without final stats (rc $rc); log tail:" >&2
	report=$(grep -E -A40 '^==[0-9]+==ERROR|runtime error:|deadly signal|^fuzz_(yaml|bytecode):' "$log" | head -n 60)
	if [ -n "$report" ]; then
		printf '%s\n' "$report" >&2
	else
		tail -n 40 "$log" >&2
	fi
	exit 1
fi
exit 0
