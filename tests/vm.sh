#!/bin/bash
# VM tests: boot the real guest kernel under QEMU (TCG here) and check
# that the guest sees exactly the requested topology in sysfs, that exit
# statuses, panics and hangs are reported, that output crosses the data
# channel intact, and that no QEMU process or temp dir outlives a run,
# Ctrl-C included.  Needs a kernel in the cache (scripts/test.sh builds
# one); without it the test is skipped with exit 77.
. "$(dirname "$0")/lib.sh"
need_kernel
# This test's own temp root, so runs of other tests in parallel are not
# counted as leftovers; every QEMU of ours has its socket under it.
export TMPDIR=$tmp/t
mkdir -p "$TMPDIR"

ours() { # qemu processes and temp dirs of this test's ktstr runs
	local q d
	q=$(pgrep -fc "qemu-system-x86_64.*$TMPDIR" || true)
	d=$(find "$TMPDIR" -maxdepth 1 -name 'ktstr-*' | wc -l)
	echo $((q + d))
}
before=$(ours)

# Expected sysfs values for topology N,L,C,T with QEMU's CPU numbering.
expect_topo() {
	local n=$1 l=$2 c=$3 t=$4 cpus=$(($2 * $3 * $4))
	echo "online 0-$((cpus - 1))"
	local per_llc=$((c * t)) per_node=$((l / n * c * t)) cpu
	for ((cpu = 0; cpu < cpus; cpu++)); do
		local lo=$((cpu / per_llc * per_llc)) co=$((cpu / t * t))
		local llc="$lo-$((lo + per_llc - 1))" sib="$co-$((co + t - 1))"
		((per_llc == 1)) && llc=$lo
		((t == 1)) && sib=$co
		echo "cpu$cpu llc $llc siblings $sib"
	done
	for ((node = 0; node < n; node++)); do
		echo "node$node $((node * per_node))-$(((node + 1) * per_node - 1))"
	done
}
probe='cd /sys/devices/system
echo online $(cat cpu/online)
i=0; while [ -d cpu/cpu$i ]; do echo cpu$i llc $(cat cpu/cpu$i/cache/index3/shared_cpu_list) siblings $(cat cpu/cpu$i/topology/thread_siblings_list); i=$((i+1)); done
i=0; while [ -d node/node$i ]; do echo node$i $(cat node/node$i/cpulist); i=$((i+1)); done'

for topo in 1,1,2,1 1,2,2,2 2,4,2,1 2,2,1,2; do
	IFS=, read -r n l c t <<<"$topo"
	"$KTSTR" shell --topology "$topo" --exec "$probe" >"$tmp/got" 2>"$tmp/err"
	rc=$?
	expect_topo "$n" "$l" "$c" "$t" >"$tmp/want"
	if [[ $rc == 0 ]] && diff -u "$tmp/want" "$tmp/got" >"$tmp/diff"; then
		ok "topology $topo matches guest sysfs"
	else
		bad "topology $topo (exit $rc)"
		head -20 "$tmp/diff" "$tmp/err"
	fi
done

out=$("$KTSTR" shell --topology 2n4l2c1t --exec 'cat /sys/devices/system/node/node1/cpulist')
[[ $? == 0 && $out == 4-7 ]] && ok "node1 of 2n4l2c1t is 4-7" || bad "node1 cpulist: '$out'"

"$KTSTR" shell --exec false 2>/dev/null
[[ $? == 1 ]] && ok "--exec false exits 1" || bad "--exec false"
"$KTSTR" shell --exec 'exit 7' 2>/dev/null
[[ $? == 7 ]] && ok "exit status 7 passes through" || bad "exit 7"

n=$("$KTSTR" shell --exec 'seq 1 200000' | wc -l)
[[ $n == 200000 ]] && ok "200000 lines of output relayed intact" || bad "relay got $n lines"
"$KTSTR" shell --exec 'echo to-stderr >&2' 2>"$tmp/err" >/dev/null
grep -q to-stderr "$tmp/err" && ok "stderr relayed" || bad "stderr relay"

"$KTSTR" shell --exec 'echo c > /proc/sysrq-trigger; sleep 30' >/dev/null 2>"$tmp/err"
rc=$?
[[ $rc == 3 ]] && grep -q "error: kernel panic" "$tmp/err" && grep -q "sysrq" "$tmp/err" &&
	ok "forced panic reported with console tail" || { bad "panic (exit $rc)"; tail -5 "$tmp/err"; }

start=$(date +%s)
"$KTSTR" shell --timeout 6s --exec 'sleep 600' >/dev/null 2>"$tmp/err"
rc=$? el=$(($(date +%s) - start))
[[ $rc == 3 ]] && grep -q "guest hung" "$tmp/err" && ((el < 30)) &&
	ok "forced hang killed by the watchdog in ${el}s" || { bad "hang (exit $rc, ${el}s)"; tail -3 "$tmp/err"; }

"$KTSTR" shell --exec 'sleep 600' >/dev/null 2>&1 &
pid=$!
sleep 4
kill -INT $pid
wait $pid
rc=$?
sleep 0.5
[[ $rc == 130 ]] && ok "Ctrl-C ends the run (exit $rc)" || bad "Ctrl-C exit $rc"

printf '#!/bin/sh\necho included-ok\n' >"$tmp/hello.sh"
chmod +x "$tmp/hello.sh"
out=$("$KTSTR" shell -i "$tmp/hello.sh" -i /bin/true --exec 'hello.sh && true && echo yes')
[[ $out == $'included-ok\nyes' ]] && ok "include files (script and dynamic binary) run in the guest" || bad "include: '$out'"

after=$(ours)
[[ $after == "$before" ]] && ok "no qemu process or temp dir left ($after)" || bad "leftovers: before $before, after $after"

finish
