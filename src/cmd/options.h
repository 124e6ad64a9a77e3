/* options: a command's options, declared once in a table that both the
 * parser (getopt_long) and the usage text (`ktstr CMD --help`, and the
 * usage line of a usage error) are built from, so flags cannot drift
 * from their documentation.  After git's and kvmtool's option tables. */
#ifndef KTSTR_OPTIONS_H
#define KTSTR_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Enough for the widest command (run). */
#define CMD_MAX_OPTIONS 32

struct cmd_option {
	const char *long_name;	/* "--NAME"; NULL: a short option only */
	char short_name;	/* "-C"; 0: a long option only */
	int has_arg;		/* no_argument or required_argument */
	int val;		/* what cmd_getopt returns; 0: short_name */
	const char *argname;	/* the argument in usage: "NAME" */
	const char *help;	/* one line for --help */
	int required;		/* the command needs it: no brackets in usage */
};

/* One way to call a command: `ktstr CMD [SUB] [options] [ARGS]`.  A
 * command's forms are an array ending with {0}; a command that takes
 * nothing has none (NULL). */
struct cmd_usage {
	const char *sub;		/* a sub-subcommand ("build"), or NULL */
	const struct cmd_option *opts;	/* ending with {0}; or NULL */
	const char *args;		/* positional arguments, or NULL */
};

/* What getopt_long returns for o. */
int cmd_option_val(const struct cmd_option *o);
/* getopt_long's arrays from a table: lo gets n-1 entries at most and a
 * {0} end, shorts the short options ("vk:").  False when they do not
 * fit. */
int cmd_options_build(const struct cmd_option *t, struct option *lo, size_t n, char *shorts, size_t ns);
/* A table's mistakes: a short option whose val differs, a name or val
 * given twice, no help, an argument without a name, a table too large.
 * True when it has none; else why says the first. */
int cmd_options_check(const struct cmd_option *t, char *why, size_t n);
/* getopt_long over a table (set optind = 1 before the first call). */
int cmd_getopt(int argc, char **argv, const struct cmd_option *t);

/* "usage: ktstr CMD ..." for each form, wrapped to 80 columns. */
void cmd_print_usage(FILE *f, const char *cmd, const struct cmd_usage *u);
/* The option list of --help: one line per option with its help text. */
void cmd_print_options(FILE *f, const struct cmd_usage *u);
/* Every option of every form, one a line ("--NAME", "-C"): what the
 * parser accepts, for tests (`ktstr CMD --list-options`).  False when a
 * table has a mistake (cmd_options_check; printed to stderr). */
int cmd_list_options(FILE *f, const struct cmd_usage *u);

/* Option and environment values, parsed strictly and the same way for
 * every option: the whole text, within lo..hi.  "", "5x", " 5", "-1"
 * (for an unsigned) and, for a double, "nan", "inf" and "1e999" (an
 * overflow) are refused, so a typo never becomes a default or a wrap. */
bool cmd_parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
bool cmd_parse_double(const char *s, double lo, double hi, double *out);
/* "A/B" (a shard I/N, a repeat K/N): two whole numbers, each 0..max,
 * nothing around them; how A and B must relate is the caller's. */
bool cmd_parse_slash_pair(const char *s, unsigned long max, unsigned long *a, unsigned long *b);
/* A comma list ("a,b,c") split in place into a malloc'd array of its *n
 * entries and a NULL ("" has none).  NULL, with s untouched, when an
 * entry is empty ("a,,b", "a,", ",a"): a stray comma would otherwise
 * drop a value without a word. */
char **cmd_split_list(char *s, size_t *n);

#endif
