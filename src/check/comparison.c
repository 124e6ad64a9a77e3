/* comparison: the compare table and its verdicts (see comparison.h).
 * A difference counts as real when Mann-Whitney's two-sided p is below
 * COMPARE_ALPHA; with too few runs for that to be possible (3 + 3 runs
 * cannot go below p = 0.1) the note says so instead of guessing. */
#include "comparison.h"
#include "stats.h"
#include "util.h"
#include "vocab.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

struct side {
	double *v;
	size_t n;
	double mean;
};

static struct side with_mean(struct side s)
{
	if (s.n) {
		s.mean = 0;
		for (size_t i = 0; i < s.n; i++)
			s.mean += s.v[i];
		s.mean /= (double)s.n;
	}
	return s;
}

static struct side gather(struct cJSON *const *r, int n, const char *cg, const char *stat)
{
	struct side s = {NULL, 0, NAN};
	for (int i = 0; i < n; i++) {
		const cJSON *c;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r[i], "cgroups")) {
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(c, stat);
			if (name && !strcmp(name, cg) && cJSON_IsNumber(x)) {
				s.v = xrealloc(s.v, (s.n + 1) * sizeof(*s.v));
				s.v[s.n++] = x->valuedouble;
			}
		}
	}
	return with_mean(s);
}

/* The smallest two-sided p Mann-Whitney can give for these sizes. */
static double best_p(size_t na, size_t nb)
{
	double a[64], b[64];
	if (na > 64 || nb > 64)
		return 0;
	for (size_t i = 0; i < na; i++)
		a[i] = (double)i;
	for (size_t i = 0; i < nb; i++)
		b[i] = (double)(na + i);
	return mann_whitney(a, na, b, nb).p;
}

/* The note on one row; true when it is a regression beyond fail_pct. */
static bool judge(const struct side *sa, const struct side *sb, const struct metric_info *mi, double delta_pct,
		  double fail_pct, char *note, size_t n)
{
	if (sa->n < 2 || sb->n < 2) {
		snprintf(note, n, "single runs: noise unknown (repeat runs to test)");
		return false;
	}
	if (best_p(sa->n, sb->n) >= COMPARE_ALPHA) {
		snprintf(note, n, "too few runs to tell (n=%zu+%zu; 4+4 can reach p<%.2g)", sa->n, sb->n, COMPARE_ALPHA);
		return false;
	}
	struct mwu u = mann_whitney(sa->v, sa->n, sb->v, sb->n);
	struct welch w = welch_t(sa->v, sa->n, sb->v, sb->n);
	bool real = u.p < COMPARE_ALPHA;
	bool better = (sb->mean > sa->mean) == mi->higher_better;
	bool regressed = real && !better && fail_pct >= 0 && fabs(delta_pct) > fail_pct;
	snprintf(note, n, "%s (Mann-Whitney U=%.0f, p=%.3g%s, n=%zu+%zu; Welch p=%.3g)%s",
		 real ? (better ? "better, beyond noise" : "worse, beyond noise") : "within noise", u.u, u.p,
		 u.exact ? " exact" : "", sa->n, sb->n, w.p, regressed ? "  REGRESSION" : "");
	return regressed;
}

/* A payload's key metric over results: the runs of payload name in step
 * step (a payload may run in several steps). */
static struct side gather_payload(struct cJSON *const *r, int n, const char *name, double step, const char *metric)
{
	struct side s = {NULL, 0, NAN};
	for (int i = 0; i < n; i++) {
		const cJSON *p, *m;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r[i], "payloads")) {
			const char *pn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name"));
			if (!pn || strcmp(pn, name) || cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "step")) != step)
				continue;
			cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "key_metrics")) {
				const char *mn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "name"));
				const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
				if (mn && !strcmp(mn, metric) && cJSON_IsNumber(v)) {
					s.v = xrealloc(s.v, (s.n + 1) * sizeof(*s.v));
					s.v[s.n++] = v->valuedouble;
				}
			}
		}
	}
	return with_mean(s);
}

/* One row: means, delta and the judgement; true when it regressed. */
static bool compare_row(const char *who, const char *metric, struct side *sa, struct side *sb,
			const struct metric_info *mi, double fail_pct, FILE *out)
{
	char delta[32] = "-", note[256] = "";
	bool regressed = false;
	if (!isnan(sa->mean) && !isnan(sb->mean)) {
		double pct = sa->mean != 0 ? (sb->mean - sa->mean) / fabs(sa->mean) * 100 : NAN;
		if (!isnan(pct))
			snprintf(delta, sizeof(delta), "%+.1f%%", pct);
		else
			snprintf(delta, sizeof(delta), "%+.3g", sb->mean - sa->mean);
		regressed = judge(sa, sb, mi, isnan(pct) ? INFINITY : pct, fail_pct, note, sizeof(note));
	} else {
		snprintf(note, sizeof(note), "absent on one side");
	}
	fprintf(out, "%-16s %-22s %14.4g %14.4g %10s  %s\n", who, metric, sa->mean, sb->mean, delta, note);
	free(sa->v);
	free(sb->v);
	return regressed;
}

/* The payloads' key metrics, each with its own direction. */
static int compare_payloads(struct cJSON *const *a, int na, struct cJSON *const *b, int nb, double fail_pct, FILE *out)
{
	int regressions = 0;
	const cJSON *p, *m;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(a[0], "payloads")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name"));
		double step = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "step"));
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "key_metrics")) {
			const char *metric = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "name"));
			const char *better = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "better"));
			if (!name || !metric)
				continue;
			struct metric_info mi = {.higher_better = better && !strcmp(better, "higher")};
			struct side sa = gather_payload(a, na, name, step, metric), sb = gather_payload(b, nb, name, step, metric);
			char who[64];
			snprintf(who, sizeof(who), "payload %s", name);
			regressions += compare_row(who, metric, &sa, &sb, &mi, fail_pct, out);
		}
	}
	return regressions;
}

int compare_sets(struct cJSON *const *a, int na, struct cJSON *const *b, int nb, double fail_pct, FILE *out)
{
	int regressions = 0;
	fprintf(out, "%-16s %-22s %14s %14s %10s  %s\n", "cgroup", "metric", "A", "B", "delta", "note");
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(a[0], "cgroups")) {
		const char *cg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
		for (const struct ty_alt *m = ty_metric.alts; cg && m->name; m++) {
			const struct metric_info *mi = m->ext;
			if (!mi->column)
				continue;
			struct side sa = gather(a, na, cg, m->name), sb = gather(b, nb, cg, m->name);
			if (sa.n || sb.n)
				regressions += compare_row(*cg ? cg : "(host)", m->name, &sa, &sb, mi, fail_pct, out);
			else
				free(sa.v), free(sb.v);
		}
	}
	regressions += compare_payloads(a, na, b, nb, fail_pct, out);
	return regressions;
}
