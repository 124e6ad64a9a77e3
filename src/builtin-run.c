/* builtin-run: `ktstr FILE.yaml` / `ktstr run FILE.yaml` — load, validate
 * and lower each scenario, run it in a VM, and report. */
#include "builtin.h"
#include "disasm.h"
#include "proc.h"
#include "run.h"
#include "scenario.h"

#include <cjson/cJSON.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char **split_flags(char *s)
{
	static const char *v[65];
	size_t n = 0;
	for (char *tok = strtok(s, ","); tok && n < 64; tok = strtok(NULL, ","))
		v[n++] = tok;
	v[n] = NULL;
	return v;
}

static void print_summary(const struct run_output *r)
{
	const cJSON *rec;
	size_t workers = 0, sentinels = 0, op_errors = 0;
	cJSON_ArrayForEach(rec, (const cJSON *)r->records) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(rec, "type");
		if (!cJSON_IsString(type))
			continue;
		if (!strcmp(type->valuestring, "worker")) {
			workers++;
			sentinels += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "sentinel"));
		} else if (!strcmp(type->valuestring, "op_error")) {
			op_errors++;
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(rec, "message");
			const cJSON *op = cJSON_GetObjectItemCaseSensitive(rec, "op");
			fprintf(stderr, "ktstr: op %s failed: %s\n", cJSON_GetStringValue(op),
				cJSON_GetStringValue(m));
		}
	}
	fprintf(stderr, "ktstr: %zu worker reports (%zu missing), %zu op errors; boot %.0f ms, first op %.0f ms, %s\n",
		workers, sentinels, op_errors, r->vm.boot_ms, r->first_op_ms, r->vm.accel_used);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"scheduler", required_argument, NULL, 's'},
		{"flags", required_argument, NULL, 'F'},
		{"quiet", no_argument, NULL, 'q'},
		{"dump", no_argument, NULL, 'd'},
		{"kernel", required_argument, NULL, 'k'},
		{"accel", required_argument, NULL, 'a'},
		{"verbose", no_argument, NULL, 'v'},
		{0},
	};
	struct load_opts lo = {0};
	struct run_opts ro = {0};
	bool dump = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qvdk:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			lo.scheduler = optarg;
			break;
		case 'F':
			lo.flags = split_flags(optarg);
			break;
		case 'q':
			break;
		case 'd':
			dump = true;
			break;
		case 'k':
			ro.kernel = optarg;
			break;
		case 'a':
			if (!strcmp(optarg, "auto")) ro.accel = ACCEL_AUTO;
			else if (!strcmp(optarg, "kvm")) ro.accel = ACCEL_KVM;
			else if (!strcmp(optarg, "tcg")) ro.accel = ACCEL_TCG;
			else return usage_error("run", "--accel %s; expected auto, kvm or tcg", optarg);
			break;
		case 'v':
			ro.verbose = true;
			break;
		default:
			return usage_error("run", "bad option");
		}
	}
	if (optind >= argc)
		return usage_error("run", "no scenario given");
	int worst = KT_EXIT_PASS;
	for (int i = optind; i < argc; i++) {
		struct kb_program p;
		int rc = load_program(argv[i], &p, &lo);
		if (rc) {
			worst = rc > worst ? rc : worst;
			continue;
		}
		if (dump) {
			struct strbuf sb = {0};
			kb_disasm(&p, &sb);
			fputs(sb.buf, stdout);
			sb_free(&sb);
		}
		struct run_output out;
		if (run_in_vm(&p, &ro, &out) || !out.ok) {
			fprintf(stderr, "ktstr: %s: ERROR: %s\n", argv[i], out.reason);
			if (out.vm.console_tail && *out.vm.console_tail) {
				size_t l = strlen(out.vm.console_tail);
				fprintf(stderr, "ktstr: console tail:\n%s\n",
					out.vm.console_tail + (l > 2000 ? l - 2000 : 0));
			}
			rc = interrupted ? 130 : KT_EXIT_INFRA;
		} else {
			print_summary(&out);
			rc = KT_EXIT_PASS;
		}
		worst = rc > worst ? rc : worst;
		run_output_free(&out);
		kb_free(&p);
	}
	return worst;
}
