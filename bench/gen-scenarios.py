#!/usr/bin/env python3
"""Generate varied, valid ktstr scenario files for benchmarks and fuzz seeds.

    bench/gen-scenarios.py OUTDIR [COUNT] [SEED]

Writes OUTDIR/gen-NNNN.yaml (COUNT files, default 1000) deterministically
from SEED (default 1).  The files vary topology (short and long form),
scheduler definitions and flags, payloads, backdrop and step cgroups
(cpusets, weights, cpu.max, nesting, works lists), work types with their
parameters and group sizes, policies, affinities, memory policies, every
op, holds and claims.  Each choice respects the semantic rules of
interp/validate.c so every file must pass `ktstr validate`; callers check
that.  Only the Python standard library is used.
"""
import json
import os
import random
import re
import sys

PLAIN = re.compile(r"^[A-Za-z0-9_./%-][A-Za-z0-9_./% -]*$")
# Quoted so YAML 1.1 tools do not read them as booleans.  "off" is left
# plain, the way scenario files write the switch-off value.
RESERVED = {"true", "false", "null", "yes", "no", "on", "~", "y", "n"}


def scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    s = str(v)
    if PLAIN.match(s) and s.lower() not in RESERVED and not s.endswith(" ") \
            and not s.startswith("- ") and ": " not in s:
        return s
    return json.dumps(s)


def flow(v):
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    return scalar(v)


def is_leafy(v):
    """Small enough to write in flow style."""
    if isinstance(v, dict):
        return len(v) <= 3 and all(is_leafy(x) for x in v.values())
    if isinstance(v, list):
        return len(v) <= 4 and all(not isinstance(x, (dict, list)) for x in v)
    return True


def emit(v, ind, out, rng):
    """Append block YAML for mapping/list v at indent ind to out."""
    pad = " " * ind
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x and not (is_leafy(x) and rng.random() < 0.6):
                out.append(f"{pad}{k}:")
                emit(x, ind + 2, out, rng)
            else:
                out.append(f"{pad}{k}: {flow(x)}")
    else:
        for x in v:
            if isinstance(x, dict) and x and not (is_leafy(x) and rng.random() < 0.5):
                sub = []
                emit(x, ind + 2, sub, rng)
                sub[0] = pad + "- " + sub[0][ind + 2:]
                out.extend(sub)
            elif isinstance(x, list) and x and not is_leafy(x):
                out.append(f"{pad}-")
                emit(x, ind + 2, out, rng)
            else:
                out.append(f"{pad}- {flow(x)}")


WORK_TYPES = [
    # name, params generator, group-size function
    ("spin_wait", None, None),
    ("yield_heavy", None, None),
    ("mixed", None, None),
    ("bursty", lambda r: {"burst": r.choice(["1ms", "5ms", "500us"]), "sleep": r.choice(["2ms", "5ms"])}, None),
    ("idle_churn", lambda r: {"burst": "1ms", "sleep": "3ms", "precise_timing": r.random() < 0.5}, None),
    ("sequence", lambda r: {"phases": [{"spin": "2ms"}, {"sleep": "1ms"}] +
                            r.sample([{"yield": "1ms"}, {"io": "1ms"}, {"spin": "500us"}], r.randint(0, 2))}, None),
    ("alu_hot", lambda r: {"width": r.choice(["scalar", "vec128", "vec256", "vec512", "widest"])}, None),
    ("smt_sibling_spin", None, lambda p: 2),
    ("ipc_variance", lambda r: {"hot_iters": r.choice([512, 1024]), "cold_iters": 64, "period_iters": r.randint(1, 8)}, None),
    ("io_sync", None, None),
    ("io_rand_read", None, None),
    ("io_convoy", None, None),
    ("pipe_io", lambda r: {"burst_iters": r.choice([256, 1024])}, lambda p: 2),
    ("cache_pressure", lambda r: {"size_kib": r.choice([32, 256, 1024]), "stride": r.choice([64, 128])}, None),
    ("cache_yield", lambda r: {"size_kib": 64, "stride": 64}, None),
    ("cache_pipe", lambda r: {"size_kib": 32, "burst_iters": 512}, lambda p: 2),
    ("page_fault_churn", lambda r: {"region_kib": 4096, "touches_per_cycle": r.choice([64, 256])}, None),
    ("futex_ping_pong", lambda r: {"spin_iters": r.choice([128, 1024])}, lambda p: 2),
    ("futex_fan_out", lambda r: {"fan_out": r.randint(1, 6), "spin_iters": 512}, lambda p: 1 + p.get("fan_out", 4)),
    ("fan_out_compute", lambda r: {"fan_out": r.randint(1, 4), "operations": 3, "sleep": "100us"}, lambda p: 1 + p.get("fan_out", 4)),
    ("wake_chain", lambda r: {"depth": r.randint(2, 5), "wake": r.choice(["futex", "pipe"]), "work_per_hop": 256}, lambda p: p.get("depth", 4)),
    ("mutex_contention", lambda r: {"contenders": r.randint(2, 6), "hold_iters": 128}, lambda p: p.get("contenders", 4)),
    ("thundering_herd", lambda r: {"waiters": r.randint(2, 8), "interval": "1ms"}, lambda p: 1 + p.get("waiters", 4)),
    ("rt_starvation", lambda r: {"rt_workers": r.randint(1, 2), "cfs_workers": r.randint(1, 3), "rt_priority": r.randint(1, 99)},
     lambda p: p.get("rt_workers", 1) + p.get("cfs_workers", 1)),
    ("preempt_storm", lambda r: {"cfs_workers": r.randint(1, 4), "rt_sleep": "1ms"}, lambda p: 1 + p.get("cfs_workers", 2)),
    ("asymmetric_waker", lambda r: {"waker_class": r.choice(["normal", "batch", "fifo"]), "wakee_class": r.choice(["normal", "idle", "ext"])}, lambda p: 2),
    ("priority_inversion", lambda r: {"high": 1, "medium": r.randint(1, 2), "low": 1, "pi": r.random() < 0.5},
     lambda p: p.get("high", 1) + p.get("medium", 1) + p.get("low", 1)),
    ("producer_consumer", lambda r: {"producers": r.randint(1, 2), "consumers": r.randint(1, 3), "rate_hz": r.choice([1000, 10000])},
     lambda p: p.get("producers", 1) + p.get("consumers", 2)),
    ("signal_storm", lambda r: {"signals_per_iter": 8}, lambda p: 2),
    ("fork_exit", None, None),
    ("nice_sweep", None, None),
    ("affinity_churn", lambda r: {"spin_iters": 256}, None),
    ("cross_affinity_churn", lambda r: {"spin_iters": 256}, None),
    ("policy_churn", lambda r: {"spin_iters": 512}, None),
    ("timer_latency", lambda r: {"interval": r.choice(["500us", "1ms", "2ms"])}, None),
    ("page_locality", lambda r: {"region_kib": 2048}, None),
    ("cgroup_churn", lambda r: {"groups": r.randint(2, 4), "cycle": "10ms"}, None),
]
FORK_ONLY = {"fork_exit", "cgroup_churn"}
METRICS = ["workers", "num_cpus", "total_work_units", "min_work_units", "max_gap_ms",
           "avg_off_cpu_pct", "spread_pct", "cpu_time_ms", "migrations", "p99_wake_latency_us",
           "wake_samples", "throughput_cv", "min_work_rate", "involuntary_csw", "page_locality"]


class Gen:
    def __init__(self, rng):
        self.r = rng
        r = rng
        self.numa = r.choice([1, 1, 1, 2, 4])
        self.llcs = self.numa * r.choice([1, 2])
        self.cores = r.choice([1, 2, 4, 8])
        self.threads = r.choice([1, 1, 2])
        if self.llcs * self.cores * self.threads < 2:
            self.cores = 2
        self.ncpus = self.llcs * self.cores * self.threads
        self.ever = []
        self.sched = None
        self.payloads = []

    # ---- leaves -----------------------------------------------------------
    def topology(self):
        if self.r.random() < 0.6:
            n = f"{self.numa}n" if self.numa > 1 or self.r.random() < 0.5 else ""
            t = f"{self.threads}t" if self.threads > 1 or self.r.random() < 0.5 else ""
            return f"{n}{self.llcs}l{self.cores}c{t}"
        return {"numa_nodes": self.numa, "llcs": self.llcs, "cores": self.cores, "threads": self.threads}

    def cpulist(self):
        a = self.r.randrange(self.ncpus)
        b = self.r.randrange(a, self.ncpus)
        return f"{a}-{b}" if b > a else str(a)

    def cpuset(self):
        r = self.r
        k = r.choice(["all", "llc", "numa", "range", "disjoint", "overlap", "cpus", "cpus_list"])
        if k == "all":
            return "all" if r.random() < 0.5 else {"all": None}
        if k == "llc":
            return {"llc": r.randrange(self.llcs)}
        if k == "numa":
            return {"numa": r.randrange(self.numa)}
        if k == "range":
            return {"range": r.choice([[0, "50%"], ["50%", "100%"], [0, 1], ["25%", 0.75]])}
        if k in ("disjoint", "overlap"):
            of = r.randint(1, min(4, self.ncpus))
            d = {"index": r.randrange(of), "of": of}
            if k == "overlap":
                d["frac"] = r.choice(["10%", 0.25, "50%"])
            return {k: d}
        if k == "cpus":
            return {"cpus": self.cpulist()}
        return {"cpus": sorted(r.sample(range(self.ncpus), r.randint(1, min(3, self.ncpus))))}

    def affinity(self):
        r = self.r
        ks = ["inherit", "cpus", "llc", "numa", "random", "single_cpu", "llc_aligned", "cross_cgroup"]
        if self.threads > 1:
            ks.append("smt_pair")
        k = r.choice(ks)
        if k == "cpus":
            return {"cpus": self.cpulist()}
        if k == "llc":
            return {"llc": r.randrange(self.llcs)}
        if k == "numa":
            return {"numa": r.randrange(self.numa)}
        if k == "random":
            d = {"count": r.randint(1, self.ncpus)}
            if r.random() < 0.3:
                d = {"count": 1, "from": self.cpulist()}
            return {"random": d}
        return k

    def policy(self):
        r = self.r
        k = r.choice(["normal", "batch", "idle", "ext", "fifo", "rr", "deadline"])
        if k in ("fifo", "rr"):
            return {k: r.randint(1, 99)}
        if k == "deadline":
            d = {"runtime": "1ms", "deadline": r.choice(["2ms", "5ms"])}
            if r.random() < 0.5:
                d["period"] = "10ms"
            return {"deadline": d}
        return k

    def mem_policy(self):
        r = self.r
        k = r.choice(["default", "local", "bind", "preferred", "interleave", "preferred_many", "weighted_interleave"])
        if k == "preferred":
            return {k: r.randrange(self.numa)}
        if k in ("default", "local"):
            return k
        return {k: sorted(r.sample(range(self.numa), r.randint(1, self.numa)))}

    def workspec(self, extra=None):
        r = self.r
        name, pgen, gsf = r.choice([w for w in WORK_TYPES
                                     if w[0] != "smt_sibling_spin" or self.threads > 1])
        params = pgen(r) if pgen else None
        gs = gsf(params or {}) if gsf else 1
        w = dict(extra or {})
        w["workers"] = gs * r.randint(1, 3)
        if params is None or (name != "sequence" and r.random() < 0.15):
            w["work"] = name if (params is None or r.random() < 0.5) else {name: None}
            params = {}
            if gsf:
                w["workers"] = gsf({}) * r.randint(1, 2)
        else:
            w["work"] = {name: params}
        if r.random() < 0.3:
            w["policy"] = self.policy()
        if r.random() < 0.3:
            w["nice"] = r.randint(-20, 19)
        if r.random() < 0.3:
            w["affinity"] = self.affinity()
        if r.random() < 0.2:
            w["mem_policy"] = mp = self.mem_policy()
            kind = mp if isinstance(mp, str) else next(iter(mp))
            if kind not in ("default", "local") and r.random() < 0.5:
                # the kernel's rules: numa_balancing only with bind and preferred_many
                w["mpol_flags"] = [r.choice(["static_nodes", "relative_nodes"] +
                                            (["numa_balancing"] if kind in ("bind", "preferred_many") else []))]
        if name not in FORK_ONLY and r.random() < 0.3:
            w["clone"] = "thread"
        elif r.random() < 0.2:
            w["clone"] = "fork"
        if r.random() < 0.15:
            w["comm"] = f"w{r.randint(0, 9999)}"
        if r.random() < 0.1:
            w["uid"] = r.randint(0, 65534)
            w["gid"] = r.randint(0, 65534)
        return w

    def cgroup(self, name):
        r = self.r
        self.ever.append(name)
        c = {"name": name}
        if r.random() < 0.6:
            c["cpuset"] = self.cpuset()
        if r.random() < 0.3:
            c["weight"] = r.choice([50, 100, 500, 10000])
        if r.random() < 0.2:
            c["cpu_max"] = {"quota": r.choice(["10ms", "50ms", "off"])} | ({"period": "100ms"} if r.random() < 0.5 else {})
        if r.random() < 0.25:
            c["works"] = [self.workspec() for _ in range(r.randint(1, 3))]
        else:
            c.update(self.workspec())
        return c

    # ---- ops ------------------------------------------------------------
    def ops(self, live, local, step, running):
        """Ops over live cgroups; local = cgroups this step may remove."""
        r = self.r
        out = []
        for i in range(r.randint(1, 5)):
            choices = ["add", "spawn_host"]
            if live:
                choices += ["set_cpuset", "clear", "spawn", "stop", "affinity", "weight",
                            "cpu_max", "freeze", "capture"]
            if len(live) >= 2:
                choices += ["swap", "move"]
            if local and step:
                choices.append("remove")
            if self.payloads:
                choices.append("run")
            if running:
                choices += ["wait", "kill"]
            if self.sched:
                choices += ["detach"]
            k = r.choice(choices)
            cg = r.choice(live) if live else None
            if k == "add":
                name = f"{'s' if step else 'b'}{step}_x{len(self.ever)}"
                self.ever.append(name)
                live.append(name)
                if step:
                    local.append(name)
                out.append({"add_cgroup": name if r.random() < 0.5 else {"name": name}})
            elif k == "remove":
                # remove a step-local cgroup that has no live child
                cands = [c for c in local if not any(x.startswith(c + "/") for x in live)]
                if not cands:
                    continue
                c = r.choice(cands)
                local.remove(c)
                live.remove(c)
                out.append({"remove_cgroup": c})
            elif k == "set_cpuset":
                out.append({"set_cpuset": {"cgroup": cg, "cpuset": self.cpuset()}})
            elif k == "clear":
                out.append({"clear_cpuset": cg})
            elif k == "spawn":
                out.append({"spawn": self.workspec({"cgroup": cg})})
            elif k == "spawn_host":
                out.append({"spawn_host": self.workspec()})
            elif k == "stop":
                out.append({"stop_cgroup": {"name": cg}})
            elif k == "affinity":
                out.append({"set_affinity": {"cgroup": cg, "affinity": self.affinity()}})
            elif k == "weight":
                out.append({"set_weight": {"cgroup": cg, "weight": r.randint(1, 10000)}})
            elif k == "cpu_max":
                out.append({"set_cpu_max": {"cgroup": cg, "quota": r.choice(["5ms", "off"]), "period": "50ms"}})
            elif k == "freeze":
                out.append({"freeze": cg})
                out.append({"thaw": {"name": cg}})
            elif k == "capture":
                out.append({"capture_cgroup_procs": {"tag": f"t{i}", "cgroup": cg}})
            elif k == "swap":
                a, b = r.sample(live, 2)
                out.append({"swap_cpusets": {"a": a, "b": b}})
            elif k == "move":
                a, b = r.sample(live, 2)
                out.append({"move_all_tasks": {"from": a, "to": b}})
            elif k == "run":
                p = r.choice(self.payloads)
                d = {"payload": p}
                if cg and r.random() < 0.5:
                    d["cgroup"] = cg
                if r.random() < 0.3:
                    d["args"] = ["--quiet"]
                out.append({"run_payload": d if len(d) > 1 or r.random() < 0.5 else p})
                running.append(p)
            elif k == "wait":
                p = r.choice(running)
                out.append({"wait_payload": {"payload": p, "timeout": "1s"} if r.random() < 0.5 else p})
            elif k == "kill":
                out.append({"kill_payload": {"payload": r.choice(running)}})
            elif k == "detach":
                out.append({"detach_scheduler": None})
                out.append("attach_scheduler" if r.random() < 0.5 else {"attach_scheduler": None})
        return out

    def hold(self, has_ops):
        r = self.r
        ks = ["full", "pct", "frac", "fixed"] + (["loop", "loop_full"] if has_ops else [])
        k = r.choice(ks)
        if k == "full":
            return "full"
        if k == "pct":
            return r.choice(["25%", "50%", "100%"])
        if k == "frac":
            return {"frac": r.choice([0.1, 0.5, 1])}
        if k == "fixed":
            return {"fixed": r.choice(["0", "100ms", "1s"])}
        if k == "loop":
            return {"loop": r.choice(["50ms", "200ms"])}
        return {"loop": {"interval": "100ms", "for": "50%"}}

    def claims(self, nsteps, top):
        r = self.r
        c = {}
        if r.random() < 0.5:
            c["not_starved"] = r.random() < 0.8
        if r.random() < 0.5:
            c["max_gap_ms"] = r.choice([500, 2000, "off"])
        if r.random() < 0.3:
            c["max_spread_pct"] = r.choice([10, 25.5, "off"])
        if r.random() < 0.2:
            c["max_p99_wake_latency_us"] = 5000
        if top and self.ever and r.random() < 0.4:
            c["cgroups"] = {r.choice(self.ever): {"max_spread_pct": 30, "isolation": r.random() < 0.5}}
        if r.random() < 0.6:
            ms = []
            for _ in range(r.randint(1, 3)):
                m = {"metric": r.choice(METRICS)}
                if top and nsteps and r.random() < 0.3:
                    m["step"] = r.randint(1, nsteps)
                elif top and self.ever and r.random() < 0.4:    # a cgroup that exists at some point
                    m["cgroup"] = r.choice(self.ever)
                cmp = r.choice(["at_least", "at_most", "between", "is_finite"])
                m[cmp] = {"at_least": 1, "at_most": 1e6, "between": [0, 100], "is_finite": True}[cmp]
                ms.append(m)
            c["metrics"] = ms
        return c

    # ---- whole file ---------------------------------------------------------
    def scenario(self, idx):
        r = self.r
        s = {"name": f"gen_{idx:04d}", "description": f"generated scenario {idx} for benchmarks"}
        if r.random() < 0.9:
            s["topology"] = self.topology()
        else:
            self.numa, self.llcs, self.cores, self.threads, self.ncpus = 1, 1, 2, 1, 2
        if r.random() < 0.3:
            s["memory_mib"] = r.choice([256, 1024, 2048])
        s["duration"] = r.choice(["500ms", "1s", "2s", "3s", "1500ms"])
        if r.random() < 0.3:
            s["watchdog"] = r.choice(["4s", "10s"])
        if r.random() < 0.2:
            s["sysctls"] = {"kernel.sched_child_runs_first": "1"}
        if r.random() < 0.4:
            self.sched = "scx_gen"
            flags = [{"name": "fast", "args": ["--fast"], "doc": "go fast"},
                     {"name": "slow", "requires": ["fast"]}]
            sd = {"name": "scx_gen", "binary": r.choice(["scx_simple", "/usr/bin/scx_lavd"]),
                  "args": ["-v"], "flags": flags}
            if r.random() < 0.3:
                sd["claims"] = {"max_gap_ms": 3000}
            if r.random() < 0.3:
                sd["attach_timeout"] = "30s"
            s["schedulers"] = [sd]
            sel = r.choice([None, ["fast"], ["fast", "slow"]])
            s["scheduler"] = "scx_gen" if sel is None else {"name": "scx_gen", "flags": sel}
        elif r.random() < 0.2:
            s["scheduler"] = "eevdf"
        if r.random() < 0.35:
            self.payloads = ["bench"]
            p = {"name": "bench", "binary": "stress-ng", "args": ["--cpu", "1"],
                 "output": r.choice(["exit_code", "json"])}
            if r.random() < 0.5:    # metric checks need an output with metrics
                p["checks"] = [{"exit_code_eq": 0}] + (
                    [{"range": {"metric": "ops", "lo": 0, "hi": 1e9}}] if p["output"] == "json" else [])
            s["payloads"] = [p]

        live = []
        bd = {}
        ncg = r.randint(0, 4)
        if ncg:
            cgs = []
            for i in range(ncg):
                name = f"cg{i}"
                cgs.append(self.cgroup(name))
                live.append(name)
            bd["cgroups"] = cgs
        if r.random() < 0.4:
            bd["ops"] = self.ops(live, [], 0, [])
        if self.payloads and r.random() < 0.3:
            bd["payloads"] = [r.choice(["bench", {"payload": "bench", "args": ["--x"]}])]
        if bd:
            s["backdrop"] = bd

        nsteps = r.randint(0, 4)
        if nsteps:
            steps = []
            for i in range(1, nsteps + 1):
                st = {}
                if r.random() < 0.7:
                    st["name"] = f"step{i}"
                steplive, local = list(live), []
                ops = self.ops(steplive, local, i, []) if r.random() < 0.7 else []
                if ops:
                    st["ops"] = ops
                if r.random() < 0.5:
                    st["cgroups"] = [self.cgroup(f"s{i}_c{k}") for k in range(r.randint(1, 2))]
                st["hold"] = self.hold(bool(ops))
                if r.random() < 0.2:
                    st["claims"] = self.claims(nsteps, False)
                steps.append(st)
            s["steps"] = steps
        if r.random() < 0.7:
            s["claims"] = self.claims(nsteps, True)
        return s


def render(s, rng):
    out = [f"# {s['name']}: generated by bench/gen-scenarios.py"]
    emit(s, 0, out, rng)
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: gen-scenarios.py OUTDIR [COUNT] [SEED]")
    outdir = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    os.makedirs(outdir, exist_ok=True)
    for i in range(count):
        rng = random.Random(seed * 1000003 + i)
        text = render(Gen(rng).scenario(i), rng)
        with open(os.path.join(outdir, f"gen-{i:04d}.yaml"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
