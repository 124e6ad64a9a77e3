/* main: ktstr's entry point and command table.  `ktstr FILE.yaml` is
 * shorthand for `ktstr run FILE.yaml`; `ktstr --validate` for
 * `ktstr validate`. */
#include "builtin.h"
#include "proc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct builtin builtins[] = {
	{"run", cmd_run, "run [--scheduler NAME] [--flags a,b] [--kernel K] [--accel A] [--host [--cgroup-root NAME]] [--no-monitor] [--monitor-period MS] [--trace] [--trace-buffer KB] [--html] [--topology T] [--sched-args \"...\"] [--max-duration DUR] [--json] [--junit FILE] [-v] FILE.yaml...",
	 "run scenarios and print a verdict"},
	{"validate", cmd_validate, "validate [-v] [--format=text|json] FILE...",
	 "check scenario files without running them"},
	{"dump", cmd_dump, "dump [-o OUT.ktbc] FILE.yaml|FILE.ktbc",
	 "lower a scenario and print its bytecode (or write it)"},
	{"list", cmd_list, "list [DIR] | list --payloads | list --profiles FILE", "list the scenario catalog, the payload catalog, or a file's scheduler flag profiles"},
	{"schema", cmd_schema, "schema [--man]",
	 "print the JSON Schema of the format (or its man reference)"},
	{"kernel", cmd_kernel, "kernel build [--source DIR|TARBALL] [--jobs N] [--force] | kernel list | kernel path [KEY]",
	 "build, list and locate cached guest kernels"},
	{"shell", cmd_shell, "shell [--monitor] [--topology 1n2l2c1t|N,L,C,T] [-i FILE]... [--exec CMD] [--kernel K] [--accel auto|kvm|tcg] [--memory MIB] [--numa-distance D] [--memory-only-nodes K] [--timeout DUR] [-v]",
	 "boot the guest kernel and open a shell (or run one command)"},
	{"gauntlet", cmd_gauntlet, "gauntlet [SCENARIO...] [--topologies P,...] [--schedulers S[:flag+flag],...] [--profiles all] [--kernels K,...] [--repeat N] [-j N] [--budget DUR] [--level smoke|full] [--out DIR] [--shard I/N] [--dry-run] | gauntlet merge DIR... [--out DIR] | gauntlet --list-presets",
	 "run the matrix of scenarios x topologies x schedulers x kernels in parallel VMs"},
	{"reduce", cmd_reduce, "reduce FILE.yaml [--scheduler S] [--flags a,b] [--keep REGEX] [--repeat K/N] [-j N] [--budget DUR] [-o OUT.yaml]",
	 "shrink a failing scenario to a small one that fails the same way"},
	{"report", cmd_report, "report FILE|DIR... | report --html [-o OUT.html] RESULT.json...", "re-render saved results"},
	{"check", cmd_check, "check RESULT --claims SCENARIO.yaml [--json]",
	 "re-evaluate (edited) claims against a saved result without booting"},
	{"compare", cmd_compare, "compare A B [--fail-on-regression PCT] [--html OUT.html]", "compare two results or two sets of runs side by side"},
	{"cleanup", cmd_cleanup, "cleanup", "remove cgroups, temp dirs and partial cache entries left by killed runs"},
	{"topo", cmd_topo, "topo", "print the host CPU topology"},
	{"help", cmd_help, "help [COMMAND]", "show help"},
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
		fprintf(stderr, "usage: ktstr %s\n", b->usage);
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
		printf("usage: ktstr %s\n\n%s\n", b->usage, b->summary);
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
	if (b && wants_help(argc, argv)) {
		char *help[] = {(char *)"help", (char *)b->name, NULL};
		return cmd_help(2, help);
	}
	if (b)
		return b->fn(argc - 1, argv + 1);
	if (a[0] == '-' || strchr(a, '.') || strchr(a, '/'))
		return cmd_run(argc, argv);	/* argv[0] stands in for "run" */
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
