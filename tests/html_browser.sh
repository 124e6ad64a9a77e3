#!/bin/bash
# html_browser.sh FILE.html OUTDIR: loads an HTML report in headless
# Chromium, writes OUTDIR/screenshot.png (and OUTDIR/dom.html, the logs),
# fails when the page logged anything to the console or threw, and prints
# the number of <g class="cpu-row"> groups in the rendered DOM on stdout,
# for the caller to compare with the run's CPU count.
#
# Chromium's log does not tell console.error from console.log (both are
# INFO:CONSOLE), so any console line fails: the report has no script, so
# a line there is a script error or a refused resource.
#
# Environment: CHROMIUM (default chromium), HTML_WINDOW (default
# 1400,2600: the screenshot is of that viewport, from the top).
set -u
if (($# != 2)); then
	echo "usage: $0 FILE.html OUTDIR" >&2
	exit 2
fi
file=$1 out=$2
chromium=${CHROMIUM:-chromium}
window=${HTML_WINDOW:-1400,2600}
if [[ ! -f $file ]]; then
	echo "html_browser: $file: no such file" >&2
	exit 2
fi
if ! command -v "$chromium" >/dev/null; then
	echo "html_browser: $chromium not found (apt-get install chromium)" >&2
	exit 77
fi
mkdir -p "$out" || exit 2
url="file://$(realpath "$file")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
	--user-data-dir="$profile" --enable-logging=stderr --v=0)

browse() {
	timeout 120 "$chromium" "${flags[@]}" "$@" "$url"
}

rc=0
if ! browse --window-size="$window" --screenshot="$out/screenshot.png" \
	>"$out/screenshot.out" 2>"$out/screenshot.log" || [[ ! -s $out/screenshot.png ]]; then
	echo "html_browser: chromium wrote no screenshot (see $out/screenshot.log)" >&2
	rc=1
fi
if ! browse --dump-dom >"$out/dom.html" 2>"$out/dom.log" || [[ ! -s $out/dom.html ]]; then
	echo "html_browser: chromium dumped no DOM (see $out/dom.log)" >&2
	rc=1
fi
if grep -hE ':CONSOLE[:(]|Uncaught' "$out/screenshot.log" "$out/dom.log" >"$out/console.log"; then
	echo "html_browser: the page logged to the console:" >&2
	sed 's/^/  /' "$out/console.log" >&2
	rc=1
fi
grep -o '<g class="cpu-row"' "$out/dom.html" 2>/dev/null | wc -l
exit $rc
