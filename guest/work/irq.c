/* irq: irq_wake — wake-ups driven from interrupt context.  The worker
 * arms a periodic timerfd (CLOCK_MONOTONIC, absolute first expiry, so
 * the k-th expiry is exactly start + k * interval) and blocks in poll on
 * it.  Each expiry runs the timerfd's hrtimer callback in hard interrupt
 * context, which wakes the worker through the fd's wait queue — the path
 * a device interrupt takes to wake its reader, without needing a device.
 * On each wake the worker reads the expiration count, and records as its
 * wake sample now - max(latest expiry, start of its wait): the
 * interrupt-to-running latency,
 * then spins spin_iters.  Expirations missed while the worker did not
 * run are counted by the kernel; the worker records the latest one only,
 * as timer_latency restarts its grid after an overrun.  No group. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static void run_irq_wake(struct worker *w)
{
	uint64_t interval = wp_dur(w, "interval", 1000000);
	uint64_t spin = (uint64_t)wp_int(w, "spin_iters", 64);
	if (!interval)
		interval = 1000000;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0) {
		wu_error(w, "irq_wake: timerfd_create: %s", strerror(errno));
		return;
	}
	uint64_t first = tm_now_ns() + interval;
	struct itimerspec its = {
		.it_interval = {.tv_sec = (time_t)(interval / 1000000000ull),
				.tv_nsec = (long)(interval % 1000000000ull)},
		.it_value = {.tv_sec = (time_t)(first / 1000000000ull),
			     .tv_nsec = (long)(first % 1000000000ull)},
	};
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL)) {
		wu_error(w, "irq_wake: timerfd_settime: %s", strerror(errno));
		close(fd);
		return;
	}
	uint64_t expired = 0;	/* expirations so far: the latest was first + (expired-1)*interval */
	while (!wu_stopped(w)) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t start = tm_now_ns();
		int r = poll(&p, 1, (int)(WORK_POLL_NS / 1000000ull));
		if (r < 0 && errno != EINTR) {
			wu_error(w, "irq_wake: poll: %s", strerror(errno));
			break;
		}
		uint64_t n = 0;
		if (r <= 0 || read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n) || !n) {
			tm_blocked(w->tm, tm_now_ns() - start);
			continue;
		}
		uint64_t now = tm_now_ns();
		expired += n;
		uint64_t latest = first + (expired - 1) * interval;
		/* an expiry before the wait began found the worker running:
		 * only the part after the wait began is wake latency */
		uint64_t from = latest > start ? latest : start;
		wu_waited(w->tm, now - start, now > from ? now - from : 0);
		spin_units(w->tm, spin);
		tm_iter(w->tm);
	}
	close(fd);
}

const struct work_type work_irq_wake = {.name = "irq_wake", .run = run_irq_wake};
