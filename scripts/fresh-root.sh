#!/bin/bash
# fresh-root.sh: does the README's first command work on a brand-new
# Debian 12 machine?  A machine that has been worked on keeps packages
# nobody asked for, so a green suite there can hide a missing install
# step (it did: libtracefs-dev).  This builds a new root with mmdebstrap,
# clones the committed checkout into it and runs, inside it,
#
#     scripts/setup.sh && ./ktstr scenarios/fanout.yaml
#
# a real TCG VM.  The guest kernel cache of this machine is mounted as the
# lower layer of an overlay, so the kernel is not rebuilt (about 12
# minutes) and nothing inside can change the cache; everything else the
# root must install itself.
#
# Every mount lives in a private mount namespace (unshare -m) and so dies
# with it; on exit, Ctrl-C or TERM the processes still running in the root
# are killed and the root is removed.  A failure names its step and shows
# the end of that step's output.  Needs root (CI runs as root); about 5
# minutes on 2 cores.
#
#   scripts/fresh-root.sh [--keep]      --keep leaves the root for a look
set -euo pipefail

SUITE=bookworm
MIRRORS=(
	"deb http://deb.debian.org/debian $SUITE main"
	"deb http://deb.debian.org/debian $SUITE-updates main"
	"deb http://deb.debian.org/debian-security $SUITE-security main"
)
CHROOT_ENV=(env -i HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)

say() { echo "fresh-root: $*"; }
die() {
	say "error: $*" >&2
	exit 1
}

# Run step $1 (a name) as the command that follows, its output in the
# log; on failure name the step and show the log's end.
step() {
	local name=$1 t0=$SECONDS rc=0 from
	shift
	say "$name ..."
	echo "== $name" >>"$LOG"
	from=$(wc -l <"$LOG")
	"$@" >>"$LOG" 2>&1 || rc=$?
	if ((rc)); then
		say "FAILED at step '$name' (exit $rc, after $((SECONDS - t0)) s); the end of its output:" >&2
		tail -n +"$((from + 1))" "$LOG" | tail -40 | sed 's/^/  | /' >&2
		exit 1
	fi
	say "$name: ok ($((SECONDS - t0)) s)"
}

# ---- inside the private mount namespace ------------------------------------
in_root() { "${CHROOT_ENV[@]}" chroot "$ROOT" /bin/bash -c "cd /work/ktstr && $*"; }

mount_root() {
	mount -t proc proc "$ROOT/proc"
	mount --rbind /sys "$ROOT/sys"
	mount --rbind /dev "$ROOT/dev"
	# The guest's RAM is a file here (the host monitor maps it): a tmpfs of
	# the namespace's own, gone with it.
	mount -t tmpfs -o size=4g,mode=1777 tmpfs "$ROOT/dev/shm"
	mount -t tmpfs -o mode=1777 tmpfs "$ROOT/tmp"
	# The kernel cache as an overlay: ktstr reads this machine's entry and
	# writes what it will (its log, initramfs pieces) to the upper layer,
	# inside the root; the cache itself is never written.
	mkdir -p "$ROOT/root/.cache/ktstr" "$UPPER" "$ROOT/var/cache/ktstr-overlay/work"
	mount -t overlay overlay -o "lowerdir=$CACHE,upperdir=$UPPER,workdir=$ROOT/var/cache/ktstr-overlay/work" \
		"$ROOT/root/.cache/ktstr"
}

# setup.sh found this machine's kernel: it built no entry of its own.
check_no_rebuild() {
	local built
	built=$(ls "$UPPER/kernels" 2>/dev/null | grep -v '^\.' || true)
	[[ -z $built ]] || { echo "setup built a kernel entry of its own: $built (the cached one did not fit)"; return 1; }
	ls "$ROOT"/root/.cache/ktstr/kernels/*/bzImage
}

# The run must have passed and left its JSON result.
check_result() {
	local r
	r=$(ls -t "$ROOT"/work/ktstr/ktstr-runs/fanout*.json 2>/dev/null | head -1)
	[[ -n $r ]] || { echo "no result file in ktstr-runs/"; return 1; }
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sys.argv[1].split("/")[-1], r["verdict"], r.get("reason","")); sys.exit(r["verdict"]!="pass")' "$r"
}

inside() {
	step "mount /proc, /sys, /dev, a /dev/shm and the kernel cache (an overlay)" mount_root
	step "scripts/setup.sh (packages from Debian, configure, build)" in_root scripts/setup.sh
	step "the guest kernel came from the cache, not rebuilt" check_no_rebuild
	step "./ktstr scenarios/fanout.yaml (a TCG VM)" in_root ./ktstr scenarios/fanout.yaml
	step "the result says pass" check_result
}

if [[ ${1:-} == --inside ]]; then
	ROOT=$2 CACHE=$3 LOG=$4 UPPER=$2/var/cache/ktstr-overlay/upper
	inside
	exit
fi

# ---- outside ------------------------------------------------------------------
SRC=$(cd "$(dirname "$0")/.." && pwd)
KEEP=0
[[ ${1:-} == --keep ]] && KEEP=1
(($(id -u) == 0)) || die "needs root (mmdebstrap, chroot and mounts); run it as root or under sudo"
for tool in mmdebstrap unshare chroot git python3; do
	command -v "$tool" >/dev/null || die "$tool not found; run scripts/setup.sh first"
done
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ktstr
ls "$CACHE"/kernels/*/bzImage >/dev/null 2>&1 ||
	die "no guest kernel in $CACHE; run scripts/setup.sh first (the fresh root reuses this machine's kernel)"
[[ -z $(git -C "$SRC" status --porcelain --untracked-files=no) ]] ||
	say "note: uncommitted changes are not in the fresh root (it clones HEAD)"

ROOT=$(mktemp -d "${KTSTR_FRESHROOT_DIR:-/var/tmp}/ktstr-freshroot.XXXXXX")
LOG=$ROOT.log
CHILD=

# Processes whose root directory is the fresh root: what a Ctrl-C left.
root_pids() {
	local p
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/root" 2>/dev/null) == "$ROOT" ]] && echo "${p#/proc/}"
	done
	return 0
}

cleanup() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	set +e
	[[ -n $CHILD ]] && kill -TERM "$CHILD" 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[[ -z $(root_pids) ]] && break
		((i == 1)) && kill -TERM $(root_pids) 2>/dev/null
		((i == 6)) && kill -KILL $(root_pids) 2>/dev/null
		sleep 1
	done
	[[ -n $CHILD ]] && wait "$CHILD" 2>/dev/null
	# The mounts were the namespace's; should one be visible here, never
	# delete through it (the kernel cache is one of them).
	if grep -qF " $ROOT/" /proc/self/mountinfo; then
		say "error: mounts left under $ROOT; not removing it" >&2
		rc=1
	elif ((KEEP)); then
		say "kept $ROOT (log $LOG)"
	else
		rm -rf --one-file-system "$ROOT" "$LOG"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

say "root $ROOT (log $LOG)"
t0=$SECONDS
# mmdebstrap mounts /proc and /dev in the target while it works: in a
# namespace of its own, so that an interrupted one leaves nothing behind.
step "mmdebstrap --variant=apt $SUITE (a brand-new Debian 12 root)" \
	unshare -m --propagation private mmdebstrap --variant=apt --quiet "$SUITE" "$ROOT" "${MIRRORS[@]}"
step "git clone the checkout's HEAD into /work/ktstr" git clone -q "$SRC" "$ROOT/work/ktstr"
unshare -m --propagation private "$0" --inside "$ROOT" "$CACHE" "$LOG" &
CHILD=$!
wait "$CHILD"
CHILD=
say "pass: the README's first command works on a brand-new Debian 12 root ($((SECONDS - t0)) s)"
