/* format: the structure of a scenario file — top level, topology,
 * schedulers, payloads, backdrop, steps, cgroup definitions, workspecs,
 * cpuset specs, affinity, policies and holds — as ty tables.  Ops, work
 * types and claims have their own files. */
#include "vocab.h"
#include "topology.h"
#include "ynode.h"

#include <stdio.h>
#include <string.h>

const struct ty ty_bool = {.kind = TY_BOOL};
const struct ty ty_str = {.kind = TY_STR};
const struct ty ty_name = {.kind = TY_NAME};
const struct ty ty_path = {.kind = TY_NAME, .flags = TYF_SLASH};
const struct ty ty_frac = {.kind = TY_FRAC};
const struct ty ty_cpus = {.kind = TY_CPUS};

static const struct ty ty_str_list = {.kind = TY_LIST, .elem = &ty_str};
static const struct ty ty_name_list = {.kind = TY_LIST, .elem = &ty_name};
static const struct ty ty_node_list = {.kind = TY_LIST, .flags = TYF_NONEMPTY,
				       .elem = T_INT(0, 63)};
static const struct ty ty_sysctls = {.kind = TY_DICT, .elem = &ty_str, .flags = TYF_SLASH | TYF_DOTTED,
	.doc = "sysctl name (e.g. kernel.sched_child_runs_first) to value"};

/* ---- topology ---------------------------------------------------------- */

static bool topo_scalar(const char *s, char *why, size_t n)
{
	struct topology t;
	return topo_parse(s, &t, why, n);
}

/* What a scenario needs of a topology: checked against the effective one
 * (its own, or run/gauntlet --topology), a miss is a skip. */
const struct ty ty_requires = {
	.kind = TY_STRUCT, .id = "requires",
	.doc = "Topologies (and the scheduler) the scenario can run on; on any other (run --topology, a gauntlet preset or variant) it is skipped with the reason, never failed.",
	.fields = (const struct ty_field[]){
		{"smt", &ty_bool, 0, NULL, "true: needs hardware threads (threads >= 2); false: needs none"},
		{"min_llcs", T_INT(1, 240), 0, NULL, "at least this many LLCs"},
		{"min_numa_nodes", T_INT(1, 64), 0, NULL, "at least this many NUMA nodes"},
		{"min_cpus", T_INT(1, 4096), 0, NULL, "at least this many CPUs"},
		{"max_cpus", T_INT(1, 4096), 0, NULL, "at most this many CPUs"},
		{"scheduler", &ty_name, 0, NULL, "the only scheduler it runs under (eevdf for tests that attach sched_ext schedulers of their own); under another (--scheduler, a gauntlet variant) it is skipped"},
		{0}},
};

const struct ty ty_topology = {
	.kind = TY_STRUCT, .id = "topology",
	.doc = "The VM's CPU topology. Total vCPUs = llcs x cores x threads; each NUMA node holds llcs/numa_nodes LLCs.",
	.from_scalar = topo_scalar,
	.scalar_pattern = "^([1-9][0-9]*n)?[1-9][0-9]*l[1-9][0-9]*c([1-9][0-9]*t)?$",
	.scalar_doc = "Short form: \"<N>n<L>l<C>c<T>t\", e.g. 1n2l4c2t (n and t optional).",
	.fields = (const struct ty_field[]){
		{"numa_nodes", T_INT(1, 64), 0, "1", "NUMA nodes (one per socket)"},
		{"llcs", T_INT(1, 240), 0, "1", "last-level caches in total; a multiple of numa_nodes"},
		{"cores", T_INT(1, 240), 0, "2", "cores per LLC"},
		{"threads", T_INT(1, 8), 0, "1", "hardware threads per core (SMT)"},
		{0}},
};

/* ---- cpusets, affinity, policies -------------------------------------- */

const struct ty ty_cpuset_spec = {
	.kind = TY_VARIANT, .id = "cpuset",
	.doc = "A set of CPUs computed from the topology.",
	.alts = (const struct ty_alt[]){
		{"all", NULL, 0, "every CPU"},
		{"llc", T_INT(0, 239), 0, "the CPUs of LLC i"},
		{"numa", T_INT(0, 63), 0, "the CPUs of NUMA node i (also sets cpuset.mems)"},
		{"range", &(const struct ty){.kind = TY_LIST, .elem = &ty_frac, .imin = 2, .imax = 2},
		 0, "[from, to] as fractions of the CPU list, e.g. [0, 50%]"},
		{"disjoint", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			{"index", T_INT(0, 239), TF_REQUIRED, NULL, "which part, from 0"},
			{"of", T_INT(1, 240), TF_REQUIRED, NULL, "number of equal parts"},
			{0}}}, 0, "part index of `of` equal, non-overlapping parts"},
		{"overlap", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			{"index", T_INT(0, 239), TF_REQUIRED, NULL, "which part, from 0"},
			{"of", T_INT(1, 240), TF_REQUIRED, NULL, "number of parts"},
			{"frac", &ty_frac, TF_REQUIRED, NULL, "how far each part grows into its neighbour"},
			{0}}}, 0, "like disjoint, but each part shares frac of its size with a neighbour"},
		{"cpus", &ty_cpus, 0, "an explicit CPU list"},
		{0}},
};

const struct ty ty_affinity = {
	.kind = TY_VARIANT, .id = "affinity",
	.doc = "Where each worker may run (sched_setaffinity), resolved per worker.",
	.alts = (const struct ty_alt[]){
		{"inherit", NULL, 0, "no affinity call; the cgroup's cpuset applies"},
		{"cpus", &ty_cpus, 0, "exactly these CPUs"},
		{"llc", T_INT(0, 239), 0, "the CPUs of LLC i"},
		{"numa", T_INT(0, 63), 0, "the CPUs of NUMA node i"},
		{"random", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			{"count", T_INT(1, 240), TF_REQUIRED, NULL, "CPUs drawn per worker"},
			{"from", &ty_cpus, 0, "all CPUs", "pool to draw from"},
			{0}}}, 0, "a random subset of count CPUs, drawn independently per worker"},
		{"single_cpu", NULL, 0, "one CPU per worker, round robin over the cgroup's CPUs"},
		{"llc_aligned", NULL, 0, "all CPUs of the LLC the worker starts on"},
		{"smt_pair", NULL, 0, "both SMT siblings of one core per worker"},
		{"cross_cgroup", NULL, 0, "CPUs outside the worker's own cgroup cpuset"},
		{0}},
};

const struct ty ty_sched_policy = {
	.kind = TY_VARIANT, .id = "sched_policy",
	.doc = "Scheduling policy applied by each worker to itself; a failure is recorded in its report.",
	.alts = (const struct ty_alt[]){
		{"normal", NULL, 0, "SCHED_OTHER (no syscall)"},
		{"batch", NULL, 0, "SCHED_BATCH"},
		{"idle", NULL, 0, "SCHED_IDLE"},
		{"ext", NULL, 0, "SCHED_EXT (needs a sched_ext scheduler attached)"},
		{"fifo", T_INT(1, 99), 0, "SCHED_FIFO at this priority"},
		{"rr", T_INT(1, 99), 0, "SCHED_RR at this priority"},
		{"deadline", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			{"runtime", T_DUR(1024, NS_S * 10), TF_REQUIRED, NULL, "budget per period (>= 1024ns)"},
			{"deadline", T_DUR(1024, NS_S * 10), TF_REQUIRED, NULL, "relative deadline (>= runtime)"},
			{"period", T_DUR(0, NS_S * 10), 0, "deadline", "period (>= deadline)"},
			{0}}}, 0, "SCHED_DEADLINE with these parameters"},
		{0}},
};

const struct ty ty_mem_policy = {
	.kind = TY_VARIANT, .id = "mem_policy",
	.doc = "NUMA memory policy (set_mempolicy) applied by each worker.",
	.alts = (const struct ty_alt[]){
		{"default", NULL, 0, "no syscall"},
		{"local", NULL, 0, "MPOL_LOCAL"},
		{"bind", &ty_node_list, 0, "MPOL_BIND to these nodes"},
		{"preferred", T_INT(0, 63), 0, "MPOL_PREFERRED node"},
		{"interleave", &ty_node_list, 0, "MPOL_INTERLEAVE over these nodes"},
		{"preferred_many", &ty_node_list, 0, "MPOL_PREFERRED_MANY (kernel >= 5.15)"},
		{"weighted_interleave", &ty_node_list, 0, "MPOL_WEIGHTED_INTERLEAVE (kernel >= 6.9)"},
		{0}},
};

const struct ty ty_mpol_flag = {
	.kind = TY_VARIANT, .id = "mpol_flag",
	.alts = (const struct ty_alt[]){
		{"static_nodes", NULL, 0, "MPOL_F_STATIC_NODES"},
		{"relative_nodes", NULL, 0, "MPOL_F_RELATIVE_NODES"},
		{"numa_balancing", NULL, 0, "MPOL_F_NUMA_BALANCING"},
		{0}},
};

const struct ty ty_clone_mode = {
	.kind = TY_VARIANT, .id = "clone_mode",
	.alts = (const struct ty_alt[]){
		{"fork", NULL, 0, "one process per worker"},
		{"thread", NULL, 0, "one thread per worker in one process"},
		{0}},
};

/* Event groups for `trace:`; ext is the space-separated event list. */
const struct ty ty_trace_group = {
	.kind = TY_VARIANT, .id = "trace_group",
	.doc = "A group of kernel tracepoints recorded in the guest.",
	.alts = (const struct ty_alt[]){
#define TRACE_GROUP(name, events, doc) {#name, NULL, 0, doc, 0, events},
#include "tracegroups.def"
#undef TRACE_GROUP
		{0}},
};

/* ---- workspec and cgroups --------------------------------------------- */

const struct ty ty_workspec = {
	.kind = TY_STRUCT, .id = "workspec",
	.doc = "A group of identical workers.",
	.fields = (const struct ty_field[]){WORKSPEC_FIELDS, {0}},
};

static const struct ty ty_cpu_max = {
	.kind = TY_STRUCT, .id = "cpu_max",
	.doc = "cpu.max bandwidth limit.",
	.fields = (const struct ty_field[]){
		{"quota", T_CPU_MAX_QUOTA, TF_REQUIRED, NULL, "runtime allowed per period (>= 1ms); off = unlimited (max)"},
		{"period", T_CPU_MAX_PERIOD, 0, "100ms", "accounting period (1ms to 1s)"},
		{0}},
};

const struct ty ty_cgroup_def = {
	.kind = TY_STRUCT, .id = "cgroup",
	.doc = "A cgroup with its controls and workers. Workspec keys may be given inline (one group of workers) or as a `works` list, not both.",
	.fields = (const struct ty_field[]){
		{"name", &ty_path, TF_REQUIRED, NULL, "cgroup name; a/b nests b under the existing cgroup a"},
		{"cpuset", &ty_cpuset_spec, 0, NULL, "cpuset.cpus (and mems for numa)"},
		{"weight", T_INT(1, 10000), 0, NULL, "cpu.weight"},
		{"cpu_max", &ty_cpu_max, 0, NULL, "cpu.max"},
		{"works", &(const struct ty){.kind = TY_LIST, .elem = &ty_workspec, .flags = TYF_NONEMPTY},
		 0, NULL, "several groups of workers"},
		WORKSPEC_FIELDS,
		{0}},
};

static const struct ty ty_cgroup_list = {.kind = TY_LIST, .elem = &ty_cgroup_def};

/* ---- payloads --------------------------------------------------------- */

static const struct ty ty_metric_bound = {
	.kind = TY_STRUCT, .fields = (const struct ty_field[]){
		{"metric", &ty_str, TF_REQUIRED, NULL, "metric name in the payload's output"},
		{"value", T_NUM(-1e300, 1e300), TF_REQUIRED, NULL, "bound (inclusive)"},
		{0}},
};

static const struct ty ty_payload_check = {
	.kind = TY_VARIANT, .id = "payload_check",
	.doc = "A check on a payload's result.",
	.alts = (const struct ty_alt[]){
		{"exit_code_eq", T_INT(-1, 255), 0, "exit code equals (-1: killed by a signal)"},
		{"min", &ty_metric_bound, 0, "metric >= value"},
		{"max", &ty_metric_bound, 0, "metric <= value"},
		{"range", &(const struct ty){.kind = TY_STRUCT, .fields = (const struct ty_field[]){
			{"metric", &ty_str, TF_REQUIRED, NULL, "metric name"},
			{"lo", T_NUM(-1e300, 1e300), TF_REQUIRED, NULL, "lower bound (inclusive)"},
			{"hi", T_NUM(-1e300, 1e300), TF_REQUIRED, NULL, "upper bound (inclusive), >= lo"},
			{0}}}, 0, "lo <= metric <= hi"},
		{"exists", &ty_str, 0, "the metric is present"},
		{0}},
};

static const struct ty ty_take = {
	.kind = TY_VARIANT, .id = "metric_take",
	.doc = "Which of a pattern's matches becomes the metric.",
	.alts = (const struct ty_alt[]){
		{"first", NULL, 0, "the first match"}, {"last", NULL, 0, "the last match"},
		{"min", NULL, 0, "the smallest"}, {"max", NULL, 0, "the largest"},
		{"mean", NULL, 0, "the mean of all matches"}, {"sum", NULL, 0, "their sum"},
		{"count", NULL, 0, "how many times it matched"},
		{0}},
};

static const struct ty ty_stream = {
	.kind = TY_VARIANT, .id = "output_stream",
	.alts = (const struct ty_alt[]){
		{"stdout", NULL, 0, NULL}, {"stderr", NULL, 0, NULL},
		{"both", NULL, 0, "stdout, then stderr"}, {0}},
};

static const struct ty ty_text_pattern = {
	.kind = TY_STRUCT, .id = "text_pattern", .shorthand = "regex",
	.doc = "A PCRE2 pattern over the output (multi-line: ^ and $ match at each line); each named group (?<name>...) is a metric, its text read as a number with any unit after it stripped.",
	.fields = (const struct ty_field[]){
		{"regex", &ty_str, TF_REQUIRED, NULL, "PCRE2 pattern with at least one named group"},
		{"take", &ty_take, 0, "last", "which match counts"},
		{"scale", T_NUM(-1e300, 1e300), 0, "1", "multiply each value (unit conversion)"},
		{0}},
};

static const struct ty ty_text_histogram = {
	.kind = TY_STRUCT, .id = "text_histogram",
	.doc = "A histogram printed as lines of a value and its counts (cyclictest -h): NAME_p50, NAME_p90, NAME_p99, NAME_p999, NAME_max, NAME_mean and NAME_samples.",
	.fields = (const struct ty_field[]){
		{"name", &ty_name, TF_REQUIRED, NULL, "metric name prefix"},
		{"regex", &ty_str, 0, HIST_LINE_REGEX,
		 "a bucket line: group value, group count (several numbers in it are summed, one per thread)"},
		{"overflow", &ty_str, 0, NULL,
		 "a line giving samples beyond the last bucket: group count (summed); a percentile among them is absent, never a guess"},
		{"scale", T_NUM(-1e300, 1e300), 0, "1", "multiply each bucket value (unit conversion)"},
		{0}},
};

static const struct ty ty_text_output = {
	.kind = TY_STRUCT, .id = "text_output",
	.fields = (const struct ty_field[]){
		{"stream", &ty_stream, 0, "both", "which output is read"},
		{"patterns", &(const struct ty){.kind = TY_LIST, .elem = &ty_text_pattern}, 0, NULL, "metric patterns"},
		{"histograms", &(const struct ty){.kind = TY_LIST, .elem = &ty_text_histogram}, 0, NULL, "histograms to summarise"},
		{0}},
};

static const struct ty ty_output = {
	.kind = TY_VARIANT, .id = "output_format",
	.doc = "How a payload's output becomes metrics. A metric a check names but the output lacks is absent, and the check fails.",
	.alts = (const struct ty_alt[]){
		{"exit_code", NULL, 0, "only the exit code counts"},
		{"json", NULL, 0, "stdout (else stderr) holds JSON; numeric leaves become metrics named by dotted path (jobs.0.read.iops)"},
		{"yaml", NULL, 0, "stdout (else stderr) holds a YAML document (stress-ng -Y /dev/stdout); numeric leaves become metrics by dotted path"},
		{"ktap", NULL, 0, "KTAP/TAP test results (kernel selftests): each ok / not ok / # SKIP line is a subtest row; metrics ktap_pass, ktap_fail, ktap_skip, ktap_total; a failing subtest, or none at all, fails the payload"},
		{"text", &ty_text_output, 0, "metrics from text with PCRE2 patterns and printed histograms"},
		{0}},
};

static const struct ty ty_better = {
	.kind = TY_VARIANT, .id = "metric_direction",
	.alts = (const struct ty_alt[]){
		{"lower", NULL, 0, "smaller is better (latency, time)"},
		{"higher", NULL, 0, "larger is better (throughput)"}, {0}},
};

static const struct ty ty_key_metric = {
	.kind = TY_STRUCT, .id = "payload_metric", .shorthand = "name",
	.doc = "A metric that matters: printed in the report and compared by `ktstr compare`.",
	.fields = (const struct ty_field[]){
		{"name", &ty_str, TF_REQUIRED, NULL, "metric name as the output format names it"},
		{"better", &ty_better, 0, "lower", "which way is better"},
		{"unit", &ty_str, 0, NULL, "unit, for people"},
		{0}},
};

static const struct ty ty_payload_def = {
	.kind = TY_STRUCT, .id = "payload",
	.doc = "A program the scenario can run inside the VM.",
	.fields = (const struct ty_field[]){
		{"name", &ty_name, TF_REQUIRED, NULL, "name used by run_payload and in results"},
		{"binary", &ty_str, TF_REQUIRED, NULL, "a path, a name looked up on the host's PATH, or kernel:PATH for a file of the kernel cache entry (kernel:selftests/sched_ext/runner); packed into the VM with its libraries"},
		{"args", &ty_str_list, 0, NULL, "default arguments"},
		{"output", &ty_output, 0, "exit_code", "how results are read"},
		{"checks", &(const struct ty){.kind = TY_LIST, .elem = &ty_payload_check}, 0, NULL, "checks on its result"},
		{"metrics", &(const struct ty){.kind = TY_LIST, .elem = &ty_key_metric}, 0, NULL,
		 "the metrics that matter: in the report and in `ktstr compare` (absent: the report lists a few of all)"},
		{"uses_parent_pgrp", &ty_bool, 0, "false", "stay in the executor's process group (for job-control programs)"},
		{"line_buffered", &ty_bool, 0, "false", "stdout line-buffered (coreutils' libstdbuf preloaded, as stdbuf -oL): for a program that forks after printing into the pipe, whose children would print its buffered output again"},
		{"include_files", &ty_str_list, 0, NULL, "extra host files packed into the VM at /include-files/NAME (relative paths: to the defining file); executables come with their libraries and are on PATH"},
		{"known_flags", &ty_name_list, 0, NULL, "the --long-flags it takes, without the dashes: any other --flag in its args or a run's args is an error (absent: any)"},
		{"output_cap", T_INT(1024, 64 << 20), 0, "1048576", "bytes of output kept"},
		{"override", &ty_bool, 0, "false", "replace an included payload of the same name"},
		{0}},
};

/* ---- console findings ---------------------------------------------------- */

/* The names of the host's console patterns (src/check/findings.c, which
 * has a pattern for each: a unit test keeps the two equal). */
const struct ty ty_finding = {
	.kind = TY_VARIANT, .id = "finding",
	.doc = "A named problem in the kernel console; any finding fails a run unless the scenario expects it.",
	.alts = (const struct ty_alt[]){
		{"kernel_panic", NULL, 0, "Kernel panic"}, {"bug", NULL, 0, "BUG: (not a soft lockup)"},
		{"oops", NULL, 0, "Oops:"}, {"warning", NULL, 0, "WARNING: with a CPU/PID or location"},
		{"hung_task", NULL, 0, "a task blocked past the hung-task timeout"},
		{"rcu_stall", NULL, 0, "an RCU stall"}, {"soft_lockup", NULL, 0, "a soft lockup"},
		{"hard_lockup", NULL, 0, "a hard lockup"},
		{"sched_ext_disabled", NULL, 0, "sched_ext disabled or errored a BPF scheduler"},
		{"sched_ext_stall", NULL, 0, "sched_ext's watchdog saw a runnable task stall"},
		{0}},
};

/* ---- scratch disk ------------------------------------------------------- */

static const struct ty ty_disk_format = {
	.kind = TY_VARIANT, .id = "disk_format",
	.alts = (const struct ty_alt[]){
		{"ext4", NULL, 0, "formatted on the host, mounted at /scratch; the io_* work types put their files there"},
		{"raw", NULL, 0, "left unformatted: /dev/vda, also in $KTSTR_SCRATCH_DEV (fio --filename)"},
		{0}},
};

static const struct ty ty_disk = {
	.kind = TY_STRUCT, .id = "disk",
	.doc = "A scratch disk: a sparse file on the host behind virtio-blk, so I/O meets a real block layer.",
	.fields = (const struct ty_field[]){
		{"size_mib", T_INT(16, 1 << 16), 0, "256", "size (sparse on the host: only written blocks take space)"},
		{"format", &ty_disk_format, 0, "ext4", "ext4 at /scratch, or raw"},
		{0}},
};

/* ---- schedulers ------------------------------------------------------- */

static const struct ty ty_sched_flag = {
	.kind = TY_STRUCT, .id = "scheduler_flag",
	.doc = "A named option of the scheduler.",
	.fields = (const struct ty_field[]){
		{"name", &ty_name, TF_REQUIRED, NULL, "flag name, selected with `flags:` or --flags"},
		{"args", &ty_str_list, 0, NULL, "arguments it adds to the command line"},
		{"requires", &ty_name_list, 0, NULL, "flags that must be selected with it"},
		{"doc", &ty_str, 0, NULL, "what it does"},
		{0}},
};

static const struct ty ty_scheduler_def = {
	.kind = TY_STRUCT, .id = "scheduler_definition",
	.doc = "A scheduler under test.",
	.fields = (const struct ty_field[]){
		{"name", &ty_name, TF_REQUIRED, NULL, "name referenced by `scheduler:`"},
		{"binary", &ty_str, TF_REQUIRED, NULL, "path, a scheduler of the kernel cache entry (scx_simple), or a name on PATH"},
		{"args", &ty_str_list, 0, NULL, "arguments always passed"},
		{"flags", &(const struct ty){.kind = TY_LIST, .elem = &ty_sched_flag}, 0, NULL, "optional flags"},
		{"topology", &ty_topology, 0, NULL, "topology used when the scenario sets none"},
		{"claims", &ty_scenario_claims, 0, NULL, "claim overrides layered between the defaults and the scenario's"},
		{"sysctls", &ty_sysctls, 0, NULL, "sysctls set before it starts"},
		{"attach_timeout", T_DUR(100 * NS_MS, 10 * 60 * NS_S), 0, "20s", "time allowed to reach sched_ext state enabled; `ktstr run --attach-timeout` overrides it"},
		{"override", &ty_bool, 0, "false", "replace an included scheduler of the same name"},
		{0}},
};

static const struct ty ty_scheduler_ref = {
	.kind = TY_STRUCT, .id = "scheduler_ref",
	.doc = "The scheduler to run: `eevdf` (the kernel default) or the name of a definition, optionally with flags.",
	.shorthand = "name",
	.fields = (const struct ty_field[]){
		{"name", &ty_name, TF_REQUIRED, NULL, "eevdf, or a name from `schedulers:`"},
		{"flags", &ty_name_list, 0, NULL, "flags to select"},
		{"args", &ty_str_list, 0, NULL, "extra arguments"},
		{0}},
};

/* ---- steps, backdrop --------------------------------------------------- */

const struct ty ty_hold = {
	.kind = TY_VARIANT, .id = "hold",
	.doc = "How long a step lasts after its ops ran. A bare fraction (50%) means frac.",
	.scalar_alt = "frac",
	.alts = (const struct ty_alt[]){
		{"full", NULL, 0, "the whole scenario duration (frac 1)"},
		{"frac", &(const struct ty){.kind = TY_FRAC, .nmin = 0.001, .nmax = 10}, 0, "this fraction of the scenario duration"},
		{"fixed", T_DUR(0, NS_H), 0, "a fixed time; 0 for op-only steps"},
		{"loop", &(const struct ty){.kind = TY_STRUCT, .shorthand = "interval", .fields = (const struct ty_field[]){
			{"interval", T_DUR(NS_MS, NS_H), TF_REQUIRED, NULL, "time between repetitions (> 0)"},
			{"for", &(const struct ty){.kind = TY_FRAC, .nmin = 0.001, .nmax = 10}, 0, "rest of the duration", "fraction of the duration to keep looping"},
			{0}}}, 0, "repeat the step's ops every interval"},
		{0}},
};

static const struct ty ty_run_payload_ref = {
	.kind = TY_STRUCT, .id = "payload_run",
	.shorthand = "payload",
	.fields = (const struct ty_field[]){
		{"payload", &ty_name, TF_REQUIRED, NULL, "payload name"},
		{"args", &ty_str_list, 0, NULL, "arguments appended to the payload's"},
		{"cgroup", &ty_path, 0, NULL, "cgroup to run it in"},
		{0}},
};

static const struct ty ty_backdrop = {
	.kind = TY_STRUCT, .id = "backdrop",
	.doc = "Cgroups, ops and payloads that live for the whole scenario, set up before step 1.",
	.fields = (const struct ty_field[]){
		{"cgroups", &ty_cgroup_list, 0, NULL, "cgroups created first, in order"},
		{"ops", &(const struct ty){.kind = TY_LIST, .elem = &ty_op}, 0, NULL, "ops run next, in order"},
		{"payloads", &(const struct ty){.kind = TY_LIST, .elem = &ty_run_payload_ref}, 0, NULL, "payloads started last, killed at the end"},
		{0}},
};

static const struct ty ty_step = {
	.kind = TY_STRUCT, .id = "step",
	.doc = "One phase of the scenario: its ops run in order, then its cgroups are created, then it holds. Step-local cgroups and workers are torn down when it ends.",
	.fields = (const struct ty_field[]){
		{"name", &ty_str, 0, NULL, "label used in results"},
		{"ops", &(const struct ty){.kind = TY_LIST, .elem = &ty_op}, 0, NULL, "ops, in order"},
		{"cgroups", &ty_cgroup_list, 0, NULL, "step-local cgroups"},
		{"hold", &ty_hold, 0, "full", "how long the step lasts"},
		{"claims", &ty_claims, 0, NULL, "claims on this step's slice of the reports"},
		{0}},
};

/* ---- top level --------------------------------------------------------- */

#define DEFINITION_FIELDS \
	{"schedulers", &(const struct ty){.kind = TY_LIST, .elem = &ty_scheduler_def}, 0, NULL, "scheduler definitions"}, \
	{"payloads", &(const struct ty){.kind = TY_LIST, .elem = &ty_payload_def}, 0, NULL, "payload definitions"}

const struct ty ty_scenario = {
	.kind = TY_STRUCT, .id = "scenario",
	.doc = "A scenario file.",
	.fields = (const struct ty_field[]){
		{"name", &ty_name, 0, "file name", "scenario name"},
		{"description", &ty_str, 0, NULL, "one line saying what it exercises"},
		{"include", &ty_str_list, 0, NULL, "files whose schedulers and payloads this file may use (paths relative to this file)"},
		{"topology", &ty_topology, 0, "1n1l2c1t", "VM CPU topology (else the scheduler's)"},
		{"requires", &ty_requires, 0, NULL, "what the scenario needs of a topology given on the command line (run or gauntlet --topology)"},
		{"memory_mib", T_INT(128, 1 << 20), 0, "derived", "guest memory; default grows with CPUs and the initramfs"},
		{"duration", T_DUR(100 * NS_MS, NS_H), 0, "2s", "base of hold fractions"},
		{"watchdog", T_DUR(NS_S, 10 * 60 * NS_S), 0, NULL, "sched_ext watchdog timeout applied to the scheduler under test once it is enabled, written into the guest kernel by the host monitor (absent: the scheduler's own, e.g. 5s for scx_qmap, 30s for many); `ktstr run --watchdog` overrides it; with no monitor (--no-monitor, --host, a guest it cannot read) it is not applied and the result's `watchdog` says why"},
		{"scheduler", &ty_scheduler_ref, 0, "eevdf", "scheduler under test"},
		{"sysctls", &ty_sysctls, 0, NULL, "sysctls set in the guest before anything starts"},
		{"trace", &(const struct ty){.kind = TY_LIST, .elem = &ty_trace_group, .flags = TYF_NONEMPTY}, 0, NULL,
		 "record these kernel event groups in the guest for the whole run (trace.dat for KernelShark and trace-cmd, a Perfetto file, the HTML timeline); `ktstr run --trace` records sched and sched_ext; a max_runnable_wait_ms claim records sched"},
		{"expect_findings", &(const struct ty){.kind = TY_LIST, .elem = &ty_finding}, 0, NULL,
		 "console findings the scenario provokes on purpose (sched_ext_disabled when tests load schedulers meant to fail): listed in the result as expected, not failed"},
		{"disk", &ty_disk, 0, NULL, "a scratch block device for I/O work types and payloads (virtio-blk on a sparse host file, removed with the run)"},
		DEFINITION_FIELDS,
		{"backdrop", &ty_backdrop, 0, NULL, "whole-run setup"},
		/* 63: each worker keeps a slice per step plus the backdrop's in a
		 * fixed table (TM_MAX_PHASES, guest/telemetry.h; tested equal) */
		{"steps", &(const struct ty){.kind = TY_LIST, .elem = &ty_step, .imax = 63}, 0, NULL, "the steps, in order (at most 63); none means the backdrop runs for the duration"},
		{"claims", &ty_scenario_claims, 0, NULL, "what must hold"},
		{0}},
};

const struct ty ty_include_file = {
	.kind = TY_STRUCT, .id = "include_file",
	.doc = "A file of shared definitions pulled in with `include:`.",
	.fields = (const struct ty_field[]){
		{"description", &ty_str, 0, NULL, "what it provides"},
		{"include", &ty_str_list, 0, NULL, "further files"},
		DEFINITION_FIELDS,
		{0}},
};

/* ---- defaults lookup ---------------------------------------------------- */

static const char *field_text(const struct ty *t, const struct ynode *map,
			      const char *key)
{
	const struct ynode *v = ynode_get(map, key);
	if (v && v->kind == YN_SCALAR && !ynode_is_null(v))
		return v->str;
	const struct ty_field *f = ty_field(t, key);
	return f ? f->def : NULL;
}

bool field_int(const struct ty *t, const struct ynode *map, const char *key, int64_t *out)
{
	const char *s = field_text(t, map, key);
	return s && parse_int(s, out);
}

bool field_dur(const struct ty *t, const struct ynode *map, const char *key, uint64_t *out)
{
	const char *s = field_text(t, map, key);
	return s && parse_dur(s, out);
}

bool field_num(const struct ty *t, const struct ynode *map, const char *key, double *out)
{
	const char *s = field_text(t, map, key);
	return s && parse_frac(s, out);
}
