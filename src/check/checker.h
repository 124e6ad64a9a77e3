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
#include "report.h"
#include "vocab.h"

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

/* held: the value was measured and the claim held.  failed: it did not
 * hold, or there was nothing to judge where something should have been
 * (no workers, no data: a pass must be earned).  n/a: the claim does not
 * apply to this scope (isolation of a cgroup that never had a cpuset, a
 * spread without two comparable workers); shown, never counted as held,
 * and not a failure. */
enum claim_status { CS_HELD, CS_FAILED, CS_NA };

struct claim_result {
	char name[64];		/* check or metric */
	enum claim_status status;
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

const char *claim_status_name(enum claim_status s);
/* The status a saved claim object records ("status", else "passed"). */
enum claim_status claim_status_of(const struct cJSON *claim);

/* metrics.c: a metric of the catalogue over a set of workers. */
enum metric_state {
	MS_OK,			/* *out is the value */
	MS_NO_WORKERS,		/* nothing in scope */
	MS_NO_DATA,		/* workers, but the value is undefined for them */
	MS_NOT_APPLICABLE,	/* the metric does not apply (e.g. a spread of one) */
	MS_UNKNOWN,		/* no such metric */
};
enum metric_state metric_eval(const char *name, const struct wview *w, size_t n, double *out);
/* metric_eval's value (NaN unless MS_OK); false for an unknown metric. */
bool metric_compute(const char *name, const struct wview *w, size_t n, double *out);
/* Why metric name is undefined for these workers, in out, when the
 * metric can tell (page_locality: which worker counted no pages); false
 * when it cannot or the value is defined. */
bool metric_why(const char *name, const struct wview *w, size_t n, char *out, size_t len);
/* The metric has exactly the implementation its catalogue row's
 * aggregation calls for (tested for every row). */
bool metric_implemented(const char *name);

/* Report readers, by the contract's keys.  rep_item/rep_num read the
 * view's slice in a step scope and never fall back to the whole run (a
 * key the slice does not carry reads as absent); rep_id_* read the
 * report's identity (cgroup, spawn, work, pid) whatever the scope.
 * Numbers read NaN when absent. */
const struct cJSON *rep_item(const struct wview *w, enum rep_key k);
double rep_num(const struct wview *w, enum rep_key k);
double rep_id_num(const struct wview *w, enum rep_key k);
const char *rep_id_str(const struct wview *w, enum rep_key k);

/* Evaluators of the check table (interp/claims.c): true when every
 * enum check_eval value has one (tested). */
bool check_evaluator_exists(enum check_eval e);

#endif
