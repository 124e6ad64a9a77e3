/* checker: the verdict.  It reads the program's CHECK and CLAIM
 * instructions (defaults, scheduler and scenario layers already merged by
 * lowering) and the executor's records (worker reports with per-step
 * phase slices, cpuset changes, op errors, captures, payload results),
 * computes metrics over scopes (all workers, a cgroup, a step's slice)
 * and evaluates every claim.  Pure logic over JSON: no VM, no system. */
#ifndef KTSTR_CHECKER_H
#define KTSTR_CHECKER_H

#include <stdbool.h>
#include <stddef.h>

#include "bytecode.h"

struct cJSON;

/* A set of worker values for one scope. */
struct wview {
	const struct cJSON *rep;	/* worker report */
	const struct cJSON *phase;	/* the step's slice, or NULL for the whole run */
	const char *cgroup;
};

struct scope {
	const char *cgroup;	/* NULL: every worker */
	int step;		/* 0: whole run */
};

struct claim_result {
	char name[64];		/* check or metric */
	char scope[160];	/* "scenario", "cgroup cg_0", "step 2", "cgroup a, step 1" */
	char expected[96];	/* "<= 2000", "true", "[1, 5]", "finite" */
	double actual;		/* NaN when undefined */
	char actual_text[160];	/* human form of actual */
	bool passed;
	char detail[256];	/* which worker, why */
};

struct check_output {
	struct claim_result *claims;
	size_t n, cap;
	size_t failed;
};

/* Evaluate every claim of p against records (a cJSON array). */
void check_run(const struct kb_program *p, const struct cJSON *records, struct check_output *out);
void check_output_free(struct check_output *o);

/* metrics.c: value of a metric from the metric table over workers;
 * false when the name has no implementation. */
bool metric_compute(const char *name, const struct wview *w, size_t n, double *out);
/* Every metric of interp/claims.c has an implementation (tested). */
bool metric_implemented(const char *name);

/* Helpers over reports. */
double rep_num(const struct wview *w, const char *key);	/* phase first, then report */
const struct cJSON *rep_item(const struct wview *w, const char *key);

#endif
