#!/bin/bash
# telemetry-bench.sh KTSTR — benchmark, not a test.  In one VM (TCG here):
#  1. instrumentation overhead: the spin_wait loop with full telemetry
#     beside the same loop with its checkpoints off (the cost of
#     telemetry; goal: median >= 0.97) and beside a bare loop of the same
#     arithmetic, alternated on one CPU;
#  2. guest -> host transfer: PID 1 sends 10 MB of latency-sample JSON
#     (1 MB records, as worker reports are shaped) over the data channel;
#     the host times first to last record (goal: < 1 s under TCG).
set -euo pipefail
KTSTR=${1:-./ktstr}
echo "== overhead (in the VM, CPU 0)"
"$KTSTR" shell --topology 1n1l2c1t --exec '/init --bench-spin 1'
echo "== transfer: 10 MB of latency-sample JSON records, guest -> host"
for i in 1 2 3; do "$KTSTR" shell --topology 1n1l2c1t --records-bench 10; done
