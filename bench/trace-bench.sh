#!/bin/bash
# trace-bench.sh [KTSTR [ROUNDS]] — benchmark, not a test (TCG here).
#  1. tracing overhead: the same spin scenario with and without --trace,
#     alternated; per round the ratio of work units per CPU-second
#     (traced / untraced), then the median and range;
#  2. recorder capacity under the fanout wake storm: events per second
#     per CPU that the sched events produce, bytes per event in the ring
#     buffer, and so how many seconds of storm the default buffer holds
#     before it drops events (nothing drains it while the scenario runs);
#  3. report generation: `ktstr report --html` time and page size for a
#     traced 10 s scenario on 8 vCPUs.
set -euo pipefail
KTSTR=${1:-./ktstr}
ROUNDS=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export KTSTR_RUNS=$tmp/runs
cat >"$tmp/spin.yaml" <<'Y'
topology: 1n1l2c1t
duration: 3s
backdrop:
  cgroups:
    - {name: spin, workers: 4, work: spin_wait}
Y
rate() { python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
w = [x for x in r["records"] if x["type"] == "worker"]
print(sum(x["work_units"] for x in w) / (sum(x["cpu_ns"] for x in w) / 1e9))' "$1"; }

echo "== 1. overhead: spin work rate with --trace / without (${ROUNDS} rounds)"
ratios=()
for i in $(seq "$ROUNDS"); do
	"$KTSTR" run --json --no-monitor "$tmp/spin.yaml" >"$tmp/plain.json" 2>/dev/null || true
	"$KTSTR" run --json --no-monitor --trace "$tmp/spin.yaml" >"$tmp/traced.json" 2>/dev/null || true
	a=$(rate "$tmp/plain.json") b=$(rate "$tmp/traced.json")
	r=$(python3 -c "print(f'{$b / $a:.4f}')")
	echo "  round $i: untraced $a/s, traced $b/s, ratio $r"
	ratios+=("$r")
done
python3 -c 'import statistics, sys; v = [float(x) for x in sys.argv[1:]]; print(f"  ratio median {statistics.median(v):.4f}, range {min(v):.4f}..{max(v):.4f}")' "${ratios[@]}"

echo "== 2. recorder capacity under the fanout wake storm"
sed 's#include: \[../schedulers/kernel.yaml\]#include: ['"$PWD"'/schedulers/kernel.yaml]#' scenarios/fanout.yaml >"$tmp/fanout.yaml"
"$KTSTR" run --json --no-monitor --trace "$tmp/fanout.yaml" >"$tmp/fanout.json" 2>/dev/null || true
python3 - "$tmp/fanout.json" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
t = r["trace"]
n = sum(t["event_counts"].values())
cpus = len(t["per_cpu"])
span = r["duration_ms"] / 1e3
entries = sum(c["entries"] for c in t["per_cpu"])
print(f"  {n} events in a {span:.0f} s scenario on {cpus} CPUs: {n / span / cpus:.0f} events/s per CPU; lost {t['lost_events']}")
per_event = 64  # sched_switch record: 8-byte header + 56-byte payload
cap = t["buffer_kb"] * 1024 / per_event
print(f"  buffer {t['buffer_kb']} KiB per CPU ~ {cap:.0f} events: {cap / max(n / span / cpus, 1):.0f} s of this storm before drops")
print(f"  trace.dat {t['bytes'] / 1e6:.2f} MB")
P

echo "== 3. report generation: a traced 10 s scenario on 8 vCPUs"
cat >"$tmp/big.yaml" <<'Y'
name: big
topology: 1n2l4c1t
duration: 10s
backdrop:
  cgroups:
    - {name: spin, workers: 8, work: spin_wait}
    - {name: wake, workers: 10, work: {futex_fan_out: {fan_out: 4}}}
Y
"$KTSTR" run --json --no-monitor --trace "$tmp/big.yaml" >"$tmp/big.json" 2>/dev/null || true
res=$(ls "$KTSTR_RUNS"/big-*[0-9].json | tail -1)
start=$(date +%s.%N)
"$KTSTR" report --html "$res" >/dev/null
end=$(date +%s.%N)
python3 - "$res" "$start" "$end" <<'P'
import json, os, sys
r = json.load(open(sys.argv[1]))
h = sys.argv[1][:-5] + ".html"
n = sum(r["trace"]["event_counts"].values())
print(f"  {n} events, lost {r['trace']['lost_events']}; report --html {float(sys.argv[3]) - float(sys.argv[2]):.2f} s, page {os.path.getsize(h) / 1e6:.2f} MB, trace.dat {r['trace']['bytes'] / 1e6:.1f} MB")
P
