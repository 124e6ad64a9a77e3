/* spin: the CPU-bound work types — spin_wait (bursts of 1024 units, the
 * default), yield_heavy (one unit then sched_yield) and mixed (a burst
 * then sched_yield, the yield's duration recorded as a wake sample). */
#include "work.h"

#include <sched.h>

static void run_spin_wait(struct worker *w)
{
	while (!*w->stop) {
		spin_units(w->tm, 1024);
		tm_iter(w->tm);
	}
}

static void run_yield_heavy(struct worker *w)
{
	while (!*w->stop) {
		spin_units(w->tm, 1);
		sched_yield();
		tm_iter(w->tm);
	}
}

static void run_mixed(struct worker *w)
{
	while (!*w->stop) {
		spin_units(w->tm, 1024);
		uint64_t t0 = tm_now_ns();
		sched_yield();
		tm_wake(w->tm, tm_now_ns() - t0);
		tm_iter(w->tm);
	}
}

const struct work_type work_spin_wait = {.name = "spin_wait", .run = run_spin_wait};
const struct work_type work_yield_heavy = {.name = "yield_heavy", .run = run_yield_heavy};
const struct work_type work_mixed = {.name = "mixed", .run = run_mixed};
