/* vocab: the scenario language's vocabularies, each defined once as a
 * table: the format's structure (format.c), ops (ops.c), work types
 * (worktypes.c), metrics and checks (claims.c).  Parsing, validation,
 * lowering, the JSON Schema, the man page and the guest executor all
 * read these tables. */
#ifndef KTSTR_VOCAB_H
#define KTSTR_VOCAB_H

#include "types.h"

/* Shorthand constructors for table rows (compound literals with static
 * storage, usable in static initializers). */
#define T_INT(lo, hi)	(&(const struct ty){.kind = TY_INT, .imin = (lo), .imax = (hi)})
#define T_NUM(lo, hi)	(&(const struct ty){.kind = TY_NUM, .nmin = (lo), .nmax = (hi)})
#define T_DUR(lo, hi)	(&(const struct ty){.kind = TY_DUR, .imin = (lo), .imax = (hi)})
#define T_LIST(e)	(&(const struct ty){.kind = TY_LIST, .elem = (e)})
#define NS_MS		1000000LL
#define NS_S		1000000000LL
#define NS_H		(3600LL * NS_S)
/* cpu.max, in a cgroup definition and in set_cpu_max: the kernel
 * (tg_set_cfs_bandwidth) refuses a quota or period below 1ms and a
 * period above 1s with EINVAL, so such values are refused here. */
#define CPU_MAX_WHY "the kernel refuses a cpu.max quota or period below 1ms and a period above 1s"
#define T_CPU_MAX_QUOTA (&(const struct ty){.kind = TY_DUR, .imin = NS_MS, .imax = NS_S, .flags = TYF_OFF, .range_why = CPU_MAX_WHY})
#define T_CPU_MAX_PERIOD (&(const struct ty){.kind = TY_DUR, .imin = NS_MS, .imax = NS_S, .range_why = CPU_MAX_WHY})
/* A histogram bucket line: a value, then one count per column (thread). */
#define HIST_LINE_REGEX "^[ \\t]*(?<value>[0-9]+)[ \\t]+(?<count>[0-9]+(?:[ \\t]+[0-9]+)*)[ \\t]*$"

extern const struct ty ty_bool, ty_str, ty_name, ty_path, ty_frac, ty_cpus;
extern const struct ty ty_scenario, ty_include_file, ty_topology, ty_requires;
extern const struct ty ty_workspec, ty_cgroup_def, ty_cpuset_spec;
extern const struct ty ty_affinity, ty_sched_policy, ty_mem_policy, ty_hold;
extern const struct ty ty_op, ty_work, ty_phase;
extern const struct ty ty_checks, ty_claims, ty_scenario_claims, ty_metric, ty_pointwise;
/* Checks on the host monitor's summary: scenario claims only. */
extern const struct ty_field monitor_check_fields[];
extern const struct ty ty_mpol_flag, ty_clone_mode, ty_trace_group, ty_finding;

/* The keys of a workspec, shared by cgroup definitions and spawn ops. */
#define WORKSPEC_FIELDS \
	{"workers", T_INT(1, 1024), 0, "1", "number of workers; a multiple of the work type's group size"}, \
	{"work", &ty_work, 0, "spin_wait", "what each worker does"}, \
	{"policy", &ty_sched_policy, 0, "normal", "scheduling policy"}, \
	{"nice", T_INT(-20, 19), 0, NULL, "nice value (absent: inherit)"}, \
	{"affinity", &ty_affinity, 0, "inherit", "CPU affinity"}, \
	{"mem_policy", &ty_mem_policy, 0, "default", "NUMA memory policy"}, \
	{"mpol_flags", &(const struct ty){.kind = TY_LIST, .elem = &ty_mpol_flag}, 0, NULL, "mode flags OR'ed into mem_policy"}, \
	{"clone", &ty_clone_mode, 0, "fork", "fork a process or start a thread per worker"}, \
	{"comm", &(const struct ty){.kind = TY_STR, .imax = 15}, 0, NULL, "task name (at most 15 bytes)"}, \
	{"uid", T_INT(0, 4294967294LL), 0, NULL, "setresuid for each worker"}, \
	{"gid", T_INT(0, 4294967294LL), 0, NULL, "setresgid for each worker"}

/* Work types: ty_alt.ext of each ty_work alternative. */
#define WT_FORK_ONLY	0x1
#define WT_THREAD_ONLY	0x2
#define WT_BLOCKING	0x4	/* sleeps or waits by design (no fairness spread) */
struct worktype_info {
	unsigned flags;
	int gs_const;			/* group size = gs_const + sum of params */
	const char *gs_params[4];	/* params added into the group size */
	unsigned min_numa_nodes;	/* the topology needs at least this many nodes (0: any) */
};

/* Checks: ty_field.ext of each ty_checks field.  The row names the
 * checker's evaluator; a new check needs a new evaluator or an existing
 * one, never a guess (the checker's table is indexed by this enum and a
 * unit test finds every row's evaluator there). */
enum check_eval {
	EV_NOT_STARVED,		/* switch: every worker in scope did work */
	EV_ISOLATION,		/* switch: workers ran only on their cgroup's cpuset */
	EV_AT_MOST,		/* threshold: metric <= value */
	EV_AT_LEAST,		/* threshold: metric >= value */
	EV_MONITOR_AT_MOST,	/* threshold on the host monitor's summary (scenario scope) */
	EV__COUNT
};
struct check_info {
	enum check_eval eval;
	const char *metric;	/* metric compared (thresholds), or evidence (switches) */
};

/* Metrics: ty_alt.ext of each ty_metric alternative.  agg says how the
 * per-worker values combine over a scope (src/metrics.c applies it);
 * AGG_POOLED and AGG_COUNT metrics are computed over the scope as a
 * whole.  higher_better is the direction compare judges a change by;
 * column, when set, makes it a column of the per-cgroup summary table
 * (the result's "cgroups", the text report, compare). */
enum metric_agg { AGG_SUM, AGG_MAX, AGG_MIN, AGG_MEAN, AGG_POOLED, AGG_COUNT };
struct metric_info {
	const char *unit;
	bool higher_better;
	enum metric_agg agg;
	const char *column;
	bool from_trace;	/* measured from the kernel trace: claiming it records one */
};
/* Whether a metric (by name) needs the run to record a kernel trace. */
bool metric_from_trace(const char *name);

/* Worker group size of a work type given its params node (may be NULL).
 * Returns 1 when the type has no grouping. */
long worktype_group_size(const struct ty_alt *wt, const struct ynode *params);
/* Integer/duration/number value of a field: the node's if present, else
 * the table default; false when neither exists. */
bool field_int(const struct ty *t, const struct ynode *map, const char *key, int64_t *out);
bool field_dur(const struct ty *t, const struct ynode *map, const char *key, uint64_t *out);
bool field_num(const struct ty *t, const struct ynode *map, const char *key, double *out);

#endif
