/* Unit tests of the work types, run in-process without spawn.c: a group
 * gets its shared memory and group_setup as spawn would give them, each
 * member runs on its own thread with its own telemetry, all share one
 * stop word.  After ~150 ms (longer, up to 5 s, while a loaded machine has
 * not let every worker show its signal yet) the stop word is set; every
 * loop must return within a second, and each type must show the signal it is meant to
 * produce (work, iterations, wake samples, forks).  RT-needing types run
 * without CAP_SYS_NICE (dropped per thread) and with RLIMIT_RTPRIO 0, so
 * they must record the refusal and carry on as normal tasks — a unit test
 * must not start SCHED_FIFO spinners on a shared machine. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bytecode.h"
#include "vocab.h"
#include "telemetry.h"
#include "work.h"
#include "work/work_util.h"
#include "numa.h"

#define RUN_NS 150000000ull
#define STOP_LIMIT_NS 1000000000ull

enum {
	WAKE_ALL = 1 << 0,	/* every worker has wake samples */
	WAKE_RECV = 1 << 1,	/* pos 0 has none, every other worker has some */
	WAKE_ANY = 1 << 2,	/* the group as a whole has some */
	FORKS = 1 << 3,		/* forks counted */
	NO_RT = 1 << 4,		/* run without CAP_SYS_NICE */
	ERR_OK = 1 << 5,	/* an error message is allowed */
	ERR_POS0 = 1 << 6,	/* pos 0 must report an error */
	RESET_POLICY = 1 << 7,	/* thread must end as SCHED_OTHER, nice 0 */
	NUMA = 1 << 8,		/* measured its region's pages, knows its local nodes,
				 * ended with the affinity it started with */
	MIGRATES = 1 << 9,	/* CPU changes seen (when 2+ CPUs are allowed) */
};

struct tcase {
	const char *name;
	const char *params;	/* "key=value,..." below work. */
	int group;
	unsigned flags;
};

static const struct tcase cases[] = {
	{"spin_wait", "", 1, 0},
	{"yield_heavy", "", 1, 0},
	{"mixed", "", 1, WAKE_ALL},
	{"bursty", "burst=2ms,sleep=2ms", 1, WAKE_ALL},
	{"idle_churn", "burst=1ms,sleep=1ms,precise_timing=true", 1, WAKE_ALL},
	{"idle_churn", "burst=1ms,sleep=2ms,precise_timing=false", 1, WAKE_ALL},
	{"sequence", "phases.0=spin,phases.0.spin=2ms,phases.1=sleep,phases.1.sleep=1ms,"
		     "phases.2=yield,phases.2.yield=1ms,phases.3=io,phases.3.io=1ms,"
		     "phases.4=spin,phases.4.spin=0ns", 1, WAKE_ALL},
	{"alu_hot", "width=scalar", 1, 0},
	{"alu_hot", "width=vec128", 1, 0},
	{"alu_hot", "width=vec256", 1, 0},
	{"alu_hot", "width=widest", 1, 0},
	{"smt_sibling_spin", "", 2, 0},
	{"ipc_variance", "hot_iters=1024,cold_iters=64,period_iters=4", 1, 0},
	{"io_sync", "", 1, WAKE_ALL},
	{"io_rand_read", "", 1, WAKE_ALL},
	{"io_convoy", "", 1, WAKE_ALL},
	{"pipe_io", "burst_iters=1024", 2, WAKE_ALL},
	{"cache_pressure", "size_kib=32,stride=64", 1, 0},
	{"cache_pressure", "size_kib=1,stride=4096", 1, 0},
	{"cache_yield", "size_kib=32,stride=64", 1, WAKE_ALL},
	{"cache_pipe", "size_kib=32,burst_iters=1024", 2, WAKE_ALL},
	{"page_fault_churn", "region_kib=1024,touches_per_cycle=64,spin_iters=64", 1, 0},
	{"futex_ping_pong", "spin_iters=1024", 2, WAKE_ALL},
	{"futex_fan_out", "fan_out=4,spin_iters=1024", 5, WAKE_RECV},
	{"futex_fan_out", "fan_out=1,spin_iters=256", 2, WAKE_RECV},
	{"fan_out_compute", "fan_out=2,cache_footprint_kib=64,operations=2,sleep=100us", 3, WAKE_RECV},
	{"wake_chain", "depth=3,wake=futex,work_per_hop=1024", 3, WAKE_ALL},
	{"wake_chain", "depth=2,wake=pipe,work_per_hop=1024", 2, WAKE_ALL},
	{"wake_chain", "depth=1,wake=futex,work_per_hop=1024", 1, 0},
	{"mutex_contention", "contenders=3,hold_iters=256,work_iters=256", 3, WAKE_ANY},
	{"thundering_herd", "waiters=3,interval=1ms", 4, WAKE_RECV},
	{"rt_starvation", "rt_workers=1,cfs_workers=1,rt_priority=50,burst_iters=1024", 2,
	 NO_RT | ERR_POS0},
	{"preempt_storm", "cfs_workers=2,rt_burst_iters=1024,rt_sleep=1ms", 3, NO_RT | ERR_POS0},
	{"asymmetric_waker", "waker_class=batch,wakee_class=idle,burst_iters=1024", 2, WAKE_RECV},
	{"asymmetric_waker", "waker_class=normal,wakee_class=normal,burst_iters=256", 2, WAKE_RECV},
	{"priority_inversion", "high=1,medium=1,low=1,hold_iters=256,work_iters=1024,pi=true", 3,
	 NO_RT | ERR_OK},
	{"priority_inversion", "high=1,medium=1,low=1,hold_iters=256,work_iters=1024,pi=false", 3,
	 NO_RT | ERR_OK},
	{"producer_consumer", "producers=1,consumers=2,rate_hz=2000,consume_iters=1024,queue_depth=16",
	 3, WAKE_ANY},
	{"producer_consumer", "producers=2,consumers=1,rate_hz=100000,consume_iters=4096,queue_depth=4",
	 3, 0},
	{"signal_storm", "signals_per_iter=16,work_iters=1024", 2, 0},
	{"fork_exit", "", 1, FORKS | WAKE_ALL},
	{"nice_sweep", "", 1, WAKE_ALL | RESET_POLICY},
	{"affinity_churn", "spin_iters=1024", 1, WAKE_ALL},
	{"cross_affinity_churn", "spin_iters=1024", 1, WAKE_ALL},
	{"policy_churn", "spin_iters=1024", 1, WAKE_ALL | RESET_POLICY},
	{"timer_latency", "interval=1ms", 1, WAKE_ALL},
	{"page_locality", "region_kib=1024", 1, NUMA},
	{"numa_working_set_sweep", "size_kib=1024,period=5ms,rebind=true,hop=true", 1, NUMA},
	{"numa_working_set_sweep", "size_kib=64,period=100ms,rebind=false,hop=false", 1, NUMA},
	{"numa_migration_churn", "period=2ms,size_kib=512", 1, NUMA | MIGRATES},
	{"cgroup_churn", "groups=2,cycle=1ms", 1, ERR_POS0},	/* thread mode: refused */
	{"epoll_storm", "producers=1,consumers=1,fds=64,events_per_burst=16,burst_iters=1024,consume_iters=64",
	 2, WAKE_RECV},
	{"epoll_storm", "producers=2,consumers=2,fds=8,events_per_burst=4,burst_iters=256,consume_iters=16",
	 4, WAKE_ANY},
	{"net_loopback", "proto=tcp,msg_bytes=64,burst_iters=1024", 2, WAKE_ALL},
	{"net_loopback", "proto=tcp,msg_bytes=65000,burst_iters=64", 2, WAKE_ALL},
	{"net_loopback", "proto=udp,msg_bytes=1024,burst_iters=256", 2, WAKE_ALL},
	{"irq_wake", "interval=1ms,spin_iters=64", 1, WAKE_ALL},
	{"irq_wake", "interval=100us,spin_iters=1", 1, WAKE_ALL},
	{"request_worker", "workers=2,think=20us,interval=500us", 3, WAKE_RECV},
	{"request_worker", "workers=1,think=0ns,interval=0ns", 2, WAKE_RECV},
	/* no cgroup v2 or the root cgroup on a test host: recorded, spins;
	 * the moves themselves: test_cgroup_attach_storm_moves and the VM */
	{"cgroup_attach_storm", "groups=2,children=1,spin_iters=64", 1, ERR_OK},
};

/* ---- building a SPAWN instruction ------------------------------------ */

static bool param_dur(const char *v, uint64_t *ns)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	static const struct {
		const char *unit;
		uint64_t mul;
	} u[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
	for (size_t i = 0; end != v && i < sizeof(u) / sizeof(u[0]); i++)
		if (!strcmp(end, u[i].unit)) {
			*ns = n * u[i].mul;
			return true;
		}
	return false;
}

static void build(struct kb_program *p, const char *type, const char *params)
{
	kb_init(p);
	kb_emit(p, OPC_SPAWN);
	kb_str(p, "work", type);
	char *copy = strdup(params), *save = NULL;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		assert_non_null(eq);
		*eq = 0;
		const char *v = eq + 1;
		char key[128];
		snprintf(key, sizeof(key), "work.%s", kv);
		uint64_t ns;
		char *end;
		long long n = strtoll(v, &end, 10);
		if (!strcmp(v, "true") || !strcmp(v, "false"))
			kb_bool(p, key, !strcmp(v, "true"));
		else if (end != v && !*end)
			kb_int(p, key, n);
		else if (param_dur(v, &ns))
			kb_dur(p, key, ns);
		else
			kb_str(p, key, v);
	}
	free(copy);
}

/* ---- running a group --------------------------------------------------- */

struct tw {
	struct worker w;
	struct telemetry tm;
	pthread_t th;
	bool no_rt;
	uint64_t end_ns;
	int post_policy, post_nice;
	int pre_cpus, post_cpus;	/* allowed CPUs before and after the loop */
};

static int allowed_cpus(void)
{
	cpu_set_t cs;
	return sched_getaffinity(0, sizeof(cs), &cs) ? -1 : CPU_COUNT(&cs);
}

static void drop_cap_sys_nice(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d))
		return;
	uint32_t bit = 1u << (CAP_SYS_NICE % 32);
	d[CAP_SYS_NICE / 32].effective &= ~bit;
	d[CAP_SYS_NICE / 32].permitted &= ~bit;
	d[CAP_SYS_NICE / 32].inheritable &= ~bit;
	syscall(SYS_capset, &h, d);	/* this thread only */
}

static void *worker_thread(void *arg)
{
	struct tw *x = arg;
	if (x->no_rt)
		drop_cap_sys_nice();
	tm_start(&x->tm, NULL, false);
	x->pre_cpus = allowed_cpus();
	x->w.type->run(&x->w);
	x->post_cpus = allowed_cpus();
	tm_finish(&x->tm);
	x->end_ns = tm_now_ns();
	x->post_policy = sched_getscheduler(0);
	errno = 0;
	x->post_nice = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	return NULL;
}

struct grun {
	const struct work_type *type;
	struct kb_program p;
	struct work_group g;
	struct tw *ws;
	int n;
	volatile uint32_t stop;
	uint64_t stop_ns;
};

static void group_start(struct grun *r, const struct tcase *tc, bool stop_first)
{
	memset(r, 0, sizeof(*r));
	r->type = work_type_find(tc->name);
	if (!r->type)
		fail_msg("work type %s is not registered", tc->name);
	build(&r->p, tc->name, tc->params);
	r->n = tc->group;
	r->ws = calloc((size_t)r->n, sizeof(*r->ws));
	assert_non_null(r->ws);
	r->g.index = 0;
	r->g.size = r->n;
	for (int f = 0; f < WORK_MAX_FDS; f++)
		r->g.fds[f] = -1;
	for (int i = 0; i < r->n; i++) {
		struct tw *x = &r->ws[i];
		x->w = (struct worker){
			.index = i, .pos = i, .group = &r->g, .type = r->type, .prog = &r->p,
			.insn = &r->p.insn[0], .tm = &x->tm, .stop = &r->stop, .thread_mode = true,
			.seed = 0x9E3779B97F4A7C15ull * (uint64_t)(i + 1),
		};
		x->no_rt = tc->flags & NO_RT;
	}
	size_t bytes = r->type->shm_size ? r->type->shm_size(&r->ws[0].w, r->n) : 0;
	if (bytes) {
		r->g.shm = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		assert_true(r->g.shm != MAP_FAILED);
		r->g.shm_bytes = bytes;
	}
	if (r->type->group_setup && r->type->group_setup(&r->g, &r->ws[0].w) < 0)
		fail_msg("%s: group_setup failed: %s", tc->name, r->ws[0].w.error);
	r->stop = stop_first;
	for (int i = 0; i < r->n; i++)
		assert_int_equal(pthread_create(&r->ws[i].th, NULL, worker_thread, &r->ws[i]), 0);
}

static void group_stop(struct grun *r, const struct tcase *tc)
{
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	r->stop_ns = tm_now_ns();
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 3;
	for (int i = 0; i < r->n; i++) {
		int e = pthread_timedjoin_np(r->ws[i].th, NULL, &dl);
		if (e)
			fail_msg("%s (%s) pos %d did not return within 3 s of stop", tc->name,
				 tc->params, i);
	}
	if (r->type->group_teardown)
		r->type->group_teardown(&r->g);
	if (r->g.shm)
		munmap(r->g.shm, r->g.shm_bytes);
}

static void group_free(struct grun *r)
{
	for (int i = 0; i < r->n; i++)
		tm_free(&r->ws[i].tm);
	free(r->ws);
	kb_free(&r->p);
}

/* The region's pages were counted while mapped (every page of a small
 * region queried, at least the touched ones resident), the local node
 * set is known, and the worker ended with the CPUs it started with (so
 * local_nodes describes its placement, not its last hop). */
static void check_numa(const struct tw *x, const struct tcase *tc, int pos)
{
	const struct telemetry *t = &x->tm;
	const char *kib = strstr(tc->params, "_kib=");
	uint64_t want = kib ? strtoull(kib + 5, NULL, 10) * 1024 / 4096 : 0;
	uint64_t counted = 0, local = 0;
	for (int n = 0; n < TM_MAX_NODES; n++) {
		counted += t->numa_pages[n];
		if (t->local_nodes & (1ull << n))
			local += t->numa_pages[n];
	}
	print_message("  %-20s pos %d: numa queried %llu counted %llu local %llu (nodes 0x%llx) cpus %d -> %d\n",
		      tc->name, pos, (unsigned long long)t->numa_queried, (unsigned long long)counted,
		      (unsigned long long)local, (unsigned long long)t->local_nodes, x->pre_cpus, x->post_cpus);
	if (!t->numa_region || !t->track_numa || t->numa_errno)
		fail_msg("%s pos %d: region not measured (errno %d)", tc->name, pos, t->numa_errno);
	if (want && t->numa_queried != want)
		fail_msg("%s pos %d: %llu pages queried, want %llu", tc->name, pos,
			 (unsigned long long)t->numa_queried, (unsigned long long)want);
	if (!counted || counted > t->numa_queried)
		fail_msg("%s pos %d: %llu pages counted of %llu queried", tc->name, pos,
			 (unsigned long long)counted, (unsigned long long)t->numa_queried);
	if (!t->local_nodes || !local)
		fail_msg("%s pos %d: local nodes 0x%llx hold %llu of the counted pages", tc->name, pos,
			 (unsigned long long)t->local_nodes, (unsigned long long)local);
	if (x->post_cpus != x->pre_cpus)
		fail_msg("%s pos %d: ended with %d CPUs allowed, started with %d", tc->name, pos,
			 x->post_cpus, x->pre_cpus);
}

static void check_group(const struct grun *r, const struct tcase *tc)
{
	uint64_t wake_sum = 0;
	for (int i = 0; i < r->n; i++) {
		const struct tw *x = &r->ws[i];
		const char *err = x->w.error;
		print_message("  %-20s pos %d: units %llu iters %llu wakes %llu forks %llu stop->end %.1f ms%s%s\n",
			      tc->name, i, (unsigned long long)x->tm.work_units,
			      (unsigned long long)x->tm.iterations, (unsigned long long)x->tm.wake.total,
			      (unsigned long long)x->tm.forks, (double)(x->end_ns - r->stop_ns) / 1e6,
			      err[0] ? " error: " : "", err);
		if (x->end_ns > r->stop_ns + STOP_LIMIT_NS)
			fail_msg("%s pos %d returned %.0f ms after stop", tc->name, i,
				 (double)(x->end_ns - r->stop_ns) / 1e6);
		if ((tc->flags & ERR_POS0) && i == 0) {
			if (!err[0])
				fail_msg("%s pos 0: expected an error", tc->name);
		} else if (!(tc->flags & ERR_OK) && err[0]) {
			fail_msg("%s pos %d: unexpected error: %s", tc->name, i, err);
		}
		if (!x->tm.work_units || !x->tm.iterations)
			fail_msg("%s (%s) pos %d: work_units %llu iterations %llu", tc->name, tc->params, i,
				 (unsigned long long)x->tm.work_units,
				 (unsigned long long)x->tm.iterations);
		uint64_t wakes = x->tm.wake.total;
		wake_sum += wakes;
		if ((tc->flags & WAKE_ALL) && !wakes)
			fail_msg("%s pos %d: no wake samples", tc->name, i);
		if ((tc->flags & WAKE_RECV) && i == 0 && wakes)
			fail_msg("%s pos 0 (messenger/waker): %llu wake samples, want none", tc->name,
				 (unsigned long long)wakes);
		if ((tc->flags & WAKE_RECV) && i > 0 && !wakes)
			fail_msg("%s pos %d (receiver): no wake samples", tc->name, i);
		if ((tc->flags & FORKS) && !x->tm.forks)
			fail_msg("%s pos %d: no forks counted", tc->name, i);
		if (tc->flags & NUMA)
			check_numa(x, tc, i);
		if ((tc->flags & MIGRATES) && x->pre_cpus >= 2 && !x->tm.migration_count)
			fail_msg("%s pos %d: no CPU change seen with %d CPUs allowed", tc->name, i, x->pre_cpus);
		if ((tc->flags & RESET_POLICY) && (x->post_policy != SCHED_OTHER || x->post_nice != 0))
			fail_msg("%s pos %d: ended with policy %d nice %d", tc->name, i, x->post_policy,
				 x->post_nice);
	}
	if ((tc->flags & WAKE_ANY) && !wake_sum)
		fail_msg("%s: no wake samples in the group", tc->name);
}

static uint64_t peek(const uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_RELAXED);
}

/* Whether every worker already shows what check_group will ask of it
 * (read while they run: plain counters, a stale value only delays). */
static bool group_ready(const struct grun *r, const struct tcase *tc)
{
	uint64_t wake_sum = 0;
	for (int i = 0; i < r->n; i++) {
		const struct telemetry *t = &r->ws[i].tm;
		uint64_t wakes = peek(&t->wake.total);
		wake_sum += wakes;
		if (!peek(&t->work_units) || !peek(&t->iterations))
			return false;
		if (((tc->flags & WAKE_ALL) || ((tc->flags & WAKE_RECV) && i > 0)) && !wakes)
			return false;
		if ((tc->flags & FORKS) && !peek(&t->forks))
			return false;
		if ((tc->flags & MIGRATES) && r->ws[i].pre_cpus >= 2 && !peek(&t->migration_count))
			return false;
	}
	return !(tc->flags & WAKE_ANY) || wake_sum;
}

/* Run for RUN_NS, longer (up to MAX_RUN_NS) while the machine is too
 * busy for every worker to have shown its signal yet. */
#define MAX_RUN_NS 5000000000ull

static void test_case(void **state)
{
	const struct tcase *tc = *state;
	struct grun r;
	group_start(&r, tc, false);
	uint64_t t0 = tm_now_ns();
	for (;;) {
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 10000000};
		nanosleep(&ts, NULL);
		uint64_t el = tm_now_ns() - t0;
		if (el >= MAX_RUN_NS || (el >= RUN_NS && group_ready(&r, tc)))
			break;
	}
	group_stop(&r, tc);
	check_group(&r, tc);
	group_free(&r);
}

/* Every type, stop already set before its loop starts: it must return
 * promptly and leave no fds or mappings behind (teardown runs). */
static void test_stop_before_start(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct grun r;
		group_start(&r, &cases[i], true);
		group_stop(&r, &cases[i]);
		for (int k = 0; k < r.n; k++)
			if (r.ws[k].end_ns > r.stop_ns + STOP_LIMIT_NS)
				fail_msg("%s: returned %.0f ms after stop", cases[i].name,
					 (double)(r.ws[k].end_ns - r.stop_ns) / 1e6);
		group_free(&r);
	}
}

/* A paired type given a group of one records an error and returns. */
static void test_short_group_errors(void **state)
{
	(void)state;
	static const struct tcase lone[] = {
		{"futex_ping_pong", "spin_iters=16", 1, 0},
		{"pipe_io", "burst_iters=16", 1, 0},
		{"signal_storm", "signals_per_iter=1,work_iters=16", 1, 0},
		{"epoll_storm", "producers=1,consumers=1,fds=4", 1, 0},
		{"net_loopback", "proto=tcp,msg_bytes=64,burst_iters=16", 1, 0},
		{"request_worker", "workers=2,think=1us,interval=0ns", 2, 0},
	};
	for (size_t i = 0; i < sizeof(lone) / sizeof(lone[0]); i++) {
		struct grun r;
		group_start(&r, &lone[i], false);
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 20000000};
		nanosleep(&ts, NULL);
		group_stop(&r, &lone[i]);
		if (!r.ws[0].w.error[0])
			fail_msg("%s with a group of 1: no error", lone[i].name);
		group_free(&r);
	}
}

/* ---- the registry -------------------------------------------------------- */

static void test_registry_unique(void **state)
{
	(void)state;
	size_t n = 0;
	for (size_t i = 0; work_types[i]; i++, n++) {
		assert_non_null(work_types[i]->name);
		assert_non_null(work_types[i]->run);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(work_types[i]->name, work_types[j]->name))
				fail_msg("work type %s registered twice", work_types[i]->name);
		assert_ptr_equal(work_type_find(work_types[i]->name), work_types[i]);
	}
	assert_true(n >= 37);
	assert_null(work_type_find("no_such_work"));
	assert_null(work_type_find(""));
	assert_null(work_type_find(NULL));
	assert_string_equal(work_type_find("spin_wait")->name, "spin_wait");
}

/* Every registered type has a run case above. */
static void test_registry_covered(void **state)
{
	(void)state;
	for (size_t i = 0; work_types[i]; i++) {
		bool found = false;
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]) && !found; k++)
			found = !strcmp(cases[k].name, work_types[i]->name);
		if (!found)
			fail_msg("work type %s has no test case", work_types[i]->name);
	}
}

/* The language's work types (interp/worktypes.c) and the executor's
 * registry are the same set: a type the validator accepts always has an
 * implementation, and no implementation is unreachable from YAML. */
static void test_registry_matches_language(void **state)
{
	(void)state;
	size_t n = 0;
	for (const struct ty_alt *a = ty_work.alts; a->name; a++, n++)
		if (!work_type_find(a->name))
			fail_msg("work type %s is in the language but has no executor", a->name);
	for (size_t i = 0; work_types[i]; i++) {
		if (!ty_alt(&ty_work, work_types[i]->name))
			fail_msg("work type %s is registered but not in the language", work_types[i]->name);
		n--;
	}
	assert_int_equal(n, 0);
}

/* ---- cgroup_churn for real, in a fork child inside a test cgroup ------- */

struct churn_result {
	volatile uint32_t stop;
	uint64_t units, iters;
	char error[256];
};

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int r = fputs(s, f) < 0 ? -1 : 0;
	if (fclose(f))
		r = -1;
	return r;
}


/* Stops a cgroup work type's test worker, reaps it (it must exit 0), and
 * removes its cgroup and the two sibling cgroups it made (CG-WHAT-i); true
 * when a sibling was left behind. */
static bool stop_and_clean(volatile uint32_t *stop, pid_t pid, const char *cg, const char *what)
{
	__atomic_store_n(stop, 1, __ATOMIC_RELEASE);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	char sib[1800];
	bool left = false;
	for (int i = 0; i < 2; i++) {
		snprintf(sib, sizeof(sib), "%s-%s-%d", cg, what, i);
		if (!access(sib, F_OK)) {
			left = true;
			rmdir(sib);
		}
	}
	rmdir(cg);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return left;
}
static void test_cgroup_churn_moves(void **state)
{
	(void)state;
	char mnt[512], rel[1024], base[1600], cg[1700], buf[64];
	if (geteuid() != 0 || !wu_cgroup_self(mnt, sizeof(mnt), rel, sizeof(rel)))
		skip();
	snprintf(base, sizeof(base), "%s%s", mnt, strcmp(rel, "/") ? rel : "");
	snprintf(cg, sizeof(cg), "%s/ktstr-test-work-%d", base, (int)getpid());
	if (mkdir(cg, 0755))
		skip();
	struct churn_result *res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(res != MAP_FAILED);
	memset(res, 0, sizeof(*res));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char procs[1800];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (write_str(procs, buf))
			_exit(3);
		struct tcase tc = {"cgroup_churn", "groups=2,cycle=2ms", 1, 0};
		struct kb_program p;
		build(&p, tc.name, tc.params);
		struct telemetry tm;
		struct work_group g = {.size = 1};
		struct worker w = {.group = &g, .type = work_type_find("cgroup_churn"), .prog = &p,
				   .insn = &p.insn[0], .tm = &tm, .stop = &res->stop};
		tm_start(&tm, NULL, false);
		w.type->run(&w);
		res->units = tm.work_units;
		res->iters = tm.iterations;
		memcpy(res->error, w.error, sizeof(res->error));
		_exit(0);
	}
	/* while it runs, it must be seen in a -churn- sibling */
	bool seen = false;
	char path[64], line[2048], want[1800];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	snprintf(want, sizeof(want), "ktstr-test-work-%d-churn-", (int)getpid());
	for (int i = 0; i < 100 && !seen; i++) {
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "0::", 3) && strstr(line, want))
				seen = true;
		if (f)
			fclose(f);
		usleep(2000);
	}
	bool left = stop_and_clean(&res->stop, pid, cg, "churn");
	if (res->error[0])
		fail_msg("cgroup_churn: %s", res->error);
	assert_true(seen);
	assert_false(left);	/* the worker removed its siblings */
	assert_true(res->iters > 0);
	assert_true(res->units > 0);
	munmap(res, sizeof(*res));
}

/* ---- latencies that mean what their type says ----------------------------- */

static uint64_t res_min(const struct tm_reservoir *r)
{
	uint64_t m = UINT64_MAX;
	for (uint32_t i = 0; i < r->n; i++)
		if (r->v[i] < m)
			m = r->v[i];
	return m;
}

static uint64_t res_max(const struct tm_reservoir *r)
{
	uint64_t m = 0;
	for (uint32_t i = 0; i < r->n; i++)
		if (r->v[i] > m)
			m = r->v[i];
	return m;
}

/* request_worker: a request's latency covers its think time, so no
 * sample is below think; the message thread completes rounds (its
 * iterations) only when every worker completed its request. */
static void test_request_latency(void **state)
{
	(void)state;
	const struct tcase tc = {"request_worker", "workers=2,think=200us,interval=100us", 3, WAKE_RECV};
	struct grun r;
	group_start(&r, &tc, false);
	uint64_t t0 = tm_now_ns();
	while (tm_now_ns() - t0 < MAX_RUN_NS && (tm_now_ns() - t0 < RUN_NS || !group_ready(&r, &tc)))
		usleep(10000);
	group_stop(&r, &tc);
	check_group(&r, &tc);
	for (int i = 1; i < r.n; i++) {
		const struct telemetry *t = &r.ws[i].tm;
		assert_true(t->wake.n > 0);
		if (res_min(&t->wake) < 200000)
			fail_msg("request_worker pos %d: a request latency %llu ns below think (200 us)", i,
				 (unsigned long long)res_min(&t->wake));
		/* one request per round per worker: the counts agree within one */
		uint64_t rounds = r.ws[0].tm.iterations, done = t->iterations;
		if (done + 1 < rounds || done > rounds + 1)
			fail_msg("request_worker pos %d: %llu requests for %llu rounds", i,
				 (unsigned long long)done, (unsigned long long)rounds);
	}
	group_free(&r);
}

/* irq_wake, net_loopback and epoll_storm: wake samples are latencies of
 * this run, not clock values or garbage (below a second each). */
static void test_wake_samples_sane(void **state)
{
	(void)state;
	static const struct tcase tcs[] = {
		{"irq_wake", "interval=500us,spin_iters=64", 1, WAKE_ALL},
		{"net_loopback", "proto=udp,msg_bytes=64,burst_iters=64", 2, WAKE_ALL},
		{"epoll_storm", "producers=1,consumers=1,fds=16,events_per_burst=2,burst_iters=4096,consume_iters=16",
		 2, WAKE_RECV},
	};
	for (size_t k = 0; k < sizeof(tcs) / sizeof(tcs[0]); k++) {
		struct grun r;
		group_start(&r, &tcs[k], false);
		uint64_t t0 = tm_now_ns();
		while (tm_now_ns() - t0 < MAX_RUN_NS &&
		       (tm_now_ns() - t0 < RUN_NS || !group_ready(&r, &tcs[k])))
			usleep(10000);
		group_stop(&r, &tcs[k]);
		check_group(&r, &tcs[k]);
		for (int i = 0; i < r.n; i++)
			if (r.ws[i].tm.wake.n && res_max(&r.ws[i].tm.wake) >= 1000000000ull)
				fail_msg("%s pos %d: wake sample %llu ns", tcs[k].name, i,
					 (unsigned long long)res_max(&r.ws[i].tm.wake));
		group_free(&r);
	}
}

/* ---- cgroup_attach_storm for real, in a fork child inside a test cgroup - */

static void test_cgroup_attach_storm_moves(void **state)
{
	(void)state;
	char mnt[512], rel[1024], base[1600], cg[1700], buf[64];
	if (geteuid() != 0 || !wu_cgroup_self(mnt, sizeof(mnt), rel, sizeof(rel)))
		skip();
	snprintf(base, sizeof(base), "%s%s", mnt, strcmp(rel, "/") ? rel : "");
	snprintf(cg, sizeof(cg), "%s/ktstr-test-attach-%d", base, (int)getpid());
	if (mkdir(cg, 0755))
		skip();
	struct churn_result *res = mmap(NULL, sizeof(*res) + 2 * sizeof(uint64_t),
					PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(res != MAP_FAILED);
	memset(res, 0, sizeof(*res));
	uint64_t *extra = (uint64_t *)(res + 1);	/* wake samples, forks */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char procs[1800];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (write_str(procs, buf))
			_exit(3);
		struct tcase tc = {"cgroup_attach_storm", "groups=2,children=2,spin_iters=64", 1, 0};
		struct kb_program p;
		build(&p, tc.name, tc.params);
		struct telemetry tm;
		struct work_group g = {.size = 1};
		struct worker w = {.group = &g, .type = work_type_find(tc.name), .prog = &p,
				   .insn = &p.insn[0], .tm = &tm, .stop = &res->stop};
		tm_start(&tm, NULL, false);
		w.type->run(&w);
		res->units = tm.work_units;
		res->iters = tm.iterations;
		extra[0] = tm.wake.total;
		extra[1] = tm.forks;
		memcpy(res->error, w.error, sizeof(res->error));
		_exit(0);
	}
	usleep(200000);
	bool left = stop_and_clean(&res->stop, pid, cg, "attach");
	if (res->error[0])
		fail_msg("cgroup_attach_storm: %s", res->error);
	assert_false(left);	/* the worker removed its siblings */
	assert_true(res->iters > 0);
	assert_true(res->units > 0);
	assert_true(extra[0] >= res->iters);	/* two children: two attaches a round */
	assert_int_equal(extra[1], 2);
	munmap(res, sizeof(*res) + 2 * sizeof(uint64_t));
}

/* ---- NUMA measurement helpers (guest/numa.c), on this host ----------------- */

/* Only the pages touched are counted, while the region is mapped; a
 * region larger than NUMA_SAMPLE_MAX pages is sampled evenly (every
 * second page of 2 * NUMA_SAMPLE_MAX: touching the first quarter counts
 * exactly a quarter of the sample).  The local node set is known and
 * holds the pages this thread touched (first touch, default policy). */
static void test_numa_region_counts_touched(void **state)
{
	(void)state;
	size_t page = 4096, pages = 2 * NUMA_SAMPLE_MAX, len = pages * page;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	madvise(p, len, MADV_NOHUGEPAGE);	/* one touch, one page: no THP fault-around */
	uint64_t counts[NUMA_MAX_NODES] = {0}, queried = 0, sum = 0;
	assert_int_equal(numa_region_pages(p, 64 * page, counts, &queried), 0);
	assert_int_equal(queried, 64);
	for (int n = 0; n < NUMA_MAX_NODES; n++)
		sum += counts[n];
	assert_int_equal(sum, 0);	/* nothing touched, nothing resident */
	for (size_t i = 0; i < 10; i++)
		p[i * page] = 1;
	assert_int_equal(numa_region_pages(p, 64 * page, counts, &queried), 0);
	sum = 0;
	for (int n = 0; n < NUMA_MAX_NODES; n++)
		sum += counts[n];
	assert_int_equal(sum, 10);
	/* sampled: the first quarter touched */
	memset(p, 1, len / 4);
	memset(counts, 0, sizeof(counts));
	assert_int_equal(numa_region_pages(p, len, counts, &queried), 0);
	assert_int_equal(queried, NUMA_SAMPLE_MAX);
	sum = 0;
	for (int n = 0; n < NUMA_MAX_NODES; n++)
		sum += counts[n];
	assert_int_equal(sum, NUMA_SAMPLE_MAX / 4);
	/* tm_numa_region replaces what numa_pages held and turns reporting on */
	struct telemetry t;
	tm_start(&t, NULL, false);
	t.numa_pages[5] = 99;
	tm_numa_region(&t, p, 64 * page);
	tm_finish(&t);
	assert_true(t.track_numa && t.numa_region && t.numa_read);
	assert_int_equal(t.numa_queried, 64);
	assert_int_equal(t.numa_pages[5], 0);
	uint64_t local = 0;
	sum = 0;
	for (int n = 0; n < NUMA_MAX_NODES; n++) {
		sum += t.numa_pages[n];
		if (t.local_nodes & (1ull << n))
			local += t.numa_pages[n];
	}
	assert_int_equal(sum, 64);
	print_message("  local nodes 0x%llx (%s), %llu of 64 pages on them\n", (unsigned long long)t.local_nodes,
		      numa_local_source_name((enum numa_local_source)t.local_source), (unsigned long long)local);
	assert_true(t.local_nodes != 0);
	assert_int_not_equal(t.local_source, NL_UNKNOWN);
	assert_true(local > 0);
	tm_free(&t);
	munmap(p, len);
}

int main(void)
{
	/* RT types must be refused: no RLIMIT_RTPRIO escape hatch either */
	struct rlimit rl;
	if (!getrlimit(RLIMIT_RTPRIO, &rl)) {
		rl.rlim_cur = 0;
		setrlimit(RLIMIT_RTPRIO, &rl);
	}
	enum { NC = sizeof(cases) / sizeof(cases[0]) };
	struct CMUnitTest tests[NC + 10];
	static char names[NC][160];
	for (size_t i = 0; i < NC; i++) {
		snprintf(names[i], sizeof(names[i]), "%s %s", cases[i].name, cases[i].params);
		tests[i] = (struct CMUnitTest){.name = names[i], .test_func = test_case,
					       .initial_state = (void *)&cases[i]};
	}
	tests[NC] = (struct CMUnitTest)cmocka_unit_test(test_registry_unique);
	tests[NC + 1] = (struct CMUnitTest)cmocka_unit_test(test_registry_covered);
	tests[NC + 2] = (struct CMUnitTest)cmocka_unit_test(test_stop_before_start);
	tests[NC + 3] = (struct CMUnitTest)cmocka_unit_test(test_short_group_errors);
	tests[NC + 4] = (struct CMUnitTest)cmocka_unit_test(test_cgroup_churn_moves);
	tests[NC + 5] = (struct CMUnitTest)cmocka_unit_test(test_registry_matches_language);
	tests[NC + 6] = (struct CMUnitTest)cmocka_unit_test(test_request_latency);
	tests[NC + 7] = (struct CMUnitTest)cmocka_unit_test(test_wake_samples_sane);
	tests[NC + 8] = (struct CMUnitTest)cmocka_unit_test(test_cgroup_attach_storm_moves);
	tests[NC + 9] = (struct CMUnitTest)cmocka_unit_test(test_numa_region_counts_touched);
	return _cmocka_run_group_tests("work", tests, NC + 10, NULL, NULL);
}
