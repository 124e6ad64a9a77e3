/* main: ktstr's entry point and command table.  `ktstr FILE.yaml` is
 * shorthand for `ktstr run FILE.yaml`; `ktstr --validate` for
 * `ktstr validate`. */
#include "builtin.h"
#include "proc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct cmd_usage help_usage[] = {{NULL, NULL, "[COMMAND]"}, {0}};

/* Each command's usage comes from its option table (cmd_usage arrays in
 * the builtin-*.c files); NULL: it takes no arguments. */
const struct builtin builtins[] = {
	{"run", cmd_run, run_usage, "run scenarios and print a verdict"},
	{"validate", cmd_validate, validate_usage, "check scenario files without running them"},
	{"dump", cmd_dump, dump_usage, "lower a scenario and print its bytecode (or write it)"},
	{"list", cmd_list, list_usage,
	 "list the scenario catalog, the payload catalog, or a file's scheduler flag profiles"},
	{"schema", cmd_schema, schema_usage, "print the JSON Schema of the format (or its man reference)"},
	{"kernel", cmd_kernel, kernel_usage, "build, list and locate cached guest kernels"},
	{"shell", cmd_shell, shell_usage, "boot the guest kernel and open a shell (or run one command)"},
	{"gauntlet", cmd_gauntlet, gauntlet_usage,
	 "run the matrix of scenarios x topologies x schedulers x kernels in parallel VMs"},
	{"reduce", cmd_reduce, reduce_usage, "shrink a failing scenario to a small one that fails the same way"},
	{"report", cmd_report, report_usage, "re-render saved results"},
	{"check", cmd_check, check_usage, "re-evaluate (edited) claims against a saved result without booting"},
	{"compare", cmd_compare, compare_usage, "compare two results or two sets of runs side by side"},
	{"cleanup", cmd_cleanup, NULL, "remove cgroups, temp dirs and partial cache entries left by killed runs"},
	{"topo", cmd_topo, NULL, "print the host CPU topology"},
	{"help", cmd_help, help_usage, "show help"},
	{0},
};

const struct builtin *builtin_find(const char *name)
{
	for (const struct builtin *b = builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("ktstr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	const struct builtin *b = cmd ? builtin_find(cmd) : NULL;
	if (b)
		cmd_print_usage(stderr, b->name, b->usage);
	else
		fputs("usage: ktstr [COMMAND] [ARGS]; see 'ktstr help'\n", stderr);
	return KT_EXIT_USAGE;
}

int cmd_help(int argc, char **argv)
{
	if (argc > 1) {
		const struct builtin *b = builtin_find(argv[1]);
		if (!b)
			return usage_error(NULL, "no command '%s'", argv[1]);
		cmd_print_usage(stdout, b->name, b->usage);
		printf("\n%s\n", b->summary);
		cmd_print_options(stdout, b->usage);
		return KT_EXIT_PASS;
	}
	puts("usage: ktstr [COMMAND] [ARGS]\n"
	     "       ktstr FILE.yaml...        (same as: ktstr run FILE.yaml...)\n"
	     "       ktstr --validate FILE...  (same as: ktstr validate FILE...)\n\n"
	     "commands:");
	for (const struct builtin *b = builtins; b->name; b++)
		printf("  %-10s %s\n", b->name, b->summary);
	puts("\nexit status: 0 pass or skip, 1 fail, 2 invalid input or usage, 3 infrastructure error\n"
	     "see ktstr(1) and ktstr-scenario(5)");
	return KT_EXIT_PASS;
}

/* `ktstr CMD --help` (or -h) anywhere in CMD's arguments: its usage. */
static bool wants_help(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	}
	return false;
}

/* Output that did not reach its destination (a full disk, a closed pipe)
 * is an infrastructure error, not a pass. */
static int flushed(int rc)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "ktstr: cannot write the output: %s\n", strerror(errno));
		return KT_EXIT_INFRA;
	}
	return rc;
}

static int dispatch(int argc, char **argv)
{
	const char *a = argv[1];
	if (!strcmp(a, "--help") || !strcmp(a, "-h"))
		return cmd_help(1, argv);
	if (!strcmp(a, "--version")) {
		puts("ktstr " PACKAGE_VERSION);
		return KT_EXIT_PASS;
	}
	if (!strcmp(a, "--validate")) {
		argv[1] = (char *)"validate";
		return cmd_validate(argc - 1, argv + 1);
	}
	const struct builtin *b = builtin_find(a);
	if (b && argc == 3 && !strcmp(argv[2], "--list-options"))	/* hidden: for tests */
		return cmd_list_options(stdout, b->usage) ? KT_EXIT_PASS : KT_EXIT_INFRA;
	if (b && wants_help(argc, argv)) {
		char *help[] = {(char *)"help", (char *)b->name, NULL};
		return cmd_help(2, help);
	}
	if (b)
		return b->fn(argc - 1, argv + 1);
	if (a[0] == '-' || strchr(a, '.') || strchr(a, '/')) {
		if (wants_help(argc, argv)) {	/* `ktstr FILE.yaml --help` */
			char *help[] = {(char *)"help", (char *)"run", NULL};
			return cmd_help(2, help);
		}
		return cmd_run(argc, argv);	/* argv[0] stands in for "run" */
	}
	return usage_error(NULL, "unknown command '%s'", a);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error(NULL, "no command or scenario given");
	int rc = flushed(dispatch(argc, argv));
	die_by_signal();	/* after Ctrl-C: clean up, then die by the signal */
	return rc;
}
