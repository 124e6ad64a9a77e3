/* builtin-validate: `ktstr validate FILE...` (also `ktstr --validate`).
 * Quiet on success unless -v; every error of every file is printed as
 * file:line:col; --format=json emits one JSON document for tools. */
#include "builtin.h"
#include "scenario.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const struct cmd_option opts[] = {
	{"verbose", 'v', no_argument, 'v', NULL, "print each valid file's name, topology and scheduler"},
	{"format", 0, required_argument, 'f', "text|json", "the report's format (default text)"},
	{"scheduler", 0, required_argument, 's', "NAME", "validate under this scheduler instead of the scenario's"},
	{0},
};

const struct cmd_usage validate_usage[] = {{NULL, opts, "FILE..."}, {0}};

int cmd_validate(int argc, char **argv)
{
	bool verbose = false, json = false;
	struct load_opts lo = {0};
	cli_load_opts(&lo);
	int c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "text"))
				return usage_error("validate", "unknown format '%s'; expected text or json", optarg);
			break;
		case 's':
			lo.scheduler = optarg;
			break;
		default:
			return usage_error("validate", "bad option");
		}
	}
	if (optind >= argc)
		return usage_error("validate", "no file given");

	cJSON *top = json ? cJSON_CreateObject() : NULL;
	cJSON *files = json ? cJSON_AddArrayToObject(top, "files") : NULL;
	size_t bad = 0;
	for (int i = optind; i < argc; i++) {
		struct scenario s;
		struct diag d = {0};
		bool ok = scenario_load(&s, argv[i], &lo, &d);
		if (json) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "file", argv[i]);
			cJSON_AddBoolToObject(f, "valid", ok);
			diag_to_json(&d, cJSON_AddArrayToObject(f, "diagnostics"));
			cJSON_AddItemToArray(files, f);
		} else {
			diag_print(&d, stderr);
			if (ok && verbose) {
				char topo[64];
				topo_format(&s.topo, topo, sizeof(topo));
				printf("%s: ok (%s, topology %s, scheduler %s)\n", argv[i], s.name,
				       topo, s.sched_name);
			}
		}
		bad += !ok;
		diag_free(&d);
		scenario_free(&s);
	}
	if (json) {
		cJSON_AddBoolToObject(top, "valid", bad == 0);
		char *out = cJSON_Print(top);
		puts(out);
		cJSON_free(out);
		cJSON_Delete(top);
	} else if (bad && argc - optind > 1) {
		fprintf(stderr, "ktstr: %zu of %d files invalid\n", bad, argc - optind);
	}
	return bad ? KT_EXIT_USAGE : KT_EXIT_PASS;
}
