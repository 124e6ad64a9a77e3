/* numa: page placement of a region and the local node set (numa.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "numa.h"

#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND_MODE 2
#define MPOL_MF_MOVE_FLAG (1u << 1)
#define QUERY_CHUNK 512

static bool read_line(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

static uint64_t mask_of_list(const char *list)
{
	struct cpuset s;
	uint64_t m = 0;
	if (!cpuset_parse(list, &s))
		return 0;
	for (unsigned n = 0; n < NUMA_MAX_NODES; n++)
		if (cpuset_has(&s, n))
			m |= 1ull << n;
	return m;
}

uint64_t numa_nodes_online(void)
{
	char buf[512];
	if (read_line("/sys/devices/system/node/online", buf, sizeof(buf)) && buf[0])
		return mask_of_list(buf);
	return 0;
}

bool numa_node_cpus(int node, struct cpuset *out)
{
	char path[96], buf[1024];
	cpuset_clear(out);
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	if (!read_line(path, buf, sizeof(buf)))
		return false;
	return !buf[0] || cpuset_parse(buf, out);	/* a memory-only node has no CPUs */
}

uint64_t numa_nodes_of_cpus(const struct cpuset *cpus)
{
	uint64_t online = numa_nodes_online(), m = 0;
	if (!online)
		return 1;
	for (int n = 0; n < NUMA_MAX_NODES; n++) {
		struct cpuset nc;
		if (!(online & (1ull << n)) || !numa_node_cpus(n, &nc))
			continue;
		for (size_t w = 0; w < KT_MAX_CPUS / 64; w++)
			if (nc.bits[w] & cpus->bits[w]) {
				m |= 1ull << n;
				break;
			}
	}
	return m;
}

/* ---- page placement ----------------------------------------------------- */

/* The numa_maps line of the mapping that starts at addr. */
static int region_from_numa_maps(const void *addr, uint64_t *counts)
{
	FILE *f = fopen("/proc/self/numa_maps", "re");
	if (!f)
		return -errno;
	char line[4096];
	int rc = -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (strtoull(line, NULL, 16) != (uintptr_t)addr)
			continue;
		for (char *p = line; (p = strstr(p, " N")); p += 2) {
			char *end;
			if (!isdigit((unsigned char)p[2]))
				continue;
			unsigned long node = strtoul(p + 2, &end, 10);
			if (*end == '=' && node < NUMA_MAX_NODES)
				counts[node] += strtoull(end + 1, NULL, 10);
		}
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

int numa_region_pages(const void *addr, size_t len, uint64_t *counts, uint64_t *queried)
{
	*queried = 0;
	long psz = sysconf(_SC_PAGESIZE);
	size_t page = psz > 0 ? (size_t)psz : 4096;
	uintptr_t base = (uintptr_t)addr & ~(uintptr_t)(page - 1);
	size_t pages = ((uintptr_t)addr + len - base + page - 1) / page;
	if (!addr || !pages)
		return -EINVAL;
	/* every page, or NUMA_SAMPLE_MAX evenly spaced ones */
	size_t want = pages < NUMA_SAMPLE_MAX ? pages : NUMA_SAMPLE_MAX;
	void *ptr[QUERY_CHUNK];
	int status[QUERY_CHUNK];
	for (size_t i = 0; i < want;) {
		size_t n = 0;
		for (; n < QUERY_CHUNK && i < want; n++, i++)
			ptr[n] = (void *)(base + (size_t)((uint64_t)i * pages / want) * page);
		if (syscall(SYS_move_pages, 0, (unsigned long)n, ptr, NULL, status, 0) < 0) {
			int e = errno;
			if (*queried || (e != ENOSYS && e != EPERM))
				return -e;
			/* no move_pages: the mapping's numa_maps line, whole */
			int rc = region_from_numa_maps((const void *)base, counts);
			if (!rc)
				*queried = pages;
			return rc ? rc : 0;
		}
		for (size_t k = 0; k < n; k++)
			if (status[k] >= 0 && status[k] < NUMA_MAX_NODES)
				counts[status[k]]++;
		*queried += n;
	}
	return 0;
}

int numa_bind_region(void *addr, size_t len, int node)
{
	unsigned long mask[NUMA_MAX_NODES / (8 * sizeof(unsigned long)) + 1] = {0};
	if (node < 0 || node >= NUMA_MAX_NODES)
		return -EINVAL;
	size_t bpl = 8 * sizeof(unsigned long);
	mask[(size_t)node / bpl] |= 1ul << ((size_t)node % bpl);
	/* maxnode = node + 2: the kernel drops one (see st_build_nodemask) */
	if (syscall(SYS_mbind, addr, len, MPOL_BIND_MODE, mask, (unsigned long)node + 2,
		    MPOL_MF_MOVE_FLAG))
		return -errno;
	return 0;
}

/* ---- local nodes ------------------------------------------------------------- */

const char *numa_local_source_name(enum numa_local_source s)
{
	switch (s) {
	case NL_CPUSET_MEMS: return "cpuset.mems";
	case NL_CPUS: return "cpus";
	case NL_SINGLE: return "single";
	default: return "unknown";
	}
}

/* The cgroup2 mount and the calling thread's cgroup under it. */
static bool cgroup_dir(char *out, size_t n, size_t *mntlen)
{
	char line[4096], mnt[1024] = "", rel[2048] = "";
	bool have_rel = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");
		if (sep && !strncmp(sep + 3, "cgroup2 ", 8) &&
		    sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1)
			break;
		mnt[0] = 0;
	}
	if (f)
		fclose(f);
	f = fopen("/proc/thread-self/cgroup", "re");
	if (!f)
		f = fopen("/proc/self/cgroup", "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		have_rel = (size_t)snprintf(rel, sizeof(rel), "%s", line + 3) < sizeof(rel);
		break;
	}
	if (f)
		fclose(f);
	if (!mnt[0] || !have_rel)
		return false;
	*mntlen = strlen(mnt);
	return (size_t)snprintf(out, n, "%s%s", mnt, strcmp(rel, "/") ? rel : "") < n;
}

/* cpuset.mems.effective of the thread's cgroup when a cpuset on the way
 * to the root restricts memory; 0 when none does (or no cpuset). */
static uint64_t cpuset_mems(void)
{
	char dir[3200], path[3300], buf[512];
	size_t root;
	if (!cgroup_dir(dir, sizeof(dir), &root))
		return 0;
	bool restricted = false;
	for (size_t len = strlen(dir); len > root && !restricted;) {
		dir[len] = 0;
		snprintf(path, sizeof(path), "%s/cpuset.mems", dir);
		restricted = read_line(path, buf, sizeof(buf)) && buf[0];
		char *slash = strrchr(dir, '/');
		len = slash ? (size_t)(slash - dir) : 0;
	}
	if (!restricted)
		return 0;
	/* the nearest cgroup with the controller enabled answers */
	cgroup_dir(dir, sizeof(dir), &root);
	for (size_t len = strlen(dir); len >= root;) {
		dir[len] = 0;
		snprintf(path, sizeof(path), "%s/cpuset.mems.effective", dir);
		if (read_line(path, buf, sizeof(buf)) && buf[0])
			return mask_of_list(buf);
		char *slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < root)
			break;
		len = (size_t)(slash - dir);
	}
	return 0;
}

uint64_t numa_local_nodes(enum numa_local_source *src)
{
	if (!numa_nodes_online()) {
		*src = NL_SINGLE;
		return 1;
	}
	uint64_t m = cpuset_mems();
	if (m) {
		*src = NL_CPUSET_MEMS;
		return m;
	}
	cpu_set_t cs;
	struct cpuset cpus;
	cpuset_clear(&cpus);
	if (sched_getaffinity(0, sizeof(cs), &cs)) {
		*src = NL_UNKNOWN;
		return 0;
	}
	for (unsigned c = 0; c < KT_MAX_CPUS && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &cs))
			cpuset_set(&cpus, c);
	*src = NL_CPUS;
	return numa_nodes_of_cpus(&cpus);
}
