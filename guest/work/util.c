/* util: helpers shared by the work types (see work_util.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void wu_error(struct worker *w, const char *fmt, ...)
{
	if (w->error[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->error, sizeof(w->error), fmt, ap);
	va_end(ap);
}

bool wu_need_group(struct worker *w, int n)
{
	const struct work_group *g = w->group;
	if (!g || g->size < n) {
		wu_error(w, "%s: needs a group of at least %d workers (got %d)", w->type->name, n,
			 g ? g->size : 0);
		return false;
	}
	if (w->type->shm_size && !g->shm) {
		wu_error(w, "%s: group has no shared memory", w->type->name);
		return false;
	}
	return true;
}

pid_t wu_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void ns_to_ts(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / 1000000000ull);
	ts->tv_nsec = (long)(ns % 1000000000ull);
}

uint64_t wu_sleep_until(const struct worker *w, uint64_t deadline)
{
	uint64_t now = tm_now_ns();
	while (now < deadline && !wu_stopped(w)) {
		uint64_t target = deadline - now > WORK_POLL_NS ? now + WORK_POLL_NS : deadline;
		struct timespec ts;
		ns_to_ts(target, &ts);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		now = tm_now_ns();
	}
	return now;
}

uint64_t wu_sleep(const struct worker *w, uint64_t ns)
{
	uint64_t t0 = tm_now_ns();
	return wu_sleep_until(w, t0 + ns) - t0;
}

void wu_waited(struct telemetry *t, uint64_t blocked, uint64_t wake)
{
	if (blocked > wake)
		tm_blocked(t, blocked - wake);
	tm_wake(t, wake);
}

bool wu_sleep_wake(struct worker *w, uint64_t ns)
{
	uint64_t slept = wu_sleep(w, ns);
	if (wu_stopped(w)) {
		tm_blocked(w->tm, slept);
		return false;
	}
	wu_waited(w->tm, slept, slept > ns ? slept - ns : 0);
	return true;
}

void wu_nap(struct worker *w, uint64_t ns)
{
	tm_blocked(w->tm, wu_sleep(w, ns));
}

void wu_spin_for(struct worker *w, uint64_t ns)
{
	uint64_t end = tm_now_ns() + ns;
	do {
		spin_units(w->tm, 256);
	} while (!wu_stopped(w) && tm_now_ns() < end);
}

void wu_yield_wake(struct worker *w)
{
	uint64_t t0 = tm_now_ns();
	sched_yield();
	tm_wake(w->tm, tm_now_ns() - t0);
}

int wu_tmpfile(struct worker *w, const char *tag, int extra_flags)
{
	/* the scratch disk (sysenv.c) when the scenario has one, so I/O
	 * meets a real block layer */
	const char *dir = getenv("KTSTR_IO_DIR");
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	char path[512];
	snprintf(path, sizeof(path), "%s/ktstr_%s_%d_XXXXXX", dir, tag, (int)wu_gettid());
	int fd = mkostemp(path, O_CLOEXEC | extra_flags);
	if (fd < 0) {
		wu_error(w, "%s: temp file in %s: %s", w->type->name, dir, strerror(errno));
		return -1;
	}
	/* Unlinked at once: the file lives as long as the fd, so nothing is
	 * left behind even when the worker is killed. */
	unlink(path);
	return fd;
}

int wu_wait_readable(const struct worker *w, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (!wu_stopped(w)) {
		int r = poll(&p, 1, (int)(WORK_POLL_NS / 1000000ull));
		if (r > 0) {
			if (p.revents & POLLIN)
				return 1;
			return -1;	/* POLLERR / POLLNVAL / POLLHUP without data */
		}
		if (r < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

int wu_pipe_pair_setup(struct work_group *g, const struct worker *proto)
{
	(void)proto;
	int a[2], b[2];
	if (pipe2(a, O_CLOEXEC | O_NONBLOCK))
		return -1;
	if (pipe2(b, O_CLOEXEC | O_NONBLOCK)) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	/* a: pos 0 -> pos 1, b: pos 1 -> pos 0 */
	g->fds[0] = a[0];
	g->fds[1] = a[1];
	g->fds[2] = b[0];
	g->fds[3] = b[1];
	return 0;
}

void wu_close_fds(struct work_group *g)
{
	for (int i = 0; i < WORK_MAX_FDS; i++) {
		if (g->fds[i] >= 0)
			close(g->fds[i]);
		g->fds[i] = -1;
	}
}

bool wu_pipe_exchange(struct worker *w)
{
	const struct work_group *g = w->group;
	int rfd = w->pos == 0 ? g->fds[2] : g->fds[0];
	int wfd = w->pos == 0 ? g->fds[1] : g->fds[3];
	if (rfd < 0 || wfd < 0) {
		wu_error(w, "%s: no pipes", w->type->name);
		return false;
	}
	uint64_t ts = tm_now_ns();
	ssize_t n = write(wfd, &ts, sizeof(ts));
	if (n < 0 && errno != EAGAIN) {
		wu_error(w, "%s: pipe write: %s", w->type->name, strerror(errno));
		return false;
	}
	uint64_t start = tm_now_ns();
	for (;;) {
		int r = wu_wait_readable(w, rfd);
		if (r <= 0) {
			if (r < 0)
				wu_error(w, "%s: pipe poll failed", w->type->name);
			return false;
		}
		uint64_t sent;
		n = read(rfd, &sent, sizeof(sent));
		if (n == (ssize_t)sizeof(sent) && sent == 0)
			continue;	/* the partner left (wu_pipe_bye) */
		if (n == (ssize_t)sizeof(sent)) {
			uint64_t now = tm_now_ns(), from = sent > start ? sent : start;
			wu_waited(w->tm, now - start, now > from ? now - from : 0);
			return true;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		wu_error(w, "%s: pipe read: %s", w->type->name, n < 0 ? strerror(errno) : "short read");
		return false;
	}
}

void wu_pipe_bye(struct worker *w)
{
	const struct work_group *g = w->group;
	int wfd = w->pos == 0 ? g->fds[1] : g->fds[3];
	uint64_t zero = 0;
	if (wfd >= 0 && write(wfd, &zero, sizeof(zero)) < 0) {
		/* full or gone: the partner's poll times out instead */
	}
}

int wu_set_policy(int policy, int prio)
{
	struct sched_param sp = {.sched_priority = prio};
	/* pid 0 = the calling thread on Linux, so this is per thread. */
	return sched_setscheduler(0, policy, &sp) ? -errno : 0;
}

int wu_policy_by_name(const char *name)
{
	static const struct {
		const char *name;
		int policy;
	} tab[] = {
		{"normal", SCHED_OTHER}, {"other", SCHED_OTHER}, {"batch", SCHED_BATCH},
		{"idle", SCHED_IDLE}, {"fifo", SCHED_FIFO}, {"rr", SCHED_RR}, {"ext", SCHED_EXT},
	};
	for (size_t i = 0; name && i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(tab[i].name, name))
			return tab[i].policy;
	return -1;
}

void wu_cache_rmw(struct telemetry *t, volatile uint8_t *buf, size_t len, size_t stride,
		  uint64_t iters, size_t *idx)
{
	size_t i = *idx < len ? *idx : 0;
	while (iters) {
		uint64_t block = iters < 64 ? iters : 64;
		for (uint64_t k = 0; k < block; k++) {
			buf[i] = (uint8_t)(buf[i] + 1);
			i += stride;
			if (i >= len)
				i -= len;
			if (i >= len)
				i %= len;
		}
		iters -= block;
		tm_work(t, block);
	}
	*idx = i;
}

bool wu_cgroup_self(char *mnt, size_t mntlen, char *rel, size_t rellen)
{
	bool have_mnt = false, have_rel = false;
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint opts ... - fstype src opts */
		char *sep = strstr(line, " - ");
		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		char mp[1024];
		if (sscanf(line, "%*s %*s %*s %*s %1023s", mp) == 1) {
			snprintf(mnt, mntlen, "%s", mp);
			have_mnt = true;
			break;
		}
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(rel, rellen, "%s", line + 3);
		have_rel = true;
		break;
	}
	if (f)
		fclose(f);
	return have_mnt && have_rel;
}

/* A futex mutex (0 free, 1 held, 2 held with waiters), shared by
 * mutex_contention and priority_inversion's plain mode.  Acquire; returns
 * false on stop.  *waited: ns spent waiting (0 when
 * the lock was free). */
bool wu_mutex_lock(struct worker *w, volatile uint32_t *m, uint64_t *waited)
{
	uint32_t c = 0;
	*waited = 0;
	if (__atomic_compare_exchange_n(m, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return true;
	uint64_t t0 = tm_now_ns();
	if (c != 2)
		c = __atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		if (wu_stopped(w))
			return false;
		futex_wait_bounded(m, 2);
		c = __atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE);
	}
	*waited = tm_now_ns() - t0;
	return true;
}

void wu_mutex_unlock(volatile uint32_t *m)
{
	if (__atomic_exchange_n(m, 0, __ATOMIC_RELEASE) == 2)
		futex_wake_n(m, 1);
}
