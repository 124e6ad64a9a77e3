/* affinity: work types that rewrite CPU affinity —
 *   affinity_churn        spin spin_iters, pin itself to the next CPU of
 *                         the mask it started with (one CPU at a time,
 *                         round robin), yield (wake = yield time); the
 *                         starting mask is restored at the end
 *   cross_affinity_churn  spin spin_iters, then flip every sibling's
 *                         mask between the worker's own mask A and A
 *                         minus its highest CPU, yield.  Siblings are
 *                         the other processes in the worker's own cgroup
 *                         (cgroup.procs, re-read every second); a worker
 *                         in the root cgroup, or with fewer than 2 CPUs,
 *                         has none and only spins.  Siblings get A back
 *                         at the end. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void run_affinity_churn(struct worker *w)
{
	uint64_t spin = (uint64_t)wp_int(w, "spin_iters", 1024);
	cpu_set_t orig;
	int cpus[CPU_SETSIZE];
	int n = 0;
	if (sched_getaffinity(0, sizeof(orig), &orig)) {
		wu_error(w, "affinity_churn: sched_getaffinity: %s", strerror(errno));
		return;
	}
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &orig))
			cpus[n++] = c;
	int k = 0;
	while (!wu_stopped(w)) {
		spin_units(w->tm, spin);
		/* try the next CPU; one that left the cpuset (EINVAL) is skipped */
		for (int tries = 0; tries < n; tries++) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(cpus[k], &one);
			k = (k + 1) % n;
			if (!sched_setaffinity(0, sizeof(one), &one))
				break;
		}
		wu_yield_wake(w);
		tm_iter(w->tm);
	}
	sched_setaffinity(0, sizeof(orig), &orig);
}

#define XA_MAX_SIBLINGS 256

static int read_siblings(pid_t *out, int max)
{
	char mnt[512], rel[1024], path[1700];
	if (!wu_cgroup_self(mnt, sizeof(mnt), rel, sizeof(rel)) || !strcmp(rel, "/"))
		return 0;	/* never churn the root cgroup's (unrelated) tasks */
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", mnt, rel);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	pid_t self = getpid();
	int n = 0, pid;
	while (n < max && fscanf(f, "%d", &pid) == 1)
		if (pid > 0 && pid != self)
			out[n++] = pid;
	fclose(f);
	return n;
}

static void run_cross_affinity_churn(struct worker *w)
{
	uint64_t spin = (uint64_t)wp_int(w, "spin_iters", 1024);
	cpu_set_t a, b;
	if (sched_getaffinity(0, sizeof(a), &a)) {
		wu_error(w, "cross_affinity_churn: sched_getaffinity: %s", strerror(errno));
		return;
	}
	b = a;
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &b)) {
			CPU_CLR(c, &b);
			break;
		}
	bool can_flip = CPU_COUNT(&b) > 0;
	pid_t sib[XA_MAX_SIBLINGS];
	int nsib = 0;
	uint64_t next_scan = 0;
	bool flip = false;
	while (!wu_stopped(w)) {
		spin_units(w->tm, spin);
		if (can_flip) {
			uint64_t now = tm_now_ns();
			if (now >= next_scan) {
				nsib = read_siblings(sib, XA_MAX_SIBLINGS);
				next_scan = now + 1000000000ull;
			}
			flip = !flip;
			for (int i = 0; i < nsib; i++)
				sched_setaffinity(sib[i], sizeof(a), flip ? &b : &a);
		}
		wu_yield_wake(w);
		tm_iter(w->tm);
	}
	for (int i = 0; can_flip && i < nsib; i++)
		sched_setaffinity(sib[i], sizeof(a), &a);
}

const struct work_type work_affinity_churn = {.name = "affinity_churn", .run = run_affinity_churn};
const struct work_type work_cross_affinity_churn = {
	.name = "cross_affinity_churn", .run = run_cross_affinity_churn,
};
