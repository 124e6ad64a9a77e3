/* builtin-report: `ktstr report FILE|DIR` re-renders saved results as
 * text; `--html` writes each result file's HTML report next to it (or to
 * -o FILE), drawing its trace when the run recorded one. */
#include "builtin.h"
#include "htmlfile.h"
#include "result.h"
#include "resultio.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int report_html(const char *path, const char *out)
{
	struct stat st;
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return usage_error("report", "--html takes result files; %s is not one", path);
	cJSON **r;
	int broken;
	int n = results_load(path, &r, &broken);
	if (n != 1 || broken) {
		if (n > 0)
			results_free(r, n);
		return KT_EXIT_USAGE;
	}
	char html[4200], err[4600];
	if (out)
		snprintf(html, sizeof(html), "%s", out);
	else
		html_path_for(path, html, sizeof(html));
	const char *label = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	bool ok = html_report_file(r, &path, &label, 1, html, err, sizeof(err));
	int rc = ok ? verdict_exit(result_verdict(r[0])) : KT_EXIT_USAGE;
	results_free(r, n);
	if (!ok) {
		fprintf(stderr, "ktstr: report: %s\n", err);
		return rc;
	}
	printf("%s\n", html);
	return rc;
}

static const struct cmd_option opts[] = {
	{"html", 0, no_argument, 'H', NULL, "write each result's HTML report (RESULT.json files only)"},
	{"output", 'o', required_argument, 'o', "OUT.html", "with --html and one result: the page's path"},
	{0},
};

const struct cmd_usage report_usage[] = {{NULL, opts, "FILE|DIR..."}, {0}};

int cmd_report(int argc, char **argv)
{
	bool html = false;
	const char *out = NULL;
	int c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		if (c == 'H')
			html = true;
		else if (c == 'o')
			out = optarg;
		else
			return usage_error("report", "bad option");
	}
	if (optind >= argc)
		return usage_error("report", "no result file or directory given");
	if (out && (!html || argc - optind != 1))
		return usage_error("report", "-o FILE goes with --html and one result");
	int worst = KT_EXIT_PASS;
	for (int a = optind; a < argc; a++) {
		if (html) {
			int rc = report_html(argv[a], out);
			worst = rc > worst ? rc : worst;
			continue;
		}
		cJSON **r;
		int broken;
		int n = results_load(argv[a], &r, &broken);
		if (n < 0)
			return KT_EXIT_USAGE;
		if (broken)	/* the good ones are still shown */
			worst = KT_EXIT_USAGE > worst ? KT_EXIT_USAGE : worst;
		for (int i = 0; i < n; i++) {
			result_print(r[i], stdout, isatty(STDOUT_FILENO));
			int rc = verdict_exit(result_verdict(r[i]));
			worst = rc > worst ? rc : worst;
		}
		results_free(r, n);
	}
	return worst;
}
