/* builtin-run: `ktstr FILE.yaml` / `ktstr run FILE.yaml`.  Today it loads,
 * validates and lowers each scenario and prints the program; booting the
 * VM and executing it arrive with the VM and executor work, and until
 * then the command says plainly that nothing was run. */
#include "builtin.h"
#include "disasm.h"
#include "scenario.h"

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

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"scheduler", required_argument, NULL, 's'},
		{"flags", required_argument, NULL, 'F'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	struct load_opts lo = {0};
	bool quiet = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "q", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			lo.scheduler = optarg;
			break;
		case 'F':
			lo.flags = split_flags(optarg);
			break;
		case 'q':
			quiet = true;
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
		if (!quiet) {
			struct strbuf sb = {0};
			kb_disasm(&p, &sb);
			fputs(sb.buf, stdout);
			sb_free(&sb);
		}
		fprintf(stderr, "ktstr: %s: NOT RUN: validated and lowered to %u instructions; "
			"booting the VM and executing scenarios is not implemented yet\n",
			argv[i], p.ninsn);
		kb_free(&p);
	}
	return worst;
}
