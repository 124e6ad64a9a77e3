/* Unit tests of the option tables (src/cmd/options.c): getopt_long's
 * arrays built from a table, parsing through them, the usage lines and
 * --help's option list generated from the same table (wrapped to 80
 * columns), the mistakes cmd_options_check refuses, and the strict
 * parsing every option value goes through (numbers, comma lists). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

static const struct cmd_option table[] = {
	{"scheduler", 0, required_argument, 's', "NAME", "run under this scheduler"},
	{"kernel", 'k', required_argument, 'k', "K", "a bzImage, a cache entry or an entry name"},
	{"verbose", 'v', no_argument, 0, NULL, "relay the guest's log lines"},
	{NULL, 'j', required_argument, 0, "N", "jobs"},
	{"claims", 0, required_argument, 'c', "FILE", "the claims", 1},
	{0},
};

static void test_build(void **state)
{
	(void)state;
	struct option lo[8];
	char shorts[16];
	assert_true(cmd_options_build(table, lo, 8, shorts, sizeof(shorts)));
	assert_string_equal(shorts, "k:vj:");
	assert_string_equal(lo[0].name, "scheduler");
	assert_int_equal(lo[0].val, 's');
	assert_int_equal(lo[1].has_arg, required_argument);
	assert_int_equal(lo[2].val, 'v');	/* val 0: the short name */
	assert_string_equal(lo[3].name, "claims");
	assert_null(lo[4].name);
	assert_false(cmd_options_build(table, lo, 3, shorts, sizeof(shorts)));	/* too small */
}

static void test_parse(void **state)
{
	(void)state;
	char *argv[] = {"cmd", "a.yaml", "--scheduler", "simple", "-vk", "bz", "--kernel=x", "-j", "3", "b.yaml", NULL};
	int argc = 10, c;
	char got[16] = "";
	size_t n = 0;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, table)) != -1)
		got[n++] = (char)c;
	assert_string_equal(got, "svkkj");
	assert_int_equal(optind, 8);	/* the positionals, permuted to the end */
	assert_string_equal(argv[8], "a.yaml");
	assert_string_equal(argv[9], "b.yaml");
	char *bad[] = {"cmd", "--nope", NULL};
	optind = 1;
	opterr = 0;
	assert_int_equal(cmd_getopt(2, bad, table), '?');
	opterr = 1;
}

static char *capture(void (*fn)(FILE *, const struct cmd_usage *), const struct cmd_usage *u)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, u);
	fclose(f);
	return buf;
}

static void usage_of(FILE *f, const struct cmd_usage *u)
{
	cmd_print_usage(f, "run", u);
}

static void test_usage(void **state)
{
	(void)state;
	static const struct cmd_usage u[] = {{NULL, table, "FILE.yaml..."}, {"merge", NULL, "DIR..."}, {0}};
	char *s = capture(usage_of, u);
	assert_non_null(strstr(s, "usage: ktstr run [--scheduler NAME] [--kernel K] [--verbose] [-j N]"));
	assert_non_null(strstr(s, " --claims FILE FILE.yaml...\n"));	/* required: no brackets */
	assert_non_null(strstr(s, "\n   or: ktstr run merge DIR...\n"));
	for (char *l = s, *e; *l; l = e + 1) {
		e = strchr(l, '\n');
		assert_true(e - l <= 80);
	}
	free(s);
	s = capture(cmd_print_options, u);
	assert_non_null(strstr(s, "      --scheduler NAME      run under this scheduler\n"));
	assert_non_null(strstr(s, "  -k, --kernel K            a bzImage"));
	assert_non_null(strstr(s, "  -j N                      jobs\n"));
	assert_non_null(strstr(s, "  -h, --help"));
	free(s);
	s = capture(usage_of, NULL);
	assert_string_equal(s, "usage: ktstr run\n");
	free(s);
}

static void test_long_help_wraps(void **state)
{
	(void)state;
	static const struct cmd_option t[] = {
		{"a-rather-long-option-name", 0, required_argument, 'a', "VALUE",
		 "a help text long enough that it cannot fit on one line of eighty columns at all"},
		{0},
	};
	static const struct cmd_usage u[] = {{NULL, t, NULL}, {0}};
	char *s = capture(cmd_print_options, u);
	for (char *l = s, *e; *l; l = e + 1) {
		e = strchr(l, '\n');
		assert_true(e - l <= 80);
	}
	assert_non_null(strstr(s, "--a-rather-long-option-name VALUE\n                            a help"));
	free(s);
}

static void expect_bad(const struct cmd_option *t, const char *want)
{
	char why[160];
	assert_false(cmd_options_check(t, why, sizeof(why)));
	assert_non_null(strstr(why, want));
}

static void test_check(void **state)
{
	(void)state;
	char why[160];
	assert_true(cmd_options_check(table, why, sizeof(why)));
	expect_bad((const struct cmd_option[]){{"x", 'x', no_argument, 'y', NULL, "h"}, {0}}, "-x returns 'y'");
	expect_bad((const struct cmd_option[]){{"x", 0, no_argument, 'x', NULL, "h"}, {"x", 0, no_argument, 'y', NULL, "h"}, {0}},
		   "--x twice");
	expect_bad((const struct cmd_option[]){{"x", 0, no_argument, 'x', NULL, "h"}, {"y", 0, no_argument, 'x', NULL, "h"}, {0}},
		   "same value");
	expect_bad((const struct cmd_option[]){{"x", 0, no_argument, 'x', NULL, NULL}, {0}}, "no help");
	expect_bad((const struct cmd_option[]){{"x", 0, required_argument, 'x', NULL, "h"}, {0}}, "without a name");
	expect_bad((const struct cmd_option[]){{"x", 0, optional_argument, 'x', "A", "h"}, {0}}, "optional");
}

static void test_numbers(void **state)
{
	(void)state;
	unsigned long u;
	double d;
	assert_true(cmd_parse_ulong("12", 1, 100, &u));
	assert_int_equal(u, 12);
	static const char *const bad_u[] = {"", "5x", " 5", "-1", "+3", "0", "101", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(bad_u) / sizeof(*bad_u); i++)
		assert_false(cmd_parse_ulong(bad_u[i], 1, 100, &u));
	assert_true(cmd_parse_double("2.5", 0, 1e9, &d));
	assert_true(d == 2.5);
	static const char *const bad_d[] = {"", "1e999", "-1e999", "nan", "inf", "-inf", "infinity", "5%", " 1", "-1"};
	for (size_t i = 0; i < sizeof(bad_d) / sizeof(*bad_d); i++)
		assert_false(cmd_parse_double(bad_d[i], 0, 1e300, &d));
}

/* "A/B": whole numbers on both sides, nothing else. */
static void test_slash_pair(void **state)
{
	(void)state;
	unsigned long a = 99, b = 99;
	assert_true(cmd_parse_slash_pair("0/4", 10, &a, &b));
	assert_int_equal(a, 0);
	assert_int_equal(b, 4);
	const char *bad[] = {"", "/", "3", "3/", "/3", "1/-4", "-1/4", "2/3x", " 1/2", "1 /2", "1/11", "1/2/3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(cmd_parse_slash_pair(bad[i], 10, &a, &b));
}

static void test_split_list(void **state)
{
	(void)state;
	char ok[] = "tiny,llc2,smt";
	size_t n;
	char **v = cmd_split_list(ok, &n);
	assert_non_null(v);
	assert_int_equal(n, 3);
	assert_string_equal(v[2], "smt");
	assert_null(v[3]);
	free(v);
	char none[] = "";
	v = cmd_split_list(none, &n);
	assert_non_null(v);
	assert_int_equal(n, 0);
	assert_null(v[0]);
	free(v);
	static const char *const bad[] = {"tiny,,", "a,,b", "a,", ",a", ","};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		assert_null(cmd_split_list(buf, &n));
		assert_string_equal(buf, bad[i]);	/* untouched, for the message */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_long_help_wraps),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_slash_pair),
		cmocka_unit_test(test_split_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
