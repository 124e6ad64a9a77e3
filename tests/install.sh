#!/bin/bash
# make install: the binary, the executor, the man pages, the catalog
# (scenarios, schedulers, payloads), the schemas and the bash completion
# land where they belong (DESTDIR staging), and the completion completes
# subcommands and a subcommand's options from its own usage line.
. "$(dirname "$0")/lib.sh"
builddir=$(cd "$(dirname "$KTSTR")" && pwd)
make -s -C "$builddir" install DESTDIR="$tmp/d" >"$tmp/install.log" 2>&1 || { bad "make install"; cat "$tmp/install.log"; }
for f in bin/ktstr libexec/ktstr/ktstr-guest share/man/man1/ktstr.1 share/man/man5/ktstr-scenario.5 \
	share/ktstr/scenarios/fanout.yaml share/ktstr/schedulers/kernel.yaml share/ktstr/payloads/cyclictest.yaml \
	share/ktstr/payloads/rt-app/periodic.json share/ktstr/schema/scenario.schema.json \
	share/bash-completion/completions/ktstr; do
	found=$(find "$tmp/d" -path "*/$f" | head -1)
	[[ -n $found ]] && ok "installed: $f" || bad "not installed: $f"
done
comp=$(find "$tmp/d" -path "*/completions/ktstr" | head -1)
PATH=$builddir:$PATH bash -c '
	. "$1"
	COMP_WORDS=(ktstr ru); COMP_CWORD=1; _ktstr; printf "%s\n" "${COMPREPLY[@]}" >"$2/c1"
	COMP_WORDS=(ktstr run --sch); COMP_CWORD=2; _ktstr; printf "%s\n" "${COMPREPLY[@]}" >"$2/c2"
' _ "$comp" "$tmp"
grep -qx run "$tmp/c1" && grep -qx -- --scheduler "$tmp/c2" &&
	ok "bash completion: subcommands, and options from the usage line" || { bad "completion"; cat "$tmp/c1" "$tmp/c2"; }
finish
