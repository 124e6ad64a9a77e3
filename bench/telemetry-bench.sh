#!/bin/bash
# telemetry-bench.sh KTSTR — benchmark, not a test.  In one VM (TCG here):
#  1. instrumentation overhead: the spin_wait loop with full telemetry
#     beside the same arithmetic with none, alternated on one CPU
#     (goal: >= 98% of the bare rate);
#  2. guest -> host transfer: 10 MB through the data channel, timed as the
#     difference between `--exec` printing 10 MB and `--exec true`
#     (goal: < 1 s under TCG).
set -euo pipefail
KTSTR=${1:-./ktstr}
echo "== overhead (in the VM, CPU 0)"
"$KTSTR" shell --topology 1n1l2c1t --exec '/init --bench-spin 1'
wall() { "$KTSTR" shell -v --topology 1n1l2c1t --exec "$1" 2>&1 >/dev/null | sed -nE 's/.*wall ([0-9]+) ms.*/\1/p'; }
echo "== transfer of 10 MB guest -> host"
base=() big=()
for i in 1 2 3; do
	base+=("$(wall true)")
	big+=("$(wall 'head -c 10485760 /dev/zero')")
done
python3 - "${base[@]}" "${big[@]}" <<'P'
import sys, statistics
v = list(map(float, sys.argv[1:]))
b, g = statistics.median(v[:3]), statistics.median(v[3:])
d = max(g - b, 1)
print(f"exec true: {b:.0f} ms, exec 10 MB: {g:.0f} ms -> 10 MB in {d:.0f} ms ({10 / (d / 1000):.1f} MB/s)")
P
