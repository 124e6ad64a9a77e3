/* options: getopt_long's arrays, the usage lines and the --help option
 * list, all from a command's one option table (see options.h). */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 80
#define HELP_COLUMN 28

int cmd_option_val(const struct cmd_option *o)
{
	return o->val ? o->val : o->short_name;
}

int cmd_options_build(const struct cmd_option *t, struct option *lo, size_t n, char *shorts, size_t ns)
{
	size_t k = 0, s = 0;
	for (; t->long_name || t->short_name; t++) {
		if (t->long_name) {
			if (k + 1 >= n)
				return 0;
			lo[k++] = (struct option){t->long_name, t->has_arg, NULL, cmd_option_val(t)};
		}
		if (t->short_name) {
			if (s + 3 >= ns)
				return 0;
			shorts[s++] = t->short_name;
			if (t->has_arg == required_argument)
				shorts[s++] = ':';
		}
	}
	lo[k] = (struct option){0};
	shorts[s] = 0;
	return 1;
}

int cmd_options_check(const struct cmd_option *t, char *why, size_t n)
{
	struct option lo[CMD_MAX_OPTIONS + 1];
	char shorts[2 * CMD_MAX_OPTIONS + 1];
	if (!cmd_options_build(t, lo, CMD_MAX_OPTIONS + 1, shorts, sizeof(shorts))) {
		snprintf(why, n, "more than %d options", CMD_MAX_OPTIONS);
		return 0;
	}
	for (const struct cmd_option *o = t; o->long_name || o->short_name; o++) {
		const char *name = o->long_name ? o->long_name : (char[]){o->short_name, 0};
		if (o->short_name && o->val && o->val != o->short_name) {
			snprintf(why, n, "%s: -%c returns '%c'", name, o->short_name, o->val);
			return 0;
		}
		if (!o->help || !*o->help) {
			snprintf(why, n, "%s: no help text", name);
			return 0;
		}
		if (o->has_arg != no_argument && o->has_arg != required_argument) {
			snprintf(why, n, "%s: an optional argument (not in the usage)", name);
			return 0;
		}
		if (o->has_arg == required_argument && (!o->argname || !*o->argname)) {
			snprintf(why, n, "%s: an argument without a name", name);
			return 0;
		}
		for (const struct cmd_option *p = t; p < o; p++) {
			if (o->long_name && p->long_name && !strcmp(o->long_name, p->long_name)) {
				snprintf(why, n, "--%s twice", o->long_name);
				return 0;
			}
			if (o->short_name && o->short_name == p->short_name) {
				snprintf(why, n, "-%c twice", o->short_name);
				return 0;
			}
			if (cmd_option_val(o) == cmd_option_val(p)) {
				snprintf(why, n, "%s and %s return the same value", name,
					 p->long_name ? p->long_name : "a short option");
				return 0;
			}
		}
	}
	return 1;
}

int cmd_getopt(int argc, char **argv, const struct cmd_option *t)
{
	static const struct cmd_option *built;
	static struct option lo[CMD_MAX_OPTIONS + 1];
	static char shorts[2 * CMD_MAX_OPTIONS + 1];
	if (built != t) {
		if (!cmd_options_build(t, lo, CMD_MAX_OPTIONS + 1, shorts, sizeof(shorts))) {
			fputs("ktstr: internal error: an option table is too large\n", stderr);
			abort();
		}
		built = t;
	}
	return getopt_long(argc, argv, shorts, lo, NULL);
}

/* Words of a usage line, wrapped: the first at col, the rest on lines
 * indented to indent. */
struct wrap {
	FILE *f;
	size_t col, indent;
};

static void word(struct wrap *w, const char *s)
{
	size_t n = strlen(s);
	if (w->col + 1 + n > WIDTH && w->col > w->indent) {
		fprintf(w->f, "\n%*s", (int)w->indent, "");
		w->col = w->indent;
	} else {
		fputc(' ', w->f);
		w->col++;
	}
	fputs(s, w->f);
	w->col += n;
}

/* Text word by word, so that it wraps too. */
static void words(struct wrap *w, const char *text)
{
	char *a = strdup(text), *save = NULL;
	for (char *t = a ? strtok_r(a, " ", &save) : NULL; t; t = strtok_r(NULL, " ", &save))
		word(w, t);
	free(a);
}

/* "--long ARG" (or "-s ARG" for a short option only), in buf. */
static const char *spelling(const struct cmd_option *o, char *buf, size_t n)
{
	char name[64];
	if (o->long_name)
		snprintf(name, sizeof(name), "--%s", o->long_name);
	else
		snprintf(name, sizeof(name), "-%c", o->short_name);
	if (o->has_arg == required_argument)
		snprintf(buf, n, "%s %s", name, o->argname ? o->argname : "ARG");
	else
		snprintf(buf, n, "%s", name);
	return buf;
}

static void print_form(FILE *f, const char *lead, const char *cmd, const struct cmd_usage *u)
{
	struct wrap w = {f, 0, 0};
	w.col = (size_t)fprintf(f, "%s ktstr %s", lead, cmd);
	w.indent = strlen(lead) + strlen(" ktstr ") + strlen(cmd) + 1;
	if (u && u->sub)
		word(&w, u->sub);
	for (const struct cmd_option *o = u && u->opts ? u->opts : NULL; o && (o->long_name || o->short_name); o++) {
		char sp[128], br[132];
		spelling(o, sp, sizeof(sp));
		snprintf(br, sizeof(br), o->required ? "%s" : "[%s]", sp);
		word(&w, br);
	}
	if (u && u->args)
		words(&w, u->args);
	fputc('\n', f);
}

void cmd_print_usage(FILE *f, const char *cmd, const struct cmd_usage *u)
{
	if (!u) {
		print_form(f, "usage:", cmd, NULL);
		return;
	}
	for (int i = 0; u[i].sub || u[i].opts || u[i].args; i++)
		print_form(f, i ? "   or:" : "usage:", cmd, &u[i]);
}

/* The forms that bring a table not already printed. */
static int first_with(const struct cmd_usage *u, int i)
{
	for (int k = 0; k < i; k++)
		if (u[k].opts == u[i].opts)
			return 0;
	return u[i].opts && (u[i].opts->long_name || u[i].opts->short_name);
}

void cmd_print_options(FILE *f, const struct cmd_usage *u)
{
	for (int i = 0; u && (u[i].sub || u[i].opts || u[i].args); i++) {
		if (!first_with(u, i))
			continue;
		if (u[i].sub)
			fprintf(f, "\noptions of %s:\n", u[i].sub);
		else
			fputs("\noptions:\n", f);
		for (const struct cmd_option *o = u[i].opts; o->long_name || o->short_name; o++) {
			char arg[80] = "";
			if (o->has_arg == required_argument)
				snprintf(arg, sizeof(arg), " %s", o->argname ? o->argname : "ARG");
			char left[160];
			if (o->long_name && o->short_name)
				snprintf(left, sizeof(left), "-%c, --%s%s", o->short_name, o->long_name, arg);
			else if (o->long_name)
				snprintf(left, sizeof(left), "    --%s%s", o->long_name, arg);
			else
				snprintf(left, sizeof(left), "-%c%s", o->short_name, arg);
			int n = fprintf(f, "  %s", left);
			if (n + 2 > HELP_COLUMN) {	/* the help on a line of its own */
				fputc('\n', f);
				n = 0;
			}
			fprintf(f, "%*s", HELP_COLUMN - 1 - n, "");
			struct wrap w = {f, HELP_COLUMN - 1, HELP_COLUMN};
			words(&w, o->help ? o->help : "");
			fputc('\n', f);
		}
	}
	fprintf(f, "\n  -h, --help%*sshow this help\n", HELP_COLUMN - 12, "");
}

int cmd_list_options(FILE *f, const struct cmd_usage *u)
{
	int ok = 1;
	for (int i = 0; u && (u[i].sub || u[i].opts || u[i].args); i++) {
		if (!first_with(u, i))
			continue;
		char why[160];
		if (!cmd_options_check(u[i].opts, why, sizeof(why))) {
			fprintf(stderr, "ktstr: option table%s%s: %s\n", u[i].sub ? " of " : "", u[i].sub ? u[i].sub : "", why);
			ok = 0;
		}
		for (const struct cmd_option *o = u[i].opts; o->long_name || o->short_name; o++) {
			if (o->long_name)
				fprintf(f, "--%s\n", o->long_name);
			if (o->short_name)
				fprintf(f, "-%c\n", o->short_name);
		}
	}
	return ok;
}

bool cmd_parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	if (!isdigit((unsigned char)*s))	/* strtoul takes spaces, signs and wraps "-1" */
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool cmd_parse_slash_pair(const char *s, unsigned long max, unsigned long *a, unsigned long *b)
{
	const char *slash = strchr(s, '/');
	char head[24];
	if (!slash || (size_t)(slash - s) >= sizeof(head))
		return false;
	snprintf(head, sizeof(head), "%.*s", (int)(slash - s), s);
	return cmd_parse_ulong(head, 0, max, a) && cmd_parse_ulong(slash + 1, 0, max, b);
}

bool cmd_parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

char **cmd_split_list(char *s, size_t *n)
{
	size_t k = *s ? 1 : 0;
	for (const char *c = s; *c; c++) {
		if (*c == ',' && (c == s || c[1] == ',' || !c[1]))
			return NULL;
		k += *c == ',';
	}
	char **v = malloc((k + 1) * sizeof(*v));
	if (!v)
		abort();
	*n = 0;
	for (char *save = NULL, *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
		v[(*n)++] = t;
	v[*n] = NULL;
	return v;
}
