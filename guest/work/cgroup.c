/* cgroup: cgroup_churn — the worker moves itself between `groups`
 * sibling cgroups named "<own cgroup>-churn-<i>", created next to its own
 * cgroup (same parent) if missing, spending `cycle` spinning in each; one
 * iteration per move.  At the end it moves back to its own cgroup and
 * removes the siblings it can (the last worker out removes them).
 * Fork clone only: writing a pid to cgroup.procs moves the whole process,
 * so in thread mode, in the root cgroup, or without cgroup v2 the worker
 * records the reason and only spins.  A failed move is recorded once; the
 * worker keeps spinning and retrying. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
