/* rt: work types built on scheduling classes and priorities.  Policies
 * are set by each worker on its own thread (sched_setscheduler(0, ...)
 * is per thread on Linux), once, and put back to SCHED_OTHER at the end
 * of the loop.  When a policy cannot be set (EPERM without
 * CAP_SYS_NICE, EINVAL for ext without a sched_ext scheduler) the worker
 * records the error and carries on in the class it has.
 *
 *   rt_starvation      pos < rt_workers: SCHED_FIFO rt_priority spinners;
 *                      the rest normal spinners; burst_iters an iteration
 *   preempt_storm      pos 0: SCHED_FIFO 1, spins rt_burst_iters then
 *                      sleeps rt_sleep (wake = oversleep); the rest spin
 *   asymmetric_waker   pos 0 (waker_class) spins burst_iters, stamps,
 *                      bumps and wakes pos 1 (wakee_class), waits for the
 *                      ack; the wakee records now - stamp, acks, spins
 *   priority_inversion pos < high: FIFO 3, take the lock briefly;
 *                      then medium: FIFO 2, spin; then low: FIFO 1, hold
 *                      the lock for hold_iters.  pi: FUTEX_LOCK_PI, else
 *                      a plain futex mutex.  Without CAP_SYS_NICE the
 *                      tiers fall back to nice 0 / 5 / 10 (error noted). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static bool set_policy_noted(struct worker *w, int policy, int prio, const char *what)
{
	int r = wu_set_policy(policy, prio);
	if (r) {
		wu_error(w, "%s: cannot set %s: %s", w->type->name, what, strerror(-r));
		return false;
	}
	return true;
}

static void reset_policy(bool changed)
{
	if (changed)
		wu_set_policy(SCHED_OTHER, 0);
}

static size_t shm_64(const struct worker *proto, int group_size)
{
	(void)proto;
	(void)group_size;
	return 64;
}

/* ---- rt_starvation ------------------------------------------------ */

static void run_rt_starvation(struct worker *w)
{
	int64_t rt = wp_int(w, "rt_workers", 1), prio = wp_int(w, "rt_priority", 50);
	uint64_t burst = (uint64_t)wp_int(w, "burst_iters", 1024);
	bool changed = false;
	if (w->pos < rt)
		changed = set_policy_noted(w, SCHED_FIFO, (int)(prio < 1 ? 1 : prio > 99 ? 99 : prio),
					   "SCHED_FIFO");
	while (!wu_stopped(w)) {
		spin_units(w->tm, burst);
		tm_iter(w->tm);
	}
	reset_policy(changed);
}

/* ---- preempt_storm ------------------------------------------------ */

static void run_preempt_storm(struct worker *w)
{
	if (w->pos != 0) {
		while (!wu_stopped(w)) {
			spin_units(w->tm, 1024);
			tm_iter(w->tm);
		}
		return;
	}
	uint64_t burst = (uint64_t)wp_int(w, "rt_burst_iters", 1024);
	uint64_t sleep = wp_dur(w, "rt_sleep", 1000000);
	bool changed = set_policy_noted(w, SCHED_FIFO, 1, "SCHED_FIFO");
	while (!wu_stopped(w)) {
		spin_units(w->tm, burst);
		if (!wu_sleep_wake(w, sleep))
			break;
		tm_iter(w->tm);
	}
	reset_policy(changed);
}

/* ---- asymmetric_waker --------------------------------------------- */

struct handoff {
	uint32_t gen;		/* bumped by the waker */
	uint32_t ack;		/* set to gen by the wakee */
	uint64_t stamp;
};

static bool apply_class(struct worker *w, const char *cls)
{
	int policy = wu_policy_by_name(cls);
	if (policy < 0) {
		wu_error(w, "asymmetric_waker: unknown class \"%s\"", cls ? cls : "");
		return false;
	}
	if (policy == SCHED_OTHER)
		return false;
	int prio = policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
	char what[48];
	snprintf(what, sizeof(what), "class %s", cls);
	return set_policy_noted(w, policy, prio, what);
}

static void run_asymmetric_waker(struct worker *w)
{
	if (!wu_need_group(w, 2))
		return;
	struct handoff *h = w->group->shm;
	uint64_t burst = (uint64_t)wp_int(w, "burst_iters", 1024);
	bool waker = w->pos == 0;
	bool changed = apply_class(w, wp_str(w, waker ? "waker_class" : "wakee_class", "normal"));
	uint32_t seen = 0;
	while (!wu_stopped(w)) {
		if (waker) {
			spin_units(w->tm, burst);
			__atomic_store_n(&h->stamp, tm_now_ns(), __ATOMIC_RELAXED);
			uint32_t g = __atomic_add_fetch(&h->gen, 1, __ATOMIC_RELEASE);
			futex_wake_n(&h->gen, 1);
			/* wait until the wakee took it, so every bump is one wake */
			uint32_t a;
			uint64_t t0 = tm_now_ns();
			while (!wu_stopped(w) && (a = __atomic_load_n(&h->ack, __ATOMIC_ACQUIRE)) != g)
				futex_wait_bounded(&h->ack, a);
			tm_blocked(w->tm, tm_now_ns() - t0);
		} else {
			uint64_t start = tm_now_ns();
			while (!wu_stopped(w) && __atomic_load_n(&h->gen, __ATOMIC_ACQUIRE) == seen)
				futex_wait_bounded(&h->gen, seen);
			if (wu_stopped(w))
				break;
			seen = __atomic_load_n(&h->gen, __ATOMIC_ACQUIRE);
			uint64_t now = tm_now_ns(), stamp = __atomic_load_n(&h->stamp, __ATOMIC_RELAXED);
			wu_waited(w->tm, now - start, now > stamp ? now - stamp : 0);
			__atomic_store_n(&h->ack, seen, __ATOMIC_RELEASE);
			futex_wake_n(&h->ack, 1);
			spin_units(w->tm, burst);
		}
		tm_iter(w->tm);
	}
	futex_wake_n(&h->gen, INT_MAX);	/* the partner sees stop now */
	futex_wake_n(&h->ack, INT_MAX);
	reset_policy(changed);
}

/* ---- priority_inversion ------------------------------------------- */

static long futex_op(volatile uint32_t *addr, int op, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, 0, ts, NULL, 0);
}

/* FUTEX_LOCK_PI: the word holds the owner's tid; the kernel queues the
 * waiters and boosts the owner.  The timeout is absolute CLOCK_REALTIME.
 * Returns 1 locked, 0 stopped, -1 PI futexes unavailable. */
static int pi_lock(struct worker *w, volatile uint32_t *f, uint32_t tid, uint64_t *waited)
{
	uint32_t z = 0;
	*waited = 0;
	if (__atomic_compare_exchange_n(f, &z, tid, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 1;
	uint64_t t0 = tm_now_ns();
	while (!wu_stopped(w)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)WORK_POLL_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (futex_op(f, FUTEX_LOCK_PI, &ts) == 0) {
			*waited = tm_now_ns() - t0;
			return 1;
		}
		if (errno == ETIMEDOUT || errno == EINTR || errno == EAGAIN)
			continue;
		wu_error(w, "priority_inversion: FUTEX_LOCK_PI: %s; using a plain futex", strerror(errno));
		return -1;
	}
	return 0;
}

static void pi_unlock(volatile uint32_t *f, uint32_t tid)
{
	uint32_t v = tid;
	if (!__atomic_compare_exchange_n(f, &v, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		futex_op(f, FUTEX_UNLOCK_PI, NULL);
}


struct pi_shm {
	uint32_t pi_word;	/* FUTEX_LOCK_PI word */
	uint32_t pad;
	uint32_t plain_word;	/* plain mutex (also the PI fallback) */
	uint32_t pi_broken;	/* set once FUTEX_LOCK_PI failed for anyone */
};

static void run_priority_inversion(struct worker *w)
{
	if (!wu_need_group(w, 1))
		return;
	struct pi_shm *s = w->group->shm;
	int64_t high = wp_int(w, "high", 1), medium = wp_int(w, "medium", 1);
	uint64_t hold = (uint64_t)wp_int(w, "hold_iters", 256);
	uint64_t work = (uint64_t)wp_int(w, "work_iters", 1024);
	bool pi = wp_bool(w, "pi", true);
	enum { HIGH, MEDIUM, LOW } tier = w->pos < high ? HIGH : w->pos < high + medium ? MEDIUM : LOW;
	static const int fifo[] = {3, 2, 1}, nice_of[] = {0, 5, 10};
	static const char *const names[] = {"SCHED_FIFO 3 (high)", "SCHED_FIFO 2 (medium)",
					    "SCHED_FIFO 1 (low)"};
	pid_t tid = wu_gettid();
	bool changed = set_policy_noted(w, SCHED_FIFO, fifo[tier], names[tier]);
	if (!changed)
		setpriority(PRIO_PROCESS, (id_t)tid, nice_of[tier]);
	while (!wu_stopped(w)) {
		if (tier == MEDIUM) {
			spin_units(w->tm, work);
			tm_iter(w->tm);
			continue;
		}
		if (tier == HIGH)
			spin_units(w->tm, work);
		uint64_t waited = 0;
		bool use_pi = pi && !__atomic_load_n(&s->pi_broken, __ATOMIC_RELAXED);
		if (use_pi) {
			int r = pi_lock(w, &s->pi_word, (uint32_t)tid, &waited);
			if (r == 0)
				break;
			if (r < 0) {
				__atomic_store_n(&s->pi_broken, 1, __ATOMIC_RELAXED);
				continue;
			}
		} else if (!wu_mutex_lock(w, &s->plain_word, &waited)) {
			break;
		}
		spin_units(w->tm, tier == LOW ? hold : 16);
		if (use_pi)
			pi_unlock(&s->pi_word, (uint32_t)tid);
		else
			wu_mutex_unlock(&s->plain_word);
		if (waited)
			tm_wake(w->tm, waited);
		if (tier == LOW)
			spin_units(w->tm, work);
		tm_iter(w->tm);
	}
	reset_policy(changed);
	if (!changed)
		setpriority(PRIO_PROCESS, (id_t)tid, 0);
}

const struct work_type work_rt_starvation = {.name = "rt_starvation", .run = run_rt_starvation};
const struct work_type work_preempt_storm = {.name = "preempt_storm", .run = run_preempt_storm};
const struct work_type work_asymmetric_waker = {
	.name = "asymmetric_waker", .shm_size = shm_64, .run = run_asymmetric_waker,
};
const struct work_type work_priority_inversion = {
	.name = "priority_inversion", .shm_size = shm_64, .run = run_priority_inversion,
};
