/* metrics: how each metric of the catalogue (interp/claims.c, ty_metric)
 * is computed from worker reports, one function per metric in one table
 * keyed by the same names.  Percentiles are nearest rank
 * (sorted[ceil(n*p) - 1]); CVs are population CVs pooled over workers;
 * an undefined value (no samples, fewer than two workers for a spread) is
 * NaN, and claims treat NaN explicitly rather than letting a comparison
 * pass silently. */
#include "checker.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

const cJSON *rep_item(const struct wview *w, const char *key)
{
	const cJSON *v = w->phase ? cJSON_GetObjectItemCaseSensitive(w->phase, key) : NULL;
	return v ? v : cJSON_GetObjectItemCaseSensitive(w->rep, key);
}

double rep_num(const struct wview *w, const char *key)
{
	const cJSON *v = rep_item(w, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static double off_cpu_pct(const struct wview *w)
{
	double wall = rep_num(w, "wall_ns"), cpu = rep_num(w, "cpu_ns");
	if (wall <= 0)
		return NAN;
	double off = wall > cpu ? wall - cpu : 0;
	return off / wall * 100.0;
}

typedef double (*per_worker)(const struct wview *w);

static double sum(const struct wview *w, size_t n, per_worker f)
{
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		double v = f(&w[i]);
		if (!isnan(v))
			s += v;
	}
	return s;
}

static double extreme(const struct wview *w, size_t n, per_worker f, bool max)
{
	double best = NAN;
	for (size_t i = 0; i < n; i++) {
		double v = f(&w[i]);
		if (isnan(v))
			continue;
		if (isnan(best) || (max ? v > best : v < best))
			best = v;
	}
	return best;
}

static double mean(const struct wview *w, size_t n, per_worker f)
{
	double s = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double v = f(&w[i]);
		if (!isnan(v))
			s += v, k++;
	}
	return k ? s / (double)k : NAN;
}

static double cv_of(const double *v, size_t n)
{
	if (n < 2)
		return NAN;
	double m = 0, var = 0;
	for (size_t i = 0; i < n; i++)
		m += v[i];
	m /= (double)n;
	if (m <= 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		var += (v[i] - m) * (v[i] - m);
	return sqrt(var / (double)n) / m;
}

/* ---- per worker values ------------------------------------------------------ */

static double w_work(const struct wview *w) { return rep_num(w, "work_units"); }
static double w_iter(const struct wview *w) { return rep_num(w, "iterations"); }
static double w_gap_ms(const struct wview *w) { return rep_num(w, "max_gap_ns") / 1e6; }
static double w_cpu_ms(const struct wview *w) { return rep_num(w, "cpu_ns") / 1e6; }
static double w_wall_ms(const struct wview *w) { return rep_num(w, "wall_ns") / 1e6; }
static double w_migr(const struct wview *w)
{
	const cJSON *v = rep_item(w, "migration_count");
	return cJSON_IsNumber(v) ? v->valuedouble : rep_num(w, "migrations");
}
static double w_wake_total(const struct wview *w) { return rep_num(w, "wake_sample_total"); }
static double w_delay_us(const struct wview *w) { return rep_num(w, "run_delay_ns") / 1e3; }
static double w_vcsw(const struct wview *w) { return rep_num(w, "voluntary_csw"); }
static double w_ivcsw(const struct wview *w) { return rep_num(w, "involuntary_csw"); }
static double w_one(const struct wview *w) { (void)w; return 1; }

static double w_work_rate(const struct wview *w)
{
	double cpu = rep_num(w, "cpu_ns");
	return cpu > 0 ? rep_num(w, "work_units") / (cpu / 1e9) : NAN;
}

static double w_iter_rate(const struct wview *w)
{
	double wall = rep_num(w, "wall_ns");
	return wall > 0 ? rep_num(w, "iterations") / (wall / 1e9) : NAN;
}

static double w_pages(const struct wview *w)
{
	const cJSON *np = cJSON_GetObjectItemCaseSensitive(w->rep, "numa_pages"), *it;
	double t = 0;
	cJSON_ArrayForEach(it, np)
		if (cJSON_IsNumber(it))
			t += it->valuedouble;
	return t;
}

/* Share of pages on the node(s) the worker ran on (its CPUs' nodes are
 * not in the report; the checker passes locality through "local_nodes"
 * when known, else node 0 only counts for single-node runs). */
static double w_locality(const struct wview *w)
{
	double total = w_pages(w);
	if (total <= 0)
		return NAN;
	const cJSON *np = cJSON_GetObjectItemCaseSensitive(w->rep, "numa_pages");
	const cJSON *local = cJSON_GetObjectItemCaseSensitive(w->rep, "local_nodes"), *it;
	double on = 0;
	cJSON_ArrayForEach(it, np) {
		bool is_local = !local;
		const cJSON *ln;
		cJSON_ArrayForEach(ln, local)
			if (cJSON_IsNumber(ln) && atoi(it->string) == ln->valueint)
				is_local = true;
		if (is_local && cJSON_IsNumber(it))
			on += it->valuedouble;
	}
	return on / total;
}

/* ---- pooled samples ------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double *pool(const struct wview *w, size_t n, size_t *count)
{
	size_t cap = 0, k = 0;
	double *v = NULL;
	for (size_t i = 0; i < n; i++) {
		const cJSON *s = rep_item(&w[i], "wake_samples_ns"), *it;
		cJSON_ArrayForEach(it, s) {
			if (k == cap) {
				cap = cap ? cap * 2 : 1024;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[k++] = it->valuedouble;
		}
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_u64);
	*count = k;
	return v;
}

static double percentile_us(const struct wview *w, size_t n, double p)
{
	size_t k;
	double *v = pool(w, n, &k);
	double r = NAN;
	if (k) {
		size_t rank = (size_t)ceil((double)k * p);
		if (rank < 1)
			rank = 1;
		if (rank > k)
			rank = k;
		r = v[rank - 1] / 1e3;
	}
	free(v);
	return r;
}

/* ---- the table ------------------------------------------------------------------ */

typedef double (*metric_fn)(const struct wview *w, size_t n);

static double m_workers(const struct wview *w, size_t n) { return sum(w, n, w_one); }
static double m_total_work(const struct wview *w, size_t n) { return sum(w, n, w_work); }
static double m_min_work(const struct wview *w, size_t n) { return extreme(w, n, w_work, false); }
static double m_total_iter(const struct wview *w, size_t n) { return sum(w, n, w_iter); }
static double m_iter_per_worker(const struct wview *w, size_t n) { return n ? sum(w, n, w_iter) / (double)n : NAN; }
static double m_max_gap(const struct wview *w, size_t n) { return extreme(w, n, w_gap_ms, true); }
static double m_avg_off(const struct wview *w, size_t n) { return mean(w, n, off_cpu_pct); }
static double m_max_off(const struct wview *w, size_t n) { return extreme(w, n, off_cpu_pct, true); }
static double m_min_off(const struct wview *w, size_t n) { return extreme(w, n, off_cpu_pct, false); }
static double m_cpu_ms(const struct wview *w, size_t n) { return sum(w, n, w_cpu_ms); }
static double m_wall_ms(const struct wview *w, size_t n) { return extreme(w, n, w_wall_ms, true); }
static double m_migrations(const struct wview *w, size_t n) { return sum(w, n, w_migr); }
static double m_p50(const struct wview *w, size_t n) { return percentile_us(w, n, 0.5); }
static double m_p99(const struct wview *w, size_t n) { return percentile_us(w, n, 0.99); }
static double m_pmax(const struct wview *w, size_t n) { return percentile_us(w, n, 1.0); }
static double m_wake_samples(const struct wview *w, size_t n) { return sum(w, n, w_wake_total); }
static double m_mean_delay(const struct wview *w, size_t n) { return mean(w, n, w_delay_us); }
static double m_max_delay(const struct wview *w, size_t n) { return extreme(w, n, w_delay_us, true); }
static double m_min_rate(const struct wview *w, size_t n) { return extreme(w, n, w_work_rate, false); }
static double m_min_iter_rate(const struct wview *w, size_t n) { return extreme(w, n, w_iter_rate, false); }
static double m_vcsw(const struct wview *w, size_t n) { return sum(w, n, w_vcsw); }
static double m_ivcsw(const struct wview *w, size_t n) { return sum(w, n, w_ivcsw); }
static double m_locality(const struct wview *w, size_t n) { return extreme(w, n, w_locality, false); }

static double m_spread(const struct wview *w, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += !isnan(off_cpu_pct(&w[i]));
	return k < 2 ? 0 : m_max_off(w, n) - m_min_off(w, n);
}

static double m_num_cpus(const struct wview *w, size_t n)
{
	uint64_t seen[64] = {0};
	for (size_t i = 0; i < n; i++) {
		const cJSON *it;
		cJSON_ArrayForEach(it, rep_item(&w[i], "cpus_used"))
			if (cJSON_IsNumber(it) && it->valueint >= 0 && it->valueint < 4096)
				seen[it->valueint / 64] |= 1ull << (it->valueint % 64);
	}
	double k = 0;
	for (size_t i = 0; i < 64; i++)
		k += __builtin_popcountll(seen[i]);
	return k;
}

static double m_migration_ratio(const struct wview *w, size_t n)
{
	double it = sum(w, n, w_iter);
	return it > 0 ? sum(w, n, w_migr) / it : 0;
}

static double m_wake_cv(const struct wview *w, size_t n)
{
	size_t k;
	double *v = pool(w, n, &k);
	double r = cv_of(v, k);
	free(v);
	return r;
}

static double m_tail_ratio(const struct wview *w, size_t n)
{
	double med = m_p50(w, n), p99 = m_p99(w, n);
	return isnan(med) || med == 0 ? 0 : p99 / med;
}

static double m_throughput_cv(const struct wview *w, size_t n)
{
	double *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double r = w_work_rate(&w[i]);
		if (!isnan(r))
			v[k++] = r;
	}
	double cv = cv_of(v, k);
	free(v);
	return cv;
}

static double m_cross_node(const struct wview *w, size_t n)
{
	double pages = sum(w, n, w_pages), migrated = 0;
	for (size_t i = 0; i < n; i++) {
		double m = rep_num(&w[i], "vmstat_numa_pages_migrated");
		if (m > migrated)
			migrated = m;	/* system-wide counter: fold with max */
	}
	return pages > 0 ? migrated / pages : NAN;
}

static double m_slow_tier(const struct wview *w, size_t n)
{
	double loc = m_locality(w, n);
	return isnan(loc) ? NAN : 1 - loc;
}

static const struct {
	const char *name;
	metric_fn fn;
} metrics[] = {
	{"workers", m_workers},
	{"num_cpus", m_num_cpus},
	{"total_work_units", m_total_work},
	{"min_work_units", m_min_work},
	{"total_iterations", m_total_iter},
	{"iterations_per_worker", m_iter_per_worker},
	{"max_gap_ms", m_max_gap},
	{"avg_off_cpu_pct", m_avg_off},
	{"max_off_cpu_pct", m_max_off},
	{"min_off_cpu_pct", m_min_off},
	{"spread_pct", m_spread},
	{"cpu_time_ms", m_cpu_ms},
	{"wall_time_ms", m_wall_ms},
	{"migrations", m_migrations},
	{"migration_ratio", m_migration_ratio},
	{"p50_wake_latency_us", m_p50},
	{"p99_wake_latency_us", m_p99},
	{"max_wake_latency_us", m_pmax},
	{"wake_latency_cv", m_wake_cv},
	{"wake_latency_tail_ratio", m_tail_ratio},
	{"wake_samples", m_wake_samples},
	{"mean_run_delay_us", m_mean_delay},
	{"max_run_delay_us", m_max_delay},
	{"throughput_cv", m_throughput_cv},
	{"min_work_rate", m_min_rate},
	{"min_iteration_rate", m_min_iter_rate},
	{"voluntary_csw", m_vcsw},
	{"involuntary_csw", m_ivcsw},
	{"page_locality", m_locality},
	{"cross_node_migration_ratio", m_cross_node},
	{"slow_tier_ratio", m_slow_tier},
};

bool metric_implemented(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(metrics); i++)
		if (!strcmp(metrics[i].name, name))
			return true;
	return false;
}

bool metric_compute(const char *name, const struct wview *w, size_t n, double *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(metrics); i++) {
		if (!strcmp(metrics[i].name, name)) {
			*out = n ? metrics[i].fn(w, n) : NAN;
			if (n == 0 && !strcmp(name, "workers"))
				*out = 0;
			return true;
		}
	}
	return false;
}
