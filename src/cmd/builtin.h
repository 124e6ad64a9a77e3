/* builtin: the subcommands of ktstr, one file each (builtin-*.c), and the
 * one table in main.c that names them.  Every command returns an exit
 * status from enum kt_exit. */
#ifndef KTSTR_BUILTIN_H
#define KTSTR_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exitcode.h"
#include "options.h"

struct builtin {
	const char *name;
	int (*fn)(int argc, char **argv);
	const struct cmd_usage *usage;	/* its forms, from its option tables; NULL: no arguments */
	const char *summary;
};

/* Each command's forms and option tables (in its builtin-*.c). */
extern const struct cmd_usage run_usage[], validate_usage[], dump_usage[], list_usage[], schema_usage[],
	kernel_usage[], shell_usage[], gauntlet_usage[], reduce_usage[], report_usage[], check_usage[],
	compare_usage[];

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_shell(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_cleanup(int argc, char **argv);
int cmd_gauntlet(int argc, char **argv);
int cmd_reduce(int argc, char **argv);

struct topology;
/* "1n2l2c1t" or "N,L,C,T" (CLI topology arguments). */
bool parse_topology_arg(const char *s, struct topology *t, char *why, size_t n);
int cmd_help(int argc, char **argv);

struct kb_program;
/* --attach-timeout and --watchdog (schedopts.c), the same two rows in the
 * option tables of run, gauntlet and reduce. */
#define SCHED_OPT_ATTACH_TIMEOUT 'X'
#define SCHED_OPT_WATCHDOG 'w'
#define SCHED_OPTIONS \
	{"attach-timeout", 0, required_argument, SCHED_OPT_ATTACH_TIMEOUT, "DUR", \
	 "allow the scheduler DUR to attach (overrides its definition's attach_timeout)"}, \
	{"watchdog", 0, required_argument, SCHED_OPT_WATCHDOG, "DUR", \
	 "sched_ext watchdog timeout, applied by the host monitor (overrides the scenario's watchdog:)"}
struct sched_opts {
	const char *attach_timeout, *watchdog;	/* as given (passed on to child runs), or NULL */
	uint64_t attach_timeout_ns, watchdog_ns;	/* 0: not given */
};
/* One of the two options (SCHED_OPT_*) with its argument, checked against
 * the bounds of the key it overrides; 0 or the usage error's exit. */
int sched_opts_parse(const char *cmd, struct sched_opts *so, int opt, const char *arg);
/* Apply them to a loaded program (YAML or .ktbc).  False with why when
 * --attach-timeout is given and the program runs no sched_ext scheduler. */
bool sched_opts_apply(const struct sched_opts *so, struct kb_program *p, char *why, size_t n);
struct load_opts;
/* Load FILE (a YAML scenario or a .ktbc program) into p; prints errors
 * and returns an exit status.  When the scenario does not fit the
 * topology it was given, unfit (if not NULL) gets why; else "". */
int load_program(const char *path, struct kb_program *p, const struct load_opts *lo, char *unfit, size_t n);
/* The name of the program's scheduler ("eevdf" when it names none). */
const char *program_scheduler(const struct kb_program *p);
/* loadopts.c: the scheduler path and binary lookup every command that
 * loads scenarios uses (sets lo->sched_path and lo->sched_binary). */
void cli_load_opts(struct load_opts *lo);
const char *const *scheduler_path(void);
const char *const *payload_path(void);
bool scheduler_binary_exists(const char *name);

/* The scenario catalog: $KTSTR_SCENARIOS, ./scenarios, or the installed one. */
const char *catalog_dir(void);

extern const struct builtin builtins[];
const struct builtin *builtin_find(const char *name);
/* Print "usage: ..." for a command to stderr and return KT_EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
