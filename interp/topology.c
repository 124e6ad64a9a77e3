/* topology: parsing, validation and CPU-set arithmetic for VM topologies. */
#include "topology.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool topo_parse(const char *s, struct topology *t, char *why, size_t whylen)
{
	static const char order[] = "nlct";
	unsigned vals[4] = {1, 1, 1, 1};
	bool seen[4] = {0};
	int last = -1;
	const char *p = s;
	if (!*p) {
		snprintf(why, whylen, "is empty; expected a topology like 1n2l4c2t");
		return false;
	}
	while (*p) {
		if (!isdigit((unsigned char)*p)) {
			snprintf(why, whylen, "is not a topology; expected digits then n, l, c, t as in 1n2l4c2t");
			return false;
		}
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		const char *u = strchr(order, *end);
		if (!*end || !u) {
			snprintf(why, whylen, "is not a topology; expected each number followed by n (NUMA nodes), l (LLCs), c (cores per LLC) or t (threads per core), as in 1n2l4c2t");
			return false;
		}
		int idx = (int)(u - order);
		if (idx <= last || seen[idx]) {
			snprintf(why, whylen, "lists parts out of order; expected the order n, l, c, t as in 1n2l4c2t");
			return false;
		}
		if (v == 0 || v > 4096) {
			snprintf(why, whylen, "has a count of %lu; expected counts from 1 to 4096", v);
			return false;
		}
		seen[idx] = true;
		vals[idx] = (unsigned)v;
		last = idx;
		p = end + 1;
	}
	if (!seen[1] || !seen[2]) {
		snprintf(why, whylen, "lacks %s; expected at least LLCs and cores, as in 2l4c", !seen[1] ? "the LLC count (l)" : "the core count (c)");
		return false;
	}
	t->numa_nodes = vals[0];
	t->llcs = vals[1];
	t->cores = vals[2];
	t->threads = vals[3];
	return topo_valid(t, why, whylen);
}

bool topo_valid(const struct topology *t, char *why, size_t whylen)
{
	if (!t->numa_nodes || !t->llcs || !t->cores || !t->threads) {
		snprintf(why, whylen, "has a zero count; expected every count >= 1");
		return false;
	}
	if (t->numa_nodes > 64 || t->llcs > 240 || t->cores > 240 || t->threads > 8) {
		snprintf(why, whylen, "has %un%ul%uc%ut; expected at most 64 NUMA nodes, 240 LLCs, 240 cores per LLC and 8 threads per core",
			 t->numa_nodes, t->llcs, t->cores, t->threads);
		return false;
	}
	if (t->llcs % t->numa_nodes) {
		snprintf(why, whylen, "has %u LLCs over %u NUMA nodes; expected llcs to be a multiple of numa_nodes",
			 t->llcs, t->numa_nodes);
		return false;
	}
	unsigned long n = (unsigned long)t->llcs * t->cores * t->threads;
	if (n > KT_MAX_VCPUS) {
		snprintf(why, whylen, "needs %lu vCPUs; expected at most %d (llcs x cores x threads)",
			 n, KT_MAX_VCPUS);
		return false;
	}
	return true;
}

void topo_format(const struct topology *t, char *out, size_t n)
{
	snprintf(out, n, "%un%ul%uc%ut", t->numa_nodes, t->llcs, t->cores, t->threads);
}

unsigned topo_ncpus(const struct topology *t)
{
	return t->llcs * t->cores * t->threads;
}

unsigned topo_cpus_per_llc(const struct topology *t)
{
	return t->cores * t->threads;
}

unsigned topo_llcs_per_node(const struct topology *t)
{
	return t->llcs / t->numa_nodes;
}

void topo_llc_cpus(const struct topology *t, unsigned llc, struct cpuset *out)
{
	unsigned per = topo_cpus_per_llc(t);
	cpuset_clear(out);
	cpuset_range(out, llc * per, (llc + 1) * per);
}

void topo_node_cpus(const struct topology *t, unsigned node, struct cpuset *out)
{
	unsigned per = topo_cpus_per_llc(t) * topo_llcs_per_node(t);
	cpuset_clear(out);
	cpuset_range(out, node * per, (node + 1) * per);
}

unsigned topo_cpu_node(const struct topology *t, unsigned cpu)
{
	return cpu / (topo_cpus_per_llc(t) * topo_llcs_per_node(t));
}

void cpuset_clear(struct cpuset *s)
{
	memset(s, 0, sizeof(*s));
}

void cpuset_set(struct cpuset *s, unsigned cpu)
{
	if (cpu < KT_MAX_CPUS)
		s->bits[cpu / 64] |= 1ull << (cpu % 64);
}

bool cpuset_has(const struct cpuset *s, unsigned cpu)
{
	return cpu < KT_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned cpuset_count(const struct cpuset *s)
{
	unsigned n = 0;
	for (size_t i = 0; i < KT_MAX_CPUS / 64; i++)
		n += (unsigned)__builtin_popcountll(s->bits[i]);
	return n;
}

void cpuset_range(struct cpuset *s, unsigned from, unsigned to)
{
	for (unsigned c = from; c < to && c < KT_MAX_CPUS; c++)
		cpuset_set(s, c);
}

void cpuset_format(const struct cpuset *s, char *out, size_t n)
{
	size_t w = 0;
	out[0] = 0;
	for (unsigned c = 0; c < KT_MAX_CPUS; c++) {
		if (!cpuset_has(s, c))
			continue;
		unsigned e = c;
		while (e + 1 < KT_MAX_CPUS && cpuset_has(s, e + 1))
			e++;
		int r = e == c ? snprintf(out + w, n - w, "%s%u", w ? "," : "", c)
			       : snprintf(out + w, n - w, "%s%u-%u", w ? "," : "", c, e);
		if (r < 0 || (size_t)r >= n - w)
			return;
		w += (size_t)r;
		c = e;
	}
}

bool cpuset_parse(const char *s, struct cpuset *out)
{
	cpuset_clear(out);
	const char *p = s;
	if (!*p)
		return false;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return false;
		unsigned long a = strtoul(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				return false;
			b = strtoul(p + 1, &end, 10);
			p = end;
		}
		if (a > b || b >= KT_MAX_CPUS)
			return false;
		cpuset_range(out, (unsigned)a, (unsigned)b + 1);
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return false;
	}
	return true;
}

static bool partition(unsigned n, int64_t index, int64_t of, unsigned *lo,
		      unsigned *hi, char *why, size_t whylen)
{
	if (of < 1 || of > n) {
		snprintf(why, whylen, "splits %u CPUs into %lld parts; expected 'of' from 1 to %u",
			 n, (long long)of, n);
		return false;
	}
	if (index < 0 || index >= of) {
		snprintf(why, whylen, "takes part %lld of %lld; expected 'index' from 0 to %lld",
			 (long long)index, (long long)of, (long long)of - 1);
		return false;
	}
	*lo = (unsigned)(index * n / of);
	*hi = (unsigned)((index + 1) * n / of);
	return true;
}

bool cpuset_resolve(const struct topology *t, const struct cpuset_spec *sp,
		    struct cpuset *out, char *why, size_t whylen)
{
	unsigned n = topo_ncpus(t), lo, hi;
	cpuset_clear(out);
	switch (sp->kind) {
	case CS_ALL:
		cpuset_range(out, 0, n);
		return true;
	case CS_LLC:
		if (sp->index < 0 || sp->index >= t->llcs) {
			snprintf(why, whylen, "names LLC %lld but the topology has %u LLCs; expected an index from 0 to %u",
				 (long long)sp->index, t->llcs, t->llcs - 1);
			return false;
		}
		topo_llc_cpus(t, (unsigned)sp->index, out);
		return true;
	case CS_NUMA:
		if (sp->index < 0 || sp->index >= t->numa_nodes) {
			snprintf(why, whylen, "names NUMA node %lld but the topology has %u NUMA nodes; expected an index from 0 to %u",
				 (long long)sp->index, t->numa_nodes, t->numa_nodes - 1);
			return false;
		}
		topo_node_cpus(t, (unsigned)sp->index, out);
		return true;
	case CS_RANGE:
		if (!(sp->from >= 0 && sp->to <= 1)) {
			snprintf(why, whylen, "is the range [%g, %g]; expected fractions from 0 to 1", sp->from, sp->to);
			return false;
		}
		if (!(sp->from < sp->to)) {
			snprintf(why, whylen, "is the range [%g, %g]; expected from < to", sp->from, sp->to);
			return false;
		}
		lo = (unsigned)floor(sp->from * n);
		hi = (unsigned)ceil(sp->to * n);
		if (hi > n)
			hi = n;
		if (lo >= hi) {
			snprintf(why, whylen, "covers no CPU of %u; expected a wider range", n);
			return false;
		}
		cpuset_range(out, lo, hi);
		return true;
	case CS_DISJOINT:
		if (!partition(n, sp->index, sp->of, &lo, &hi, why, whylen))
			return false;
		cpuset_range(out, lo, hi);
		return true;
	case CS_OVERLAP: {
		if (!(sp->frac >= 0 && sp->frac <= 1)) {
			snprintf(why, whylen, "overlaps by %g; expected a fraction from 0 to 1", sp->frac);
			return false;
		}
		if (!partition(n, sp->index, sp->of, &lo, &hi, why, whylen))
			return false;
		/* Grow the part by frac of its size into its right neighbour
		 * (the last part grows left), so neighbours share CPUs. */
		unsigned extra = (unsigned)ceil(sp->frac * (hi - lo));
		if (hi + extra <= n)
			hi += extra;
		else
			lo = lo > extra ? lo - extra : 0;
		cpuset_range(out, lo, hi);
		return true;
	}
	case CS_CPUS:
		for (unsigned c = n; c < KT_MAX_CPUS; c++) {
			if (cpuset_has(&sp->cpus, c)) {
				snprintf(why, whylen, "names CPU %u but the topology has %u CPUs; expected CPUs 0 to %u",
					 c, n, n - 1);
				return false;
			}
		}
		*out = sp->cpus;
		if (!cpuset_count(out)) {
			snprintf(why, whylen, "is empty; expected at least one CPU");
			return false;
		}
		return true;
	}
	return false;
}
