/* Unit tests of compare's statistics on samples with known answers:
 * Mann-Whitney's exact p, ties, Welch's t against a numeric integration
 * of the t density, and the compare table: a planted regression must be
 * flagged (and fail --fail-on-regression), two sets drawn from the same
 * distribution must not, and too few runs must say so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comparison.h"
#include "stats.h"

static void test_mwu_exact(void **state)
{
	(void)state;
	double a[] = {1, 2, 3, 4, 5}, b[] = {6, 7, 8, 9, 10};
	struct mwu u = mann_whitney(a, 5, b, 5);
	assert_true(u.exact);
	assert_float_equal(u.u, 0, 1e-12);
	assert_float_equal(u.p, 2.0 / 252, 1e-12);	/* 2 of C(10,5) orderings are as extreme */
	u = mann_whitney(b, 5, a, 5);
	assert_float_equal(u.u, 25, 1e-12);
	assert_float_equal(u.p, 2.0 / 252, 1e-12);
	double c[] = {1, 3, 5}, d[] = {2, 4, 6};	/* U = 3 of 9: P(U <= 3) = 7/20 */
	u = mann_whitney(c, 3, d, 3);
	assert_float_equal(u.u, 3, 1e-12);
	assert_float_equal(u.p, 0.7, 1e-12);
}

static void test_mwu_ties(void **state)
{
	(void)state;
	double a[] = {5, 5, 5, 5}, b[] = {5, 5, 5, 5};
	struct mwu u = mann_whitney(a, 4, b, 4);
	assert_false(u.exact);
	assert_float_equal(u.p, 1, 1e-12);
	double c[] = {1, 1, 2, 2, 3, 3, 4, 4}, e[] = {10, 10, 11, 11, 12, 12, 13, 13};
	u = mann_whitney(c, 8, e, 8);
	assert_true(u.p < 0.01);
}

static void test_welch(void **state)
{
	(void)state;
	double a[] = {1, 2, 3, 4, 5}, b[] = {2, 4, 6, 8, 10};
	struct welch w = welch_t(a, 5, b, 5);
	assert_float_equal(w.t, -1.8973665961010275, 1e-9);
	assert_float_equal(w.df, 5.882352941176471, 1e-9);
	assert_float_equal(w.p, 0.1075312, 1e-5);	/* numeric integration of the t density */
	assert_float_equal(inc_beta(3, 3, 0.5), 0.5, 1e-12);
	double one[] = {1};
	assert_true(isnan(welch_t(one, 1, b, 5).p));
}

static cJSON **results(const double *v, int n)
{
	cJSON **r = calloc((size_t)n, sizeof(*r));
	for (int i = 0; i < n; i++) {
		r[i] = cJSON_CreateObject();
		cJSON *cg = cJSON_CreateObject();
		cJSON_AddStringToObject(cg, "name", "g");
		cJSON_AddNumberToObject(cg, "total_work_units", v[i]);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(r[i], "cgroups"), cg);
	}
	return r;
}

static void drop(cJSON **r, int n)
{
	for (int i = 0; i < n; i++)
		cJSON_Delete(r[i]);
	free(r);
}

static char *table(cJSON **a, int na, cJSON **b, int nb, double pct, int *regressions)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	*regressions = compare_sets(a, na, b, nb, pct, f);
	fclose(f);
	return buf;
}

/* Uniform noise of +-2% from a fixed seed: the same distribution twice. */
static void draw(double *v, int n, double mean, unsigned *seed)
{
	for (int i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		v[i] = mean * (1 + ((double)(*seed >> 16 & 0x7fff) / 0x7fff - 0.5) * 0.04);
	}
}

static void test_planted_regression(void **state)
{
	(void)state;
	unsigned seed = 7;
	double base[8], same[8], worse[8];
	draw(base, 8, 1000, &seed);
	draw(same, 8, 1000, &seed);
	draw(worse, 8, 800, &seed);	/* work units are higher-better: -20% */
	cJSON **a = results(base, 8), **b = results(same, 8), **c = results(worse, 8);
	int reg;
	char *t = table(a, 8, c, 8, 10, &reg);
	assert_int_equal(reg, 1);
	assert_non_null(strstr(t, "worse, beyond noise"));
	assert_non_null(strstr(t, "REGRESSION"));
	free(t);
	t = table(a, 8, c, 8, 30, &reg);	/* beyond noise, but less than 30% */
	assert_int_equal(reg, 0);
	free(t);
	t = table(a, 8, b, 8, 0, &reg);
	assert_int_equal(reg, 0);
	assert_non_null(strstr(t, "within noise"));
	free(t);
	t = table(c, 8, a, 8, 0, &reg);	/* the other way round is an improvement */
	assert_int_equal(reg, 0);
	assert_non_null(strstr(t, "better, beyond noise"));
	free(t);
	t = table(a, 3, c, 3, 0, &reg);
	assert_int_equal(reg, 0);
	assert_non_null(strstr(t, "too few runs"));
	free(t);
	t = table(a, 1, c, 1, 0, &reg);
	assert_non_null(strstr(t, "single runs"));
	free(t);
	drop(a, 8), drop(b, 8), drop(c, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mwu_exact),
		cmocka_unit_test(test_mwu_ties),
		cmocka_unit_test(test_welch),
		cmocka_unit_test(test_planted_regression),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
