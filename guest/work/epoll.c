/* epoll: epoll_storm — a group of `producers` + `consumers` shares one
 * epoll instance with `fds` eventfds registered edge-triggered
 * (EPOLLIN | EPOLLET).  Producers (pos < producers) spin burst_iters,
 * then signal events_per_burst randomly chosen eventfds; consumers block
 * in epoll_wait, drain every ready eventfd (edge-triggered: a fd not
 * drained never fires again) and spin consume_iters per event.
 *
 * The wake sample of a consumer is the write-to-wakeup latency: each
 * eventfd has a slot in the group's shared memory where a producer
 * leaves the time of the first write not yet consumed (compare-and-swap
 * from 0, so the earliest pending write wins); a consumer that returns
 * from epoll_wait takes the slots of the fds it got and records
 * now - max(earliest write, start of its wait), as pipe_io does.
 * Producers record no wake samples.
 *
 * The epoll fd and the eventfds are made in group_setup, before any
 * worker exists, so fork children inherit them (one epoll instance for
 * the group in either clone mode) and threads share them.  A setup
 * failure is kept in the shared memory and reported by every worker. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define EP_MAX_FDS 512		/* the vocabulary's limit for fds */
#define EP_MAX_EVENTS 64	/* events taken per epoll_wait */

struct ep_shm {
	int epfd;
	int nfds;		/* eventfds open (all of them unless err) */
	int err;		/* errno of a setup failure, 0 when none */
	char what[64];		/* the call that failed */
	int efd[EP_MAX_FDS];
	uint64_t ts[EP_MAX_FDS];	/* earliest unconsumed write, 0: none */
};

static size_t ep_shm_size(const struct worker *proto, int group_size)
{
	(void)proto;
	(void)group_size;
	return sizeof(struct ep_shm);
}

static int ep_nfds(const struct worker *w)
{
	int64_t n = wp_int(w, "fds", 64);
	return (int)(n < 1 ? 1 : n > EP_MAX_FDS ? EP_MAX_FDS : n);
}

static void ep_close(struct ep_shm *s)
{
	for (int i = 0; i < s->nfds; i++)
		if (s->efd[i] >= 0)
			close(s->efd[i]);
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = -1;
	s->nfds = 0;
}

static int ep_setup(struct work_group *g, const struct worker *proto)
{
	struct ep_shm *s = g->shm;
	if (!s)
		return -1;
	int want = ep_nfds(proto);
	s->nfds = 0;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		s->err = errno;
		snprintf(s->what, sizeof(s->what), "epoll_create1");
		return 0;
	}
	for (int i = 0; i < want; i++) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fd < 0) {
			s->err = errno;
			snprintf(s->what, sizeof(s->what), "eventfd %d of %d", i + 1, want);
			break;
		}
		s->efd[s->nfds++] = fd;
		struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i};
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			s->err = errno;
			snprintf(s->what, sizeof(s->what), "epoll_ctl ADD");
			break;
		}
	}
	if (s->err)
		ep_close(s);
	return 0;
}

static void ep_teardown(struct work_group *g)
{
	if (g->shm)
		ep_close(g->shm);
}

static void ep_produce(struct worker *w, struct ep_shm *s)
{
	uint64_t burst = (uint64_t)wp_int(w, "burst_iters", 1024);
	int64_t events = wp_int(w, "events_per_burst", 16);
	uint64_t rng = w->seed;
	while (!wu_stopped(w)) {
		spin_units(w->tm, burst);
		for (int64_t e = 0; e < events && !wu_stopped(w); e++) {
			int i = (int)(xorshift64(&rng) % (uint64_t)s->nfds);
			uint64_t now = tm_now_ns(), none = 0, one = 1;
			__atomic_compare_exchange_n(&s->ts[i], &none, now, false, __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED);
			if (write(s->efd[i], &one, sizeof(one)) < 0 && errno != EAGAIN) {
				wu_error(w, "epoll_storm: eventfd write: %s", strerror(errno));
				return;
			}
		}
		tm_iter(w->tm);
	}
}

static void ep_consume(struct worker *w, struct ep_shm *s)
{
	uint64_t consume = (uint64_t)wp_int(w, "consume_iters", 64);
	struct epoll_event ev[EP_MAX_EVENTS];
	while (!wu_stopped(w)) {
		uint64_t start = tm_now_ns();
		int n = epoll_wait(s->epfd, ev, EP_MAX_EVENTS, (int)(WORK_POLL_NS / 1000000ull));
		uint64_t now = tm_now_ns();
		if (n < 0 && errno != EINTR) {
			wu_error(w, "epoll_storm: epoll_wait: %s", strerror(errno));
			return;
		}
		if (n <= 0) {
			tm_blocked(w->tm, now - start);
			continue;
		}
		uint64_t earliest = UINT64_MAX;
		for (int k = 0; k < n; k++) {
			uint32_t i = ev[k].data.u32;
			if (i >= (uint32_t)s->nfds)
				continue;
			/* the slot first: a write after this is caught by
			 * the read below or fires a new edge */
			uint64_t ts = __atomic_exchange_n(&s->ts[i], 0, __ATOMIC_ACQUIRE), cnt;
			if (read(s->efd[i], &cnt, sizeof(cnt)) < 0 && errno != EAGAIN) {
				wu_error(w, "epoll_storm: eventfd read: %s", strerror(errno));
				return;
			}
			if (ts && ts <= now && ts < earliest)
				earliest = ts;
			spin_units(w->tm, consume);
		}
		if (earliest != UINT64_MAX) {
			uint64_t from = earliest > start ? earliest : start;
			wu_waited(w->tm, now - start, now - from);
		} else {
			tm_blocked(w->tm, now - start);	/* another consumer's events */
		}
		tm_iter(w->tm);
	}
}

static void run_epoll_storm(struct worker *w)
{
	int64_t producers = wp_int(w, "producers", 1), consumers = wp_int(w, "consumers", 1);
	if (!wu_need_group(w, (int)(producers + consumers)))
		return;
	struct ep_shm *s = w->group->shm;
	if (s->err) {
		wu_error(w, "epoll_storm: setup: %s: %s", s->what, strerror(s->err));
		return;
	}
	if (s->epfd < 0 || s->nfds < 1) {
		wu_error(w, "epoll_storm: no epoll instance");
		return;
	}
	if (w->pos < producers)
		ep_produce(w, s);
	else
		ep_consume(w, s);
}

const struct work_type work_epoll_storm = {
	.name = "epoll_storm",
	.shm_size = ep_shm_size,
	.group_setup = ep_setup,
	.run = run_epoll_storm,
	.group_teardown = ep_teardown,
};
