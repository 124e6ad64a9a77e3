/* timed: work types paced by the clock — bursty and idle_churn (spin for
 * burst, sleep for sleep; the wake sample is the oversleep: time asleep
 * beyond the request, i.e. timer slack plus the scheduler's resume
 * delay) and timer_latency (absolute-deadline periodic timer; the wake
 * sample is how late each expiry ran). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

static void burst_sleep_loop(struct worker *w, uint64_t burst, uint64_t sleep)
{
	while (!wu_stopped(w)) {
		wu_spin_for(w, burst);
		if (wu_stopped(w))
			break;
		if (!wu_sleep_wake(w, sleep))
			break;	/* cut short by stop: not a complete sleep */
		tm_iter(w->tm);
	}
}

static void run_bursty(struct worker *w)
{
	burst_sleep_loop(w, wp_dur(w, "burst", 5000000), wp_dur(w, "sleep", 5000000));
}

static void run_idle_churn(struct worker *w)
{
	uint64_t burst = wp_dur(w, "burst", 1000000), sleep = wp_dur(w, "sleep", 5000000);
	/* Timer slack is per thread, so this is safe in thread mode.  1, not
	 * 0: 0 resets the slack to the default. */
	if (wp_bool(w, "precise_timing", false) && prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL))
		wu_error(w, "idle_churn: PR_SET_TIMERSLACK: %s", strerror(errno));
	burst_sleep_loop(w, burst ? burst : 1, sleep ? sleep : 1);
}

static void run_timer_latency(struct worker *w)
{
	uint64_t interval = wp_dur(w, "interval", 1000000);
	if (!interval)
		interval = 1000000;
	uint64_t next = tm_now_ns() + interval;
	while (!wu_stopped(w)) {
		uint64_t start = tm_now_ns(), now = wu_sleep_until(w, next);
		if (wu_stopped(w))
			break;
		wu_waited(w->tm, now - start, now > next ? now - next : 0);
		spin_units(w->tm, 1);
		tm_iter(w->tm);
		next += interval;
		if (next <= now)	/* overran whole periods: restart the grid */
			next = now + interval;
	}
}

const struct work_type work_bursty = {.name = "bursty", .run = run_bursty};
const struct work_type work_idle_churn = {.name = "idle_churn", .run = run_idle_churn};
const struct work_type work_timer_latency = {.name = "timer_latency", .run = run_timer_latency};
