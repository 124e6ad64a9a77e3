/* stats: Mann-Whitney U and Welch's t (see stats.h).  Small samples are
 * the normal case here (a handful of repeated VM runs), so U's p-value is
 * exact when there are no ties: the number of orderings with U at most
 * the observed one, by the recursion over the largest element's sample. */
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXACT_MAX 50	/* per sample: counts stay exact in doubles */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Arrangements of m + n items with U <= u, for every u, by
 * c(m, n, u) = c(m - 1, n, u - n) + c(m, n - 1, u). */
static double exact_cdf(size_t m, size_t n, double u)
{
	size_t umax = m * n;
	double *prev = xcalloc((n + 1) * (umax + 1), sizeof(double));
	double *cur = xcalloc((n + 1) * (umax + 1), sizeof(double));
#define AT(t, j, k) (t)[(j) * (umax + 1) + (k)]
	for (size_t j = 0; j <= n; j++)	/* m = 0: one arrangement, U = 0 */
		AT(prev, j, 0) = 1;
	for (size_t i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * (umax + 1) * sizeof(double));
		AT(cur, 0, 0) = 1;
		for (size_t j = 1; j <= n; j++)
			for (size_t k = 0; k <= i * j; k++)
				AT(cur, j, k) = (k >= j ? AT(prev, j, k - j) : 0) + AT(cur, j - 1, k);
		double *t = prev;
		prev = cur, cur = t;
	}
	double le = 0, total = 0;
	for (size_t k = 0; k <= umax; k++) {
		total += AT(prev, n, k);
		if ((double)k <= u + 1e-9)
			le += AT(prev, n, k);
	}
#undef AT
	free(prev);
	free(cur);
	return le / total;
}

struct mwu mann_whitney(const double *a, size_t na, const double *b, size_t nb)
{
	struct mwu r = {NAN, NAN, 0};
	if (!na || !nb)
		return r;
	size_t n = na + nb;
	double *all = xcalloc(n, sizeof(*all));
	memcpy(all, a, na * sizeof(*a));
	memcpy(all + na, b, nb * sizeof(*b));
	qsort(all, n, sizeof(*all), cmp_double);
	/* rank sum of a, ties at their mean rank; tie term for the variance */
	double ra = 0, ties = 0;
	for (size_t i = 0; i < na; i++) {
		size_t lo = 0, hi = 0;
		for (size_t k = 0; k < n; k++)
			lo += all[k] < a[i], hi += all[k] <= a[i];
		ra += (double)(lo + 1 + hi) / 2;
	}
	bool tied = false;
	for (size_t i = 0; i < n;) {
		size_t k = i;
		while (k < n && all[k] == all[i])
			k++;
		double t = (double)(k - i);
		ties += t * t * t - t;
		tied |= k - i > 1;
		i = k;
	}
	free(all);
	r.u = ra - (double)na * (double)(na + 1) / 2;
	double mean = (double)na * (double)nb / 2;
	double lo_u = r.u < mean ? r.u : (double)na * (double)nb - r.u;
	if (!tied && na <= EXACT_MAX && nb <= EXACT_MAX) {
		r.exact = 1;
		r.p = fmin(1, 2 * exact_cdf(na, nb, lo_u));
		return r;
	}
	double var = (double)na * (double)nb / 12 * ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
	if (var <= 0) {
		r.p = 1;
		return r;
	}
	double z = (fabs(r.u - mean) - 0.5) / sqrt(var);	/* continuity correction */
	r.p = fmin(1, erfc(fmax(z, 0) / sqrt(2)));
	return r;
}

/* ---- Welch ------------------------------------------------------------------ */

/* Continued fraction of the incomplete beta (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1);
	d = fabs(d) < tiny ? tiny : d;
	d = 1 / d;
	double h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2 * m;
		double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + aa * d, d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c, c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d, d = fabs(d) < tiny ? tiny : d;
		c = 1 + aa / c, c = fabs(c) < tiny ? tiny : c;
		d = 1 / d;
		double del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return h;
}

double inc_beta(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

static void mean_var(const double *v, size_t n, double *m, double *var)
{
	*m = 0;
	for (size_t i = 0; i < n; i++)
		*m += v[i];
	*m /= (double)n;
	*var = 0;
	for (size_t i = 0; i < n; i++)
		*var += (v[i] - *m) * (v[i] - *m);
	*var /= (double)(n - 1);
}

struct welch welch_t(const double *a, size_t na, const double *b, size_t nb)
{
	struct welch w = {NAN, NAN, NAN};
	if (na < 2 || nb < 2)
		return w;
	double ma, va, mb, vb;
	mean_var(a, na, &ma, &va);
	mean_var(b, nb, &mb, &vb);
	double sa = va / (double)na, sb = vb / (double)nb;
	if (sa + sb <= 0)
		return w;
	w.t = (ma - mb) / sqrt(sa + sb);
	w.df = (sa + sb) * (sa + sb) / (sa * sa / (double)(na - 1) + sb * sb / (double)(nb - 1));
	w.p = inc_beta(w.df / 2, 0.5, w.df / (w.df + w.t * w.t));
	return w;
}
