/* process: work types that churn the kernel's task state —
 *   fork_exit     fork a child that _exit(0)s at once and waitpid it;
 *                 wake = time in waitpid; counts forks
 *   nice_sweep    spin 512 units, set own nice to the next of 0..19
 *                 (setpriority on the own tid: per thread), yield
 *                 (wake = yield time); nice back to 0 at the end
 *   policy_churn  spin spin_iters, switch own policy to the next of
 *                 OTHER, BATCH, IDLE (+ FIFO 1, RR 1 when a probe shows
 *                 they are allowed), yield (wake = yield time); back to
 *                 OTHER at the end */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void run_fork_exit(struct worker *w)
{
	while (!wu_stopped(w)) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			/* EAGAIN under a pids limit is part of the stress; note it */
			wu_error(w, "fork_exit: fork: %s", strerror(errno));
			spin_units(w->tm, 64);
			tm_iter(w->tm);
			continue;
		}
		uint64_t t0 = tm_now_ns();
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		tm_wake(w->tm, tm_now_ns() - t0);
		w->tm->forks++;
		tm_work(w->tm, 1);
		tm_iter(w->tm);
	}
}

static void run_nice_sweep(struct worker *w)
{
	id_t tid = (id_t)wu_gettid();
	int nice = 0;
	while (!wu_stopped(w)) {
		spin_units(w->tm, 512);
		setpriority(PRIO_PROCESS, tid, nice);
		nice = (nice + 1) % 20;
		wu_yield_wake(w);
		tm_iter(w->tm);
	}
	setpriority(PRIO_PROCESS, tid, 0);
}

static void run_policy_churn(struct worker *w)
{
	uint64_t spin = (uint64_t)wp_int(w, "spin_iters", 1024);
	struct {
		int policy, prio;
	} list[5] = {{SCHED_OTHER, 0}, {SCHED_BATCH, 0}, {SCHED_IDLE, 0}};
	int n = 3;
	if (wu_set_policy(SCHED_FIFO, 1) == 0) {
		wu_set_policy(SCHED_OTHER, 0);
		list[n++] = (typeof(list[0])){SCHED_FIFO, 1};
		list[n++] = (typeof(list[0])){SCHED_RR, 1};
	}
	int k = 0;
	while (!wu_stopped(w)) {
		spin_units(w->tm, spin);
		k = (k + 1) % n;
		wu_set_policy(list[k].policy, list[k].prio);
		wu_yield_wake(w);
		tm_iter(w->tm);
	}
	wu_set_policy(SCHED_OTHER, 0);
}

const struct work_type work_fork_exit = {.name = "fork_exit", .run = run_fork_exit};
const struct work_type work_nice_sweep = {.name = "nice_sweep", .run = run_nice_sweep};
const struct work_type work_policy_churn = {.name = "policy_churn", .run = run_policy_churn};
