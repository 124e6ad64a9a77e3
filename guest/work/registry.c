/* registry: the one table of work types the executor knows.  A new work
 * type adds its file to Makefile.inc, an extern here and a row below.
 * The names are exactly those of interp/worktypes.c (ty_work). */
#include "work.h"

#include <string.h>

extern const struct work_type
	work_spin_wait, work_yield_heavy, work_mixed,				/* spin.c */
	work_bursty, work_idle_churn, work_timer_latency,			/* timed.c */
	work_sequence,								/* sequence.c */
	work_alu_hot, work_smt_sibling_spin, work_ipc_variance, work_page_locality, /* compute.c */
	work_io_sync, work_io_rand_read, work_io_convoy,			/* io.c */
	work_pipe_io, work_cache_pipe,						/* pipe.c */
	work_cache_pressure, work_cache_yield, work_page_fault_churn,		/* cache.c */
	work_futex_ping_pong, work_futex_fan_out, work_fan_out_compute,		/* futex.c */
	work_wake_chain, work_mutex_contention, work_thundering_herd,
	work_rt_starvation, work_preempt_storm, work_asymmetric_waker,		/* rt.c */
	work_priority_inversion,
	work_producer_consumer,							/* queue.c */
	work_signal_storm,							/* signal.c */
	work_fork_exit, work_nice_sweep, work_policy_churn,			/* process.c */
	work_affinity_churn, work_cross_affinity_churn,				/* affinity.c */
	work_cgroup_churn, work_cgroup_attach_storm,				/* cgroup.c */
	work_epoll_storm,							/* epoll.c */
	work_net_loopback,							/* net.c */
	work_irq_wake,								/* irq.c */
	work_request_worker,							/* request.c */
	work_numa_working_set_sweep, work_numa_migration_churn;			/* numa.c */

/* In the order of interp/worktypes.c. */
const struct work_type *const work_types[] = {
	&work_spin_wait,
	&work_yield_heavy,
	&work_mixed,
	&work_bursty,
	&work_idle_churn,
	&work_sequence,
	&work_alu_hot,
	&work_smt_sibling_spin,
	&work_ipc_variance,
	&work_io_sync,
	&work_io_rand_read,
	&work_io_convoy,
	&work_pipe_io,
	&work_cache_pressure,
	&work_cache_yield,
	&work_cache_pipe,
	&work_page_fault_churn,
	&work_futex_ping_pong,
	&work_futex_fan_out,
	&work_fan_out_compute,
	&work_wake_chain,
	&work_mutex_contention,
	&work_thundering_herd,
	&work_rt_starvation,
	&work_preempt_storm,
	&work_asymmetric_waker,
	&work_priority_inversion,
	&work_producer_consumer,
	&work_signal_storm,
	&work_fork_exit,
	&work_nice_sweep,
	&work_affinity_churn,
	&work_cross_affinity_churn,
	&work_policy_churn,
	&work_timer_latency,
	&work_page_locality,
	&work_numa_working_set_sweep,
	&work_numa_migration_churn,
	&work_cgroup_churn,
	&work_epoll_storm,
	&work_net_loopback,
	&work_irq_wake,
	&work_request_worker,
	&work_cgroup_attach_storm,
	NULL,
};

const struct work_type *work_type_find(const char *name)
{
	for (size_t i = 0; name && work_types[i]; i++)
		if (!strcmp(work_types[i]->name, name))
			return work_types[i];
	return NULL;
}
