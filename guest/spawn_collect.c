/* spawn_collect: the end of a spawn and its reports.  The report head and
 * error keys are written here for both the report a worker writes itself
 * and the sentinel the executor writes for a worker that wrote none, so
 * the host reads the two the same way.  Collection has one deadline for
 * all workers and the reaping after the kill is bounded too, so one stuck
 * worker cannot hold the step. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spawn_int.h"
#include "json.h"
#include "report.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the report's head and error keys ------------------------------------- */

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

void spawn_report_head(struct jw *j, const struct spawn_group *g, const struct sworker *sw,
		       pid_t pid, int tid)
{
	jw_kstr(j, RK(TYPE), RT(WORKER));
	jw_kstr(j, RK(CGROUP), g->cgroup);
	jw_kint(j, RK(STEP), g->step);
	jw_kint(j, RK(INDEX), sw->w.index);
	jw_kint(j, RK(GROUP), sw->w.group ? sw->w.group->index : sw->w.index / g->group_size);
	jw_kint(j, RK(POS), sw->w.pos);
	jw_kint(j, RK(PID), pid);
	jw_kint(j, RK(TID), tid);
	jw_kstr(j, RK(WORK), g->type ? g->type->name : "");
	jw_kstr(j, RK(CLONE), g->thread_mode ? "thread" : "fork");
	/* Which SPAWN made it: workers of one spawn are identical, which is
	 * what the fairness check compares. */
	jw_kint(j, RK(SPAWN), g->insn && g->prog ? (int64_t)(g->insn - g->prog->insn) : -1);
}

void spawn_report_errors(struct jw *j, const struct spawn_group *g, const struct sworker *sw,
			 const struct worker_errs *e)
{
	const struct ctl_slot *slot = &g->ctl->w[sw->w.index];
	jw_kstr(j, RK(AFFINITY_ERROR), nz(e->affinity));
	jw_kstr(j, RK(POLICY_ERROR), nz(e->policy));
	jw_kstr(j, RK(NICE_ERROR), nz(e->nice));
	jw_kstr(j, RK(MEMPOLICY_ERROR), nz(e->mempolicy));
	jw_kstr(j, RK(SETUP_ERROR), nz(e->setup));
	jw_kstr(j, RK(PLACEMENT_ERROR), nz(slot->placement_error));
	jw_kstr(j, RK(SET_AFFINITY_ERROR), nz(slot->op_error));
}

/* ---- stop and collect ------------------------------------------------------------ */

static void buf_add(struct sworker *sw, const char *d, size_t n)
{
	if (sw->len + n + 1 > sw->cap) {
		size_t cap = sw->cap ? sw->cap : 4096;
		while (cap < sw->len + n + 1)
			cap *= 2;
		sw->buf = xrealloc(sw->buf, cap);
		sw->cap = cap;
	}
	memcpy(sw->buf + sw->len, d, n);
	sw->len += n;
	sw->buf[sw->len] = 0;
}

/* Read what is available; true when this worker needs no more reading. */
static bool drain(struct sworker *sw)
{
	char b[65536];
	for (;;) {
		ssize_t r = read(sw->rfd, b, sizeof(b));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno != EAGAIN;
		if (r == 0) {
			sw->eof = true;
			return true;
		}
		char *nl = memchr(b, '\n', (size_t)r);
		buf_add(sw, b, nl ? (size_t)(nl - b) + 1 : (size_t)r);
		if (nl) {
			sw->complete = true;
			return true;
		}
	}
}

static void exit_desc(const struct sworker *sw, char *out, size_t n)
{
	if (!sw->reaped)
		snprintf(out, n, "still running after SIGKILL");
	else if (!sw->status_known)
		snprintf(out, n, "reaped elsewhere, status unknown");
	else if (WIFEXITED(sw->wstatus))
		snprintf(out, n, "status %d", WEXITSTATUS(sw->wstatus));
	else if (WIFSIGNALED(sw->wstatus))
		snprintf(out, n, "signal %d (%s)", WTERMSIG(sw->wstatus), strsignal(WTERMSIG(sw->wstatus)));
	else
		snprintf(out, n, "wait status 0x%x", sw->wstatus);
}

static void emit_sentinel(struct spawn_group *g, struct sworker *sw,
			  void (*emit)(const char *json, void *ctx), void *ctx)
{
	struct ctl_slot *slot = &g->ctl->w[sw->w.index];
	int tid = g->thread_mode ? slot->tid : (int)sw->pid;
	pid_t pid = g->thread_mode ? g->container : sw->pid;
	char exitbuf[96], msg[512];
	exit_desc(sw, exitbuf, sizeof(exitbuf));
	if (!sw->created)
		snprintf(msg, sizeof(msg), "worker %d was not created: %s", sw->w.index,
			 sw->setup_error[0] ? sw->setup_error : "unknown reason");
	else if (slot->create_error[0])
		snprintf(msg, sizeof(msg), "worker %d was not created: %s", sw->w.index, slot->create_error);
	else if (g->thread_mode)
		snprintf(msg, sizeof(msg), "thread worker tid=%d (container pid %d) returned no report (%zu bytes read, container exit=%s)",
			 tid, (int)g->container, sw->len, exitbuf);
	else
		snprintf(msg, sizeof(msg), "worker pid=%d returned no report (%zu bytes read, exit=%s)",
			 (int)sw->pid, sw->len, exitbuf);
	fprintf(stderr, "ktstr: %s\n", msg);

	struct telemetry zero;
	memset(&zero, 0, sizeof(zero));
	zero.track_numa = g->set.mpol_mode != ST_MPOL_NONE;
	struct worker_errs e;
	memset(&e, 0, sizeof(e));
	snprintf(e.affinity, sizeof(e.affinity), "%s", sw->aff_error);
	snprintf(e.setup, sizeof(e.setup), "%s", sw->setup_error);

	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	spawn_report_head(&j, g, sw, pid, tid);
	jw_kbool(&j, RK(COMPLETED), false);
	jw_kbool(&j, RK(SENTINEL), true);
	jw_kstr(&j, RK(ERROR), msg);
	jw_key(&j, RK(EXIT));
	if (sw->reaped && sw->status_known && WIFEXITED(sw->wstatus)) {
		jw_obj(&j);
		jw_kint(&j, "status", WEXITSTATUS(sw->wstatus));
		jw_end_obj(&j);
	} else if (sw->reaped && sw->status_known && WIFSIGNALED(sw->wstatus)) {
		jw_obj(&j);
		jw_kint(&j, "signal", WTERMSIG(sw->wstatus));
		jw_end_obj(&j);
	} else {
		jw_null(&j);
	}
	tm_report_json(&zero, &j);
	spawn_report_errors(&j, g, sw, &e);
	jw_end_obj(&j);
	emit(j.buf ? j.buf : "{}", ctx);
	jw_free(&j);
}

static uint64_t remaining_ms(uint64_t deadline)
{
	uint64_t now = tm_now_ns();
	return now >= deadline ? 0 : (deadline - now + 999999) / 1000000;
}

static bool reap_one(pid_t pid, bool *reaped, bool *known, int *wstatus)
{
	if (*reaped || pid <= 0)
		return true;
	int st;
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == pid) {
		*reaped = *known = true;
		*wstatus = st;
	} else if (r < 0 && errno != EINTR) {
		*reaped = true;	/* ECHILD: someone else reaped it */
	}
	return *reaped;
}

/* Reap the killed workers (or the container), for REAP_DEADLINE_NS at most. */
static void reap_bounded(struct spawn_group *g)
{
	uint64_t deadline = tm_now_ns() + REAP_DEADLINE_NS;
	for (;;) {
		bool pending = !reap_one(g->container, &g->container_reaped,
					 &g->container_status_known, &g->container_wstatus);
		for (int i = 0; i < g->nworkers && !g->thread_mode; i++) {
			struct sworker *sw = &g->w[i];
			if (sw->created)
				pending |= !reap_one(sw->pid, &sw->reaped, &sw->status_known, &sw->wstatus);
		}
		if (!pending || tm_now_ns() >= deadline)
			break;
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
}

void spawn_stop(struct spawn_group *g, void (*emit)(const char *json, void *ctx), void *ctx)
{
	if (!g)
		return;
	__atomic_store_n(&g->ctl->stop, 1, __ATOMIC_RELEASE);
	futex_wake_n(&g->ctl->stop, INT_MAX);
	spawn_start(g);		/* never started: workers pass the barrier and see stop */

	/* collect, with one deadline for all workers */
	int n = g->nworkers;
	struct pollfd *pfd = xcalloc((size_t)n, sizeof(*pfd));
	int *who = xcalloc((size_t)n, sizeof(*who));
	for (int i = 0; i < n; i++)
		if (g->w[i].rfd >= 0)
			fcntl(g->w[i].rfd, F_SETFL, fcntl(g->w[i].rfd, F_GETFL) | O_NONBLOCK);
	uint64_t deadline = tm_now_ns() + SPAWN_COLLECT_DEADLINE_NS;
	for (;;) {
		int np = 0;
		for (int i = 0; i < n; i++) {
			struct sworker *sw = &g->w[i];
			if (sw->rfd < 0 || sw->complete || sw->eof)
				continue;
			pfd[np] = (struct pollfd){.fd = sw->rfd, .events = POLLIN};
			who[np++] = i;
		}
		uint64_t ms = remaining_ms(deadline);
		if (!np || !ms)
			break;
		int r = poll(pfd, (nfds_t)np, (int)(ms > 1000 ? 1000 : ms));
		if (r < 0 && errno != EINTR)
			break;
		for (int k = 0; r > 0 && k < np; k++) {
			if (!pfd[k].revents)
				continue;
			struct sworker *sw = &g->w[who[k]];
			if (drain(sw) && !sw->complete)
				sw->eof = true;
		}
	}
	free(pfd);
	free(who);

	/* kill every worker's process group (the container's for threads),
	 * then reap, bounded */
	for (int i = 0; i < n; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->rfd >= 0) {
			close(sw->rfd);
			sw->rfd = -1;
		}
		if (sw->created && !g->thread_mode) {
			killpg(sw->pid, SIGKILL);
			kill(sw->pid, SIGKILL);
		}
	}
	if (g->container > 0) {
		killpg(g->container, SIGKILL);
		kill(g->container, SIGKILL);
	}
	reap_bounded(g);
	if (g->thread_mode)
		for (int i = 0; i < n; i++) {
			g->w[i].reaped = g->container_reaped;
			g->w[i].status_known = g->container_status_known;
			g->w[i].wstatus = g->container_wstatus;
		}

	/* reports in worker order */
	for (int i = 0; i < n; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->created && sw->complete) {
			sw->buf[sw->len - 1] = 0;	/* the '\n' */
			emit(sw->buf, ctx);
		} else {
			emit_sentinel(g, sw, emit, ctx);
		}
	}
	spawn_free_group(g);
}
