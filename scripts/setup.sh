#!/bin/bash
# setup.sh: make this checkout ready to use on Debian 12 — install the
# packages the build, the guest kernel and the tests need (only those
# missing), configure and build ./ktstr, and build the guest kernel into
# the cache if it is not there yet (about 12 minutes on 2 cores, once).
# Idempotent: a second run does nothing expensive.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
	build-essential autoconf automake libtool pkg-config
	libyaml-dev libcjson-dev libpcre2-dev libbpf-dev libelf-dev
	zlib1g-dev libzstd-dev libcmocka-dev
	clang-16 llvm-16 libclang-rt-16-dev yamllint groff-base rsync git python3 nodejs npm
	qemu-system-x86 busybox-static linux-source-6.12 bc flex bison
	libssl-dev dwarves xz-utils
	trace-cmd libtracecmd-dev libtracefs-dev libtraceevent-dev chromium mmdebstrap
	rt-tests stress-ng fio rt-app e2fsprogs
)

missing=()
for p in "${PACKAGES[@]}"; do
	# nodejs/npm may come from elsewhere (e.g. NodeSource); accept any node.
	if [[ $p == nodejs || $p == npm ]] && command -v "${p/nodejs/node}" >/dev/null; then
		continue
	fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	SUDO=""
	[[ $(id -u) -ne 0 ]] && SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x configure || configure.ac -nt configure || Makefile.am -nt Makefile.in ]]; then
	autoreconf -fi >/dev/null
fi
if [[ ! -f Makefile || configure -nt config.status ]]; then
	./configure -q
fi
make -s -j"$(nproc)" ktstr ktstr-guest

# The guest kernel: a no-op when the cache has the whole entry; an entry
# from before the sched_ext selftests runner was part of it gets just
# that (about 20 s).
./ktstr kernel build >/dev/null
