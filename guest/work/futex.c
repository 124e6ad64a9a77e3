/* futex: work types that hand off through futex words in the group's
 * shared memory (MAP_SHARED, so the futexes are not FUTEX_PRIVATE):
 *
 *   futex_ping_pong   pairs take turns on one word; wake = time blocked
 *                     waiting for the turn
 *   futex_fan_out     pos 0 (the messenger) spins spin_iters, stamps the
 *                     time, bumps a generation word and FUTEX_WAKEs all,
 *                     then spins 256 units; receivers wait for the
 *                     generation to change, record now - stamp, spin
 *                     spin_iters
 *   fan_out_compute   the same wake storm; receivers then do `operations`
 *                     naive matrix multiplies over cache_footprint_kib;
 *                     the messenger sleeps `sleep` between wakes
 *   thundering_herd   pos 0 sleeps `interval`, then wakes every waiter
 *                     at once; waiters record now - stamp
 *   mutex_contention  a futex mutex (0 free, 1 held, 2 held + waiters);
 *                     wake = time to acquire when it had to wait
 *   wake_chain        a token passes stage 0 -> 1 -> ... -> depth-1 -> 0
 *                     by futex or by pipe; each stage records the wake
 *                     latency of its hand-off and spins work_per_hop
 *
 * Every wait is futex_wait_bounded (<= WORK_POLL_NS) or a 100 ms poll. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAN_OUT_POST_WAKE_SPIN 256

static inline uint32_t ld32(volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void st32(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ---- futex_ping_pong ---------------------------------------------- */

static size_t shm_64(const struct worker *proto, int group_size)
{
	(void)proto;
	(void)group_size;
	return 64;
}

static void run_futex_ping_pong(struct worker *w)
{
	if (!wu_need_group(w, 2))
		return;
	volatile uint32_t *turn = w->group->shm;
	uint32_t me = (uint32_t)(w->pos & 1), other = me ^ 1;
	uint64_t spin = (uint64_t)wp_int(w, "spin_iters", 1024);
	while (!wu_stopped(w)) {
		uint64_t t0 = tm_now_ns();
		while (!wu_stopped(w) && ld32(turn) != me)
			futex_wait_bounded(turn, other);
		if (wu_stopped(w))
			break;
		tm_wake(w->tm, tm_now_ns() - t0);
		spin_units(w->tm, spin);
		st32(turn, other);
		futex_wake_n(turn, 1);
		tm_iter(w->tm);
	}
	futex_wake_n(turn, INT_MAX);	/* a waiting partner sees stop now */
}

/* ---- broadcast: futex_fan_out, fan_out_compute, thundering_herd ---- */

struct bcast {
	uint32_t gen;
	uint32_t pad;
	uint64_t stamp;		/* messenger's clock at the bump */
};

static size_t shm_bcast(const struct worker *proto, int group_size)
{
	(void)proto;
	(void)group_size;
	return 64;
}

static void bcast_send(struct bcast *b)
{
	__atomic_store_n(&b->stamp, tm_now_ns(), __ATOMIC_RELAXED);
	__atomic_fetch_add(&b->gen, 1, __ATOMIC_RELEASE);
	futex_wake_n(&b->gen, INT_MAX);
}

/* Wait for the generation to move past its value now; record the wake
 * latency from the messenger's stamp.  false on stop. */
static bool bcast_wait(struct worker *w, struct bcast *b)
{
	uint32_t seen = __atomic_load_n(&b->gen, __ATOMIC_RELAXED);
	uint64_t start = tm_now_ns();
	for (;;) {
		if (wu_stopped(w))
			return false;
		if (ld32(&b->gen) != seen)
			break;
		futex_wait_bounded(&b->gen, seen);
	}
	uint64_t now = tm_now_ns(), stamp = __atomic_load_n(&b->stamp, __ATOMIC_RELAXED);
	wu_waited(w->tm, now - start, now > stamp ? now - stamp : 0);
	return true;
}

static void run_futex_fan_out(struct worker *w)
{
	if (!wu_need_group(w, 2))
		return;
	struct bcast *b = w->group->shm;
	uint64_t spin = (uint64_t)wp_int(w, "spin_iters", 1024);
	while (!wu_stopped(w)) {
		spin_units(w->tm, spin);
		if (w->pos == 0) {
			bcast_send(b);
			spin_units(w->tm, FAN_OUT_POST_WAKE_SPIN);
		} else if (!bcast_wait(w, b)) {
			break;
		}
		tm_iter(w->tm);
	}
	futex_wake_n(&b->gen, INT_MAX);	/* waiting receivers see stop now */
}

/* n x n matrices A, B, C of u64; C = A * B, one work unit per C cell. */
static void matmul(struct telemetry *t, uint64_t *m, size_t n)
{
	uint64_t *a = m, *b = m + n * n;
	volatile uint64_t *c = m + 2 * n * n;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			uint64_t acc = 0;
			for (size_t k = 0; k < n; k++)
				acc += a[i * n + k] * b[k * n + j];
			c[i * n + j] = acc;
		}
		tm_work(t, n);
	}
}

static void run_fan_out_compute(struct worker *w)
{
	if (!wu_need_group(w, 2))
		return;
	struct bcast *b = w->group->shm;
	if (w->pos == 0) {
		uint64_t sleep = wp_dur(w, "sleep", 100000);
		while (!wu_stopped(w)) {
			bcast_send(b);
			spin_units(w->tm, FAN_OUT_POST_WAKE_SPIN);
			if (sleep)
				wu_nap(w, sleep);
			tm_iter(w->tm);
		}
		futex_wake_n(&b->gen, INT_MAX);
		return;
	}
	int64_t kib = wp_int(w, "cache_footprint_kib", 256), ops = wp_int(w, "operations", 5);
	/* n = floor(sqrt(kib * 1024 / 3 / 8)): three n x n u64 matrices fill
	 * the footprint (integer root: the guest links no libm) */
	uint64_t cells = (uint64_t)(kib > 0 ? kib : 1) * 1024 / 3 / 8;
	size_t n = 1;
	while ((uint64_t)(n + 1) * (n + 1) <= cells)
		n++;
	uint64_t *m = malloc(3 * n * n * sizeof(*m));
	if (!m) {
		wu_error(w, "fan_out_compute: cannot allocate %zu KiB", 3 * n * n * 8 / 1024);
		return;
	}
	uint64_t rng = w->seed | 1;
	for (size_t i = 0; i < 3 * n * n; i++)
		m[i] = xorshift64(&rng);
	while (!wu_stopped(w)) {
		if (!bcast_wait(w, b))
			break;
		for (int64_t k = 0; k < ops && !wu_stopped(w); k++)
			matmul(w->tm, m, n);
		tm_work(w->tm, 1);	/* a wake with operations = 0 still counts */
		tm_iter(w->tm);
	}
	free(m);
}

static void run_thundering_herd(struct worker *w)
{
	if (!wu_need_group(w, 2))
		return;
	struct bcast *b = w->group->shm;
	uint64_t interval = wp_dur(w, "interval", 1000000);
	while (!wu_stopped(w)) {
		if (w->pos == 0) {
			wu_nap(w, interval);
			if (wu_stopped(w))
				break;
			bcast_send(b);
		} else if (!bcast_wait(w, b)) {
			break;
		}
		spin_units(w->tm, FAN_OUT_POST_WAKE_SPIN);
		tm_iter(w->tm);
	}
	futex_wake_n(&b->gen, INT_MAX);
}

/* ---- mutex_contention --------------------------------------------- */


static void run_mutex_contention(struct worker *w)
{
	if (!wu_need_group(w, 1))
		return;
	volatile uint32_t *m = w->group->shm;
	uint64_t hold = (uint64_t)wp_int(w, "hold_iters", 256);
	uint64_t work = (uint64_t)wp_int(w, "work_iters", 1024);
	while (!wu_stopped(w)) {
		spin_units(w->tm, work);
		uint64_t waited;
		if (!wu_mutex_lock(w, m, &waited))
			break;
		spin_units(w->tm, hold);
		wu_mutex_unlock(m);
		if (waited)
			tm_wake(w->tm, waited);
		tm_iter(w->tm);
	}
	futex_wake_n(m, INT_MAX);	/* waiters see stop now */
}

/* ---- wake_chain --------------------------------------------------- */

struct chain_stage {
	uint32_t seq;		/* bumped by the predecessor (futex) */
	uint32_t magic;		/* stage 0: CHAIN_MAGIC once chain_setup ran */
	uint64_t stamp;		/* predecessor's clock at the hand-off */
	int rfd, wfd;		/* this stage's input pipe (pipe mode) */
	char fill[40];
};

#define CHAIN_MAGIC 0x6b74636eu

static size_t shm_chain(const struct worker *proto, int group_size)
{
	(void)proto;
	return (size_t)(group_size > 0 ? group_size : 1) * sizeof(struct chain_stage);
}

static bool chain_pipe(const struct worker *w)
{
	const char *mech = wp_str(w, "wake", "futex");
	return mech && !strcmp(mech, "pipe");
}

static int chain_setup(struct work_group *g, const struct worker *proto)
{
	struct chain_stage *st = g->shm;
	bool pipes = chain_pipe(proto);
	for (int i = 0; i < g->size; i++)
		st[i].rfd = st[i].wfd = -1;
	st[0].magic = CHAIN_MAGIC;
	for (int i = 0; pipes && i < g->size; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
			return -1;	/* teardown closes what was made */
		st[i].rfd = p[0];
		st[i].wfd = p[1];
	}
	return 0;
}

static void chain_teardown(struct work_group *g)
{
	struct chain_stage *st = g->shm;
	if (!st || st[0].magic != CHAIN_MAGIC)
		return;	/* setup never ran: the fds are not ours */
	for (int i = 0; i < g->size; i++) {
		if (st[i].rfd >= 0)
			close(st[i].rfd);
		if (st[i].wfd >= 0)
			close(st[i].wfd);
		st[i].rfd = st[i].wfd = -1;
	}
}

static void run_wake_chain(struct worker *w)
{
	if (!wu_need_group(w, 1))
		return;
	struct chain_stage *st = w->group->shm, *me = &st[w->pos];
	struct chain_stage *next = &st[(w->pos + 1) % w->group->size];
	bool pipes = chain_pipe(w);
	uint64_t work = (uint64_t)wp_int(w, "work_per_hop", 1024);
	if (pipes && (me->rfd < 0 || next->wfd < 0)) {
		wu_error(w, "wake_chain: no pipes");
		return;
	}
	bool token = w->pos == 0;	/* stage 0 starts with the token, once */
	uint32_t seen = 0;
	while (!wu_stopped(w)) {
		if (!token) {
			uint64_t start = tm_now_ns(), stamp = 0;
			if (pipes) {
				int r = wu_wait_readable(w, me->rfd);
				if (r <= 0) {
					if (r < 0)
						wu_error(w, "wake_chain: pipe poll failed");
					break;
				}
				ssize_t n = read(me->rfd, &stamp, sizeof(stamp));
				if (n == (ssize_t)sizeof(stamp) && stamp == 0)
					continue;	/* predecessor left: recheck stop */
				if (n != (ssize_t)sizeof(stamp)) {
					if (n < 0 && (errno == EAGAIN || errno == EINTR))
						continue;
					wu_error(w, "wake_chain: pipe read: %s",
						 n < 0 ? strerror(errno) : "short read");
					break;
				}
			} else {
				while (!wu_stopped(w) && ld32(&me->seq) == seen)
					futex_wait_bounded(&me->seq, seen);
				if (wu_stopped(w))
					break;
				seen = ld32(&me->seq);
				stamp = __atomic_load_n(&me->stamp, __ATOMIC_RELAXED);
			}
			uint64_t now = tm_now_ns(), from = stamp > start ? stamp : start;
			wu_waited(w->tm, now - start, now > from ? now - from : 0);
		}
		token = false;
		spin_units(w->tm, work);
		uint64_t now = tm_now_ns();
		if (pipes) {
			if (write(next->wfd, &now, sizeof(now)) < 0 && errno != EAGAIN) {
				wu_error(w, "wake_chain: pipe write: %s", strerror(errno));
				break;
			}
		} else {
			__atomic_store_n(&next->stamp, now, __ATOMIC_RELAXED);
			__atomic_fetch_add(&next->seq, 1, __ATOMIC_RELEASE);
			futex_wake_n(&next->seq, 1);
		}
		tm_iter(w->tm);
	}
	/* the next stage sees stop now */
	if (!pipes) {
		futex_wake_n(&next->seq, INT_MAX);
	} else {
		uint64_t zero = 0;
		if (write(next->wfd, &zero, sizeof(zero)) < 0) {
			/* full: its poll times out instead */
		}
	}
}

/* ------------------------------------------------------------------- */

const struct work_type work_futex_ping_pong = {
	.name = "futex_ping_pong", .shm_size = shm_64, .run = run_futex_ping_pong,
};
const struct work_type work_futex_fan_out = {
	.name = "futex_fan_out", .shm_size = shm_bcast, .run = run_futex_fan_out,
};
const struct work_type work_fan_out_compute = {
	.name = "fan_out_compute", .shm_size = shm_bcast, .run = run_fan_out_compute,
};
const struct work_type work_thundering_herd = {
	.name = "thundering_herd", .shm_size = shm_bcast, .run = run_thundering_herd,
};
const struct work_type work_mutex_contention = {
	.name = "mutex_contention", .shm_size = shm_64, .run = run_mutex_contention,
};
const struct work_type work_wake_chain = {
	.name = "wake_chain", .shm_size = shm_chain, .group_setup = chain_setup,
	.run = run_wake_chain, .group_teardown = chain_teardown,
};
