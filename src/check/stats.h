/* stats: the tests `ktstr compare` judges a difference between two sets
 * of repeated runs with — Mann-Whitney U (rank-based, no assumption of
 * normality; exact p for small samples without ties) and Welch's t
 * (unequal variances). */
#ifndef KTSTR_STATS_H
#define KTSTR_STATS_H

#include <stddef.h>

struct mwu {
	double u;	/* U of the first sample */
	double p;	/* two-sided */
	int exact;	/* 1: exact distribution, 0: normal approximation (ties or large n) */
};

struct welch {
	double t, df, p;	/* p two-sided; NaN when undefined (n < 2, zero variance) */
};

struct mwu mann_whitney(const double *a, size_t na, const double *b, size_t nb);
struct welch welch_t(const double *a, size_t na, const double *b, size_t nb);
/* Regularized incomplete beta I_x(a, b) (for the t distribution). */
double inc_beta(double a, double b, double x);

#endif
