#!/bin/bash
# setup.sh: make this checkout ready to use on Debian 12 — install the
# packages the build, the guest kernel and the tests need (only those
# missing), check that every library configure asks pkg-config for
# resolves, configure and build ./ktstr, and build the guest kernel into
# the cache if it is not there yet (about 12 minutes on 2 cores, once).
# Idempotent: a second run does nothing expensive.
#
#   scripts/setup.sh            everything above
#   scripts/setup.sh --check    only the pkg-config check (exit 1 naming
#                               each module that does not resolve)
set -euo pipefail
cd "$(dirname "$0")/.."

# The libraries come from m4/requirements.m4, the list configure.ac uses;
# these are the programs and sources around them.
TOOLS=(
	build-essential autoconf automake libtool pkg-config
	clang-16 llvm-16 libclang-rt-16-dev yamllint groff-base rsync git python3 nodejs npm
	qemu-system-x86 busybox-static linux-source-6.12 bc flex bison
	libssl-dev dwarves xz-utils libzstd-dev
	trace-cmd chromium mmdebstrap
	rt-tests stress-ng fio rt-app e2fsprogs
)

# One line per row of m4/requirements.m4: module spec, TAB, Debian
# package, TAB, REQUIRE or OPTIONAL.
requirements() {
	sed -nE 's/^KT_(REQUIRE|OPTIONAL)\(\[[A-Za-z0-9_]+\], *\[([^]]+)\], *\[([^]]+)\].*/\2\t\3\t\1/p' \
		m4/requirements.m4
}

# The Debian package that provides pkg-config module $1, from the list.
package_of() {
	requirements | awk -F'\t' -v m="$1" '{ split($1, w, " ") } w[1] == m { print $2; exit }'
}

# Why pkg-config spec $1 does not resolve, in one line, naming the
# package to install: a module missing anywhere in its Requires chain is
# named with its own package, not the one that asked for it.
why_unresolved() {
	local spec=$1 pkg=$2 errs missing found
	errs=$(pkg-config --print-errors --exists "$spec" 2>&1 || true)
	missing=$(sed -nE "s/^Package '([^']+)', required by '[^']*', not found$/\1/p" <<<"$errs" | tail -1)
	if [[ $missing == "${spec%% *}" ]]; then
		echo "not installed; install the Debian package $pkg"
		return
	elif [[ -n $missing ]]; then
		found=$(package_of "$missing")
		echo "it requires $missing, which is not installed; install the Debian package" \
			"${found:-that provides $missing.pc} ($pkg does not depend on it)"
		return
	fi
	found=$(grep -m1 "has version" <<<"$errs" || grep -m1 . <<<"$errs" || true)
	echo "${found:-pkg-config cannot resolve it}; install or upgrade the Debian package $pkg"
}

check_modules() {
	local spec pkg kind bad=0
	while IFS=$'\t' read -r spec pkg kind; do
		pkg-config --exists "$spec" 2>/dev/null && continue
		if [[ $kind == OPTIONAL ]]; then
			echo "setup: warning: pkg-config module '$spec' does not resolve: $(why_unresolved "$spec" "$pkg")" >&2
		else
			echo "setup: error: pkg-config module '$spec' does not resolve: $(why_unresolved "$spec" "$pkg")" >&2
			bad=1
		fi
	done < <(requirements)
	return $bad
}

if [[ ${1:-} == --check ]]; then
	check_modules
	exit
fi

mapfile -t LIBRARIES < <(requirements | cut -f2)
missing=()
for p in "${TOOLS[@]}" "${LIBRARIES[@]}"; do
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
check_modules || { echo "setup: the libraries above are missing; configure would fail" >&2; exit 1; }

if [[ ! -x configure || configure.ac -nt configure || Makefile.am -nt Makefile.in || m4/requirements.m4 -nt configure ]]; then
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
