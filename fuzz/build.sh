#!/bin/sh
# Build the libFuzzer targets (fuzz_yaml, fuzz_bytecode, fuzz_result)
# into fuzz/bin/.
# The interp/ sources are compiled directly with ASan, UBSan and fuzzer
# instrumentation; the autotools build is not involved (so -D_GNU_SOURCE,
# which configure adds via AC_USE_SYSTEM_EXTENSIONS, is given here).
#   usage: fuzz/build.sh [TARGET...]     (default: all targets)
#   env:   CC (default clang-16), EXTRA_CFLAGS
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
CC=${CC:-clang-16}
EXTRA_CFLAGS=${EXTRA_CFLAGS:-}

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz/build.sh: $CC not found; install clang-16 (or set CC)" >&2
	exit 1
fi
if ! deps=$(pkg-config --cflags --libs yaml-0.1 libcjson libpcre2-8); then
	echo "fuzz/build.sh: pkg-config cannot find yaml-0.1, libcjson and libpcre2-8" >&2
	exit 1
fi

targets=${*:-"fuzz_yaml fuzz_bytecode fuzz_result"}
mkdir -p "$here/bin"

for t in $targets; do
	src="$here/$t.c"
	if [ ! -f "$src" ]; then
		echo "fuzz/build.sh: no such target: $t" >&2
		exit 1
	fi
	# The result reader needs the host's checking and result code (and,
	# through the result builder, the VM layer it reports on).
	extra="" extra_libs=""
	if [ "$t" = fuzz_result ]; then
		extra="$top/src/check/checker.c $top/src/check/metrics.c $top/src/check/findings.c
			$top/src/check/result.c $top/src/check/resultio.c $top/src/check/payloadout.c
			$top/src/check/payloadview.c $top/src/check/resulttext.c $top/src/proc.c $top/src/vm/vm.c
			$top/src/vm/monitor.c $top/src/vm/kmem.c $top/guest/record.c $top/guest/report.c"
		extra_libs="$(pkg-config --cflags --libs libbpf libelf) -lz -pthread"
	fi
	echo "build $t -> fuzz/bin/$t"
	# shellcheck disable=SC2086  # deps, extra and EXTRA_CFLAGS are word lists
	"$CC" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -D_GNU_SOURCE -DPACKAGE_VERSION=\"fuzz\" -I"$top/interp" -I"$top/src" -I"$top/src/check" -I"$top/src/vm" \
		-I"$top/guest" $EXTRA_CFLAGS \
		-o "$here/bin/$t" "$src" "$top"/interp/*.c $extra $deps $extra_libs -lz -lm
done
