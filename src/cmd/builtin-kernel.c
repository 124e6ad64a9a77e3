/* builtin-kernel: `ktstr kernel build|list|path` — the guest kernel cache. */
#include "builtin.h"
#include "kernel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cmd_option build_opts[] = {
	{"source", 's', required_argument, 's', "DIR|TARBALL", "build this tree or tarball (default: Debian's linux-source)"},
	{"jobs", 'j', required_argument, 'j', "N", "make -j N"},
	{"force", 'f', no_argument, 'f', NULL, "rebuild even when the cache has the entry"},
	{0},
};

const struct cmd_usage kernel_usage[] = {
	{"build", build_opts, NULL},
	{"list", NULL, NULL},
	{"path", NULL, "[KEY]"},
	{0},
};

static int kernel_build_cmd(int argc, char **argv)
{
	struct kernel_build_opts o = {0};
	unsigned long u;
	int c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, build_opts)) != -1) {
		switch (c) {
		case 's':
			o.source = optarg;
			break;
		case 'j':
			if (!cmd_parse_ulong(optarg, 1, 4096, &u))
				return usage_error("kernel", "--jobs %s; expected 1 to 4096", optarg);
			o.jobs = (int)u;
			break;
		case 'f':
			o.force = true;
			break;
		default:
			return usage_error("kernel", "bad option");
		}
	}
	if (optind != argc)
		return usage_error("kernel", "unexpected argument '%s'", argv[optind]);
	return kernel_build(&o);
}

int cmd_kernel(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("kernel", "expected build, list or path");
	if (!strcmp(argv[1], "build"))
		return kernel_build_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return kernel_list();
	if (!strcmp(argv[1], "path")) {
		struct kernel k;
		char err[1024];
		if (!kernel_resolve(argc > 2 ? argv[2] : NULL, &k, err, sizeof(err))) {
			fprintf(stderr, "ktstr: %s\n", err);
			return KT_EXIT_INFRA;
		}
		puts(k.dir[0] ? k.dir : k.bzimage);
		return KT_EXIT_PASS;
	}
	return usage_error("kernel", "unknown kernel command '%s'; expected build, list or path", argv[1]);
}
