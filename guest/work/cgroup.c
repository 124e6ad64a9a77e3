/* cgroup: cgroup_churn — the worker moves itself between `groups`
 * sibling cgroups named "<own cgroup>-churn-<i>", created next to its own
 * cgroup (same parent) if missing, spending `cycle` spinning in each; one
 * iteration per move.  At the end it moves back to its own cgroup and
 * removes the siblings it can (the last worker out removes them).
 * Fork clone only: writing a pid to cgroup.procs moves the whole process,
 * so in thread mode, in the root cgroup, or without cgroup v2 the worker
 * records the reason and only spins.  A failed move is recorded once; the
 * worker keeps spinning and retrying.
 *
 * cgroup_attach_storm — the worker forks `children` that only sleep and
 * moves them, as fast as it can, round-robin through its own cgroup and
 * `groups` siblings named "<own cgroup>-attach-<i>" (made as for
 * cgroup_churn, so they carry the parent's controllers and every move is
 * a full cgroup migration: cpu controller and scheduler cgroup_move
 * included), spinning spin_iters between rounds; one iteration per
 * round.  The wake sample is each cgroup.procs write's duration: the
 * attach latency (cgroup_mutex, the threadgroup rwsem and the migration
 * itself), recorded with tm_sample since the worker may run through it.
 * Only the children move, each its own process, so thread clone is fine
 * too.  The children die with their worker (PR_SET_PDEATHSIG) or are
 * killed and reaped at the end; the last worker out removes the
 * siblings.  In the root cgroup or without cgroup v2 the worker records
 * the reason and only spins. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHURN_MAX_GROUPS 64

static void spin_only(struct worker *w)
{
	while (!wu_stopped(w)) {
		spin_units(w->tm, 1024);
		tm_iter(w->tm);
	}
}

static bool write_pid(const char *procs, int *fd, pid_t pid)
{
	if (*fd < 0)
		*fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (*fd < 0)
		return false;
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	if (write(*fd, buf, (size_t)n) == n)
		return true;
	int e = errno;
	close(*fd);	/* reopened on the next try */
	*fd = -1;
	errno = e;
	return false;
}

static void run_cgroup_churn(struct worker *w)
{
	int64_t groups = wp_int(w, "groups", 4);
	uint64_t cycle = wp_dur(w, "cycle", 10000000);
	if (groups < 1)
		groups = 1;
	if (groups > CHURN_MAX_GROUPS)
		groups = CHURN_MAX_GROUPS;
	char mnt[512], rel[1024];
	if (w->thread_mode) {
		wu_error(w, "cgroup_churn: needs clone: fork (a cgroup move takes the whole process)");
		spin_only(w);
		return;
	}
	if (!wu_cgroup_self(mnt, sizeof(mnt), rel, sizeof(rel))) {
		wu_error(w, "cgroup_churn: no cgroup v2 hierarchy");
		spin_only(w);
		return;
	}
	if (!strcmp(rel, "/")) {
		wu_error(w, "cgroup_churn: worker is in the root cgroup; it needs a cgroup of its own");
		spin_only(w);
		return;
	}
	char (*dir)[1700] = malloc((size_t)groups * sizeof(*dir));
	char (*procs)[1800] = malloc((size_t)groups * sizeof(*procs));
	char home[1800];
	if (!dir || !procs) {
		free(dir);
		free(procs);
		wu_error(w, "cgroup_churn: out of memory");
		spin_only(w);
		return;
	}
	int fds[CHURN_MAX_GROUPS];
	snprintf(home, sizeof(home), "%s%s/cgroup.procs", mnt, rel);
	for (int i = 0; i < groups; i++) {
		fds[i] = -1;
		snprintf(dir[i], sizeof(dir[i]), "%s%s-churn-%d", mnt, rel, i);
		snprintf(procs[i], sizeof(procs[i]), "%s/cgroup.procs", dir[i]);
		if (mkdir(dir[i], 0755) && errno != EEXIST)
			wu_error(w, "cgroup_churn: mkdir %s: %s", dir[i], strerror(errno));
	}
	pid_t pid = getpid();
	int k = 0;
	while (!wu_stopped(w)) {
		wu_spin_for(w, cycle);
		if (wu_stopped(w))
			break;
		if (!write_pid(procs[k], &fds[k], pid))
			wu_error(w, "cgroup_churn: move to %s: %s", dir[k], strerror(errno));
		k = (int)((k + 1) % groups);
		tm_iter(w->tm);
	}
	int hfd = -1;
	if (!write_pid(home, &hfd, pid))
		wu_error(w, "cgroup_churn: move back to %s%s: %s", mnt, rel, strerror(errno));
	if (hfd >= 0)
		close(hfd);
	for (int i = 0; i < groups; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		rmdir(dir[i]);	/* EBUSY while another worker is inside: it removes it */
	}
	free(dir);
	free(procs);
}

const struct work_type work_cgroup_churn = {.name = "cgroup_churn", .run = run_cgroup_churn};

#define ATTACH_MAX_CHILDREN 64

/* A child that only waits to be moved; it dies with the thread that
 * forked it.  Only async-signal-safe calls: it may be forked from a
 * thread of a multi-threaded process. */
static pid_t attach_child(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	return pid;
}

static void run_cgroup_attach_storm(struct worker *w)
{
	int64_t groups = wp_int(w, "groups", 2), nchildren = wp_int(w, "children", 1);
	uint64_t spin = (uint64_t)wp_int(w, "spin_iters", 64);
	if (wu_stopped(w))
		return;
	if (groups < 1)
		groups = 1;
	if (groups > CHURN_MAX_GROUPS - 1)
		groups = CHURN_MAX_GROUPS - 1;
	if (nchildren < 1)
		nchildren = 1;
	if (nchildren > ATTACH_MAX_CHILDREN)
		nchildren = ATTACH_MAX_CHILDREN;
	char mnt[512], rel[1024];
	if (!wu_cgroup_self(mnt, sizeof(mnt), rel, sizeof(rel))) {
		wu_error(w, "cgroup_attach_storm: no cgroup v2 hierarchy");
		spin_only(w);
		return;
	}
	if (!strcmp(rel, "/")) {
		wu_error(w, "cgroup_attach_storm: worker is in the root cgroup; it needs a cgroup of its own");
		spin_only(w);
		return;
	}
	int ntargets = (int)groups + 1;	/* [0] its own cgroup, then the siblings */
	char (*dir)[1700] = malloc((size_t)ntargets * sizeof(*dir));
	char (*procs)[1800] = malloc((size_t)ntargets * sizeof(*procs));
	if (!dir || !procs) {
		free(dir);
		free(procs);
		wu_error(w, "cgroup_attach_storm: out of memory");
		spin_only(w);
		return;
	}
	int fds[CHURN_MAX_GROUPS];
	for (int i = 0; i < ntargets; i++) {
		fds[i] = -1;
		if (i == 0)
			snprintf(dir[i], sizeof(dir[i]), "%s%s", mnt, rel);
		else
			snprintf(dir[i], sizeof(dir[i]), "%s%s-attach-%d", mnt, rel, i - 1);
		snprintf(procs[i], sizeof(procs[i]), "%s/cgroup.procs", dir[i]);
		if (i && mkdir(dir[i], 0755) && errno != EEXIST)
			wu_error(w, "cgroup_attach_storm: mkdir %s: %s", dir[i], strerror(errno));
	}
	pid_t kids[ATTACH_MAX_CHILDREN];
	int where[ATTACH_MAX_CHILDREN], nkids = 0;
	for (int c = 0; c < nchildren; c++) {
		pid_t pid = attach_child();
		if (pid < 0) {
			wu_error(w, "cgroup_attach_storm: fork: %s", strerror(errno));
			break;
		}
		kids[nkids] = pid;
		where[nkids++] = 0;
		w->tm->forks++;
	}
	while (nkids && !wu_stopped(w)) {
		for (int c = 0; c < nkids && !wu_stopped(w); c++) {
			int k = (where[c] + 1) % ntargets;
			uint64_t t0 = tm_now_ns();
			if (write_pid(procs[k], &fds[k], kids[c])) {
				tm_sample(w->tm, tm_now_ns() - t0);
				where[c] = k;
			} else {
				wu_error(w, "cgroup_attach_storm: move %d to %s: %s", (int)kids[c], dir[k],
					 strerror(errno));
			}
		}
		spin_units(w->tm, spin);
		tm_iter(w->tm);
	}
	if (!nkids)
		spin_only(w);
	for (int c = 0; c < nkids; c++) {
		kill(kids[c], SIGKILL);
		waitpid(kids[c], NULL, 0);	/* ECHILD when someone else reaped it */
	}
	for (int i = 0; i < ntargets; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		if (i)
			rmdir(dir[i]);	/* EBUSY while another worker's children are inside */
	}
	free(dir);
	free(procs);
}

const struct work_type work_cgroup_attach_storm = {
	.name = "cgroup_attach_storm", .run = run_cgroup_attach_storm,
};
