/* Unit tests of the gauntlet's pure parts: matrix expansion and its run
 * order (every scenario once before any repeat), shard balance (every
 * cell in exactly one shard), merge of shard summaries equal to the
 * unsharded one, refusal to merge other matrices, scheduler variants,
 * folding of repeats (flaky), JUnit and the exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"
#include "runner.h"
#include "summary.h"

static const char *scen[] = {"a/steady.yaml", "b/fanout.yaml", "c/x.yaml"};
static const char *topo[] = {"own", "tiny", "smt"};
static const char *kern[] = {""};

static void make(struct matrix *m, int repeat)
{
	memset(m, 0, sizeof(*m));
	m->scenarios = scen, m->nscenarios = 3;
	m->topologies = topo, m->ntopologies = 3;
	m->variants = calloc(2, sizeof(*m->variants));
	assert_true(variant_parse("eevdf", &m->variants[0]));
	assert_true(variant_parse("qmap:slice_1ms+fifo", &m->variants[1]));
	m->nvariants = 2;
	m->kernels = kern, m->nkernels = 1;
	m->repeat = repeat;
	matrix_expand(m);
}

static void done(struct matrix *m)
{
	matrix_free(m);
	free(m->variants);
}

static void test_variants(void **state)
{
	(void)state;
	struct variant v;
	char out[300];
	assert_true(variant_parse("qmap:slice_1ms+fifo", &v));
	assert_string_equal(v.name, "qmap");
	assert_string_equal(v.flags, "slice_1ms,fifo");
	variant_format(&v, out, sizeof(out));
	assert_string_equal(out, "qmap:slice_1ms+fifo");
	assert_false(variant_parse("qmap:", &v));
	assert_false(variant_parse(":x", &v));
	assert_false(variant_parse("qmap:a++b", &v));
	assert_false(variant_parse("qmap:a+", &v));
}

static void test_expand_order(void **state)
{
	(void)state;
	struct matrix m;
	make(&m, 2);
	assert_int_equal(m.ncells, 3 * 3 * 2 * 2);
	/* every cell of repeat 0 before any of repeat 1 */
	for (size_t i = 0; i < m.ncells; i++)
		assert_int_equal(m.cells[i].rep, i >= m.ncells / 2);
	/* the first topology's cells (each scenario under each scheduler) first */
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(m.cells[i].topology, 0);
	assert_int_equal(m.cells[0].scenario, 0);
	assert_int_equal(m.cells[1].scenario, 0);
	assert_int_equal(m.cells[2].scenario, 1);
	/* ids are unique */
	for (size_t i = 0; i < m.ncells; i++)
		for (size_t k = i + 1; k < m.ncells; k++)
			assert_string_not_equal(m.cells[i].id, m.cells[k].id);
	assert_string_equal(m.cells[1].id, "steady.own.qmap-slice_1ms+fifo.r0");
	done(&m);
}

static void test_shards_cover_once(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 7; n++) {
		struct matrix whole;
		make(&whole, 2);
		int *seen = calloc(whole.ncells, sizeof(*seen));
		size_t lo = (size_t)-1, hi = 0;
		for (unsigned i = 0; i < n; i++) {
			struct matrix m;
			make(&m, 2);
			matrix_shard(&m, i, n);
			for (size_t c = 0; c < m.ncells; c++)
				seen[m.cells[c].index]++;
			lo = m.ncells < lo ? m.ncells : lo;
			hi = m.ncells > hi ? m.ncells : hi;
			assert_int_equal(m.hash, whole.hash);	/* the matrix identity survives sharding */
			done(&m);
		}
		for (size_t c = 0; c < whole.ncells; c++)
			assert_int_equal(seen[c], 1);
		assert_true(hi - lo <= 1);
		free(seen);
		done(&whole);
	}
}

/* Deterministic outcomes: a cell's verdict from its index. */
static void fake_results(const struct matrix *m, struct cell_result *r)
{
	static const char *v[] = {"pass", "fail", "pass", "skip", "error"};
	for (size_t i = 0; i < m->ncells; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].state = CELL_DONE;
		snprintf(r[i].verdict, sizeof(r[i].verdict), "%s", v[m->cells[i].index % 5]);
		snprintf(r[i].reason, sizeof(r[i].reason), "reason %zu", m->cells[i].index);
	}
}

static char *printed(const cJSON *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	gauntlet_print(doc, f);
	fclose(f);
	return buf;
}

static void test_merge_equals_unsharded(void **state)
{
	(void)state;
	struct matrix whole;
	make(&whole, 2);
	struct cell_result *r = calloc(whole.ncells, sizeof(*r));
	fake_results(&whole, r);
	cJSON *ref = gauntlet_doc(&whole, r, 0, 1);
	cJSON *docs[3];
	for (unsigned i = 0; i < 3; i++) {
		struct matrix m;
		make(&m, 2);
		matrix_shard(&m, i, 3);
		struct cell_result *sr = calloc(m.ncells, sizeof(*sr));
		fake_results(&m, sr);
		docs[i] = gauntlet_doc(&m, sr, i, 3);
		free(sr);
		done(&m);
	}
	char err[256];
	cJSON *merged = gauntlet_merge(docs, 3, err, sizeof(err));
	assert_non_null(merged);
	char *a = printed(ref), *b = printed(merged);
	assert_string_equal(a, b);
	assert_int_equal(gauntlet_exit(merged), 3);	/* an error cell */
	free(a), free(b);
	/* a shard twice, or a shard of another matrix, is refused */
	cJSON *twice[] = {docs[0], docs[0]};
	assert_null(gauntlet_merge(twice, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "two shards"));
	struct matrix other;
	make(&other, 1);
	cJSON *od = gauntlet_doc(&other, r, 1, 3);
	cJSON *mixed[] = {docs[0], od};
	assert_null(gauntlet_merge(mixed, 2, err, sizeof(err)));
	assert_non_null(strstr(err, "another matrix"));
	cJSON_Delete(od);
	done(&other);
	for (int i = 0; i < 3; i++)
		cJSON_Delete(docs[i]);
	cJSON_Delete(merged);
	cJSON_Delete(ref);
	free(r);
	done(&whole);
}

static void test_fold_and_junit(void **state)
{
	(void)state;
	struct matrix m;
	make(&m, 2);
	struct cell_result *r = calloc(m.ncells, sizeof(*r));
	for (size_t i = 0; i < m.ncells; i++) {
		r[i].state = i < m.ncells / 2 || i == m.ncells - 1 ? CELL_DONE : CELL_NOT_RUN;
		/* cell 0 passes in repeat 0 and fails in repeat 1: flaky */
		snprintf(r[i].verdict, sizeof(r[i].verdict), "%s", "pass");
	}
	size_t twin = m.ncells / 2;	/* repeat 1 of cell 0 */
	r[twin].state = CELL_DONE;
	snprintf(r[twin].verdict, sizeof(r[twin].verdict), "fail");
	snprintf(r[twin].reason, sizeof(r[twin].reason), "claim <x> & y");
	cJSON *doc = gauntlet_doc(&m, r, 0, 1);
	char *text = printed(doc);
	assert_non_null(strstr(text, "flaky"));
	assert_non_null(strstr(text, "not run (budget spent or interrupted)"));
	assert_int_equal(gauntlet_exit(doc), 1);
	char *x = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&x, &len);
	gauntlet_junit(doc, f);
	fclose(f);
	assert_non_null(strstr(x, "<failure message=\"claim &lt;x&gt; &amp; y\"/>"));
	assert_non_null(strstr(x, "not run: budget spent"));
	char tests[64];
	snprintf(tests, sizeof(tests), "tests=\"%zu\"", m.ncells);
	assert_non_null(strstr(x, tests));
	free(x), free(text), free(r);
	cJSON_Delete(doc);
	done(&m);
}

static void test_presets(void **state)
{
	(void)state;
	assert_non_null(preset_find("own"));
	assert_null(preset_find("own")->topology);
	assert_null(preset_find("nope"));
	/* every preset is in the man page */
	FILE *f = fopen(SRCDIR "/man/ktstr.1", "r");
	assert_non_null(f);
	static char man[1 << 20];
	size_t n = fread(man, 1, sizeof(man) - 1, f);
	man[n] = 0;
	fclose(f);
	for (const struct preset *p = presets; p->name; p++) {
		char want[64];
		snprintf(want, sizeof(want), ".B %s\n", p->name);
		if (!strstr(man, want))
			fail_msg("preset %s is not documented in man/ktstr.1", p->name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_expand_order),
		cmocka_unit_test(test_shards_cover_once),
		cmocka_unit_test(test_merge_equals_unsharded),
		cmocka_unit_test(test_fold_and_junit),
		cmocka_unit_test(test_presets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
