/* builtin-compare: `ktstr compare A B` puts two results (or two sets of
 * repeated runs, as directories) side by side: per cgroup and metric the
 * values, the delta, and whether the difference is beyond run-to-run
 * noise by Mann-Whitney's U (Welch's t beside it), better or worse by
 * the metric's direction; with --fail-on-regression PCT it exits 1 when
 * a metric got worse by more than PCT and the test says it is real. */
#include "builtin.h"
#include "comparison.h"
#include "htmlfile.h"
#include "result.h"
#include "resultio.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const struct cmd_option opts[] = {
	{"fail-on-regression", 0, required_argument, 'f', "PCT",
	 "exit 1 when a metric got worse by more than PCT percent, beyond noise"},
	{"html", 0, required_argument, 'h', "OUT.html", "also write the side-by-side HTML report (two files)"},
	{0},
};

const struct cmd_usage compare_usage[] = {{NULL, opts, "A B"}, {0}};

int cmd_compare(int argc, char **argv)
{
	const char *html = NULL;
	double fail_pct = -1;
	char *files[2];
	int nfiles = 0, c;
	optind = 1;
	opterr = 0;	/* the error below names the argument */
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		if (c == 'h') {
			html = optarg;
		} else if (c == 'f') {
			if (!cmd_parse_double(optarg, 0, 1e9, &fail_pct)) {
				opterr = 1;
				return usage_error("compare", "--fail-on-regression %s; expected a finite percentage >= 0", optarg);
			}
		} else {
			opterr = 1;
			return usage_error("compare", "unexpected '%s'", argv[optind - 1]);
		}
	}
	opterr = 1;
	for (int i = optind; i < argc; i++) {
		if (nfiles == 2)
			return usage_error("compare", "unexpected '%s'", argv[i]);
		files[nfiles++] = argv[i];
	}
	if (nfiles != 2)
		return usage_error("compare", "expected two results (files or directories)");
	cJSON **a, **b;
	int broken_a, broken_b;
	int na = results_load(files[0], &a, &broken_a);
	if (na <= 0 || broken_a) {
		if (na > 0)
			results_free(a, na);
		return KT_EXIT_USAGE;	/* a set with broken files is not the set asked for */
	}
	int nb = results_load(files[1], &b, &broken_b);
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
	int regressions = compare_sets(a, na, b, nb, fail_pct, stdout);
	if (fail_pct >= 0)
		printf("%d regression%s beyond %.3g%% (p < %.2g)\n", regressions, regressions == 1 ? "" : "s", fail_pct,
		       COMPARE_ALPHA);
	int rc = regressions ? KT_EXIT_FAIL : KT_EXIT_PASS;
	if (html && (na != 1 || nb != 1))
		rc = usage_error("compare", "--html compares two result files, not sets");
	else if (html)
		rc = compare_html(a, b, files, html) ? KT_EXIT_USAGE : rc;
	results_free(a, na);
	results_free(b, nb);
	return rc;
}
