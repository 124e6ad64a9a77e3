#!/bin/bash
# Generated files: the committed JSON Schema and the generated reference
# section of ktstr-scenario(5) must match what `ktstr schema` prints now,
# the man pages must render without groff warnings, and the example files
# in ktstr-scenario(5) must be valid scenarios.  Run by `make check`
# (KTSTR, SRCDIR set) or by hand from the repository root.
. "$(dirname "$0")/lib.sh"
# Show a diff, at most 60 lines of it.
show_diff() {
	diff -u --label "$1" --label "$2" "$3" "$4" >"$tmp/diff"
	head -n 60 "$tmp/diff" | sed 's/^/  | /'
	local n
	n=$(wc -l <"$tmp/diff")
	((n > 60)) && echo "  | ... ($((n - 60)) more lines)"
}
stale() {
	echo "  $1 is out of date with the format tables;" \
		"run 'make update-generated' and commit the result"
}

schema=$SRCDIR/schema/scenario.schema.json
page5=$SRCDIR/man/ktstr-scenario.5
page1=$SRCDIR/man/ktstr.1
# The marker lines, literally (awk reads them from the environment).
export BEGIN_MARK='.\" BEGIN GENERATED REFERENCE'
export END_MARK='.\" END GENERATED REFERENCE'

# ---- JSON Schema ----------------------------------------------------------
if ! "$KTSTR" schema >"$tmp/schema.json" 2>"$tmp/err"; then
	bad "'$KTSTR schema' failed"
	sed 's/^/  | /' "$tmp/err" | head -5
elif [[ ! -f $schema ]]; then
	bad "$schema is missing"
	stale "$schema"
elif cmp -s "$schema" "$tmp/schema.json"; then
	ok "schema/scenario.schema.json matches 'ktstr schema'"
else
	bad "schema/scenario.schema.json differs from 'ktstr schema'"
	show_diff "$schema (committed)" "ktstr schema (generated)" "$schema" "$tmp/schema.json"
	stale "$schema"
fi

# The result schema comes from the guest contract (guest/report.def).
rschema=$SRCDIR/schema/result.schema.json
if ! "$KTSTR" schema --result >"$tmp/result.json" 2>"$tmp/err"; then
	bad "'$KTSTR schema --result' failed"
	sed 's/^/  | /' "$tmp/err" | head -5
elif cmp -s "$rschema" "$tmp/result.json"; then
	ok "schema/result.schema.json matches 'ktstr schema --result'"
else
	bad "schema/result.schema.json differs from 'ktstr schema --result'"
	show_diff "$rschema (committed)" "ktstr schema --result (generated)" "$rschema" "$tmp/result.json"
	stale "$rschema"
fi

# ---- generated reference of ktstr-scenario(5) ------------------------------
nb=$(grep -cxF "$BEGIN_MARK" "$page5" 2>/dev/null)
ne=$(grep -cxF "$END_MARK" "$page5" 2>/dev/null)
if [[ ! -f $page5 ]]; then
	bad "$page5 is missing"
elif [[ $nb != 1 || $ne != 1 ]]; then
	bad "ktstr-scenario.5 has $nb BEGIN and $ne END GENERATED REFERENCE markers; expected one of each"
elif ! "$KTSTR" schema --man >"$tmp/ref.roff" 2>"$tmp/err"; then
	bad "'$KTSTR schema --man' failed"
	sed 's/^/  | /' "$tmp/err" | head -5
else
	awk '$0 == ENVIRON["END_MARK"] { inside = 0 }
	     inside { print }
	     $0 == ENVIRON["BEGIN_MARK"] { inside = 1 }' "$page5" >"$tmp/page-ref.roff"
	if cmp -s "$tmp/page-ref.roff" "$tmp/ref.roff"; then
		ok "ktstr-scenario.5 reference matches 'ktstr schema --man'"
	else
		bad "ktstr-scenario.5 generated reference differs from 'ktstr schema --man'"
		show_diff "$page5 (committed)" "ktstr schema --man (generated)" \
			"$tmp/page-ref.roff" "$tmp/ref.roff"
		stale "the generated section of $page5"
	fi
fi

# ---- man pages render without warnings ------------------------------------
if ! command -v groff >/dev/null 2>&1; then
	echo "skip: groff not found; man pages not render-checked (install groff-base to check them)"
else
	for page in "$page1" "$page5"; do
		name=${page##*/}
		if [[ ! -f $page ]]; then
			bad "$name is missing"
			continue
		fi
		groff -man -Tutf8 -ww -z "$page" >"$tmp/groff.out" 2>&1
		rc=$?
		if [[ $rc == 0 && ! -s $tmp/groff.out ]]; then
			ok "$name renders without warnings"
		else
			bad "$name: groff -man -ww reports problems (exit $rc)"
			head -n 20 "$tmp/groff.out" | sed 's/^/  | /'
		fi
	done
fi

# ---- examples in ktstr-scenario(5) are valid ------------------------------
# Each example file sits between the lines '.\" EXAMPLE FILE path' and
# '.\" END EXAMPLE FILE' (path relative to the scenario directory, so
# includes resolve); undo the roff escapes and validate the files.
if [[ -f $page5 ]]; then
	# shellcheck disable=SC2016 # an awk program, not shell
	extract='
		/^\.\\" END EXAMPLE FILE$/ { out = ""; next }
		/^\.\\" EXAMPLE FILE / { out = dir "/" $4; print out; next }
		out == "" || /^\.(EX|EE)$/ { next }
		write {
			gsub(/\\-/, "-"); gsub(/\\\(aq/, "\047"); gsub(/\\\(dq/, "\"")
			gsub(/\\&/, ""); gsub(/\\e/, "\\")
			print > out
		}'
	awk -v dir="$tmp/ex" -v write=0 "$extract" "$page5" >"$tmp/ex.list"
	mapfile -t files <"$tmp/ex.list"
	if ((${#files[@]} == 0)); then
		bad "ktstr-scenario.5 has no EXAMPLE FILE blocks"
	else
		for f in "${files[@]}"; do mkdir -p "${f%/*}"; done
		awk -v dir="$tmp/ex" -v write=1 "$extract" "$page5" >/dev/null
		if "$KTSTR" validate "${files[@]}" >"$tmp/out" 2>"$tmp/err"; then
			ok "ktstr-scenario.5 examples validate (${#files[@]} files)"
		else
			bad "ktstr-scenario.5 examples do not validate"
			sed "s|$tmp/ex/||; s/^/  | /" "$tmp/err" | head -10
		fi
	fi
fi

finish
