/* numa: where a worker's memory is and which NUMA nodes are local to it.
 *
 * Page placement is measured on the pages a work type actually touches,
 * while they are still mapped: move_pages(2) with a NULL node list (a
 * query, nothing moves) over the region, or an evenly spaced sample of at
 * most NUMA_SAMPLE_MAX of its pages.  Where move_pages is unavailable
 * (ENOSYS: a kernel without CONFIG_MIGRATION) the region's line of
 * /proc/self/numa_maps is read instead.  Raw syscalls: the executor is
 * static and has no libnuma.
 *
 * The local node set is the worker's cpuset's cpuset.mems.effective when
 * some cpuset from its cgroup up to the root restricts memory
 * (cpuset.mems written), else the nodes of the CPUs the calling thread
 * may run on.  Without node directories in sysfs (no CONFIG_NUMA) there
 * is one node, 0. */
#ifndef KTSTR_NUMA_H
#define KTSTR_NUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

#define NUMA_MAX_NODES 64
#define NUMA_SAMPLE_MAX 16384		/* pages queried per region, at most */

/* Nodes that have a cpulist in /sys/devices/system/node (bit n = node n);
 * 0 when sysfs has no NUMA nodes. */
uint64_t numa_nodes_online(void);
/* CPUs of node n (sysfs); false when unknown. */
bool numa_node_cpus(int node, struct cpuset *out);
/* Nodes of the CPUs in cpus; bit 0 only without NUMA in sysfs. */
uint64_t numa_nodes_of_cpus(const struct cpuset *cpus);

/* Count the resident pages of [addr, addr + len) per node into
 * counts[NUMA_MAX_NODES] (added), querying every page or an evenly
 * spaced sample of NUMA_SAMPLE_MAX.  *queried: pages asked about.
 * 0, or a negative errno when neither move_pages nor numa_maps answered. */
int numa_region_pages(const void *addr, size_t len, uint64_t *counts, uint64_t *queried);

enum numa_local_source { NL_UNKNOWN, NL_CPUSET_MEMS, NL_CPUS, NL_SINGLE };
const char *numa_local_source_name(enum numa_local_source s);
/* The calling thread's local nodes (mask) and where they came from. */
uint64_t numa_local_nodes(enum numa_local_source *src);

/* mbind(2) of [addr, addr + len) to one node, MPOL_BIND with
 * MPOL_MF_MOVE (pages already there move); 0 or -errno. */
int numa_bind_region(void *addr, size_t len, int node);

#endif
