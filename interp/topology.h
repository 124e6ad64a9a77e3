/* topology: the VM's CPU topology as a scenario states it (NUMA nodes,
 * LLCs, cores per LLC, threads per core), CPU numbering, and resolution
 * of cpuset specs and affinity kinds to concrete CPU sets.  CPUs are
 * numbered the way QEMU enumerates sockets/dies/cores/threads, so LLC i
 * owns a contiguous block and node n owns llcs/numa consecutive LLCs. */
#ifndef KTSTR_TOPOLOGY_H
#define KTSTR_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KT_MAX_CPUS 256		/* bitmap size */
#define KT_MAX_VCPUS 240	/* QEMU pc/q35 limit without an IOMMU is 255; keep margin */

struct topology {
	unsigned numa_nodes, llcs, cores, threads;
};

struct cpuset {
	uint64_t bits[KT_MAX_CPUS / 64];
};

/* "1n2l4c2t" (each part optional after the first present; n defaults 1). */
bool topo_parse(const char *s, struct topology *t, char *why, size_t whylen);
/* Checks divisibility and the vCPU limit. */
bool topo_valid(const struct topology *t, char *why, size_t whylen);
void topo_format(const struct topology *t, char *out, size_t n);
unsigned topo_ncpus(const struct topology *t);
unsigned topo_cpus_per_llc(const struct topology *t);
unsigned topo_llcs_per_node(const struct topology *t);
void topo_llc_cpus(const struct topology *t, unsigned llc, struct cpuset *out);
void topo_node_cpus(const struct topology *t, unsigned node, struct cpuset *out);
unsigned topo_cpu_node(const struct topology *t, unsigned cpu);

void cpuset_clear(struct cpuset *s);
void cpuset_set(struct cpuset *s, unsigned cpu);
bool cpuset_has(const struct cpuset *s, unsigned cpu);
unsigned cpuset_count(const struct cpuset *s);
void cpuset_range(struct cpuset *s, unsigned from, unsigned to); /* [from, to) */
void cpuset_format(const struct cpuset *s, char *out, size_t n);
bool cpuset_parse(const char *s, struct cpuset *out);

/* Cpuset specs, resolved against the whole machine. */
enum cpuset_kind { CS_ALL, CS_LLC, CS_NUMA, CS_RANGE, CS_DISJOINT, CS_OVERLAP, CS_CPUS };
struct cpuset_spec {
	enum cpuset_kind kind;
	int64_t index, of;	/* LLC/NUMA index; DISJOINT/OVERLAP partition */
	double from, to, frac;	/* RANGE fractions; OVERLAP fraction */
	struct cpuset cpus;	/* CS_CPUS */
};
/* Returns false with a reason when the spec cannot fit the topology or
 * resolves to no CPU. */
bool cpuset_resolve(const struct topology *t, const struct cpuset_spec *spec,
		    struct cpuset *out, char *why, size_t whylen);

#endif
