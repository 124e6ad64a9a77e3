/* builtin-compare: `ktstr compare A B` puts two results (or two sets of
 * repeated runs, as directories) side by side: per cgroup and metric the
 * values, the delta, and whether the difference is beyond run-to-run
 * noise.  With sets, noise is the larger of the two sides' standard
 * deviations and a difference counts when it exceeds twice that; with
 * single runs, noise is unknown and said so.  The metrics are the
 * catalogue's summary columns; each row's direction (higher_better)
 * says whether a change beyond noise is better or worse. */
#include "builtin.h"
#include "htmlfile.h"
#include "result.h"
#include "resultio.h"
#include "util.h"
#include "vocab.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>


struct side {
	double mean, sd;
	int n;
};

static struct side gather(cJSON **r, int n, const char *cg, const char *stat)
{
	double *v = NULL;
	int k = 0;
	for (int i = 0; i < n; i++) {
		const cJSON *c;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(r[i], "cgroups")) {
			const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(c, stat);
			if (name && !strcmp(name, cg) && cJSON_IsNumber(x)) {
				v = xrealloc(v, (size_t)(k + 1) * sizeof(*v));
				v[k++] = x->valuedouble;
			}
		}
	}
	struct side s = {NAN, NAN, k};
	if (!k)
		return s;
	s.mean = 0;
	for (int i = 0; i < k; i++)
		s.mean += v[i];
	s.mean /= k;
	if (k > 1) {
		double var = 0;
		for (int i = 0; i < k; i++)
			var += (v[i] - s.mean) * (v[i] - s.mean);
		s.sd = sqrt(var / (k - 1));
	}
	free(v);
	return s;
}

static void label(cJSON **r, int n, char *out, size_t len)
{
	const cJSON *x = n ? r[0] : NULL;
	snprintf(out, len, "%s/%s%s", x ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "scenario")) : "?",
		 x ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(x, "scheduler")) : "?",
		 n > 1 ? " (mean)" : "");
}

/* A and B side by side in one page (result files, not sets). */
static int compare_html(cJSON **a, cJSON **b, char **paths, const char *out)
{
	cJSON *r[2] = {a[0], b[0]};
	const char *p[2] = {paths[0], paths[1]}, *labels[2] = {"A", "B"};
	char err[4600];
	if (!html_report_file(r, p, labels, 2, out, err, sizeof(err))) {
		fprintf(stderr, "ktstr: compare: %s\n", err);
		return KT_EXIT_USAGE;
	}
	printf("html: %s\n", out);
	return KT_EXIT_PASS;
}

int cmd_compare(int argc, char **argv)
{
	const char *html = NULL;
	if (argc == 5 && !strcmp(argv[3], "--html")) {
		html = argv[4];
		argc = 3;
	}
	if (argc != 3)
		return usage_error("compare", "expected two results (files or directories)");
	cJSON **a, **b;
	int broken_a, broken_b;
	int na = results_load(argv[1], &a, &broken_a);
	if (na <= 0 || broken_a) {
		if (na > 0)
			results_free(a, na);
		return KT_EXIT_USAGE;	/* a set with broken files is not the set asked for */
	}
	int nb = results_load(argv[2], &b, &broken_b);
	if (nb <= 0 || broken_b) {
		results_free(a, na);
		if (nb > 0)
			results_free(b, nb);
		return KT_EXIT_USAGE;
	}
	char la[128], lb[128];
	label(a, na, la, sizeof(la));
	label(b, nb, lb, sizeof(lb));
	printf("A: %s, %d run%s: %s\nB: %s, %d run%s: %s\n", la, na, na > 1 ? "s" : "",
	       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a[0], "verdict")), lb, nb,
	       nb > 1 ? "s" : "", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b[0], "verdict")));
	printf("%-16s %-22s %14s %14s %10s  %s\n", "cgroup", "metric", "A", "B", "delta", "note");
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(a[0], "cgroups")) {
		const char *cg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name"));
		for (const struct ty_alt *m = ty_metric.alts; m->name; m++) {
			const struct metric_info *mi = m->ext;
			if (!mi->column)
				continue;
			struct side sa = gather(a, na, cg, m->name), sb = gather(b, nb, cg, m->name);
			if (!sa.n && !sb.n)
				continue;
			char delta[32] = "-", note[64] = "";
			if (!isnan(sa.mean) && !isnan(sb.mean)) {
				if (sa.mean != 0)
					snprintf(delta, sizeof(delta), "%+.1f%%", (sb.mean - sa.mean) / fabs(sa.mean) * 100);
				else
					snprintf(delta, sizeof(delta), "%+.3g", sb.mean - sa.mean);
				double noise = fmax(isnan(sa.sd) ? 0 : sa.sd, isnan(sb.sd) ? 0 : sb.sd);
				if (isnan(sa.sd) && isnan(sb.sd))
					snprintf(note, sizeof(note), "single runs: noise unknown");
				else if (fabs(sb.mean - sa.mean) > 2 * noise)
					snprintf(note, sizeof(note), "%s, beyond noise (2 x sd %.3g)",
						 (sb.mean > sa.mean) == mi->higher_better ? "better" : "worse", noise);
				else
					snprintf(note, sizeof(note), "within noise (sd %.3g)", noise);
			}
			printf("%-16s %-22s %14.4g %14.4g %10s  %s\n", *cg ? cg : "(host)", m->name, sa.mean,
			       sb.mean, delta, note);
		}
	}
	int rc = KT_EXIT_PASS;
	if (html && (na != 1 || nb != 1))
		rc = usage_error("compare", "--html compares two result files, not sets");
	else if (html)
		rc = compare_html(a, b, argv + 1, html);
	results_free(a, na);
	results_free(b, nb);
	return rc;
}
