/* Unit tests over the catalog: every YAML file in scenarios/ is valid, lowers,
 * and survives lower -> encode -> decode -> encode byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>

#include "disasm.h"
#include "scenario.h"

static const char *const catalog[] = {
	"steady", "steady_llc", "oversubscribed", "cpuset_apply", "cpuset_clear",
	"cpuset_resize", "cgroup_add", "cgroup_remove", "affinity_change",
	"affinity_pinned", "host_contention", "mixed_workloads", "nested_steady",
	"nested_task_move", "fanout",
};

static void round_trip(const char *path)
{
	struct diag d = {0};
	struct scenario s;
	/* Catalog scenarios run catalog payloads, found by name as ktstr does. */
	static const char *const payloads[] = {SRCDIR "/payloads", NULL};
	struct load_opts lo = {.payload_path = payloads};
	bool ok = scenario_load(&s, path, &lo, &d);
	diag_print(&d, stderr);
	assert_true(ok);
	assert_non_null(ynode_get(s.root, "description"));
	struct kb_program p, q;
	scenario_lower(&s, &p);
	size_t n1, n2;
	uint8_t *a = kb_encode(&p, &n1);
	char err[256];
	assert_true(kb_decode(a, n1, &q, err, sizeof(err)));
	uint8_t *b = kb_encode(&q, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	struct strbuf sb = {0};
	kb_disasm(&q, &sb);
	assert_non_null(strstr(sb.buf, "backdrop"));
	sb_free(&sb);
	free(a);
	free(b);
	kb_free(&p);
	kb_free(&q);
	scenario_free(&s);
	diag_free(&d);
}

static void test_catalog_complete(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(catalog) / sizeof(catalog[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/scenarios/%s.yaml", SRCDIR, catalog[i]);
		round_trip(path);
	}
}

static void test_every_file_round_trips(void **st)
{
	(void)st;
	glob_t g;
	assert_int_equal(glob(SRCDIR "/scenarios/*.yaml", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= sizeof(catalog) / sizeof(catalog[0]));
	for (size_t i = 0; i < g.gl_pathc; i++)
		round_trip(g.gl_pathv[i]);
	globfree(&g);
}

static void test_fanout_program(void **st)
{
	(void)st;
	struct diag d = {0};
	struct scenario s;
	assert_true(scenario_load(&s, SRCDIR "/scenarios/fanout.yaml", NULL, &d));
	struct kb_program p;
	scenario_lower(&s, &p);
	size_t spawns = 0;
	for (uint32_t i = 0; i < p.ninsn; i++) {
		const struct kb_insn *in = &p.insn[i];
		if (in->op != OPC_SPAWN)
			continue;
		const char *work = kb_get_str(&p, in, "work");
		if (work && !strcmp(work, "futex_fan_out")) {
			int64_t w, fo;
			assert_true(kb_get_int(&p, in, "workers", &w));
			assert_true(kb_get_int(&p, in, "work.fan_out", &fo));
			assert_int_equal(w % (fo + 1), 0);
			spawns++;
		}
	}
	assert_true(spawns >= 1);
	kb_free(&p);
	scenario_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_complete),
		cmocka_unit_test(test_every_file_round_trips),
		cmocka_unit_test(test_fanout_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
