# lib.sh: what every shell test starts with — the ktstr under test, a
# temp dir removed on exit, ok/bad counters and the summary line.
# Sourced by tests/*.sh (run by `make check` with KTSTR and SRCDIR set,
# or by hand from the repository root).
set -u
KTSTR=${KTSTR:-./ktstr}
SRCDIR=${SRCDIR:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
# The summary and the exit status.
finish() {
	echo "$pass passed, $fail failed"
	((fail == 0))
}
# How many QEMU processes have `marker` in their environment: the VMs of
# one command (other tests' VMs may run beside them).
qemus_with() {
	local n=0 p
	for p in $(pgrep qemu-system); do
		grep -qa "$1" "/proc/$p/environ" 2>/dev/null && n=$((n + 1))
	done
	echo $n
}
# VM tests skip (77) without a guest kernel in the cache.
need_kernel() {
	if ! "$KTSTR" kernel path >/dev/null 2>&1; then
		echo "SKIP: no guest kernel (run: $KTSTR kernel build)"
		exit 77
	fi
}
