/* queue: producer_consumer — producers (pos < producers) push their
 * clock into a bounded lock-free ring (Vyukov's MPMC queue) in the
 * group's shared memory at rate_hz each, dropping the item when the
 * ring is full; consumers (the rest) pop, spin consume_iters per item,
 * and block on a futex "posted" counter when the ring is empty.  A
 * consumer that had to block records the wake latency of the item that
 * woke it: now - max(item's push time, start of its wait).  The ring has
 * queue_depth slots rounded up to a power of two (at most 65536). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <limits.h>

#define PC_MAX_DEPTH 65536u

struct pc_cell {
	uint64_t seq;
	uint64_t val;
};

struct pc_ring {
	uint64_t enq;		/* reserve head for producers */
	char pad0[56];
	uint64_t deq;		/* reserve head for consumers */
	char pad1[56];
	uint32_t posted;	/* futex: bumped after every push */
	uint32_t mask;
	uint64_t dropped;
	char pad2[48];
	struct pc_cell cell[];
};

static uint32_t pc_depth(const struct worker *w)
{
	int64_t q = wp_int(w, "queue_depth", 64);
	uint32_t d = 1;
	while (d < PC_MAX_DEPTH && (int64_t)d < q)
		d <<= 1;
	return d;
}

static size_t pc_shm_size(const struct worker *proto, int group_size)
{
	(void)group_size;
	return sizeof(struct pc_ring) + (size_t)pc_depth(proto) * sizeof(struct pc_cell);
}

static int pc_setup(struct work_group *g, const struct worker *proto)
{
	struct pc_ring *r = g->shm;
	uint32_t d = pc_depth(proto);
	r->mask = d - 1;
	for (uint32_t i = 0; i < d; i++)
		r->cell[i].seq = i;
	return 0;
}

static bool pc_push(struct pc_ring *r, uint64_t v)
{
	uint64_t pos = __atomic_load_n(&r->enq, __ATOMIC_RELAXED);
	struct pc_cell *c;
	for (;;) {
		c = &r->cell[pos & r->mask];
		uint64_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		int64_t dif = (int64_t)(seq - pos);
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&r->enq, &pos, pos + 1, true, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				break;
		} else if (dif < 0) {
			return false;	/* full */
		} else {
			pos = __atomic_load_n(&r->enq, __ATOMIC_RELAXED);
		}
	}
	c->val = v;
	__atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
	return true;
}

static bool pc_pop(struct pc_ring *r, uint64_t *v)
{
	uint64_t pos = __atomic_load_n(&r->deq, __ATOMIC_RELAXED);
	struct pc_cell *c;
	for (;;) {
		c = &r->cell[pos & r->mask];
		uint64_t seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		int64_t dif = (int64_t)(seq - (pos + 1));
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&r->deq, &pos, pos + 1, true, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				break;
		} else if (dif < 0) {
			return false;	/* empty */
		} else {
			pos = __atomic_load_n(&r->deq, __ATOMIC_RELAXED);
		}
	}
	*v = c->val;
	__atomic_store_n(&c->seq, pos + (uint64_t)r->mask + 1, __ATOMIC_RELEASE);
	return true;
}

static void run_producer(struct worker *w, struct pc_ring *r)
{
	int64_t hz = wp_int(w, "rate_hz", 10000);
	uint64_t period = 1000000000ull / (uint64_t)(hz > 0 ? hz : 1);
	if (!period)
		period = 1;
	uint64_t next = tm_now_ns();
	while (!wu_stopped(w)) {
		next += period;
		uint64_t now = tm_now_ns();
		if (next > now) {
			uint64_t t0 = now;
			now = wu_sleep_until(w, next);
			tm_blocked(w->tm, now - t0);
		}
		else if (now - next > WORK_POLL_NS)
			next = now;	/* far behind: do not burst to catch up */
		if (wu_stopped(w))
			break;
		if (pc_push(r, now)) {
			__atomic_fetch_add(&r->posted, 1, __ATOMIC_RELEASE);
			futex_wake_n(&r->posted, 1);
		} else {
			__atomic_fetch_add(&r->dropped, 1, __ATOMIC_RELAXED);
		}
		tm_work(w->tm, 1);
		tm_iter(w->tm);
	}
	futex_wake_n(&r->posted, INT_MAX);	/* idle consumers see stop now */
}

static void run_consumer(struct worker *w, struct pc_ring *r)
{
	uint64_t spin = (uint64_t)wp_int(w, "consume_iters", 1024);
	uint64_t blocked_since = 0;
	while (!wu_stopped(w)) {
		uint32_t snap = __atomic_load_n(&r->posted, __ATOMIC_ACQUIRE);
		uint64_t item;
		if (pc_pop(r, &item)) {
			if (blocked_since) {
				uint64_t now = tm_now_ns(), from = item > blocked_since ? item : blocked_since;
				wu_waited(w->tm, now - blocked_since, now > from ? now - from : 0);
				blocked_since = 0;
			}
			spin_units(w->tm, spin);
			tm_iter(w->tm);
			continue;
		}
		if (!blocked_since)
			blocked_since = tm_now_ns();
		futex_wait_bounded(&r->posted, snap);
	}
}

static void run_producer_consumer(struct worker *w)
{
	if (!wu_need_group(w, 1))
		return;
	struct pc_ring *r = w->group->shm;
	if (!r->mask && pc_depth(w) > 1) {
		wu_error(w, "producer_consumer: ring not initialised");
		return;
	}
	if (w->pos < wp_int(w, "producers", 1))
		run_producer(w, r);
	else
		run_consumer(w, r);
}

const struct work_type work_producer_consumer = {
	.name = "producer_consumer",
	.shm_size = pc_shm_size,
	.group_setup = pc_setup,
	.run = run_producer_consumer,
};
