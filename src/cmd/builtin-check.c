/* builtin-check: `ktstr check RESULT --claims SCENARIO.yaml` evaluates a
 * scenario's (possibly edited) claims against a saved result's records,
 * without booting anything. */
#include "builtin.h"
#include "result.h"
#include "resultio.h"
#include "scenario.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct cmd_option opts[] = {
	{"claims", 'c', required_argument, 'c', "SCENARIO.yaml", "the scenario whose claims to evaluate", 1},
	{"json", 'j', no_argument, 'j', NULL, "print the re-checked result JSON instead of the text report"},
	{0},
};

const struct cmd_usage check_usage[] = {{NULL, opts, "RESULT"}, {0}};

int cmd_check(int argc, char **argv)
{
	const char *claims = NULL;
	bool json = false;
	int c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		if (c == 'c')
			claims = optarg;
		else if (c == 'j')
			json = true;
		else
			return usage_error("check", "bad option");
	}
	if (optind != argc - 1 || !claims)
		return usage_error("check", "expected one RESULT and --claims SCENARIO.yaml");
	struct kb_program p;
	int rc = load_program(claims, &p, NULL, NULL, 0);
	if (rc)
		return rc;
	cJSON **r;
	int broken;
	int n = results_load(argv[optind], &r, &broken);
	if (n != 1 || broken) {
		kb_free(&p);
		if (n >= 1)
			results_free(r, n);
		if (broken)
			return KT_EXIT_USAGE;
		return n > 1 ? usage_error("check", "expected one result file, got a directory of %d", n)
			     : KT_EXIT_USAGE;
	}
	result_recheck(r[0], &p);
	if (json) {
		char *t = cJSON_Print(r[0]);
		puts(t);
		cJSON_free(t);
	} else {
		result_print(r[0], stdout, isatty(STDOUT_FILENO));
	}
	rc = verdict_exit(result_verdict(r[0]));
	results_free(r, n);
	kb_free(&p);
	return rc;
}
