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
# `ktstr run --json ARGS...` expecting an exit status; the result in
# $tmp/NAME.json, stderr in $tmp/NAME.err, and on a surprise a FAIL with
# the verdict's reason.
run() { # name expected-exit args...
	local name=$1 want=$2
	shift 2
	"$KTSTR" run --json "$@" >"$tmp/$name.json" 2>"$tmp/$name.err"
	local rc=$?
	if [[ $rc != "$want" ]]; then
		bad "$name: exit $rc, want $want"
		head -c 600 "$tmp/$name.err"
		python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('  verdict:', r['verdict'], '-', r['reason'])" "$tmp/$name.json" 2>/dev/null
		return 1
	fi
	return 0
}
py() { python3 - "$@"; }
# VM tests skip (77) without a guest kernel in the cache.
need_kernel() {
	if ! "$KTSTR" kernel path >/dev/null 2>&1; then
		echo "SKIP: no guest kernel (run: $KTSTR kernel build)"
		exit 77
	fi
}
