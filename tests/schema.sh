#!/bin/bash
# Schema agreement test: every scenarios/*.yaml must pass both the JSON
# Schema (schema/scenario.schema.json, via ajv) and `ktstr validate`; every
# tests/invalid/*.yaml must fail `ktstr validate` with the error named in
# its `# expect:` header, and fail the schema unless marked `# schema: valid`.
# Run from `make check` (KTSTR, SRCDIR set) or by hand from the repo root.
set -euo pipefail

SRCDIR=${SRCDIR:-.}
KTSTR=${KTSTR:-$SRCDIR/ktstr}
SRCDIR=$(cd "$SRCDIR" && pwd)
case $KTSTR in /*) ;; *) KTSTR=$(pwd)/$KTSTR ;; esac
export SRCDIR KTSTR

if ! command -v node >/dev/null 2>&1; then
	echo "SKIP: node is not installed" >&2
	exit 77
fi
if [ ! -x "$KTSTR" ]; then
	echo "ERROR: $KTSTR is not an executable ktstr" >&2
	exit 99
fi

mods=$SRCDIR/tests/schema/node_modules
if [ ! -d "$mods/ajv" ] || [ ! -d "$mods/js-yaml" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "SKIP: npm is not installed and $mods is missing" >&2
		exit 77
	fi
	npm --prefix "$SRCDIR/tests/schema" install --no-audit --no-fund >&2 || {
		echo "ERROR: npm install in $SRCDIR/tests/schema failed" >&2
		exit 99
	}
fi

exec node "$SRCDIR/tests/schema/check.js"
