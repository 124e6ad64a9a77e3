/* claims: the metric catalogue and the checks a scenario can claim, once.
 * A metric row says its unit, polarity and how worker values combine over
 * a scope; a check row says whether it is a switch or a threshold, which
 * metric it bounds, and its default.  The checker (src/) evaluates these
 * same rows; docs/thresholds.md records how the defaults were measured. */
#include "vocab.h"

#define M(unit, hb, agg) (&(const struct metric_info){unit, hb, agg, NULL})
#define MS(unit, hb, agg, col) (&(const struct metric_info){unit, hb, agg, col})
#define MT(unit, hb, agg) (&(const struct metric_info){unit, hb, agg, NULL, true})

const struct ty ty_metric = {
	.kind = TY_VARIANT, .id = "metric",
	.doc = "A metric computed from the worker reports of a scope (the whole scenario, a cgroup, a step).",
	.alts = (const struct ty_alt[]){
		{"workers", NULL, 0, "workers that reported", 0, MS("", true, AGG_COUNT, "workers")},
		{"num_cpus", NULL, 0, "distinct CPUs used", 0, MS("", true, AGG_COUNT, "cpus")},
		{"total_work_units", NULL, 0, "sum of work units", 0, MS("", true, AGG_SUM, "work_units")},
		{"min_work_units", NULL, 0, "fewest work units of any worker", 0, M("", true, AGG_MIN)},
		{"total_iterations", NULL, 0, "sum of outer-loop iterations", 0, M("", true, AGG_SUM)},
		{"iterations_per_worker", NULL, 0, "total_iterations / workers", 0, M("", true, AGG_MEAN)},
		{"iteration_cost_ns", NULL, 0, "mean CPU time per outer-loop iteration (cpu_ns / iterations per worker): for alu_hot one iteration is 1024 steps of each of its four multiply chains, so the cost rises when an SMT sibling or anything else sharing the core slows them", 0, MS("ns", false, AGG_MEAN, "iter_ns")},
		{"max_iteration_cost_ns", NULL, 0, "highest CPU time per iteration of any worker (see iteration_cost_ns)", 0, M("ns", false, AGG_MAX)},
		{"max_gap_ms", NULL, 0, "longest time a worker went without running", 0, MS("ms", false, AGG_MAX, "maxgap_ms")},
		{"max_runnable_wait_ms", NULL, 0, "longest time a worker was runnable but not running: from its wakeup, or its preemption, to its next switch-in (kernel trace)", 0, MT("ms", false, AGG_MAX)},
		{"avg_off_cpu_pct", NULL, 0, "mean off-CPU share of wall time", 0, MS("%", false, AGG_MEAN, "off%")},
		{"max_off_cpu_pct", NULL, 0, "largest off-CPU share", 0, M("%", false, AGG_MAX)},
		{"min_off_cpu_pct", NULL, 0, "smallest off-CPU share", 0, M("%", false, AGG_MIN)},
		{"spread_pct", NULL, 0, "fairness spread: max - min off-CPU share among identical, non-blocking workers (one spawn), worst spawn; undefined without two such workers", 0, MS("pp", false, AGG_POOLED, "spread")},
		{"off_cpu_range_pct", NULL, 0, "max - min off-CPU share across every worker of the scope, whatever their work; undefined for one worker", 0, M("pp", false, AGG_POOLED)},
		{"cpu_time_ms", NULL, 0, "sum of worker CPU time", 0, M("ms", true, AGG_SUM)},
		{"wall_time_ms", NULL, 0, "longest worker wall time", 0, M("ms", true, AGG_MAX)},
		{"migrations", NULL, 0, "sum of CPU migrations", 0, MS("", false, AGG_SUM, "migr")},
		{"migration_ratio", NULL, 0, "migrations / iterations; undefined without iterations", 0, M("", false, AGG_POOLED)},
		{"p50_wake_latency_us", NULL, 0, "median wake latency, pooled", 0, MS("us", false, AGG_POOLED, "p50wk_us")},
		{"p99_wake_latency_us", NULL, 0, "99th percentile wake latency (nearest rank), pooled", 0, MS("us", false, AGG_POOLED, "p99wk_us")},
		{"max_wake_latency_us", NULL, 0, "largest wake latency sample", 0, M("us", false, AGG_POOLED)},
		{"wake_latency_cv", NULL, 0, "population CV of pooled wake latencies", 0, M("", false, AGG_POOLED)},
		{"wake_latency_tail_ratio", NULL, 0, "p99 / median wake latency; undefined for a zero median", 0, M("", false, AGG_POOLED)},
		{"wake_samples", NULL, 0, "wake latency observations", 0, M("", true, AGG_SUM)},
		{"mean_run_delay_us", NULL, 0, "mean schedstat run delay per worker", 0, M("us", false, AGG_MEAN)},
		{"max_run_delay_us", NULL, 0, "largest schedstat run delay", 0, M("us", false, AGG_MAX)},
		{"throughput_cv", NULL, 0, "population CV of work units per CPU-second", 0, M("", false, AGG_POOLED)},
		{"min_work_rate", NULL, 0, "lowest work units per CPU-second", 0, M("1/s", true, AGG_MIN)},
		{"min_iteration_rate", NULL, 0, "lowest iterations per wall second", 0, M("1/s", true, AGG_MIN)},
		{"voluntary_csw", NULL, 0, "voluntary context switches", 0, M("", false, AGG_SUM)},
		{"involuntary_csw", NULL, 0, "involuntary context switches", 0, M("", false, AGG_SUM)},
		{"page_locality", NULL, 0, "lowest share of a worker's counted pages (numa_pages) on its local NUMA nodes (local_nodes: the cpuset's memory nodes, or its CPUs' nodes); undefined when a worker that tracks placement counted no pages", 0, M("", true, AGG_POOLED)},
		{"cross_node_migration_ratio", NULL, 0, "NUMA pages migrated / pages", 0, M("", false, AGG_POOLED)},
		{"slow_tier_ratio", NULL, 0, "1 - page_locality: the largest share of a worker's counted pages outside its local nodes", 0, M("", false, AGG_POOLED)},
		{0}},
};

#define THRESH(lo, hi) (&(const struct ty){.kind = TY_NUM, .nmin = (lo), .nmax = (hi), .flags = TYF_OFF})
#define CK(eval, metric) (&(const struct check_info){eval, metric})

/* Defaults: see docs/thresholds.md.  `off` means not checked unless a
 * layer sets it. */
#define CHECK_FIELDS \
	{"not_starved", &ty_bool, 0, "true", "every worker did some work", CK(EV_NOT_STARVED, "min_work_units")}, \
	{"isolation", &ty_bool, 0, "true", "workers of a cgroup with a cpuset ran only on its CPUs", CK(EV_ISOLATION, "num_cpus")}, \
	{"max_gap_ms", THRESH(0, 1e9), 0, "2000", "no worker went longer without running", CK(EV_AT_MOST, "max_gap_ms")}, \
	{"max_runnable_wait_ms", THRESH(0, 1e9), 0, "off", "no worker stayed runnable without running longer (kernel trace: wakeup or preemption to the next switch-in; claiming it records the sched events)", CK(EV_AT_MOST, "max_runnable_wait_ms")}, \
	{"max_spread_pct", THRESH(0, 100), 0, "50", "off-CPU share of identical, non-blocking workers (one spawn) differs by at most this many points (the spread_pct metric); not applicable where no spawn has two such workers", CK(EV_AT_MOST, "spread_pct")}, \
	{"max_throughput_cv", THRESH(0, 1e9), 0, "off", "work rate CV across workers", CK(EV_AT_MOST, "throughput_cv")}, \
	{"min_work_rate", THRESH(0, 1e18), 0, "off", "every worker's work units per CPU-second", CK(EV_AT_LEAST, "min_work_rate")}, \
	{"max_p99_wake_latency_us", THRESH(0, 1e12), 0, "off", "p99 wake latency", CK(EV_AT_MOST, "p99_wake_latency_us")}, \
	{"max_wake_latency_cv", THRESH(0, 1e9), 0, "off", "wake latency CV", CK(EV_AT_MOST, "wake_latency_cv")}, \
	{"min_iteration_rate", THRESH(0, 1e18), 0, "off", "every worker's iterations per second", CK(EV_AT_LEAST, "min_iteration_rate")}, \
	{"max_migration_ratio", THRESH(0, 1e9), 0, "off", "migrations per iteration", CK(EV_AT_MOST, "migration_ratio")}, \
	{"min_page_locality", THRESH(0, 1), 0, "off", "share of each worker's counted pages on its local NUMA nodes (no pages counted: fails, no data)", CK(EV_AT_LEAST, "page_locality")}, \
	{"max_cross_node_migration_ratio", THRESH(0, 1e9), 0, "off", "NUMA page migrations per page", CK(EV_AT_MOST, "cross_node_migration_ratio")}, \
	{"max_slow_tier_ratio", THRESH(0, 1), 0, "off", "share of pages outside the cpuset's nodes", CK(EV_AT_MOST, "slow_tier_ratio")}

/* Checks the host monitor answers (src/vm/monitor.h): whole-run values
 * of the guest kernel's runqueues, so only at scenario scope.  Defaults
 * from healthy catalog runs under EEVDF and scx_simple (docs/thresholds.md);
 * imbalance and DSQ depth depend on the scenario's design and the
 * scheduler, so they are off until a layer sets them. */
#define MONITOR_CHECK_FIELDS \
	{"max_cpu_stall_ms", THRESH(0, 1e9), 0, "2000", "no CPU with more than one runnable task went longer without a context switch (host monitor)", CK(EV_MONITOR_AT_MOST, "max_cpu_stall_ms")}, \
	{"max_runqueue_imbalance", THRESH(0, 1e6), 0, "off", "spread of nr_running across CPUs, held for a whole 500 ms window (host monitor)", CK(EV_MONITOR_AT_MOST, "max_runqueue_imbalance")}, \
	{"max_local_dsq_depth", THRESH(0, 1e9), 0, "off", "deepest sched_ext local dispatch queue of any CPU (host monitor)", CK(EV_MONITOR_AT_MOST, "max_local_dsq_depth")}, \
	{"max_scx_wait_ms", THRESH(0, 1e9), 0, "3000", "no sched_ext task stayed runnable without running longer (host monitor, each CPU's runnable list)", CK(EV_MONITOR_AT_MOST, "max_scx_wait_ms")}

const struct ty_field monitor_check_fields[] = {MONITOR_CHECK_FIELDS, {0}};

const struct ty ty_checks = {
	.kind = TY_STRUCT, .id = "checks",
	.doc = "Threshold checks for one cgroup.",
	.fields = (const struct ty_field[]){CHECK_FIELDS, {0}},
};

const struct ty ty_pointwise = {
	.kind = TY_STRUCT, .id = "metric_claim",
	.doc = "A claim on one metric over a scope. Give exactly one of at_least, at_most, between, is_finite.",
	.fields = (const struct ty_field[]){
		{"metric", &ty_metric, TF_REQUIRED, NULL, "metric name"},
		{"cgroup", &ty_path, 0, NULL, "scope: this cgroup (absent: every worker)"},
		{"step", T_INT(1, 10000), 0, NULL, "scope: this step's slice (1-based)"},
		{"at_least", T_NUM(-1e300, 1e300), 0, NULL, "value >= bound"},
		{"at_most", T_NUM(-1e300, 1e300), 0, NULL, "value <= bound"},
		{"between", &(const struct ty){.kind = TY_LIST, .elem = T_NUM(-1e300, 1e300), .imin = 2, .imax = 2},
		 0, NULL, "[lo, hi], inclusive"},
		{"is_finite", &ty_bool, 0, NULL, "value is a finite number"},
		{0}},
};

#define CLAIMS_DOC "What must hold. Layers merge defaults, then the scheduler's claims, then the scenario's; the last one set wins and `off` switches a check off."
#define CLAIMS_SCOPES \
	{"cgroups", &(const struct ty){.kind = TY_DICT, .flags = TYF_SLASH, .elem = &ty_checks}, 0, NULL, "per-cgroup overrides"}, \
	{"metrics", &(const struct ty){.kind = TY_LIST, .elem = &ty_pointwise}, 0, NULL, "pointwise claims"}

/* A step's claims. */
const struct ty ty_claims = {
	.kind = TY_STRUCT, .id = "claims", .doc = CLAIMS_DOC,
	.fields = (const struct ty_field[]){CHECK_FIELDS, CLAIMS_SCOPES, {0}},
};

/* The scenario's (and a scheduler definition's) claims: also the
 * monitor checks. */
const struct ty ty_scenario_claims = {
	.kind = TY_STRUCT, .id = "scenario_claims", .doc = CLAIMS_DOC,
	.fields = (const struct ty_field[]){CHECK_FIELDS, MONITOR_CHECK_FIELDS, CLAIMS_SCOPES, {0}},
};

bool metric_from_trace(const char *name)
{
	const struct ty_alt *a = name ? ty_alt(&ty_metric, name) : NULL;
	return a && a->ext && ((const struct metric_info *)a->ext)->from_trace;
}
