/* passes: the reductions of a scenario tree, coarse to fine — drop a
 * step, a cgroup with everything that names it, an op, a payload, a work
 * group, a claim; halve worker counts; halve the duration and fixed
 * holds; shrink the topology; put work parameters back to defaults.
 * Each candidate is a whole new tree; the caller validates it (an
 * invalid candidate is never run) and decides whether it still fails. */
#ifndef KTSTR_PASSES_H
#define KTSTR_PASSES_H

#include <stddef.h>

struct cJSON;

struct candidate {
	struct cJSON *doc;
	char what[200];		/* the reduction, in words */
};

/* Every candidate one step smaller than doc, coarse first.  The claim
 * keep_claim (a check or metric name, or NULL) on keep_cgroup (NULL: at
 * scenario level) is never dropped: it is the failure. */
size_t reduce_candidates(const struct cJSON *doc, const char *keep_claim, const char *keep_cgroup,
			 struct candidate **out);
void candidates_free(struct candidate *c, size_t n);
/* A rough size: cgroups + workers + steps + ops + CPUs + seconds. */
struct scenario_size {
	int cgroups, workers, steps, ops, cpus;
	double duration_s;
	int lines;
};
struct scenario_size scenario_measure(const struct cJSON *doc);

#endif
