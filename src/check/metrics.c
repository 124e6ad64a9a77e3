/* metrics: how each metric of the catalogue (interp/claims.c, ty_metric)
 * is computed from worker reports.  A metric is either a per-worker value
 * combined over the scope by the aggregation its catalogue row declares
 * (sum, max, min, mean), or a function of the scope as a whole (pooled
 * samples, counts, spreads).  Reports are read through the keys of the
 * guest contract (guest/report.def); in a step scope only a slice's own
 * keys are read, never the whole run's.  Percentiles are nearest rank
 * (sorted[ceil(n*p) - 1]); CVs are population CVs.  An undefined value
 * (no samples, no worker, a spread without two comparable workers) is
 * NaN, and the checker never counts NaN as held. */
#include "checker.h"
#include "report.h"
#include "util.h"
#include "vocab.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const cJSON *rep_item(const struct wview *w, enum rep_key k)
{
	if (w->phase)
		return rep_keys[k].where & RKW_P ? cJSON_GetObjectItemCaseSensitive(w->phase, rep_keys[k].name)
						 : NULL;
	return cJSON_GetObjectItemCaseSensitive(w->rep, rep_keys[k].name);
}

double rep_num(const struct wview *w, enum rep_key k)
{
	const cJSON *v = rep_item(w, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

double rep_id_num(const struct wview *w, enum rep_key k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(w->rep, rep_keys[k].name);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *rep_id_str(const struct wview *w, enum rep_key k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(w->rep, rep_keys[k].name));
}

/* ---- per worker values ------------------------------------------------------ */

typedef double (*per_worker)(const struct wview *w);

static double ratio(double a, double b) { return b > 0 ? a / b : NAN; }

static double w_work(const struct wview *w) { return rep_num(w, RK_WORK_UNITS); }
static double w_iter(const struct wview *w) { return rep_num(w, RK_ITERATIONS); }
static double w_gap_ms(const struct wview *w) { return rep_num(w, RK_MAX_GAP_NS) / 1e6; }
static double w_runwait_ms(const struct wview *w) { return rep_num(w, RK_MAX_RUNNABLE_WAIT_NS) / 1e6; }
static double w_cpu_ms(const struct wview *w) { return rep_num(w, RK_CPU_NS) / 1e6; }
static double w_wall_ms(const struct wview *w) { return rep_num(w, RK_WALL_NS) / 1e6; }
static double w_migr(const struct wview *w) { return rep_num(w, RK_MIGRATION_COUNT); }
static double w_wake_total(const struct wview *w) { return rep_num(w, RK_WAKE_SAMPLE_TOTAL); }
static double w_delay_us(const struct wview *w) { return rep_num(w, RK_RUN_DELAY_NS) / 1e3; }
static double w_vcsw(const struct wview *w) { return rep_num(w, RK_VOLUNTARY_CSW); }
static double w_ivcsw(const struct wview *w) { return rep_num(w, RK_INVOLUNTARY_CSW); }
static double w_work_rate(const struct wview *w) { return ratio(w_work(w), rep_num(w, RK_CPU_NS) / 1e9); }
static double w_iter_rate(const struct wview *w) { return ratio(w_iter(w), rep_num(w, RK_WALL_NS) / 1e9); }
static double w_iter_cost(const struct wview *w) { return ratio(rep_num(w, RK_CPU_NS), w_iter(w)); }

static double off_cpu_pct(const struct wview *w)
{
	double wall = rep_num(w, RK_WALL_NS), cpu = rep_num(w, RK_CPU_NS);
	if (!(wall > 0) || isnan(cpu))
		return NAN;
	return (wall > cpu ? wall - cpu : 0) / wall * 100.0;
}

static double w_pages(const struct wview *w)
{
	const cJSON *np = rep_item(w, RK_NUMA_PAGES), *it;
	if (!np)
		return NAN;
	double t = 0;
	cJSON_ArrayForEach(it, np)
		if (cJSON_IsNumber(it))
			t += it->valuedouble;
	return t;
}

/* ---- aggregation ------------------------------------------------------------- */

static double aggregate(const struct wview *w, size_t n, per_worker f, enum metric_agg agg)
{
	double acc = NAN;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double v = f(&w[i]);
		if (isnan(v))
			continue;
		if (!k++)
			acc = v;
		else if (agg == AGG_SUM || agg == AGG_MEAN)
			acc += v;
		else if (agg == AGG_MAX ? v > acc : v < acc)
			acc = v;
	}
	return agg == AGG_MEAN && k ? acc / (double)k : acc;
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

/* ---- pooled samples ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double *pool(const struct wview *w, size_t n, size_t *count)
{
	size_t cap = 0, k = 0;
	double *v = NULL;
	for (size_t i = 0; i < n; i++) {
		const cJSON *s = rep_item(&w[i], RK_WAKE_SAMPLES_NS), *it;
		cJSON_ArrayForEach(it, s) {
			if (!cJSON_IsNumber(it))
				continue;
			if (k == cap) {
				cap = cap ? cap * 2 : 1024;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[k++] = it->valuedouble;
		}
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_double);
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
		rank = rank < 1 ? 1 : rank > k ? k : rank;
		r = v[rank - 1] / 1e3;
	}
	free(v);
	return r;
}

/* ---- scope metrics ------------------------------------------------------------- */

/* na: set when the metric does not apply to this scope (not the same
 * as no data): a spread needs two comparable workers. */
typedef double (*per_scope)(const struct wview *w, size_t n, bool *na);

static double s_workers(const struct wview *w, size_t n, bool *na) { (void)w, (void)na; return (double)n; }
static double s_p50(const struct wview *w, size_t n, bool *na) { (void)na; return percentile_us(w, n, 0.5); }
static double s_p99(const struct wview *w, size_t n, bool *na) { (void)na; return percentile_us(w, n, 0.99); }
static double s_pmax(const struct wview *w, size_t n, bool *na) { (void)na; return percentile_us(w, n, 1.0); }

static double s_num_cpus(const struct wview *w, size_t n, bool *na)
{
	(void)na;
	uint64_t seen[64] = {0};
	for (size_t i = 0; i < n; i++) {
		const cJSON *it;
		cJSON_ArrayForEach(it, rep_item(&w[i], RK_CPUS_USED))
			if (cJSON_IsNumber(it) && it->valueint >= 0 && it->valueint < 4096)
				seen[it->valueint / 64] |= 1ull << (it->valueint % 64);
	}
	double k = 0;
	for (size_t i = 0; i < 64; i++)
		k += __builtin_popcountll(seen[i]);
	return k;
}

static double s_off_range(const struct wview *w, size_t n, bool *na)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += !isnan(off_cpu_pct(&w[i]));
	if (k < 2) {
		*na = n < 2;
		return NAN;
	}
	return aggregate(w, n, off_cpu_pct, AGG_MAX) - aggregate(w, n, off_cpu_pct, AGG_MIN);
}

/* Work types whose workers sleep or wait by design: their off-CPU share
 * is the workload, not the scheduler (vocabulary flag WT_BLOCKING). */
static bool blocking_work(const char *name)
{
	const struct ty_alt *a = name ? ty_alt(&ty_work, name) : NULL;
	const struct worktype_info *wi = a ? a->ext : NULL;
	return wi && (wi->flags & WT_BLOCKING);
}

static bool same_spawn(const struct wview *a, const struct wview *b)
{
	return rep_id_num(a, RK_SPAWN) == rep_id_num(b, RK_SPAWN) && !strcmp(a->cgroup, b->cgroup);
}

/* Fairness is judged among identical workers: the spread is taken within
 * each spawn (same work type, policy, nice, affinity) of non-blocking
 * workers, and the worst spawn counts.  Comparing a fan-out messenger's
 * off-CPU share with its receivers', or a SCHED_IDLE worker's with a
 * normal one's, measures the scenario's design rather than the
 * scheduler.  Not applicable where no spawn has two such workers. */
static double s_spread(const struct wview *w, size_t n, bool *na)
{
	double worst = NAN;
	struct wview *same = xcalloc(n ? n : 1, sizeof(*same));
	for (size_t i = 0; i < n; i++) {
		bool first = !blocking_work(rep_id_str(&w[i], RK_WORK));
		for (size_t k = 0; k < i && first; k++)
			first = !same_spawn(&w[k], &w[i]);
		if (!first)
			continue;
		size_t m = 0;
		for (size_t k = i; k < n; k++)
			if (same_spawn(&w[k], &w[i]))
				same[m++] = w[k];
		bool sub_na = false;
		double v = m >= 2 ? s_off_range(same, m, &sub_na) : NAN;
		if (!isnan(v) && (isnan(worst) || v > worst))
			worst = v;
	}
	free(same);
	bool any_pair = false;
	for (size_t i = 0; i < n && !any_pair; i++)
		for (size_t k = i + 1; k < n && !any_pair; k++)
			any_pair = same_spawn(&w[i], &w[k]) && !blocking_work(rep_id_str(&w[i], RK_WORK));
	*na = !any_pair;
	return worst;
}

static double s_migration_ratio(const struct wview *w, size_t n, bool *na)
{
	(void)na;
	return ratio(aggregate(w, n, w_migr, AGG_SUM), aggregate(w, n, w_iter, AGG_SUM));
}

static double s_wake_cv(const struct wview *w, size_t n, bool *na)
{
	(void)na;
	size_t k;
	double *v = pool(w, n, &k);
	double r = cv_of(v, k);
	free(v);
	return r;
}

static double s_tail_ratio(const struct wview *w, size_t n, bool *na)
{
	(void)na;
	return ratio(percentile_us(w, n, 0.99), percentile_us(w, n, 0.5));
}

static double s_throughput_cv(const struct wview *w, size_t n, bool *na)
{
	(void)na;
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

/* ---- NUMA page locality ---------------------------------------------------
 * A worker's locality is the share of the pages it counted (numa_pages:
 * the region its work touched, or its whole process) that sit on its
 * local nodes (local_nodes: its cpuset's cpuset.mems.effective, or the
 * nodes of its CPUs).  A report without numa_pages does not track
 * placement and is left out; one that tracks it but counted no page, or
 * does not say which nodes are local, makes the scope's locality
 * undefined — no data is never a pass. */

enum loc_state { LOC_OK, LOC_UNTRACKED, LOC_NO_PAGES, LOC_NO_LOCAL };

static enum loc_state locality_one(const struct wview *w, double *out)
{
	const cJSON *np = rep_item(w, RK_NUMA_PAGES), *local = rep_item(w, RK_LOCAL_NODES), *it, *ln;
	*out = NAN;
	if (!cJSON_IsObject(np))
		return LOC_UNTRACKED;
	double total = 0, on = 0;
	cJSON_ArrayForEach(it, np) {
		if (!cJSON_IsNumber(it) || !(it->valuedouble > 0))
			continue;
		total += it->valuedouble;
		bool is_local = false;
		char *end;
		long node = strtol(it->string, &end, 10);
		cJSON_ArrayForEach(ln, local)
			if (cJSON_IsNumber(ln) && !*end && end != it->string && node == ln->valueint)
				is_local = true;
		if (is_local)
			on += it->valuedouble;
	}
	if (!(total > 0))
		return LOC_NO_PAGES;
	if (!cJSON_IsArray(local) || !cJSON_GetArraySize(local))
		return LOC_NO_LOCAL;
	*out = on / total;
	return LOC_OK;
}

static double s_page_locality(const struct wview *w, size_t n, bool *na)
{
	(void)na;
	double worst = NAN, v;
	for (size_t i = 0; i < n; i++) {
		enum loc_state st = locality_one(&w[i], &v);
		if (st == LOC_UNTRACKED)
			continue;
		if (st != LOC_OK)
			return NAN;
		if (isnan(worst) || v < worst)
			worst = v;
	}
	return worst;
}

static bool why_page_locality(const struct wview *w, size_t n, char *out, size_t len)
{
	size_t tracked = 0;
	double v;
	for (size_t i = 0; i < n; i++) {
		enum loc_state st = locality_one(&w[i], &v);
		if (st == LOC_UNTRACKED)
			continue;
		tracked++;
		if (st == LOC_OK)
			continue;
		const char *scope = cJSON_GetStringValue(rep_item(&w[i], RK_NUMA_SCOPE));
		const char *err = cJSON_GetStringValue(rep_item(&w[i], RK_NUMA_ERROR));
		if (st == LOC_NO_PAGES)
			snprintf(out, len, "no data: worker pid %.0f (%s) counted no resident pages (numa_scope %s%s%s)",
				 rep_id_num(&w[i], RK_PID), rep_id_str(&w[i], RK_WORK) ? rep_id_str(&w[i], RK_WORK) : "?",
				 scope ? scope : "?", err ? ", " : "", err ? err : "");
		else
			snprintf(out, len, "no data: worker pid %.0f (%s) does not report its local NUMA nodes (local_nodes)",
				 rep_id_num(&w[i], RK_PID), rep_id_str(&w[i], RK_WORK) ? rep_id_str(&w[i], RK_WORK) : "?");
		return true;
	}
	if (!tracked && n) {
		snprintf(out, len, "no data: none of these %zu workers reports page placement "
			 "(a mem_policy or a NUMA work type turns it on)", n);
		return true;
	}
	return false;
}

static double s_cross_node(const struct wview *w, size_t n, bool *na)
{
	(void)na;
	double migrated = NAN;
	for (size_t i = 0; i < n; i++) {
		double m = rep_num(&w[i], RK_VMSTAT_NUMA_PAGES_MIGRATED);
		if (!isnan(m) && (isnan(migrated) || m > migrated))
			migrated = m;	/* system-wide counter: fold with max */
	}
	return ratio(migrated, aggregate(w, n, w_pages, AGG_SUM));
}

static double s_slow_tier(const struct wview *w, size_t n, bool *na)
{
	return 1 - s_page_locality(w, n, na);
}

/* ---- the table ------------------------------------------------------------------ */

static const struct metric_impl {
	const char *name;
	per_worker worker;	/* combined by the catalogue row's agg */
	per_scope scope;	/* AGG_POOLED / AGG_COUNT rows */
	/* why the value is undefined, when the metric can say (may be NULL) */
	bool (*why)(const struct wview *w, size_t n, char *out, size_t len);
} metrics[] = {
	{"workers", NULL, s_workers},
	{"num_cpus", NULL, s_num_cpus},
	{"total_work_units", w_work, NULL},
	{"min_work_units", w_work, NULL},
	{"total_iterations", w_iter, NULL},
	{"iterations_per_worker", w_iter, NULL},
	{"iteration_cost_ns", w_iter_cost, NULL},
	{"max_iteration_cost_ns", w_iter_cost, NULL},
	{"max_gap_ms", w_gap_ms, NULL},
	{"max_runnable_wait_ms", w_runwait_ms, NULL},
	{"avg_off_cpu_pct", off_cpu_pct, NULL},
	{"max_off_cpu_pct", off_cpu_pct, NULL},
	{"min_off_cpu_pct", off_cpu_pct, NULL},
	{"spread_pct", NULL, s_spread},
	{"off_cpu_range_pct", NULL, s_off_range},
	{"cpu_time_ms", w_cpu_ms, NULL},
	{"wall_time_ms", w_wall_ms, NULL},
	{"migrations", w_migr, NULL},
	{"migration_ratio", NULL, s_migration_ratio},
	{"p50_wake_latency_us", NULL, s_p50},
	{"p99_wake_latency_us", NULL, s_p99},
	{"max_wake_latency_us", NULL, s_pmax},
	{"wake_latency_cv", NULL, s_wake_cv},
	{"wake_latency_tail_ratio", NULL, s_tail_ratio},
	{"wake_samples", w_wake_total, NULL},
	{"mean_run_delay_us", w_delay_us, NULL},
	{"max_run_delay_us", w_delay_us, NULL},
	{"throughput_cv", NULL, s_throughput_cv},
	{"min_work_rate", w_work_rate, NULL},
	{"min_iteration_rate", w_iter_rate, NULL},
	{"voluntary_csw", w_vcsw, NULL},
	{"involuntary_csw", w_ivcsw, NULL},
	{"page_locality", NULL, s_page_locality, why_page_locality},
	{"cross_node_migration_ratio", NULL, s_cross_node},
	{"slow_tier_ratio", NULL, s_slow_tier, why_page_locality},
};

static const struct metric_impl *impl_of(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(metrics); i++)
		if (!strcmp(metrics[i].name, name))
			return &metrics[i];
	return NULL;
}

bool metric_implemented(const char *name)
{
	const struct ty_alt *a = ty_alt(&ty_metric, name);
	const struct metric_impl *m = impl_of(name);
	if (!a || !m || !a->ext)
		return false;
	const struct metric_info *mi = a->ext;
	bool scoped = mi->agg == AGG_POOLED || mi->agg == AGG_COUNT;
	return scoped ? m->scope && !m->worker : m->worker && !m->scope;
}

enum metric_state metric_eval(const char *name, const struct wview *w, size_t n, double *out)
{
	const struct ty_alt *a = ty_alt(&ty_metric, name);
	const struct metric_impl *m = impl_of(name);
	*out = NAN;
	if (!a || !m || !metric_implemented(name))
		return MS_UNKNOWN;
	const struct metric_info *mi = a->ext;
	bool na = false;
	if (mi->agg == AGG_COUNT)
		*out = m->scope(w, n, &na);
	else if (!n)
		return MS_NO_WORKERS;
	else if (m->scope)
		*out = m->scope(w, n, &na);
	else
		*out = aggregate(w, n, m->worker, mi->agg);
	if (isnan(*out))
		return na ? MS_NOT_APPLICABLE : MS_NO_DATA;
	return MS_OK;
}

bool metric_why(const char *name, const struct wview *w, size_t n, char *out, size_t len)
{
	const struct metric_impl *m = impl_of(name);
	return m && m->why && m->why(w, n, out, len);
}

bool metric_compute(const char *name, const struct wview *w, size_t n, double *out)
{
	return metric_eval(name, w, n, out) != MS_UNKNOWN;
}
