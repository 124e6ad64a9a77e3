/* Unit tests: scalar parsers, duration formatting, did-you-mean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "diag.h"
#include "types.h"
#include "util.h"

static void test_durations(void **st)
{
	(void)st;
	uint64_t ns;
	assert_true(parse_dur("500ms", &ns));
	assert_int_equal(ns, 500000000ull);
	assert_true(parse_dur("2s", &ns));
	assert_int_equal(ns, 2000000000ull);
	assert_true(parse_dur("1m", &ns));
	assert_int_equal(ns, 60000000000ull);
	assert_true(parse_dur("1.5s", &ns));
	assert_int_equal(ns, 1500000000ull);
	assert_true(parse_dur("100us", &ns));
	assert_int_equal(ns, 100000ull);
	assert_true(parse_dur("0", &ns));
	assert_int_equal(ns, 0);
	const char *bad[] = {"", "2", "2 s", "s", "-1s", "1.5ns", "2sec", "1e3ms", "0x10s", "nans"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(parse_dur(bad[i], &ns));
}

static void test_duration_format_round_trip(void **st)
{
	(void)st;
	const uint64_t v[] = {0, 1, 999, 1000, 1500000, 2000000000ull, 90000000000ull, 3600000000000ull};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		char buf[32];
		uint64_t back;
		fmt_duration(buf, sizeof(buf), v[i]);
		assert_true(parse_dur(buf, &back));
		assert_int_equal(back, v[i]);
	}
	char buf[32];
	fmt_duration(buf, sizeof(buf), 1500000000ull);
	assert_string_equal(buf, "1500ms");
}

static void test_numbers_and_fractions(void **st)
{
	(void)st;
	int64_t i;
	double d;
	assert_true(parse_int("-20", &i));
	assert_int_equal(i, -20);
	assert_false(parse_int("1.0", &i));
	assert_false(parse_int(" 1", &i));
	assert_false(parse_int("99999999999999999999", &i));
	assert_true(parse_frac("50%", &d));
	assert_float_equal(d, 0.5, 1e-12);
	assert_true(parse_frac("0.25", &d));
	assert_float_equal(d, 0.25, 1e-12);
	assert_false(parse_frac("%", &d));
	assert_false(parse_num("nan", &d));
	assert_false(parse_num("inf", &d));
	assert_false(parse_num("0x1p3", &d));
	assert_false(parse_num("1e999", &d));
	bool b;
	assert_true(parse_bool("true", &b) && b);
	assert_true(parse_bool("false", &b) && !b);
	assert_false(parse_bool("yes", &b));
}

static void test_names_and_cpulists(void **st)
{
	(void)st;
	assert_true(parse_name("cg_0", false));
	assert_false(parse_name("a/b", false));
	assert_true(parse_name("a/b.c-d", true));
	assert_false(parse_name("a//b", true));
	assert_false(parse_name("../x", true));
	assert_false(parse_name("/abs", true));
	assert_false(parse_name("", true));
	uint64_t mask[4] = {0};
	assert_int_equal(parse_cpulist("0-3,8", mask, 256), 5);
	assert_int_equal(mask[0], 0x10full);
	uint64_t m2[4] = {0};
	assert_int_equal(parse_cpulist("3-1", m2, 256), -1);
	assert_int_equal(parse_cpulist("1,", m2, 256), -1);
	assert_int_equal(parse_cpulist("256", m2, 256), -1);
}

static void test_did_you_mean(void **st)
{
	(void)st;
	const char *c[] = {"workers", "work", "cpuset", "weight"};
	assert_string_equal(did_you_mean("wokers", c, 4), "workers");
	assert_string_equal(did_you_mean("cpuste", c, 4), "cpuset");
	assert_null(did_you_mean("completely_else", c, 4));
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_duration_format_round_trip),
		cmocka_unit_test(test_numbers_and_fractions),
		cmocka_unit_test(test_names_and_cpulists),
		cmocka_unit_test(test_did_you_mean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
