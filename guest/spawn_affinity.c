/* spawn_affinity: where a worker may run.  The executor resolves each
 * worker's affinity kind to a CPU set before the worker exists: one rng
 * across the spawn, so random draws differ from worker to worker, and a
 * kind that cannot be resolved becomes that worker's affinity_error, not
 * a failed spawn.  The set_affinity op resolves the kind again for running
 * workers and applies it from outside, to every task of a fork worker.
 * llc_aligned alone waits: it means the LLC of the CPU the worker is on,
 * which the worker looks up at start and the op reads from /proc. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spawn_int.h"
#include "settings.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool pool_cpus(const struct spawn_group *g, struct cpuset *out)
{
	if (g->cpuset_cpus && cpuset_parse(g->cpuset_cpus, out) && cpuset_count(out))
		return true;
	return st_online_cpus(out);
}

static int nth_cpu(const struct cpuset *s, unsigned n)
{
	for (unsigned c = 0; c < KT_MAX_CPUS; c++)
		if (cpuset_has(s, c) && n-- == 0)
			return (int)c;
	return -1;
}

/* The shared_cpu_list of the highest cache level of cpu (index3 = LLC). */
bool spawn_llc_of_cpu(int cpu, struct cpuset *out)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index3/shared_cpu_list", cpu);
	if (st_read_cpulist(path, out))
		return true;
	int best = -1, best_level = -1;
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, i);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		int lvl;
		if (fscanf(f, "%d", &lvl) == 1 && lvl > best_level)
			best_level = lvl, best = i;
		fclose(f);
	}
	if (best < 0)
		return false;
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, best);
	return st_read_cpulist(path, out);
}

uint64_t spawn_splitmix(uint64_t *s)
{
	uint64_t z = (*s += GOLDEN_RATIO_64);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Resolve an affinity kind (operands "affinity", "affinity.*" of in) for
 * worker idx of group grp.  Returns AFF_NONE / AFF_FIXED (out set) /
 * AFF_LLC_ALIGNED, or -1 with err. */
int spawn_resolve_affinity(const struct spawn_group *g, const struct kb_program *p,
			   const struct kb_insn *in, int idx, int grp, uint64_t *rng,
			   struct cpuset *out, char *err, size_t errlen)
{
	const char *kind = kb_get_str(p, in, "affinity");
	const char *list = kb_get_str(p, in, "affinity.cpus");
	struct cpuset pool;
	cpuset_clear(out);
	if (!kind || !strcmp(kind, "inherit"))
		return AFF_NONE;
	if (!strcmp(kind, "cpus") || !strcmp(kind, "llc") || !strcmp(kind, "numa")) {
		if (!list || !cpuset_parse(list, out) || !cpuset_count(out)) {
			snprintf(err, errlen, "affinity %s: no resolved CPU list (affinity.cpus=%s)",
				 kind, list ? list : "absent");
			return -1;
		}
		return AFF_FIXED;
	}
	if (!strcmp(kind, "random")) {
		int64_t count = 1;
		kb_get_int(p, in, "affinity.count", &count);
		const char *from = kb_get_str(p, in, "affinity.from");
		if (from) {
			if (!cpuset_parse(from, &pool) || !cpuset_count(&pool)) {
				snprintf(err, errlen, "affinity random: empty or invalid pool '%s'", from);
				return -1;
			}
		} else {
			pool_cpus(g, &pool);
		}
		unsigned n = cpuset_count(&pool);
		if (count < 1) {
			snprintf(err, errlen, "affinity random: count=%lld", (long long)count);
			return -1;
		}
		if ((uint64_t)count > n)
			count = n;
		/* partial Fisher-Yates over the pool */
		int cpus[KT_MAX_CPUS];
		for (unsigned i = 0; i < n; i++)
			cpus[i] = nth_cpu(&pool, i);
		for (unsigned i = 0; i < (unsigned)count; i++) {
			unsigned j = i + (unsigned)(spawn_splitmix(rng) % (n - i));
			int t = cpus[i];
			cpus[i] = cpus[j];
			cpus[j] = t;
			cpuset_set(out, (unsigned)cpus[i]);
		}
		return AFF_FIXED;
	}
	if (!strcmp(kind, "single_cpu")) {
		pool_cpus(g, &pool);
		unsigned n = cpuset_count(&pool);
		cpuset_set(out, (unsigned)nth_cpu(&pool, (unsigned)idx % n));
		return AFF_FIXED;
	}
	if (!strcmp(kind, "llc_aligned"))
		return AFF_LLC_ALIGNED;
	if (!strcmp(kind, "smt_pair")) {
		/* Cores of the pool in CPU order; group k gets core k (mod the
		 * core count), so a group of two shares one core's siblings. */
		pool_cpus(g, &pool);
		struct cpuset seen;
		cpuset_clear(&seen);
		int ncores = 0;
		struct cpuset core;
		for (unsigned c = 0; c < KT_MAX_CPUS; c++) {
			if (!cpuset_has(&pool, c) || cpuset_has(&seen, c))
				continue;
			char path[128];
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c);
			struct cpuset sib;
			if (!st_read_cpulist(path, &sib)) {
				cpuset_clear(&sib);
				cpuset_set(&sib, c);
			}
			for (unsigned s = 0; s < KT_MAX_CPUS; s++)
				if (cpuset_has(&sib, s))
					cpuset_set(&seen, s);
			ncores++;
		}
		if (!ncores) {
			snprintf(err, errlen, "affinity smt_pair: no CPU in the pool");
			return -1;
		}
		int want = grp % ncores;
		cpuset_clear(&seen);
		for (unsigned c = 0; c < KT_MAX_CPUS; c++) {
			if (!cpuset_has(&pool, c) || cpuset_has(&seen, c))
				continue;
			char path[128];
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c);
			if (!st_read_cpulist(path, &core)) {
				cpuset_clear(&core);
				cpuset_set(&core, c);
			}
			for (unsigned s = 0; s < KT_MAX_CPUS; s++)
				if (cpuset_has(&core, s))
					cpuset_set(&seen, s);
			if (want-- == 0) {
				*out = core;
				return AFF_FIXED;
			}
		}
		return AFF_NONE;
	}
	if (!strcmp(kind, "cross_cgroup")) {
		struct cpuset online, own;
		st_online_cpus(&online);
		if (!g->cpuset_cpus || !cpuset_parse(g->cpuset_cpus, &own))
			own = online;
		for (unsigned c = 0; c < KT_MAX_CPUS; c++)
			if (cpuset_has(&online, c) && !cpuset_has(&own, c))
				cpuset_set(out, c);
		if (!cpuset_count(out)) {
			snprintf(err, errlen, "affinity cross_cgroup: no online CPU outside the cgroup's cpuset (%s)",
				 g->cpuset_cpus ? g->cpuset_cpus : "all CPUs");
			return -1;
		}
		return AFF_FIXED;
	}
	snprintf(err, errlen, "unknown affinity kind '%s'", kind);
	return -1;
}

/* ---- set_affinity op ----------------------------------------------------------- */

static int task_cpu(pid_t tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* field 39 "processor"; p points at the end of field 2 */
	int field = 2;
	for (; *p && field < 39; p++)
		if (*p == ' ')
			field++;
	return field == 39 ? atoi(p) : -1;
}

int spawn_set_affinity(struct spawn_group *g, const struct kb_program *p,
		       const struct kb_insn *in)
{
	if (!g)
		return -1;
	int failures = 0;
	uint64_t rng = tm_now_ns() ^ 0x5bd1e995ull;
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		struct ctl_slot *slot = &g->ctl->w[i];
		if (!sw->created)
			continue;
		char err[256] = "";
		struct cpuset cpus;
		pid_t tid = g->thread_mode ? __atomic_load_n(&slot->tid, __ATOMIC_ACQUIRE) : sw->pid;
		int mode = spawn_resolve_affinity(g, p, in, i, i / g->group_size, &rng, &cpus, err, sizeof(err));
		if (mode == AFF_NONE) {
			st_online_cpus(&cpus);	/* inherit: back to every CPU; the cpuset bounds it */
			mode = AFF_FIXED;
		}
		if (mode == AFF_LLC_ALIGNED) {
			int cpu = tid > 0 ? task_cpu(tid) : -1;
			if (cpu < 0 || !spawn_llc_of_cpu(cpu, &cpus)) {
				snprintf(err, sizeof(err), "set_affinity llc_aligned: cannot find the LLC of worker %d (cpu %d)",
					 i, cpu);
				mode = -1;
			}
		}
		if (mode >= 0 && tid <= 0) {
			snprintf(err, sizeof(err), "set_affinity: worker %d has not published its tid", i);
			mode = -1;
		}
		if (mode >= 0) {
			if (g->thread_mode) {
				st_affinity_tid(tid, &cpus, err, sizeof(err));
			} else {
				/* every task of the worker process */
				char dir[64];
				snprintf(dir, sizeof(dir), "/proc/%d/task", (int)sw->pid);
				DIR *d = opendir(dir);
				bool any = false;
				struct dirent *de;
				while (d && (de = readdir(d))) {
					if (de->d_name[0] < '0' || de->d_name[0] > '9')
						continue;
					char e2[256];
					any = true;
					if (st_affinity_tid(atoi(de->d_name), &cpus, e2, sizeof(e2)) && !err[0])
						snprintf(err, sizeof(err), "%s", e2);
				}
				if (d)
					closedir(d);
				if (!any)
					st_affinity_tid(sw->pid, &cpus, err, sizeof(err));
			}
		}
		if (err[0]) {
			failures++;
			spawn_append_err(slot->op_error, sizeof(slot->op_error), err);
		}
	}
	return failures;
}
