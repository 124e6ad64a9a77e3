/* request: request_worker — a schbench-like request pipeline.  A group is
 * one message thread (pos 0) and `workers` worker threads.  Each round
 * the message thread stamps one request per worker with the time it is
 * enqueued, hands it over (a per-worker futex word bumped, FUTEX_WAKE),
 * spins a little, and waits until every worker has completed its
 * request; then it sleeps `interval` (0: the next round at once).  A
 * worker waits for its request, "thinks" (spins) for `think`, and
 * records the request latency — enqueue by the message thread to
 * completion by the worker: wake-up delay plus think time plus any
 * preemption in between — as its wake sample.  The p50/p99/max of those
 * samples are the checker's pooled wake latency metrics
 * (p50_wake_latency_us, p99_wake_latency_us, max_wake_latency_us) for the
 * spawn; the message thread records no samples.  A request latency
 * includes time the worker ran, so it is reported with tm_sample (not
 * counted as blocking); only the wait for a request is blocking. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

struct rq_slot {
	uint32_t seq;		/* futex: bumped by the message thread per request */
	uint32_t pad;
	uint64_t enq_ns;	/* when the current request was enqueued */
	uint8_t line[48];	/* one cache line per worker */
};

struct rq_shm {
	uint32_t pending;	/* futex: requests of the round not yet completed */
	uint8_t line[60];
	struct rq_slot slot[];	/* workers (pos 1..) */
};

static size_t rq_shm_size(const struct worker *proto, int group_size)
{
	(void)proto;
	return sizeof(struct rq_shm) + (size_t)(group_size > 1 ? group_size - 1 : 1) * sizeof(struct rq_slot);
}

static void rq_message(struct worker *w, struct rq_shm *s, int nworkers)
{
	uint64_t interval = wp_dur(w, "interval", 0);
	while (!wu_stopped(w)) {
		__atomic_store_n(&s->pending, (uint32_t)nworkers, __ATOMIC_RELAXED);
		for (int k = 0; k < nworkers; k++) {
			struct rq_slot *r = &s->slot[k];
			__atomic_store_n(&r->enq_ns, tm_now_ns(), __ATOMIC_RELAXED);
			__atomic_add_fetch(&r->seq, 1, __ATOMIC_RELEASE);
			futex_wake_n(&r->seq, 1);
		}
		spin_units(w->tm, 64);
		uint64_t start = tm_now_ns();
		uint32_t p;
		while ((p = __atomic_load_n(&s->pending, __ATOMIC_ACQUIRE)) != 0 && !wu_stopped(w))
			futex_wait_bounded(&s->pending, p);
		tm_blocked(w->tm, tm_now_ns() - start);
		if (wu_stopped(w))
			break;
		tm_iter(w->tm);
		if (interval)
			wu_nap(w, interval);
	}
}

static void rq_worker(struct worker *w, struct rq_shm *s)
{
	uint64_t think = wp_dur(w, "think", 20000);
	struct rq_slot *r = &s->slot[w->pos - 1];
	uint32_t seen = 0;	/* the slot starts at 0: the first request makes it 1 */
	while (!wu_stopped(w)) {
		uint64_t start = tm_now_ns();
		uint32_t cur;
		while ((cur = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE)) == seen && !wu_stopped(w))
			futex_wait_bounded(&r->seq, seen);
		tm_blocked(w->tm, tm_now_ns() - start);
		if (wu_stopped(w))
			break;
		seen = cur;
		uint64_t enq = __atomic_load_n(&r->enq_ns, __ATOMIC_RELAXED);
		if (think)
			wu_spin_for(w, think);
		else
			spin_units(w->tm, 1);
		if (wu_stopped(w))
			break;	/* think cut short: not a completed request */
		uint64_t done = tm_now_ns();
		tm_sample(w->tm, done > enq ? done - enq : 0);
		if (__atomic_sub_fetch(&s->pending, 1, __ATOMIC_ACQ_REL) == 0)
			futex_wake_n(&s->pending, 1);
		tm_iter(w->tm);
	}
}

static void run_request_worker(struct worker *w)
{
	int64_t workers = wp_int(w, "workers", 4);
	if (!wu_need_group(w, (int)workers + 1))
		return;
	struct rq_shm *s = w->group->shm;
	if (w->pos == 0)
		rq_message(w, s, (int)workers);
	else if (w->pos <= workers)
		rq_worker(w, s);
}

const struct work_type work_request_worker = {
	.name = "request_worker",
	.shm_size = rq_shm_size,
	.run = run_request_worker,
};
