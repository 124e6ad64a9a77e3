/* spawn_worker: what runs in a worker, fork or thread, once the executor
 * has made it.  Nothing here returns into the executor's frames: a fork
 * worker exits, a thread worker ends its thread, and the child prologue
 * first drops what the executor would otherwise leak into the child (its
 * signal handlers, the other workers' pipes and group fds). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spawn_int.h"
#include "json.h"
#include "record.h"
#include "report.h"
#include "settings.h"
#include "util.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A worker without a comm of its own is named after its cgroup, so the
 * trace and ps show whose it is (the kernel keeps 15 bytes). */
static void name_after_cgroup(const char *cgroup)
{
	const char *leaf = strrchr(cgroup, '/');
	prctl(PR_SET_NAME, leaf ? leaf + 1 : cgroup, 0, 0, 0);
}

static void worker_main(struct spawn_group *g, struct sworker *sw)
{
	struct ctl_slot *slot = &g->ctl->w[sw->w.index];
	int tid = (int)syscall(SYS_gettid);
	struct worker_errs e;
	memset(&e, 0, sizeof(e));
	__atomic_store_n(&slot->tid, tid, __ATOMIC_RELEASE);
	slot->state = 1;

	uint64_t deadline = tm_now_ns() + START_TIMEOUT_NS;
	bool started = true;
	while (!__atomic_load_n(&g->ctl->start, __ATOMIC_ACQUIRE)) {
		if (tm_now_ns() >= deadline) {
			started = false;
			break;
		}
		futex_wait_bounded(&g->ctl->start, 0);
	}
	if (!started && !g->thread_mode)
		_exit(1);
	slot->state = 2;

	/* settings, in the reference order: affinity, policy, mem policy,
	 * nice, comm, gid, uid */
	if (sw->aff_error[0])
		snprintf(e.affinity, sizeof(e.affinity), "%s", sw->aff_error);
	if (sw->aff_mode == AFF_LLC_ALIGNED) {
		int cpu = sched_getcpu();
		if (cpu < 0 || !spawn_llc_of_cpu(cpu, &sw->aff))
			snprintf(e.affinity, sizeof(e.affinity),
				 "affinity llc_aligned: no cache topology for cpu%d in sysfs", cpu);
		else
			st_affinity(&sw->aff, e.affinity, sizeof(e.affinity));
	} else if (sw->aff_mode == AFF_FIXED) {
		st_affinity(&sw->aff, e.affinity, sizeof(e.affinity));
	}
	if (g->set_error[0]) {
		spawn_append_err(e.setup, sizeof(e.setup), g->set_error);
	} else {
		char tmp[256];
		st_policy(&g->set, e.policy, sizeof(e.policy));
		st_mempolicy(&g->set, e.mempolicy, sizeof(e.mempolicy));
		st_nice(&g->set, e.nice, sizeof(e.nice));
		if (st_comm(&g->set, tmp, sizeof(tmp)))
			spawn_append_err(e.setup, sizeof(e.setup), tmp);
		else if (!g->set.comm[0] && g->cgroup[0])
			name_after_cgroup(g->cgroup);
		if (st_creds(&g->set, tmp, sizeof(tmp)))
			spawn_append_err(e.setup, sizeof(e.setup), tmp);
	}
	if (!started)
		spawn_append_err(e.setup, sizeof(e.setup), "start barrier not released within 30 s");

	struct telemetry *tm = sw->tm;
	tm_start(tm, g->clock, g->set.mpol_mode != ST_MPOL_NONE);
	sw->w.tm = tm;
	if (started)
		sw->w.type->run(&sw->w);
	bool completed = started && __atomic_load_n(&g->ctl->stop, __ATOMIC_ACQUIRE) != 0;
	tm_finish(tm);
	if (sw->w.error[0])
		spawn_append_err(e.setup, sizeof(e.setup), sw->w.error);

	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	spawn_report_head(&j, g, sw, getpid(), tid);
	jw_kbool(&j, RK(COMPLETED), completed);
	jw_kbool(&j, RK(SENTINEL), false);
	jw_key(&j, RK(EXIT));
	jw_null(&j);
	tm_report_json(tm, &j);
	spawn_report_errors(&j, g, sw, &e);
	jw_end_obj(&j);
	if (j.buf) {
		j.buf[j.len] = '\n';	/* reserve() always leaves a byte for NUL */
		write_full(sw->wfd, j.buf, j.len + 1);
	}
	jw_free(&j);
	slot->state = 3;
	close(sw->wfd);
	sw->wfd = -1;
	if (g->thread_mode)
		tm_free(tm);
}

struct thread_arg {
	struct spawn_group *g;
	struct sworker *sw;
};

static void *thread_main(void *arg)
{
	struct thread_arg a = *(struct thread_arg *)arg;
	free(arg);
	worker_main(a.g, a.sw);
	return NULL;
}

/* What every child of the executor does first: die with it, its own
 * process group, default signal dispositions, and none of the report
 * pipes or group fds that are not its own (keep: the one worker it runs;
 * NULL for a thread container, which keeps every worker's). */
static void child_prologue(struct spawn_group *g, const struct sworker *keep)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != g->parent)
		_exit(0);	/* the executor died before PDEATHSIG was armed */
	setpgid(0, 0);
	/* Default dispositions and no blocked signal: a handler inherited
	 * from the executor (or a test harness) must never run in a worker —
	 * a longjmp-ing SIGSEGV handler would unwind into the parent's
	 * frames.  Work types install their own handlers in run(). */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int i = 0; i < g->nworkers; i++) {
		if (g->w[i].rfd >= 0)
			close(g->w[i].rfd);
		if (keep && &g->w[i] != keep && g->w[i].wfd >= 0)
			close(g->w[i].wfd);
	}
	for (int k = 0; keep && k < g->ngroups; k++) {
		if (&g->groups[k] == keep->w.group)
			continue;
		for (int f = 0; f < WORK_MAX_FDS; f++)
			if (g->groups[k].fds[f] >= 0)
				close(g->groups[k].fds[f]);
	}
}

void spawn_fork_child(struct spawn_group *g, struct sworker *sw)
{
	child_prologue(g, sw);
	worker_main(g, sw);
	_exit(0);
}

/* clone=thread: one process holds every thread worker of the spawn, so
 * placing that process in the cgroup places them all (cgroup v2 moves
 * whole processes; a thread of the executor would stay in its cgroup). */
void spawn_container_main(struct spawn_group *g)
{
	child_prologue(g, NULL);
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		if (!sw->created)
			continue;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, THREAD_STACK);
		struct thread_arg *a = xmalloc(sizeof(*a));
		a->g = g;
		a->sw = sw;
		int e = pthread_create(&sw->th, &attr, thread_main, a);
		pthread_attr_destroy(&attr);
		if (e) {
			free(a);
			snprintf(g->ctl->w[i].create_error, sizeof(g->ctl->w[i].create_error),
				 "worker %d/%d (group %d): pthread_create failed: %s", i + 1, g->nworkers,
				 i / g->group_size, strerror(e));
			close(sw->wfd);	/* the executor sees EOF without a report */
			sw->created = false;
		}
	}
	for (int i = 0; i < g->nworkers; i++)
		if (g->w[i].created)
			pthread_join(g->w[i].th, NULL);
	_exit(0);
}
