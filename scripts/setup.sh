#!/bin/bash
# setup.sh: make this checkout ready to use on Debian 12 — install the
# packages the build and the tests need (only those missing), configure
# and build ./ktstr.  Idempotent: a second run does nothing expensive.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
	build-essential autoconf automake libtool pkg-config
	libyaml-dev libcjson-dev libpcre2-dev libbpf-dev libelf-dev
	zlib1g-dev libzstd-dev libcmocka-dev
	clang-16 yamllint groff-base rsync git nodejs npm
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
make -s -j"$(nproc)" ktstr
