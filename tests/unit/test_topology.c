/* Unit tests: topology strings, limits, CPU numbering and cpuset specs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "topology.h"

static void test_parse(void **st)
{
	(void)st;
	struct topology t;
	char why[256];
	assert_true(topo_parse("1n2l4c2t", &t, why, sizeof(why)));
	assert_int_equal(t.numa_nodes, 1);
	assert_int_equal(t.llcs, 2);
	assert_int_equal(t.cores, 4);
	assert_int_equal(t.threads, 2);
	assert_int_equal(topo_ncpus(&t), 16);
	assert_true(topo_parse("2l2c", &t, why, sizeof(why)));
	assert_int_equal(t.numa_nodes, 1);
	assert_int_equal(t.threads, 1);
	char out[32];
	topo_format(&t, out, sizeof(out));
	assert_string_equal(out, "1n2l2c1t");
}

static void test_reject(void **st)
{
	(void)st;
	struct topology t;
	char why[256];
	assert_false(topo_parse("2n3l2c1t", &t, why, sizeof(why)));
	assert_non_null(strstr(why, "multiple of numa_nodes"));
	assert_false(topo_parse("1n16l16c2t", &t, why, sizeof(why)));
	assert_non_null(strstr(why, "vCPUs"));
	assert_false(topo_parse("4c2l", &t, why, sizeof(why)));
	assert_false(topo_parse("1n0l2c", &t, why, sizeof(why)));
	assert_false(topo_parse("1n2x", &t, why, sizeof(why)));
	assert_false(topo_parse("1n2c", &t, why, sizeof(why)));
	assert_false(topo_parse("", &t, why, sizeof(why)));
}

static void fmt(const struct cpuset *s, char *out)
{
	cpuset_format(s, out, 128);
}

static void test_numbering(void **st)
{
	(void)st;
	struct topology t = {2, 4, 2, 1};	/* 2n4l2c1t: 8 CPUs */
	struct cpuset s;
	char out[128];
	topo_node_cpus(&t, 1, &s);
	fmt(&s, out);
	assert_string_equal(out, "4-7");
	topo_llc_cpus(&t, 2, &s);
	fmt(&s, out);
	assert_string_equal(out, "4-5");
	assert_int_equal(topo_cpu_node(&t, 3), 0);
	assert_int_equal(topo_cpu_node(&t, 4), 1);
}

static void resolve_ok(const struct topology *t, struct cpuset_spec sp, const char *want)
{
	struct cpuset s;
	char why[256] = "", out[128];
	assert_true(cpuset_resolve(t, &sp, &s, why, sizeof(why)));
	fmt(&s, out);
	assert_string_equal(out, want);
}

static void test_specs(void **st)
{
	(void)st;
	struct topology t = {1, 2, 4, 1};	/* 8 CPUs */
	resolve_ok(&t, (struct cpuset_spec){.kind = CS_ALL}, "0-7");
	resolve_ok(&t, (struct cpuset_spec){.kind = CS_LLC, .index = 1}, "4-7");
	resolve_ok(&t, (struct cpuset_spec){.kind = CS_NUMA, .index = 0}, "0-7");
	resolve_ok(&t, (struct cpuset_spec){.kind = CS_RANGE, .from = 0, .to = 0.5}, "0-3");
	resolve_ok(&t, (struct cpuset_spec){.kind = CS_RANGE, .from = 0.5, .to = 1}, "4-7");
	resolve_ok(&t, (struct cpuset_spec){.kind = CS_DISJOINT, .index = 1, .of = 4}, "2-3");
	resolve_ok(&t, (struct cpuset_spec){.kind = CS_OVERLAP, .index = 0, .of = 2, .frac = 0.5}, "0-5");
	resolve_ok(&t, (struct cpuset_spec){.kind = CS_OVERLAP, .index = 1, .of = 2, .frac = 0.5}, "2-7");
}

static void test_spec_errors(void **st)
{
	(void)st;
	struct topology t = {1, 2, 2, 1};	/* 4 CPUs */
	struct cpuset s;
	char why[256];
	struct cpuset_spec bad[] = {
		{.kind = CS_LLC, .index = 2},
		{.kind = CS_NUMA, .index = 1},
		{.kind = CS_RANGE, .from = 0.5, .to = 0.5},
		{.kind = CS_DISJOINT, .index = 0, .of = 5},
		{.kind = CS_DISJOINT, .index = 3, .of = 3},
		{.kind = CS_CPUS},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		assert_false(cpuset_resolve(&t, &bad[i], &s, why, sizeof(why)));
		assert_true(strstr(why, "expected") != NULL);
	}
	struct cpuset_spec far = {.kind = CS_CPUS};
	cpuset_set(&far.cpus, 4);
	assert_false(cpuset_resolve(&t, &far, &s, why, sizeof(why)));
	assert_non_null(strstr(why, "CPU 4"));
}

static void test_cpuset_text(void **st)
{
	(void)st;
	struct cpuset s;
	char out[128];
	assert_true(cpuset_parse("0-2,5,7-8", &s));
	assert_int_equal(cpuset_count(&s), 6);
	fmt(&s, out);
	assert_string_equal(out, "0-2,5,7-8");
	assert_false(cpuset_parse("1-", &s));
	assert_false(cpuset_parse("a", &s));
	assert_false(cpuset_parse("1,", &s));
	assert_false(cpuset_parse("999", &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_reject),
		cmocka_unit_test(test_numbering),
		cmocka_unit_test(test_specs),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_cpuset_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
