/* pipe: pairs that exchange a message through two pipes each iteration —
 * pipe_io (spin burst_iters, then exchange) and cache_pipe (burst_iters
 * cache read-modify-writes at stride 64, then exchange).  The message is
 * the sender's clock; the receiver records now - max(send time, start of
 * its own wait): the wake latency of the read.  The pipes are made in
 * group_setup (g->fds[0..3]), so fork children inherit them and threads
 * share them; every wait polls at most WORK_POLL_NS at a time. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <stdlib.h>

static void run_pipe_io(struct worker *w)
{
	if (!wu_need_group(w, 2))
		return;
	uint64_t burst = (uint64_t)wp_int(w, "burst_iters", 1024);
	while (!wu_stopped(w)) {
		spin_units(w->tm, burst);
		if (!wu_pipe_exchange(w))
			break;
		tm_iter(w->tm);
	}
	wu_pipe_bye(w);
}

static void run_cache_pipe(struct worker *w)
{
	if (!wu_need_group(w, 2))
		return;
	int64_t kib = wp_int(w, "size_kib", 32);
	uint64_t burst = (uint64_t)wp_int(w, "burst_iters", 1024);
	size_t len = (size_t)(kib > 0 ? kib : 1) * 1024, idx = 0;
	volatile uint8_t *buf = calloc(1, len);
	if (!buf) {
		wu_error(w, "cache_pipe: cannot allocate %zu bytes", len);
		return;
	}
	while (!wu_stopped(w)) {
		wu_cache_rmw(w->tm, buf, len, 64, burst, &idx);
		if (!wu_pipe_exchange(w))
			break;
		tm_iter(w->tm);
	}
	wu_pipe_bye(w);
	free((void *)buf);
}

const struct work_type work_pipe_io = {
	.name = "pipe_io",
	.group_setup = wu_pipe_pair_setup,
	.run = run_pipe_io,
	.group_teardown = wu_close_fds,
};
const struct work_type work_cache_pipe = {
	.name = "cache_pipe",
	.group_setup = wu_pipe_pair_setup,
	.run = run_cache_pipe,
	.group_teardown = wu_close_fds,
};
