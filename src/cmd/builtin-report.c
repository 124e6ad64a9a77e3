/* builtin-report: `ktstr report FILE|DIR` re-renders saved results. */
#include "builtin.h"
#include "result.h"
#include "resultio.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_report(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("report", "no result file or directory given");
	int worst = KT_EXIT_PASS;
	for (int a = 1; a < argc; a++) {
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
