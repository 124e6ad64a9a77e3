#!/bin/bash
# update-man.sh KTSTR MANPAGE: replace the generated reference of MANPAGE
# (the lines between the two marker lines below) with the output of
# `KTSTR schema --man`.  The marker lines themselves are kept.  The page is
# rewritten atomically: the new text goes to a temporary file beside it,
# which is renamed over the page only when everything succeeded.
# Run by `make update-generated`.
set -euo pipefail

if [[ $# -ne 2 ]]; then
	echo "usage: $0 KTSTR MANPAGE" >&2
	exit 2
fi
ktstr=$1 man=$2
export BEGIN_MARK='.\" BEGIN GENERATED REFERENCE'
export END_MARK='.\" END GENERATED REFERENCE'

if [[ ! -f $man ]]; then
	echo "$0: $man: no such file" >&2
	exit 2
fi

gen=$(mktemp "$man.gen.XXXXXX")
out=$(mktemp "$man.new.XXXXXX")
trap 'rm -f "$gen" "$out"' EXIT

if ! "$ktstr" schema --man >"$gen"; then
	echo "$0: '$ktstr schema --man' failed" >&2
	exit 3
fi
if [[ ! -s $gen ]]; then
	echo "$0: '$ktstr schema --man' printed nothing" >&2
	exit 3
fi

# Splice: copy the page, and between the markers print the generated text
# instead of the old one.  Exactly one BEGIN, then exactly one END.
if ! GEN=$gen awk '
	$0 == ENVIRON["BEGIN_MARK"] {
		if (nb++ || ne) { bad = 1; exit }
		print
		while ((getline line < ENVIRON["GEN"]) > 0)
			print line
		inside = 1
		next
	}
	$0 == ENVIRON["END_MARK"] {
		if (ne++ || !inside) { bad = 1; exit }
		inside = 0
		print
		next
	}
	!inside { print }
	END { exit (bad || nb != 1 || ne != 1) ? 1 : 0 }
' "$man" >"$out"; then
	echo "$0: $man must contain exactly one line '$BEGIN_MARK'" \
		"followed by exactly one line '$END_MARK'" >&2
	exit 2
fi

chmod --reference="$man" "$out"
mv -f "$out" "$man"
