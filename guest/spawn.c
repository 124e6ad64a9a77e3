/* spawn: one SPAWN instruction's workers, from creation to reports.
 *
 * Shared state lives in one MAP_SHARED anonymous control region: the
 * start word, the stop word and one slot per worker (its tid, and error
 * texts the executor learns about a worker after it was forked — cgroup
 * placement, set_affinity ops — which the worker copies into its report).
 * Each group of cooperating workers gets its own MAP_SHARED region of the
 * work type's shm_size() and its group_setup() before any worker exists.
 *
 * Every worker, fork or thread, writes its report as one line of JSON
 * ('\n' ends it; the writer escapes every newline inside) into its own
 * pipe.  The line, not EOF, frames the report, so a grandchild that
 * inherited the write end cannot hold collection hostage.
 *
 * Worker life: publish tid; wait (futex, 30 s at most) for the start word;
 * apply its settings (after start, so it is already in its cgroup when
 * it sets affinity or SCHED_DEADLINE — a DL task would fail cpuset
 * admission on a later cgroup move, and llc_aligned means the LLC of the
 * CPU it starts on inside its cpuset); measure the work type's loop; write
 * the report; exit.  Settings failures are reported, never fatal. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spawn_int.h"
#include "settings.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void spawn_append_err(char *dst, size_t n, const char *msg)
{
	size_t l = strlen(dst);
	if (l && l + 2 < n) {
		dst[l++] = ';';
		dst[l++] = ' ';
		dst[l] = 0;
	}
	if (l < n)
		snprintf(dst + l, n - l, "%s", msg);
}

/* ---- create ------------------------------------------------------------------ */

static void *map_shared(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static const char *mmap_hint(int e)
{
	switch (e) {
	case ENOMEM: return " (ENOMEM: out of memory or vm.max_map_count too low)";
	case EPERM: return " (EPERM: MAP_SHARED|MAP_ANONYMOUS rejected — memory cgroup limits or seccomp?)";
	case EINVAL: return " (EINVAL: invalid length)";
	default: return "";
	}
}

/* Write pid into the group's cgroup.procs; the error, if any, goes to
 * worker `index`'s slot (-1: every worker's). */
static void place_in_cgroup(struct spawn_group *g, pid_t pid, int index)
{
	char path[PATH_MAX], err[192] = "";
	snprintf(path, sizeof(path), "%s/cgroup.procs", g->cgroup_dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, sizeof(err), "open %.150s: %s", path, strerror(errno));
	} else {
		char b[32];
		int n = snprintf(b, sizeof(b), "%d\n", (int)pid);
		if (write(fd, b, (size_t)n) != n)
			snprintf(err, sizeof(err), "write pid %d to %.120s: %s", (int)pid, path,
				 strerror(errno));
		close(fd);
	}
	for (int i = 0; err[0] && i < g->nworkers; i++)
		if (index < 0 || i == index)
			snprintf(g->ctl->w[i].placement_error, sizeof(g->ctl->w[i].placement_error), "%s", err);
}

void spawn_free_group(struct spawn_group *g)
{
	if (!g)
		return;
	for (int i = 0; g->w && i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->rfd >= 0)
			close(sw->rfd);
		if (sw->wfd >= 0)
			close(sw->wfd);
		free(sw->buf);
		free(sw->tm);
	}
	for (int k = 0; g->groups && k < g->ngroups; k++) {
		struct work_group *wg = &g->groups[k];
		if (g->group_ok && g->group_ok[k] && g->type->group_teardown)
			g->type->group_teardown(wg);
		else
			for (int f = 0; f < WORK_MAX_FDS; f++)
				if (wg->fds[f] >= 0)
					close(wg->fds[f]);
		if (wg->shm)
			munmap(wg->shm, wg->shm_bytes);
	}
	if (g->ctl)
		munmap(g->ctl, g->ctl_bytes);
	free(g->groups);
	free(g->group_ok);
	free(g->w);
	free(g->cgroup);
	free(g->cgroup_dir);
	free(g->cpuset_cpus);
	free(g);
}

/* Fork the container of a clone=thread spawn; the executor keeps only
 * the read ends of the report pipes. */
static void start_container(struct spawn_group *g, int *created)
{
	pid_t pid = fork();
	if (pid == 0)
		spawn_container_main(g);	/* never returns */
	int e = errno;
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->wfd >= 0) {
			close(sw->wfd);
			sw->wfd = -1;
		}
		if (pid < 0 && sw->created) {
			snprintf(sw->setup_error, sizeof(sw->setup_error),
				 "fork of the thread container failed: %s", strerror(e));
			sw->created = false;
			(*created)--;
		}
	}
	if (pid > 0) {
		setpgid(pid, pid);
		g->container = pid;
	}
}

struct spawn_group *spawn_create(const struct spawn_req *req, char *err, size_t errlen)
{
	const struct kb_program *p = req->prog;
	const struct kb_insn *in = req->insn;
	snprintf(err, errlen, "%s", "");

	const char *work = kb_get_str(p, in, "work");
	if (!work)
		work = "spin_wait";
	const struct work_type *type = work_type_find(work);
	if (!type) {
		snprintf(err, errlen, "unknown work type '%s'", work);
		return NULL;
	}
	int64_t nworkers = 1, gs = 1;
	kb_get_int(p, in, "workers", &nworkers);
	kb_get_int(p, in, "group_size", &gs);
	if (nworkers < 1 || nworkers > 65536) {
		snprintf(err, errlen, "workers=%lld out of range", (long long)nworkers);
		return NULL;
	}
	if (gs < 1)
		gs = 1;
	if (nworkers % gs) {
		snprintf(err, errlen, "workers=%lld is not a multiple of %s's group size %lld",
			 (long long)nworkers, work, (long long)gs);
		return NULL;
	}

	struct spawn_group *g = xcalloc(1, sizeof(*g));
	g->prog = p;
	g->insn = in;
	g->type = type;
	g->cgroup = xstrdup(req->cgroup ? req->cgroup : "");
	g->cgroup_dir = req->cgroup_dir ? xstrdup(req->cgroup_dir) : NULL;
	g->cpuset_cpus = req->cpuset_cpus ? xstrdup(req->cpuset_cpus) : NULL;
	if (g->cpuset_cpus)
		g->cpuset_cpus[strcspn(g->cpuset_cpus, "\n")] = 0;
	g->step = req->step;
	g->clock = req->clock;
	const char *clone = kb_get_str(p, in, "clone");
	g->thread_mode = clone && !strcmp(clone, "thread");
	g->nworkers = (int)nworkers;
	g->group_size = (int)gs;
	g->ngroups = (int)(nworkers / gs);
	g->parent = getpid();
	if (!st_parse(p, in, &g->set, g->set_error, sizeof(g->set_error)))
		g->set.mpol_mode = ST_MPOL_NONE;

	long pg = sysconf(_SC_PAGESIZE);
	size_t ctl = sizeof(struct spawn_ctl) + (size_t)nworkers * sizeof(struct ctl_slot);
	g->ctl_bytes = (ctl + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	g->ctl = map_shared(g->ctl_bytes);
	if (!g->ctl) {
		int e = errno;
		snprintf(err, errlen, "mmap of %zu bytes for the spawn control region failed: %s%s",
			 g->ctl_bytes, strerror(e), mmap_hint(e));
		spawn_free_group(g);
		return NULL;
	}

	g->groups = xcalloc((size_t)g->ngroups, sizeof(*g->groups));
	g->group_ok = xcalloc((size_t)g->ngroups, sizeof(*g->group_ok));
	g->w = xcalloc((size_t)nworkers, sizeof(*g->w));
	uint64_t rng = tm_now_ns() ^ ((uint64_t)getpid() << 32);
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		sw->rfd = sw->wfd = -1;
		sw->w.index = i;
		sw->w.pos = i % g->group_size;
		sw->w.group = &g->groups[i / g->group_size];
		sw->w.type = type;
		sw->w.prog = p;
		sw->w.insn = in;
		sw->w.stop = &g->ctl->stop;
		sw->w.thread_mode = g->thread_mode;
		sw->w.seed = spawn_splitmix(&rng);
		sw->tm = xcalloc(1, sizeof(*sw->tm));
		sw->w.tm = sw->tm;
		sw->aff_mode = spawn_resolve_affinity(g, p, in, i, i / g->group_size, &rng, &sw->aff,
						      sw->aff_error, sizeof(sw->aff_error));
	}

	/* group resources, before any worker exists */
	for (int k = 0; k < g->ngroups; k++) {
		struct work_group *wg = &g->groups[k];
		wg->index = k;
		wg->size = g->group_size;
		for (int f = 0; f < WORK_MAX_FDS; f++)
			wg->fds[f] = -1;
		struct sworker *proto = &g->w[k * g->group_size];
		size_t bytes = type->shm_size ? type->shm_size(&proto->w, g->group_size) : 0;
		const char *why = NULL;
		char buf[256];
		if (bytes) {
			wg->shm = map_shared(bytes);
			if (!wg->shm) {
				int e = errno;
				snprintf(buf, sizeof(buf), "mmap of %zu shared bytes for %s group %d failed: %s%s",
					 bytes, work, k, strerror(e), mmap_hint(e));
				why = buf;
			} else {
				wg->shm_bytes = bytes;
			}
		}
		if (!why && type->group_setup && type->group_setup(wg, &proto->w) < 0) {
			snprintf(buf, sizeof(buf), "%.40s group %d setup failed%s%.180s", work, k,
				 proto->w.error[0] ? ": " : "", proto->w.error);
			why = buf;
		}
		g->group_ok[k] = !why;
		if (why)
			for (int i = k * g->group_size; i < (k + 1) * g->group_size; i++)
				snprintf(g->w[i].setup_error, sizeof(g->w[i].setup_error), "%s", why);
	}

	/* workers */
	int created = 0;
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		if (!g->group_ok[i / g->group_size])
			continue;
		int fds[2];
		if (pipe2(fds, O_CLOEXEC)) {
			snprintf(sw->setup_error, sizeof(sw->setup_error),
				 "worker %d/%d (group %d): report pipe2 failed: %s", i + 1, g->nworkers,
				 i / g->group_size, strerror(errno));
			continue;
		}
		fcntl(fds[1], F_SETPIPE_SZ, REPORT_PIPE_SIZE);	/* best effort */
		sw->rfd = fds[0];
		sw->wfd = fds[1];
		if (g->thread_mode) {
			/* threads are started by the container, below */
		} else {
			pid_t pid = fork();
			if (pid < 0) {
				snprintf(sw->setup_error, sizeof(sw->setup_error),
					 "worker %d/%d (group %d): fork failed: %s", i + 1, g->nworkers,
					 i / g->group_size, strerror(errno));
				close(sw->rfd);
				close(sw->wfd);
				sw->rfd = sw->wfd = -1;
				continue;
			}
			if (pid == 0)
				spawn_fork_child(g, sw);	/* never returns */
			setpgid(pid, pid);	/* both sides: no race with killpg */
			sw->pid = pid;
			close(sw->wfd);
			sw->wfd = -1;
		}
		sw->created = true;
		created++;
	}
	if (g->thread_mode && created)
		start_container(g, &created);
	if (!created) {
		const char *why = g->w[0].setup_error[0] ? g->w[0].setup_error : "no worker could be created";
		snprintf(err, errlen, "%s", why);
		spawn_free_group(g);
		return NULL;
	}

	/* placement before start (two-phase start) */
	if (g->thread_mode && g->container > 0 && g->cgroup_dir)
		place_in_cgroup(g, g->container, -1);
	for (int i = 0; i < g->nworkers && !g->thread_mode; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->created && g->cgroup_dir)
			place_in_cgroup(g, sw->pid, i);
	}
	if (created < g->nworkers)
		snprintf(err, errlen, "%d of %d workers could not be created", g->nworkers - created,
			 g->nworkers);
	return g;
}

void spawn_start(struct spawn_group *g)
{
	if (!g || g->started)
		return;
	g->started = true;
	__atomic_store_n(&g->ctl->start, 1, __ATOMIC_RELEASE);
	futex_wake_n(&g->ctl->start, INT_MAX);
}

int spawn_pids(const struct spawn_group *g, pid_t *out, int max)
{
	int n = 0;
	if (g && g->thread_mode && g->container > 0 && max > 0) {
		out[0] = g->container;
		return 1;
	}
	for (int i = 0; g && i < g->nworkers; i++)
		if (g->w[i].created && g->w[i].pid > 0) {
			if (n < max)
				out[n] = g->w[i].pid;
			n++;
		}
	return n < max ? n : max;
}
