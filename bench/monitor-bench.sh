#!/bin/bash
# monitor-bench.sh KTSTR [ROUNDS] — benchmark, not a test.  The host
# monitor's cost:
#  1. guest work rate with the monitor sampling every 10 ms vs without:
#     the spin_wait loop's rate (/init --bench-spin) in alternating VMs,
#     per-pair ratio, median and range (goal >= 0.97);
#  2. host time per sample and the monitor's share of the result file per
#     minute of scenario, from a real run's JSON.
set -euo pipefail
KTSTR=${1:-./ktstr}
ROUNDS=${2:-4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rate() { # [--monitor]
	"$KTSTR" shell "$@" --topology 1n1l2c1t --exec '/init --bench-spin 1' 2>/dev/null |
		sed -n 's/^spin with telemetry: \([0-9.]*\) Munits.*/\1/p'
}
echo "== guest spin rate, monitor on vs off ($ROUNDS pairs, alternating)"
ratios=()
for ((i = 0; i < ROUNDS; i++)); do
	off=$(rate)
	on=$(rate --monitor)
	r=$(python3 -c "print(f'{$on / $off:.3f}')")
	echo "  pair $i: off $off, on $on Munits/s, ratio $r"
	ratios+=("$r")
done
python3 -c "
import statistics, sys
r = sorted(float(x) for x in sys.argv[1:])
print(f'  ratio on/off: median {statistics.median(r):.3f} (min {r[0]:.3f}, max {r[-1]:.3f}, {len(r)} pairs)')" "${ratios[@]}"

echo "== per-sample cost and result size (scenarios/steady.yaml)"
KTSTR_RUNS=$tmp/runs "$KTSTR" run --json scenarios/steady.yaml >"$tmp/r.json" 2>/dev/null || true
python3 - "$tmp/r.json" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["monitor"]
size = len(json.dumps(m))
minutes = r["duration_ms"] / 60000
print(f"  {m['samples']} samples every {m['period_ms']} ms on {m['cpus']} CPUs: {m['cost_us_per_sample']:.1f} us of host time per sample")
points = len(m["series"]["t_ms"])
print(f"  monitor JSON {size / 1024:.0f} KiB for {r['duration_ms'] / 1000:.0f} s of scenario ({points} points); "
      f"series stop growing at 1024 points, so any run stays under about {size / 1024 * 1024 / points:.0f} KiB "
      f"(a minute at full rate would be {size / 1024 / minutes:.0f} KiB)")
P
