/* comparison: two sets of results (one run each, or repeated runs) side
 * by side — per cgroup and summary metric the values, the delta, and
 * whether it is beyond run-to-run noise by a stated test (Mann-Whitney
 * U, Welch's t shown beside it), judged better or worse by the metric's
 * direction.  Used by `ktstr compare` and by the gauntlet's A/B. */
#ifndef KTSTR_COMPARISON_H
#define KTSTR_COMPARISON_H

#include <stdio.h>

struct cJSON;

#define COMPARE_ALPHA 0.05

/* Prints the table; returns how many metrics regressed by more than
 * fail_pct percent with p < COMPARE_ALPHA (fail_pct < 0: never counted). */
int compare_sets(struct cJSON *const *a, int na, struct cJSON *const *b, int nb, double fail_pct, FILE *out);

#endif
