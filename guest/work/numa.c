/* numa: work types for NUMA placement and migration —
 *   numa_working_set_sweep  sweep a private working set of size_kib page
 *                           by page, one read-modify-write per cache line
 *                           (a work unit), a whole sweep an iteration.
 *                           Every period it may mbind the set to the next
 *                           online node with MPOL_MF_MOVE (rebind) and/or
 *                           run on the next node's CPUs (hop).
 *   numa_migration_churn    touch size_kib of memory continuously and,
 *                           every period, move itself to the CPUs of the
 *                           next NUMA node it may run on
 *                           (sched_setaffinity), so the scheduler migrates
 *                           it and NUMA balancing may migrate its pages;
 *                           with one node among its CPUs it moves between
 *                           single CPUs instead.
 * Both restore the affinity they started with, then measure where the
 * working set's pages are while it is still mapped (tm_numa_region):
 * numa_pages, local_nodes and so page_locality in the report; the CPU
 * changes are the telemetry's migration_count / migration_events. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"
#include "numa.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096
#define LINES_PER_PAGE (PAGE / 64)

/* Where a worker may go: per node with allowed CPUs, those CPUs. */
struct placements {
	cpu_set_t orig;
	cpu_set_t set[NUMA_MAX_NODES];
	int node[NUMA_MAX_NODES];
	int n;
};

/* The nodes among the allowed CPUs; with fewer than two and by_cpu set,
 * single allowed CPUs instead.  false with w->error set on failure. */
static bool placements_init(struct worker *w, const char *who, struct placements *p, bool by_cpu)
{
	memset(p, 0, sizeof(*p));
	if (sched_getaffinity(0, sizeof(p->orig), &p->orig)) {
		wu_error(w, "%s: sched_getaffinity: %s", who, strerror(errno));
		return false;
	}
	uint64_t online = numa_nodes_online();
	for (int n = 0; n < NUMA_MAX_NODES && online; n++) {
		struct cpuset cs;
		if (!(online & (1ull << n)) || !numa_node_cpus(n, &cs))
			continue;
		CPU_ZERO(&p->set[p->n]);
		int k = 0;
		for (int c = 0; c < CPU_SETSIZE && c < KT_MAX_CPUS; c++)
			if (CPU_ISSET(c, &p->orig) && cpuset_has(&cs, (unsigned)c)) {
				CPU_SET(c, &p->set[p->n]);
				k++;
			}
		if (k)
			p->node[p->n++] = n;
	}
	if (p->n < 2 && by_cpu) {
		p->n = 0;
		for (int c = 0; c < CPU_SETSIZE && p->n < NUMA_MAX_NODES; c++)
			if (CPU_ISSET(c, &p->orig)) {
				CPU_ZERO(&p->set[p->n]);
				CPU_SET(c, &p->set[p->n]);
				p->node[p->n++] = -1;
			}
	}
	return true;
}

/* Move to the next placement after *k that the kernel accepts (one
 * that left the cpuset is skipped).  true when it moved. */
static bool placement_next(struct placements *p, int *k)
{
	for (int tries = 0; tries < p->n; tries++) {
		*k = (*k + 1) % p->n;
		if (!sched_setaffinity(0, sizeof(p->set[*k]), &p->set[*k]))
			return true;
	}
	return false;
}

static void *region_map(struct worker *w, const char *who, size_t *len)
{
	uint64_t kib = (uint64_t)wp_int(w, "size_kib", 4096);
	*len = (size_t)(kib ? kib : 1) * 1024;
	*len = (*len + PAGE - 1) / PAGE * PAGE;
	void *p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p == MAP_FAILED) {
		wu_error(w, "%s: mmap %zu KiB failed: %s", who, *len / 1024, strerror(errno));
		return NULL;
	}
	return p;
}

/* One read-modify-write per cache line of one page. */
static inline void touch_page(struct worker *w, volatile uint64_t *page)
{
	for (size_t i = 0; i < PAGE / sizeof(uint64_t); i += 64 / sizeof(uint64_t))
		page[i] = page[i] + 1;
	tm_work(w->tm, LINES_PER_PAGE);
}

/* ---- numa_working_set_sweep ------------------------------------------------ */

static void run_numa_working_set_sweep(struct worker *w)
{
	static const char who[] = "numa_working_set_sweep";
	uint64_t period = wp_dur(w, "period", 100000000ull);
	bool rebind = wp_bool(w, "rebind", false), hop = wp_bool(w, "hop", false);
	struct placements pl;
	if (!placements_init(w, who, &pl, false))
		return;
	int nodes[NUMA_MAX_NODES], nn = 0;
	uint64_t online = numa_nodes_online();
	for (int n = 0; n < NUMA_MAX_NODES; n++)
		if (online & (1ull << n))
			nodes[nn++] = n;
	size_t len;
	uint8_t *set = region_map(w, who, &len);
	if (!set)
		return;
	size_t pages = len / PAGE;
	int bind_k = -1, hop_k = -1;
	uint64_t next = tm_now_ns() + period;
	while (!wu_stopped(w)) {
		for (size_t pg = 0; pg < pages && !wu_stopped(w); pg++) {
			touch_page(w, (volatile uint64_t *)(set + pg * PAGE));
			if (pg % 64 || (!rebind && !hop))
				continue;
			uint64_t now = tm_now_ns();
			if (now < next)
				continue;
			next = now + period;
			if (hop && pl.n > 1)
				placement_next(&pl, &hop_k);
			if (rebind && nn) {
				/* the next node that takes it; all refusing is an error */
				int e = 0;
				for (int tries = 0; tries < nn; tries++) {
					bind_k = (bind_k + 1) % nn;
					if (!(e = numa_bind_region(set, len, nodes[bind_k])))
						break;
				}
				if (e) {
					wu_error(w, "%s: mbind to every node failed: %s", who, strerror(-e));
					rebind = false;
				}
			}
		}
		tm_iter(w->tm);
	}
	sched_setaffinity(0, sizeof(pl.orig), &pl.orig);
	tm_numa_region(w->tm, set, len);
	munmap(set, len);
}

/* ---- numa_migration_churn --------------------------------------------------- */

static void run_numa_migration_churn(struct worker *w)
{
	static const char who[] = "numa_migration_churn";
	uint64_t period = wp_dur(w, "period", 20000000ull);
	struct placements pl;
	if (!placements_init(w, who, &pl, true))
		return;
	size_t len;
	uint8_t *mem = region_map(w, who, &len);
	if (!mem)
		return;
	size_t pages = len / PAGE;
	int k = -1;
	if (pl.n > 1)
		placement_next(&pl, &k);
	uint64_t next = tm_now_ns() + period;
	while (!wu_stopped(w)) {
		for (size_t pg = 0; pg < pages && !wu_stopped(w); pg++) {
			touch_page(w, (volatile uint64_t *)(mem + pg * PAGE));
			if (pg % 16)
				continue;
			uint64_t now = tm_now_ns();
			if (now < next)
				continue;
			next = now + period;
			if (pl.n > 1)
				placement_next(&pl, &k);
		}
		tm_iter(w->tm);
	}
	sched_setaffinity(0, sizeof(pl.orig), &pl.orig);
	tm_numa_region(w->tm, mem, len);
	munmap(mem, len);
}

const struct work_type work_numa_working_set_sweep = {.name = "numa_working_set_sweep",
						       .run = run_numa_working_set_sweep};
const struct work_type work_numa_migration_churn = {.name = "numa_migration_churn",
						     .run = run_numa_migration_churn};
