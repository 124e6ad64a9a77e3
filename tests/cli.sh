#!/bin/bash
# CLI tests: exit codes, quiet success, file:line:col errors, JSON output,
# dump/ktbc round trip, list.  Run by `make check` (KTSTR, SRCDIR set) or
# by hand from the repository root.
. "$(dirname "$0")/lib.sh"
expect_rc() { # name want cmd...
	local name=$1 want=$2; shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [[ $rc == "$want" ]]; then ok "$name"; else bad "$name (exit $rc, want $want)"; sed 's/^/  | /' "$tmp/err" | head -5; fi
}

cd "$SRCDIR"

expect_rc "validate catalog exits 0" 0 "$KTSTR" validate scenarios/*.yaml
[[ ! -s $tmp/out && ! -s $tmp/err ]] && ok "validate is quiet on success" || bad "validate printed on success"
expect_rc "--validate alias" 0 "$KTSTR" --validate scenarios/fanout.yaml
expect_rc "validate -v" 0 "$KTSTR" validate -v scenarios/fanout.yaml
grep -q "fanout.yaml: ok" "$tmp/out" && ok "-v reports ok" || bad "-v reports ok"

cat >"$tmp/three.yaml" <<'Y'
duration: 2 s
backdrop:
  cgroups:
    - name: a
      wokers: 4
steps:
  - ops:
      - stop_cgroup: ghost
Y
expect_rc "three mistakes exit 2" 2 "$KTSTR" validate "$tmp/three.yaml"
n=$(grep -cE "^$tmp/three.yaml:[0-9]+:[0-9]+: error: .*; " "$tmp/err")
[[ $n == 3 ]] && ok "three mistakes give three file:line:col lines" || { bad "three lines (got $n)"; cat "$tmp/err"; }
grep -q "three.yaml:5:7: error: unknown key 'wokers'" "$tmp/err" && ok "unknown key located" || bad "unknown key located"

expect_rc "json format exit 2" 2 "$KTSTR" validate --format=json "$tmp/three.yaml"
python3 - "$tmp/out" <<'P' && ok "json output parses with 3 diagnostics" || bad "json output"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] is False
f = d["files"][0]
assert len(f["diagnostics"]) == 3 and all(x["line"] > 0 for x in f["diagnostics"])
P
expect_rc "bad format option" 2 "$KTSTR" validate --format=xml scenarios/fanout.yaml
expect_rc "missing file" 2 "$KTSTR" validate "$tmp/nope.yaml"
grep -q "cannot read" "$tmp/err" && ok "missing file explained" || bad "missing file explained"
# Non-regular files are refused at once, never a blocking open.
mkfifo "$tmp/fifo.yaml"
expect_rc "FIFO as a scenario" 2 timeout 10 "$KTSTR" validate "$tmp/fifo.yaml"
grep -q "fifo.yaml:1:1: error: cannot read the file: not a regular file" "$tmp/err" &&
	ok "FIFO refused with file:1:1" || { bad "FIFO message"; cat "$tmp/err"; }
expect_rc "directory as a scenario" 2 "$KTSTR" validate "$tmp"
expect_rc "FIFO as a result" 2 timeout 10 "$KTSTR" report "$tmp/fifo.yaml"
expect_rc "FIFO as bytecode" 2 timeout 10 "$KTSTR" dump "$tmp/fifo.yaml"
# Bytes that are not YAML text are located at the byte (libyaml says 1:1);
# files of such bytes are made here, not stored (git and editors take them
# for binary).
for c in 'nul|description: x\nname: a\0b\n|2:8: error: NUL byte; expected UTF-8 text' \
	'utf8|description: x\nname: "ab\xc3"\n|2:10: error: invalid UTF-8 (byte 0xC3)' \
	'ctl|description: x\nname: a\tb\x01\n|2:10: error: control character U+0001'; do
	IFS='|' read -r name text want <<<"$c"
	printf "$text" >"$tmp/$name.yaml"
	expect_rc "$name: exit 2" 2 "$KTSTR" validate "$tmp/$name.yaml"
	grep -qF "$name.yaml:$want" "$tmp/err" && ok "$name: located at the byte" || { bad "$name: $want"; cat "$tmp/err"; }
done
# Results that are JSON but not what ktstr wrote: exit 2 naming the file
# and the field, never a crash; a directory reports its good files and
# still exits 2 for the broken one.
good=$SRCDIR/fuzz/seeds/result/thread_cgroup-pass.json
echo '{"verdict":"pass","reason":"x","scenario":"s","claims":[{"name":3}],"records":[]}' >"$tmp/bad.json"
expect_rc "result with a wrong-typed field" 2 "$KTSTR" report "$tmp/bad.json"
grep -q "bad.json is not a ktstr result file: claims\[0\].name: wrong type; expected a string" "$tmp/err" &&
	ok "the broken field is named" || { bad "broken field message"; cat "$tmp/err"; }
for j in '{}' '[]' 'null' '{"verdict":"maybe","reason":"x","scenario":"s","claims":[],"records":[]}' \
	'{"verdict":"pass","reason":"x","scenario":"s","claims":[],"records":[{"type":1}]}'; do
	echo "$j" >"$tmp/bad.json"
	"$KTSTR" report "$tmp/bad.json" >/dev/null 2>&1
	[[ $? == 2 ]] || bad "hostile result '$j' not exit 2"
done
for cmd in check compare; do
	"$KTSTR" $cmd "$tmp/bad.json" "$good" --claims scenarios/steady.yaml >/dev/null 2>&1
	[[ $? == 2 ]] || bad "$cmd on a hostile result not exit 2"
done
ok "hostile results: report, check and compare exit 2"
mkdir "$tmp/set" && cp "$good" "$tmp/set/a.json" && cp "$tmp/bad.json" "$tmp/set/b.json"
expect_rc "a directory with one broken result" 2 "$KTSTR" report "$tmp/set"
grep -q "^PASS thread_cgroup" "$tmp/out" && ok "its good result is still shown" || bad "good result of the set"
# A directory without results is a wrong path, not an empty set that
# passes: report, check and compare name it (exit 2).
mkdir "$tmp/noresults"
for args in "report $tmp/noresults" "check $tmp/noresults --claims scenarios/steady.yaml" \
	"compare $tmp/noresults $good" "compare $good $tmp/noresults"; do
	expect_rc "$args: no results" 2 "$KTSTR" $args
	grep -q "noresults: no results (\*.json) found" "$tmp/err" || bad "$args: the empty directory is not named"
done
expect_rc "unknown command" 2 "$KTSTR" frobnicate
expect_rc "no args" 2 "$KTSTR"
expect_rc "help" 0 "$KTSTR" help
# Every command `ktstr help` lists, and the sub-subcommands: --help (or
# -h) prints the usage on stdout, nothing on stderr, exit 0.
cmds=$("$KTSTR" help | awk '/^  [a-z]/ {print $1}')
[[ $(wc -w <<<"$cmds") -ge 15 ]] || bad "ktstr help lists $(wc -w <<<"$cmds") commands"
help_ok=1
while read -r args; do
	"$KTSTR" $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cmd=${args%% *}
	[[ $rc == 0 && ! -s $tmp/err ]] && grep -q "^usage: ktstr $cmd" "$tmp/out" || { bad "ktstr $args (exit $rc)"; help_ok=0; }
done < <(for c in $cmds; do echo "$c --help"; echo "$c -h"; done
	printf '%s\n' "kernel build --help" "kernel list --help" "gauntlet merge --help" "run scenarios/steady.yaml --help")
((help_ok)) && ok "--help on every subcommand prints its usage, exit 0"
"$KTSTR" scenarios/steady.yaml --help >"$tmp/out" 2>&1 && grep -q "^usage: ktstr run" "$tmp/out" &&
	ok "ktstr FILE.yaml --help is run's help" || bad "ktstr FILE.yaml --help"
# The option tables: every option a command's parser accepts (its table,
# `ktstr CMD --list-options`, which also checks the table) is in its
# --help, and an option no table has is refused (exit 2).
opts_ok=1
for c in $cmds; do
	"$KTSTR" "$c" --list-options >"$tmp/opts" 2>"$tmp/err" || { bad "$c --list-options: $(cat "$tmp/err")"; opts_ok=0; }
	"$KTSTR" "$c" --help >"$tmp/help"
	while read -r o; do
		grep -qE -- "(^|[][ ,|])$o([][ ,=|]|\$)" "$tmp/help" || { bad "ktstr $c accepts $o, which its --help lacks"; opts_ok=0; }
	done <"$tmp/opts"
done
((opts_ok)) && ok "every option the parsers accept is in its command's --help"
bogus_ok=1
for args in run validate dump list schema "kernel build" shell gauntlet "gauntlet merge" reduce report check compare \
	cleanup topo; do
	"$KTSTR" $args --no-such-option x y >/dev/null 2>"$tmp/err"
	rc=$?
	[[ $rc == 2 ]] && grep -q "^usage: ktstr ${args%% *}" "$tmp/err" || { bad "ktstr $args --no-such-option (exit $rc)"; bogus_ok=0; }
done
((bogus_ok)) && ok "an option no table has is refused with the usage (exit 2)"
"$KTSTR" schema --result >/dev/full 2>"$tmp/err"
rc=$?
[[ $rc == 3 ]] && grep -q "cannot write the output" "$tmp/err" && ok "a failed write to stdout is exit 3" ||
	bad "write to /dev/full (exit $rc)"

expect_rc "dump yaml" 0 "$KTSTR" dump scenarios/fanout.yaml
grep -q 'spawn cgroup="storm_a"' "$tmp/out" && ok "dump shows spawn" || bad "dump shows spawn"
cp "$tmp/out" "$tmp/dump1"
expect_rc "dump -o" 0 "$KTSTR" dump -q -o "$tmp/f.ktbc" scenarios/fanout.yaml
expect_rc "dump ktbc" 0 "$KTSTR" dump "$tmp/f.ktbc"
diff -q "$tmp/out" "$tmp/dump1" >/dev/null && ok "ktbc disassembles like the yaml" || bad "ktbc disassembly differs"
"$KTSTR" dump -q -o "$tmp/g.ktbc" "$tmp/f.ktbc" && cmp -s "$tmp/f.ktbc" "$tmp/g.ktbc" && ok "ktbc re-encodes byte-identical" || bad "ktbc re-encode"
head -c 100 "$tmp/f.ktbc" >"$tmp/trunc.ktbc"
expect_rc "truncated ktbc rejected" 2 "$KTSTR" dump "$tmp/trunc.ktbc"
grep -q "invalid bytecode: truncated" "$tmp/err" && ok "truncation named" || bad "truncation named"
cp "$tmp/f.ktbc" "$tmp/corrupt.ktbc"
printf '\xff' | dd of="$tmp/corrupt.ktbc" bs=1 seek=200 conv=notrunc 2>/dev/null
expect_rc "corrupt ktbc rejected" 2 "$KTSTR" dump "$tmp/corrupt.ktbc"
grep -q "corrupted" "$tmp/err" && ok "corruption named" || bad "corruption named"
# A lowered program has its scheduler, flags and topology built in: run
# refuses to change them (exit 2, one line) rather than ignore the option.
ktbc_ok=1
for o in "--scheduler simple" "--flags a" "--sched-args -v" "--topology 1n1l1c1t"; do
	"$KTSTR" run $o "$tmp/f.ktbc" >/dev/null 2>"$tmp/err"
	rc=$?
	[[ $rc == 2 && $(wc -l <"$tmp/err") == 1 ]] &&
		grep -q "f.ktbc is a lowered program (scheduler eevdf, topology 1n2l2c1t built in); ${o% *} applies to a YAML scenario" "$tmp/err" ||
		{ bad "run $o FILE.ktbc (exit $rc): $(cat "$tmp/err")"; ktbc_ok=0; }
done
((ktbc_ok)) && ok "run FILE.ktbc refuses --scheduler, --flags, --sched-args and another --topology (exit 2)"
XDG_CACHE_HOME=$tmp/emptycache expect_rc "run FILE.ktbc with its own --topology and --watchdog goes on to boot" 3 \
	"$KTSTR" run --dump --topology 1n2l2c1t --watchdog 9s "$tmp/f.ktbc"
grep -q "watchdog 9s$" "$tmp/out" && ok "--watchdog applies to a FILE.ktbc" || bad "--watchdog on ktbc"

# What dump and run take a file for, and the message when it is neither:
# an empty file; bytecode (its name ends .ktbc, the magic one byte off, a
# NUL where a header would be) with a wrong magic, never a YAML error.
: >"$tmp/empty.yaml"
printf 'XXXX\1\0' >"$tmp/x.ktbc"
printf '\x7fELF\2\1\1\0\0\0' >"$tmp/blob.bin"
cp "$tmp/f.ktbc" "$tmp/near.yaml" && printf 'KTBD' | dd of="$tmp/near.yaml" bs=1 conv=notrunc 2>/dev/null
for c in "empty.yaml|empty.yaml: error: empty file; expected a YAML scenario or ktstr bytecode" \
	"x.ktbc|x.ktbc: error: not ktstr bytecode: magic is 'XXXX'; expected 'KTBC' (read as bytecode: its name ends .ktbc)" \
	"blob.bin|blob.bin: error: not ktstr bytecode: magic is '\\x7FELF'; expected 'KTBC' (read as bytecode: it looks binary, with a NUL byte at offset 7)" \
	"near.yaml|near.yaml: error: not ktstr bytecode: magic is 'KTBD'; expected 'KTBC' (read as bytecode: it begins like the magic)"; do
	IFS='|' read -r name want <<<"$c"
	for cmd in dump run; do
		expect_rc "$cmd $name: exit 2" 2 "$KTSTR" $cmd "$tmp/$name"
		grep -qxF -- "$tmp/$want" "$tmp/err" && [[ $(wc -l <"$tmp/err") == 1 ]] ||
			{ bad "$cmd $name: want '$want'"; cat "$tmp/err"; }
	done
done
# validate takes a file for bytecode the same way, and says so.
expect_rc "validate on bytecode" 2 "$KTSTR" validate "$tmp/f.ktbc"
grep -qF "f.ktbc:1:1: error: read as ktstr bytecode (it begins with the magic), not a YAML scenario" "$tmp/err" &&
	ok "validate names bytecode as such" || { bad "validate on bytecode"; cat "$tmp/err"; }
expect_rc "list" 0 "$KTSTR" list scenarios
n=$(wc -l <"$tmp/out")
[[ $n -ge 15 ]] && ok "list shows the catalog ($n)" || bad "list shows $n"
grep -q '^fanout .*futex fan-out' "$tmp/out" && ok "list shows descriptions" || bad "list descriptions"

XDG_CACHE_HOME=$tmp/emptycache expect_rc "run without a kernel is an infrastructure error" 3 "$KTSTR" scenarios/fanout.yaml
grep -q "build one with: ktstr kernel build" "$tmp/err" && ok "the missing-kernel error gives the command to run" || bad "missing kernel message"
KTSTR_KERNEL=$tmp/nope expect_rc "KTSTR_KERNEL pointing nowhere" 3 "$KTSTR" kernel path
grep -q "KTSTR_KERNEL" "$tmp/err" && ok "the bad KTSTR_KERNEL is named" || bad "KTSTR_KERNEL message"
expect_rc "run invalid exits 2" 2 "$KTSTR" run "$tmp/three.yaml"
expect_rc "run unknown scheduler" 2 "$KTSTR" run --scheduler nope scenarios/fanout.yaml

# Option values parsed strictly, alike for every option: a comma list
# with an empty entry, a number that is not finite or has a tail.  Each
# exits 2 naming the value, before anything boots.
vals_ok=1
while IFS='|' read -r val what; do
	"$KTSTR" $what >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[[ $rc == 2 ]] && grep -qF -- "$val" "$tmp/err" && ! grep -q "^gauntlet: " "$tmp/out" ||
		{ bad "ktstr $what (exit $rc): $(head -1 "$tmp/err")"; vals_ok=0; }
done <<'V'
'tiny,,'|gauntlet --dry-run --topologies tiny,, scenarios/steady.yaml
',tiny'|gauntlet --dry-run --topologies ,tiny scenarios/steady.yaml
'eevdf,,simple'|gauntlet --dry-run --schedulers eevdf,,simple scenarios/steady.yaml
','|gauntlet --dry-run --kernels , scenarios/steady.yaml
'simple:+a'|gauntlet --dry-run --schedulers simple:+a scenarios/steady.yaml
--repeat 5x|gauntlet --dry-run --repeat 5x scenarios/steady.yaml
-j 2.5|gauntlet --dry-run --jobs 2.5 scenarios/steady.yaml
--shard 1/-4|gauntlet --dry-run --shard 1/-4 scenarios/steady.yaml
'a,,b'|run --flags a,,b scenarios/steady.yaml
'a,'|run --flags a, scenarios/steady.yaml
',a'|reduce --flags ,a scenarios/steady.yaml
--repeat 2/3x|reduce --repeat 2/3x scenarios/steady.yaml
--repeat 3/2|reduce --repeat 3/2 scenarios/steady.yaml
-j 4x|reduce -j 4x scenarios/steady.yaml
--fail-on-regression 1e999|compare --fail-on-regression 1e999 a b
--fail-on-regression inf|compare --fail-on-regression inf a b
--fail-on-regression nan|compare --fail-on-regression nan a b
--fail-on-regression 5x|compare --fail-on-regression 5x a b
--numa-distance 20x|shell --numa-distance 20x
--memory 512MiB|shell --memory 512MiB
--jobs 0x4|kernel build --jobs 0x4
V
((vals_ok)) && ok "bad option values (empty list entries, non-finite numbers): exit 2 naming the value"

# The gauntlet's shard from the environment: a value that does not parse,
# is out of range or lacks its pair is exit 2 naming the variable and
# its value, never ignored (every shard would run the whole matrix).
shard_env_ok=1
while IFS='|' read -r vars want; do
	env $vars "$KTSTR" gauntlet --dry-run --topologies tiny,llc2 scenarios/steady.yaml >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[[ $rc == 2 && $(wc -l <"$tmp/err") == 1 ]] && grep -qF -- "$want" "$tmp/err" && [[ ! -s $tmp/out ]] ||
		{ bad "$vars (exit $rc): $(cat "$tmp/err")"; shard_env_ok=0; }
done <<'V'
KTSTR_SHARD=x|KTSTR_SHARD='x'
KTSTR_SHARD=2/2|KTSTR_SHARD='2/2'
KTSTR_SHARD=0/2x|KTSTR_SHARD='0/2x'
KTSTR_SHARD=|KTSTR_SHARD=''
CI_NODE_INDEX=0 CI_NODE_TOTAL=2|CI_NODE_INDEX='0'; expected a shard index, 1 to 2
CI_NODE_INDEX=3 CI_NODE_TOTAL=2|CI_NODE_INDEX='3'
CI_NODE_INDEX=one CI_NODE_TOTAL=2|CI_NODE_INDEX='one'
CI_NODE_INDEX=1 CI_NODE_TOTAL=-2|CI_NODE_TOTAL='-2'
CI_NODE_INDEX=1|CI_NODE_INDEX is set without CI_NODE_TOTAL
JOB_COMPLETION_INDEX=2 KTSTR_SHARD_TOTAL=2|JOB_COMPLETION_INDEX='2'; expected a shard index, 0 to 1
JOB_COMPLETION_INDEX=1 KTSTR_SHARD_TOTAL=0|KTSTR_SHARD_TOTAL='0'
JOB_COMPLETION_INDEX=0|JOB_COMPLETION_INDEX is set without KTSTR_SHARD_TOTAL
KTSTR_SHARD_TOTAL=2|KTSTR_SHARD_TOTAL is set without JOB_COMPLETION_INDEX
V
while IFS='|' read -r vars want; do
	env $vars "$KTSTR" gauntlet --dry-run --topologies tiny,llc2 scenarios/steady.yaml >"$tmp/out" 2>"$tmp/err"
	[[ $? == 0 ]] && grep -qx "$want" "$tmp/out" || { bad "$vars: $(tail -1 "$tmp/out") $(cat "$tmp/err")"; shard_env_ok=0; }
done <<'V'
KTSTR_SHARD=1/2|1 cells
CI_NODE_INDEX=2 CI_NODE_TOTAL=2|1 cells
CI_NODE_TOTAL=1|2 cells
JOB_COMPLETION_INDEX=0 KTSTR_SHARD_TOTAL=2|1 cells
V
((shard_env_ok)) && ok "shards from the environment: bad values are exit 2 naming the variable; good ones shard"
# --attach-timeout and --watchdog (run, gauntlet, reduce): bounded like the
# keys they override, applied to the program (the disassembly of --dump,
# printed before the boot that fails here without a kernel).
sched_opts_ok=1
for c in run gauntlet reduce; do
	for a in "--attach-timeout 50ms" "--attach-timeout 11m" "--attach-timeout soon" "--watchdog 500ms" "--watchdog 11m"; do
		"$KTSTR" $c $a scenarios/fanout.yaml >/dev/null 2>"$tmp/err"
		rc=$?
		[[ $rc == 2 ]] && grep -q "^ktstr: ${a% *} ${a#* }; expected a duration from" "$tmp/err" ||
			{ bad "ktstr $c $a (exit $rc): $(head -1 "$tmp/err")"; sched_opts_ok=0; }
	done
done
((sched_opts_ok)) && ok "run, gauntlet and reduce refuse an out-of-range --attach-timeout or --watchdog (exit 2)"
XDG_CACHE_HOME=$tmp/emptycache expect_rc "--attach-timeout and --watchdog accepted for a bare scheduler binary" 3 \
	"$KTSTR" run --dump --scheduler /bin/true --attach-timeout 45s --watchdog 7s scenarios/fanout.yaml
grep -q 'scheduler name="true" binary="/bin/true" attach_timeout=45s$' "$tmp/out" && grep -q "watchdog 7s$" "$tmp/out" &&
	ok "--attach-timeout and --watchdog reach the program" || { bad "sched options not in the program"; head -3 "$tmp/out"; }
expect_rc "--attach-timeout under eevdf refused" 2 "$KTSTR" run --attach-timeout 30s scenarios/fanout.yaml
grep -q "attach-timeout applies to a sched_ext scheduler; this run is under eevdf" "$tmp/err" &&
	ok "--attach-timeout under eevdf says why" || bad "--attach-timeout under eevdf message"
expect_rc "reduce --attach-timeout under eevdf refused before any run" 2 "$KTSTR" reduce --attach-timeout 30s scenarios/fanout.yaml

# Inputs the fuzzers once crashed on: rejected cleanly, never a crash.
for f in fuzz/regressions/*; do
	case $f in
	*.json)	# result-reader findings: re-checked without a crash (UBSan in the san build)
		"$KTSTR" check "$f" --claims scenarios/steady.yaml >/dev/null 2>&1
		rc=$?
		[[ $rc -le 2 ]] && ok "fuzz regression $(basename "$f") handled (exit $rc)" ||
			bad "fuzz regression $f (exit $rc)"
		continue ;;
	*.yaml) "$KTSTR" validate "$f" >/dev/null 2>&1 ;;
	*) "$KTSTR" dump "$f" >/dev/null 2>&1 ;;
	esac
	rc=$?
	[[ $rc == 2 ]] && ok "fuzz regression $(basename "$f") rejected" || bad "fuzz regression $f (exit $rc)"
done

# run --host refuses clearly where cgroup2 lacks the controllers (as on
# hosts whose controllers sit in cgroup v1); where it has them it runs.
"$KTSTR" run --host scenarios/steady.yaml >"$tmp/out" 2>"$tmp/err"
rc=$?
if grep -q "refused" "$tmp/err"; then
	[[ $rc == 3 ]] && grep -qE "needs root|lacks the .* controller|cannot create cgroups" "$tmp/err" &&
		ok "run --host refuses clearly here (exit 3)" || bad "run --host refusal (exit $rc)"
else
	[[ $rc == 0 || $rc == 1 ]] && ok "run --host ran on this host (exit $rc)" || bad "run --host (exit $rc)"
fi
ls -d /sys/fs/cgroup/unified/ktstr-* /sys/fs/cgroup/ktstr-* 2>/dev/null | grep -q . && bad "run --host left a cgroup" || ok "no ktstr cgroup left behind"
expect_rc "cleanup" 0 "$KTSTR" cleanup

cat >"$tmp/prof.yaml" <<'Y'
scheduler: s
schedulers: [{name: s, binary: x, flags: [{name: a}, {name: b, requires: [a]}]}]
Y
expect_rc "list --profiles" 0 "$KTSTR" list --profiles "$tmp/prof.yaml"
grep -qx "  a,b" "$tmp/out" && ! grep -qx "  b" "$tmp/out" && ok "profiles honour requires (b only with a)" || bad "profiles"

# An interrupted kernel build leaves no entry that counts as valid and no
# make running: a fake source whose defconfig hangs stands in for Linux.
mkdir -p "$tmp/fakesrc"
printf 'VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\nEXTRAVERSION =\n%%:\n\tsleep 300\n' >"$tmp/fakesrc/Makefile"
XDG_CACHE_HOME=$tmp/kcache "$KTSTR" kernel build --source "$tmp/fakesrc" >"$tmp/kb.out" 2>&1 &
kb=$!
for _ in $(seq 50); do pgrep -f "sleep 300" >/dev/null && break; sleep 0.1; done
kill -INT $kb
wait $kb
rc=$?
sleep 0.5
[[ $rc == 130 ]] && ok "interrupted kernel build ends with SIGINT (130)" || bad "kernel build interrupt (exit $rc)"
[[ -z $(ls -A "$tmp/kcache/ktstr/kernels" 2>/dev/null) ]] && ok "no partial kernel cache entry left" || { bad "partial entry"; ls -a "$tmp/kcache/ktstr/kernels"; }
pgrep -f "$tmp/fakesrc" >/dev/null && bad "make still running after the interrupt" || ok "no make left running"
XDG_CACHE_HOME=$tmp/kcache expect_rc "no kernel after the interrupted build" 3 "$KTSTR" kernel path

# The golden invalid files, without node (schema.sh adds the schema's
# half where node is installed): each fails validation with exit 2 and
# the error its header names, at its line and column.
golden_ok=1
for f in "$SRCDIR"/tests/invalid/*.yaml; do
	want=$(sed -n '1s/^# expect: //p' "$f")
	[[ -n $want ]] || { bad "$f has no '# expect:' header"; golden_ok=0; continue; }
	out=$("$KTSTR" validate "$f" 2>&1)
	rc=$?
	if [[ $rc != 2 ]] || ! grep -F -- "$f:${want%%: *}: error: " <<<"$out" | grep -qF -- "${want#*: }"; then
		bad "$(basename "$f"): exit $rc, want 2 and '$want'; got: ${out:0:300}"
		golden_ok=0
	fi
done
((golden_ok)) && ok "every tests/invalid file fails at its expected line:col with its message"

# Every long option a command accepts is documented in ktstr(1).
man_ok=1
for c in $("$KTSTR" help | awk '/^  [a-z]/ {print $1}'); do
	for o in $("$KTSTR" "$c" --list-options 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "${o//-/\\-}" "$SRCDIR/man/ktstr.1" || { bad "ktstr(1) does not document $c $o"; man_ok=0; }
	done
done
((man_ok)) && ok "ktstr(1) documents every long option of every command"

# The hand-written vocabulary sections of ktstr-scenario(5) against the
# format's tables (through `ktstr schema`): every work type, op, payload
# output format and payload check is in its section, and every entry of
# WORK TYPES names a real work type, so neither side drifts.
"$KTSTR" schema >"$tmp/schema.json"
py "$tmp/schema.json" "$SRCDIR/man/ktstr-scenario.5" <<'P' && ok "ktstr-scenario(5) lists every work type, op, output format and payload check" || bad "man vocabulary"
import json, re, shlex, sys
defs = json.load(open(sys.argv[1]))["$defs"]
page = open(sys.argv[2]).read()
def names(t):
    out = set(t.get("enum", []))
    for alt in t.get("anyOf", []) + t.get("oneOf", []):
        out |= set(alt.get("enum", [])) | set(alt.get("required", []))
    assert out, t
    return out
def section(title):
    m = re.search(r"^\.SH %s\n(.*?)^\.SH " % re.escape(title), page, re.S | re.M)
    assert m, title
    return m.group(1)
missing = []
for title, d in (("WORK TYPES", "work_type"), ("OPS", "op"), ("PAYLOADS", "output_format"), ("PAYLOADS", "payload_check")):
    text = section(title)
    missing += ["%s lacks %s" % (title, n) for n in sorted(names(defs[d]))
                if not re.search(r"(^|[^a-z_])%s([^a-z_]|$)" % n, text, re.M)]
# each .TP entry of WORK TYPES: the names before its parameters
lines = section("WORK TYPES").split("\n")
listed = set()
for i, l in enumerate(lines[:-1]):
    if l == ".TP":
        head = lines[i + 1].split(None, 1)
        text = "".join(shlex.split(head[1])).split("{")[0] if len(head) > 1 else ""
        listed |= {x.strip() for x in text.split(",") if x.strip()}
missing += ["WORK TYPES lists %s, which is no work type" % n for n in sorted(listed - names(defs["work_type"]))]
assert not missing, missing
P

# The include depth, exactly as ktstr-scenario(5) states it: a chain of
# 16 files (the scenario and 15 includes) loads, 17 do not.
deep_chain() { # N includes below the scenario, in $tmp/deep
	rm -rf "$tmp/deep" && mkdir "$tmp/deep"
	for i in $(seq 1 "$1"); do
		if ((i < $1)); then echo "include: [i$((i + 1)).yaml]"; else echo "description: the bottom"; fi >"$tmp/deep/i$i.yaml"
	done
	printf 'include: [i1.yaml]\nsteps: [{hold: {fixed: 0}}]\n' >"$tmp/deep/s.yaml"
}
deep_chain 15
expect_rc "16 files of includes load" 0 "$KTSTR" validate "$tmp/deep/s.yaml"
deep_chain 16
"$KTSTR" validate "$tmp/deep/s.yaml" >"$tmp/deep.out" 2>&1
rc=$?
[[ $rc == 2 ]] && grep -q "i15.yaml:1:11: error: includes nest deeper than 16 files" "$tmp/deep.out" &&
	ok "17 files of includes: refused at the include that goes too deep" || { bad "include depth (exit $rc)"; cat "$tmp/deep.out"; }

# The README's commands: every `ktstr SUB ...` it shows is a real command
# whose --help works, and every --flag on that line is in its usage (the
# usage comes from the option table the parser reads).
readme_ok=1
while read -r line; do
	sub=$(awk '{print $2}' <<<"$line")
	[[ $sub == *.yaml* || $sub == scenarios/* ]] && sub=run
	for s in ${sub//|/ }; do
		usage=$("$KTSTR" "$s" --help 2>&1) || { bad "README: ktstr $s --help fails"; readme_ok=0; continue; }
		for flag in $(grep -o -- ' --[a-z][a-z-]*' <<<"$line"); do
			grep -q -- "$flag" <<<"$usage" || { bad "README: ktstr $s has no $flag"; readme_ok=0; }
		done
	done
done < <(grep -E '^    ktstr [a-z|]+' "$SRCDIR/README.md")
((readme_ok)) && ok "README: every ktstr command it shows exists with the flags it shows"

finish
