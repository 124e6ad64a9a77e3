/* worktypes: every work type a scenario can name, once: YAML name,
 * parameters with defaults and ranges, group size rule, clone-mode
 * constraint and doc.  The executor's kernels (guest/work_*.c) register
 * under the same names. */
#include "vocab.h"
#include "ynode.h"

#define P_ITERS(key, def, doc) {key, T_INT(1, 1 << 24), 0, def, doc}
#define P_DUR(key, def, doc) {key, T_DUR(1000, 10 * NS_S), 0, def, doc}
#define P_COUNT(key, def, doc) {key, T_INT(1, 64), 0, def, doc}
#define PARAMS(...) (&(const struct ty){.kind = TY_STRUCT, \
	.fields = (const struct ty_field[]){__VA_ARGS__, {0}}})
#define INFO(...) (&(const struct worktype_info){__VA_ARGS__})
#define GROUP(c, ...) INFO(.gs_const = (c), .gs_params = {__VA_ARGS__})
#define BGROUP(c, ...) INFO(.flags = WT_BLOCKING, .gs_const = (c), .gs_params = {__VA_ARGS__})
#define BLOCKING INFO(.flags = WT_BLOCKING)

const struct ty ty_phase = {
	.kind = TY_VARIANT, .id = "phase",
	.doc = "One phase of a sequence work type.",
	.alts = (const struct ty_alt[]){
		{"spin", T_DUR(0, NS_H), 0, "burn CPU for this long"},
		{"sleep", T_DUR(0, NS_H), 0, "sleep for this long (records wake latency)"},
		{"yield", T_DUR(0, NS_H), 0, "sched_yield in a loop for this long"},
		{"io", T_DUR(0, NS_H), 0, "64 KiB write + fsync cycles for this long"},
		{0}},
};

static const struct ty ty_alu_width = {
	.kind = TY_VARIANT, .id = "alu_width",
	.alts = (const struct ty_alt[]){
		{"scalar", NULL, 0, "64-bit integer multiply chain"},
		{"vec128", NULL, 0, "SSE"}, {"vec256", NULL, 0, "AVX2"},
		{"vec512", NULL, 0, "AVX-512"}, {"widest", NULL, 0, "widest the CPU has"},
		{0}},
};

static const struct ty ty_wake_mech = {
	.kind = TY_VARIANT, .id = "wake_mechanism",
	.alts = (const struct ty_alt[]){
		{"futex", NULL, 0, "FUTEX_WAKE"}, {"pipe", NULL, 0, "one byte through a pipe"}, {0}},
};

static const struct ty ty_net_proto = {
	.kind = TY_VARIANT, .id = "net_proto",
	.alts = (const struct ty_alt[]){
		{"tcp", NULL, 0, "a connected TCP stream, TCP_NODELAY"},
		{"udp", NULL, 0, "a pair of connected UDP sockets"}, {0}},
};

static const struct ty ty_sched_class = {
	.kind = TY_VARIANT, .id = "sched_class",
	.alts = (const struct ty_alt[]){
		{"normal", NULL, 0, NULL}, {"batch", NULL, 0, NULL}, {"idle", NULL, 0, NULL},
		{"fifo", NULL, 0, NULL}, {"ext", NULL, 0, NULL}, {0}},
};

const struct ty ty_work = {
	.kind = TY_VARIANT, .id = "work_type",
	.doc = "What a worker does in its loop. Written as a bare name (defaults) or {name: {param: value}}. Group sizes: the worker count must be a multiple of it.",
	.alts = (const struct ty_alt[]){
		{"spin_wait", NULL, 0, "spin in bursts of 1024 units; the default"},
		{"yield_heavy", NULL, 0, "one unit of work then sched_yield"},
		{"mixed", NULL, 0, "a spin burst then sched_yield"},
		{"bursty", PARAMS(P_DUR("burst", "5ms", "spin this long"),
				  P_DUR("sleep", "5ms", "then sleep this long")),
		 ALT_BARE, "spin bursts separated by sleeps; wake latency = oversleep", 0, BLOCKING},
		{"idle_churn", PARAMS(P_DUR("burst", "1ms", "spin this long (> 0)"),
				      P_DUR("sleep", "5ms", "then sleep this long (> 0)"),
				      {"precise_timing", &ty_bool, 0, "false", "1ns timer slack"}),
		 ALT_BARE, "short bursts and sleeps that churn idle entry and exit", 0, BLOCKING},
		{"sequence", PARAMS({"phases", &(const struct ty){.kind = TY_LIST, .flags = TYF_NONEMPTY, .elem = &ty_phase},
				     TF_REQUIRED, NULL, "phases, repeated in order"}),
		 0, "a repeating list of spin/sleep/yield/io phases", 0, BLOCKING},
		{"alu_hot", PARAMS({"width", &ty_alu_width, 0, "scalar", "ALU width"}),
		 ALT_BARE, "4-stream multiply chains, 1024 steps an iteration; its per-iteration cost is the metric iteration_cost_ns (CPU ns per iteration)"},
		{"smt_sibling_spin", NULL, 0, "spin in pairs meant for SMT siblings (group 2)",
		 0, GROUP(2, NULL)},
		{"ipc_variance", PARAMS(P_ITERS("hot_iters", "1024", "iterations in cache"),
					P_ITERS("cold_iters", "64", "iterations missing cache"),
					P_ITERS("period_iters", "4", "hot/cold period")),
		 ALT_BARE, "alternate cache-hot and cache-cold work"},
		{"io_sync", NULL, 0, "16 x 4 KiB pwrite + fdatasync; wake = fdatasync time", 0, BLOCKING},
		{"io_rand_read", NULL, 0, "random 4 KiB O_DIRECT reads", 0, BLOCKING},
		{"io_convoy", NULL, 0, "sequential writes and random reads with periodic fdatasync", 0, BLOCKING},
		{"pipe_io", PARAMS(P_ITERS("burst_iters", "1024", "spin between exchanges")),
		 ALT_BARE, "pairs exchange a byte through pipes; wake = write-to-read latency",
		 0, BGROUP(2, NULL)},
		{"cache_pressure", PARAMS(P_ITERS("size_kib", "32", "buffer size"),
					  {"stride", T_INT(1, 4096), 0, "64", "bytes between touches"}),
		 ALT_BARE, "strided read-modify-write over a buffer"},
		{"cache_yield", PARAMS(P_ITERS("size_kib", "32", "buffer size"),
				       {"stride", T_INT(1, 4096), 0, "64", "bytes between touches"}),
		 ALT_BARE, "cache_pressure then sched_yield"},
		{"cache_pipe", PARAMS(P_ITERS("size_kib", "32", "buffer size"),
				      P_ITERS("burst_iters", "1024", "touches between exchanges")),
		 ALT_BARE, "cache work then a pipe exchange with a partner", 0, BGROUP(2, NULL)},
		{"page_fault_churn", PARAMS(P_ITERS("region_kib", "4096", "mapped region"),
					    P_ITERS("touches_per_cycle", "256", "pages touched per cycle"),
					    P_ITERS("spin_iters", "64", "spin between cycles")),
		 ALT_BARE, "touch pages then MADV_DONTNEED them"},
		{"futex_ping_pong", PARAMS(P_ITERS("spin_iters", "1024", "spin between hand-offs")),
		 ALT_BARE, "pairs hand a futex back and forth; wake = block time", 0, BGROUP(2, NULL)},
		{"futex_fan_out", PARAMS(P_COUNT("fan_out", "4", "receivers per messenger"),
					 P_ITERS("spin_iters", "1024", "receiver work per wake")),
		 ALT_BARE, "one messenger wakes fan_out receivers at once (wake storm)",
		 0, BGROUP(1, "fan_out")},
		{"fan_out_compute", PARAMS(P_COUNT("fan_out", "4", "receivers per messenger"),
					   P_ITERS("cache_footprint_kib", "256", "matrix size"),
					   P_ITERS("operations", "5", "multiplies per wake"),
					   {"sleep", T_DUR(0, NS_S), 0, "100us", "messenger sleep between wakes"}),
		 ALT_BARE, "fan-out wakes followed by matrix work", 0, BGROUP(1, "fan_out")},
		{"wake_chain", PARAMS(P_COUNT("depth", "4", "stages per chain (>= 2 for pipe)"),
				      {"wake", &ty_wake_mech, 0, "futex", "how a stage wakes the next"},
				      P_ITERS("work_per_hop", "1024", "spin per stage")),
		 ALT_BARE, "a token passes down a chain of depth workers", 0, BGROUP(0, "depth")},
		{"mutex_contention", PARAMS(P_COUNT("contenders", "4", "workers per lock"),
					    P_ITERS("hold_iters", "256", "spin while holding"),
					    P_ITERS("work_iters", "1024", "spin outside")),
		 ALT_BARE, "workers contend on one futex lock", 0, BGROUP(0, "contenders")},
		{"thundering_herd", PARAMS(P_COUNT("waiters", "4", "waiters per waker"),
					   {"interval", T_DUR(1000, NS_S), 0, "1ms", "time between broadcasts"}),
		 ALT_BARE, "one waker broadcasts to all waiters", 0, BGROUP(1, "waiters")},
		{"rt_starvation", PARAMS(P_COUNT("rt_workers", "1", "SCHED_FIFO spinners"),
					 P_COUNT("cfs_workers", "1", "normal workers"),
					 {"rt_priority", T_INT(1, 99), 0, "50", "FIFO priority"},
					 P_ITERS("burst_iters", "1024", "spin per iteration")),
		 ALT_BARE, "RT spinners beside normal tasks (needs CAP_SYS_NICE)",
		 0, BGROUP(0, "rt_workers", "cfs_workers")},
		{"preempt_storm", PARAMS(P_COUNT("cfs_workers", "2", "normal workers"),
					 P_ITERS("rt_burst_iters", "1024", "RT spin per wake"),
					 {"rt_sleep", T_DUR(1000, NS_S), 0, "1ms", "RT sleep between bursts"}),
		 ALT_BARE, "an RT task preempting normal workers at a high rate",
		 0, BGROUP(1, "cfs_workers")},
		{"asymmetric_waker", PARAMS({"waker_class", &ty_sched_class, 0, "normal", "waker policy"},
					    {"wakee_class", &ty_sched_class, 0, "normal", "wakee policy"},
					    P_ITERS("burst_iters", "1024", "spin per wake")),
		 ALT_BARE, "a waker and wakee in different policies", 0, BGROUP(2, NULL)},
		{"priority_inversion", PARAMS(P_COUNT("high", "1", "high-priority workers"),
					      P_COUNT("medium", "1", "medium-priority workers"),
					      P_COUNT("low", "1", "low-priority lock holders"),
					      P_ITERS("hold_iters", "256", "spin holding the lock"),
					      P_ITERS("work_iters", "1024", "spin outside"),
					      {"pi", &ty_bool, 0, "true", "use FUTEX_LOCK_PI"}),
		 ALT_BARE, "classic priority inversion around one lock",
		 0, BGROUP(0, "high", "medium", "low")},
		{"producer_consumer", PARAMS(P_COUNT("producers", "1", "producers per ring"),
					     P_COUNT("consumers", "2", "consumers per ring"),
					     {"rate_hz", T_INT(1, 1000000), 0, "10000", "items per second per producer"},
					     P_ITERS("consume_iters", "1024", "spin per item"),
					     P_ITERS("queue_depth", "64", "ring size")),
		 ALT_BARE, "producers and consumers on a shared ring",
		 0, BGROUP(0, "producers", "consumers")},
		{"signal_storm", PARAMS(P_ITERS("signals_per_iter", "16", "signals per iteration"),
					P_ITERS("work_iters", "1024", "spin per iteration")),
		 ALT_BARE, "pairs bombard each other with signals", 0, BGROUP(2, NULL)},
		{"fork_exit", NULL, 0, "fork a child that exits at once, wait for it (fork clone only)",
		 0, INFO(.flags = WT_FORK_ONLY | WT_BLOCKING)},
		{"nice_sweep", NULL, 0, "cycle through nice values while spinning", 0, BLOCKING},
		{"affinity_churn", PARAMS(P_ITERS("spin_iters", "1024", "spin between changes")),
		 ALT_BARE, "change own affinity over the allowed CPUs"},
		{"cross_affinity_churn", PARAMS(P_ITERS("spin_iters", "1024", "spin between changes")),
		 ALT_BARE, "flip siblings' affinity between two masks"},
		{"policy_churn", PARAMS(P_ITERS("spin_iters", "1024", "spin between changes")),
		 ALT_BARE, "cycle own policy through OTHER, BATCH, IDLE (and FIFO/RR if allowed)", 0, BLOCKING},
		{"timer_latency", PARAMS({"interval", T_DUR(1000, NS_S), 0, "1ms", "timer period (> 0)"}),
		 ALT_BARE, "absolute-deadline clock_nanosleep; records timer lateness", 0, BLOCKING},
		{"page_locality", PARAMS(P_ITERS("region_kib", "8192", "region touched")),
		 ALT_BARE, "touch a private region repeatedly (for NUMA locality checks)"},
		{"numa_working_set_sweep",
		 PARAMS(P_ITERS("size_kib", "8192", "working set swept, one read-modify-write per cache line"),
			{"period", T_DUR(NS_MS, 10 * NS_S), 0, "100ms", "time between re-binds / CPU hops"},
			{"rebind", &ty_bool, 0, "false", "every period, mbind the working set to the next NUMA node, moving its pages (MPOL_MF_MOVE)"},
			{"hop", &ty_bool, 0, "false", "every period, run on the CPUs of the next NUMA node (within the allowed CPUs)"}),
		 ALT_BARE, "sweep a private working set page by page (work unit: a cache line, iteration: a sweep); "
			   "reports where its pages are (numa_pages, local_nodes) for the NUMA claims; needs numa_nodes >= 2",
		 0, INFO(.min_numa_nodes = 2)},
		{"numa_migration_churn",
		 PARAMS({"period", T_DUR(NS_MS, 10 * NS_S), 0, "20ms", "time on one node's CPUs before moving to the next"},
			P_ITERS("size_kib", "4096", "memory touched while moving")),
		 ALT_BARE, "move itself between the CPUs of different NUMA nodes (sched_setaffinity) while touching its memory, "
			   "so NUMA balancing migrates pages; reports migrations, vmstat_numa_pages_migrated and page placement; "
			   "needs numa_nodes >= 2",
		 0, INFO(.min_numa_nodes = 2)},
		{"cgroup_churn", PARAMS(P_COUNT("groups", "4", "cgroups to move between"),
					{"cycle", T_DUR(NS_MS / 10, NS_S), 0, "10ms", "time in each"}),
		 ALT_BARE, "move itself between sibling cgroups (fork clone only)",
		 0, INFO(.flags = WT_FORK_ONLY | WT_BLOCKING)},
		{"epoll_storm", PARAMS(P_COUNT("producers", "1", "eventfd writers per epoll"),
				       P_COUNT("consumers", "1", "epoll_wait callers per epoll"),
				       {"fds", T_INT(1, 512), 0, "64", "eventfds registered edge-triggered"},
				       P_ITERS("events_per_burst", "16", "eventfd writes per producer burst"),
				       P_ITERS("burst_iters", "1024", "producer spin between bursts"),
				       P_ITERS("consume_iters", "64", "consumer spin per event")),
		 ALT_BARE, "producers signal random eventfds of one edge-triggered epoll, consumers epoll_wait and drain; wake = write-to-wakeup latency (consumers)",
		 0, BGROUP(0, "producers", "consumers")},
		{"net_loopback", PARAMS({"proto", &ty_net_proto, 0, "tcp", "transport"},
					{"msg_bytes", T_INT(16, 65000), 0, "64", "message size"},
					P_ITERS("burst_iters", "1024", "spin per request (client) and per reply (server)")),
		 ALT_BARE, "pairs ping-pong messages over 127.0.0.1 (pos 1 client, pos 0 server); wake = send-to-receive latency",
		 0, BGROUP(2, NULL)},
		{"irq_wake", PARAMS({"interval", T_DUR(1000, NS_S), 0, "1ms", "timerfd period (> 0)"},
				    P_ITERS("spin_iters", "64", "spin per wake")),
		 ALT_BARE, "block on a periodic timerfd, woken from the hrtimer interrupt through the fd's wait queue; wake = wake-up - expiry",
		 0, BLOCKING},
		{"request_worker", PARAMS(P_COUNT("workers", "4", "worker threads per message thread"),
					  {"think", T_DUR(0, NS_S), 0, "20us", "worker spin per request"},
					  {"interval", T_DUR(0, NS_S), 0, "500us", "message thread sleep between rounds"}),
		 ALT_BARE, "schbench-like: a message thread hands requests to workers by futex, each thinks then completes; wake = request latency, enqueue to completion (workers)",
		 0, BGROUP(1, "workers")},
		{"cgroup_attach_storm", PARAMS(P_COUNT("groups", "2", "sibling cgroups besides its own"),
					       P_COUNT("children", "1", "forked children moved"),
					       P_ITERS("spin_iters", "64", "spin between rounds")),
		 ALT_BARE, "move forked children round-robin through its cgroup and sibling cgroups via cgroup.procs; wake = attach (write) latency",
		 0, BLOCKING},
		{0}},
};

long worktype_group_size(const struct ty_alt *wt, const struct ynode *params)
{
	const struct worktype_info *wi = wt->ext;
	if (!wi)
		return 1;
	long gs = wi->gs_const;
	for (size_t i = 0; i < ARRAY_SIZE(wi->gs_params) && wi->gs_params[i]; i++) {
		int64_t v = 0;
		if (wt->ty && field_int(wt->ty, params, wi->gs_params[i], &v))
			gs += (long)v;
	}
	return gs > 0 ? gs : 1;
}
