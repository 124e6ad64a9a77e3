#!/bin/bash
# The one list of libraries (m4/requirements.m4) is the only one:
# configure asks pkg-config for nothing else, each row's Debian package
# really ships that module's .pc, and scripts/setup.sh --check names the
# package to install for a module missing anywhere in a Requires chain
# (libtracecmd needs libtracefs, which Debian's libtracecmd-dev does not
# pull in: a brand-new machine failed configure on exactly that).
. "$(dirname "$0")/lib.sh"
req=$SRCDIR/m4/requirements.m4
setup=$SRCDIR/scripts/setup.sh

n=$(grep -c 'PKG_CHECK_MODULES' "$SRCDIR/configure.ac")
[[ $n == 2 ]] && ok "configure.ac checks libraries only through the rows of requirements.m4" ||
	bad "configure.ac has $n PKG_CHECK_MODULES (want 2: KT_REQUIRE and KT_OPTIONAL)"

rows=$(sed -nE 's/^KT_(REQUIRE|OPTIONAL)\(\[[A-Za-z0-9_]+\], *\[([a-z0-9._-]+)[^]]*\], *\[([^]]+)\].*/\2 \3/p' "$req")
[[ $(wc -l <<<"$rows") -ge 8 ]] && ok "requirements.m4 has $(wc -l <<<"$rows") rows" || bad "requirements.m4 rows: $rows"
while read -r module pkg; do
	pc=$(pkg-config --variable=pcfiledir "$module" 2>/dev/null)/$module.pc
	owner=$(dpkg -S "$pc" 2>/dev/null | cut -d: -f1)
	[[ $owner == "$pkg" ]] && ok "$module.pc is shipped by $pkg" ||
		bad "$module: row names $pkg, but $pc belongs to '${owner:-no package}'"
done <<<"$rows"

# Every module of every row, each with its whole Requires chain resolved.
all=$tmp/all
mkdir -p "$all"
while read -r module _; do
	cp "$(pkg-config --variable=pcfiledir "$module")/$module.pc" "$all/"
done <<<"$rows"
for dep in $(pkg-config --print-requires --print-requires-private $(cut -d' ' -f1 <<<"$rows") | cut -d' ' -f1 | sort -u); do
	[[ -f $all/$dep.pc ]] || cp "$(pkg-config --variable=pcfiledir "$dep")/$dep.pc" "$all/"
done
PKG_CONFIG_LIBDIR=$all "$setup" --check >"$tmp/ok.out" 2>&1 &&
	ok "setup --check passes when every module resolves" || { bad "setup --check on a complete set"; cat "$tmp/ok.out"; }

# The new machine: libtracecmd-dev installed, libtracefs-dev not.
rm "$all/libtracefs.pc"
PKG_CONFIG_LIBDIR=$all "$setup" --check >"$tmp/nofs.out" 2>&1
rc=$?
[[ $rc == 1 ]] && ok "setup --check fails without libtracefs" || bad "setup --check without libtracefs: exit $rc"
grep -q "'libtracecmd >= 1.3' does not resolve: it requires libtracefs, which is not installed; install the Debian package libtracefs-dev" "$tmp/nofs.out" &&
	ok "it names libtracefs-dev on libtracecmd's line" || { bad "message for libtracecmd"; cat "$tmp/nofs.out"; }
grep -q "'libtracefs >= 1.6' does not resolve: not installed; install the Debian package libtracefs-dev" "$tmp/nofs.out" &&
	ok "and libtracefs's own line" || bad "message for libtracefs"
[[ $(grep -c 'error:' "$tmp/nofs.out") == 2 ]] && ok "only the two broken modules are named" ||
	{ bad "extra errors"; cat "$tmp/nofs.out"; }

# Too old a version names the package to upgrade; an optional one warns.
sed -i 's/^Version:.*/Version: 0.1/' "$all/yaml-0.1.pc"
rm "$all/cmocka.pc"
PKG_CONFIG_LIBDIR=$all "$setup" --check >"$tmp/old.out" 2>&1
grep -q "'yaml-0.1 >= 0.2' does not resolve: Package 'yaml-0.1' has version '0.1', required version is '>= 0.2'; install or upgrade the Debian package libyaml-dev" "$tmp/old.out" &&
	ok "an old version names the package to upgrade" || { bad "old version message"; cat "$tmp/old.out"; }
grep -q "warning: pkg-config module 'cmocka >= 1.1' does not resolve: not installed; install the Debian package libcmocka-dev" "$tmp/old.out" &&
	ok "a missing optional module is a warning" || bad "optional module message"
finish
