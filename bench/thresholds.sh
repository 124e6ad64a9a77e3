#!/bin/bash
# thresholds.sh KTSTR [RUNS] — measures what the default checks see on
# healthy runs: runs every catalog scenario RUNS times (default 3) under
# EEVDF and prints, per check metric, the distribution over all
# (scenario, cgroup) pairs.  docs/thresholds.md records the figures and
# the defaults chosen from them.
set -u
KTSTR=${1:-./ktstr}
RUNS=${2:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export KTSTR_RUNS=$out
for ((r = 0; r < RUNS; r++)); do
	for f in scenarios/*.yaml; do
		"$KTSTR" run -q "$f" >/dev/null 2>&1
	done
done
python3 - "$out" <<'P'
import glob, json, math, sys
vals = {}
verdicts = {}
for f in glob.glob(sys.argv[1] + "/*.json"):
    r = json.load(open(f))
    verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
    if r["verdict"] != "pass":
        print("  not pass:", r["scenario"], "-", r["reason"][:160])
    for c in r["claims"]:
        if c["name"] in ("max_gap_ms", "max_spread_pct") and c["actual"] is not None:
            vals.setdefault(c["name"], []).append((c["actual"], r["scenario"], c["scope"]))
print("runs:", sum(verdicts.values()), "verdicts:", verdicts)
for k, v in sorted(vals.items()):
    v.sort()
    xs = [x[0] for x in v]
    q = lambda p: xs[min(len(xs) - 1, int(math.ceil(p * len(xs))) - 1)]
    print(f"{k}: n={len(xs)} p50={q(.5):.1f} p90={q(.9):.1f} p99={q(.99):.1f} max={xs[-1]:.1f}")
    per = {}
    for x in v:
        per[x[1]] = max(per.get(x[1], 0), x[0])
    print("    worst per scenario: " + ", ".join(f"{k} {per[k]:.1f}" for k in sorted(per)))
P
