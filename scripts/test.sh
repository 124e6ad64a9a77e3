#!/bin/bash
# test.sh: the whole test suite — set up, run `make check` on the normal
# build, then build a copy of the tree with ASan and UBSan and run the same
# suite there.  Exit status is non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== make check (normal build)"
make -s -j"$(nproc)" check || { cat tests/*.log tests/unit/*.log 2>/dev/null | tail -80; exit 1; }
cat tests/unit/*.log tests/*.log 2>/dev/null | grep -E '^(\[  (PASSED|FAILED)|[0-9]+ passed, [0-9]+ failed)' || true

if [[ ${KTSTR_SKIP_SANITIZERS:-} != 1 ]]; then
	echo "== make check (ASan + UBSan build)"
	san=build-san
	rm -rf "$san" && mkdir -p "$san"
	# Copy the sources only (tracked and new files), not this tree's build.
	git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- . "$san/"
	ln -s "$PWD/tests/schema/node_modules" "$san/tests/schema/node_modules" 2>/dev/null || true
	(
		cd "$san"
		autoreconf -fi >/dev/null
		./configure -q --enable-sanitizers CC=gcc
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		make -s -j"$(nproc)" check || { cat tests/*.log tests/unit/*.log 2>/dev/null | tail -80; exit 1; }
	)
fi

# The closing line CI reads: totals over both builds' test logs.
pass=0 fail=0
for f in tests/*.trs tests/unit/*.trs build-san/tests/*.trs build-san/tests/unit/*.trs; do
	[[ -f $f ]] || continue
	if grep -q ':test-result: PASS' "$f"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "$pass passed, $fail failed"
((fail == 0))
