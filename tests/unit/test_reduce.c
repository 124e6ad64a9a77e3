/* Unit tests of the reducer without VMs: the scenario tree round-trips
 * through YAML unchanged in meaning; dropping a cgroup takes every op and
 * claim that names it, so those candidates validate; and the whole loop,
 * with a fake runner that "fails" only while a known sub-feature is
 * present (a FIFO hog beside its victim), shrinks a noisy scenario to
 * exactly that feature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passes.h"
#include "reduce.h"
#include "scenario.h"
#include "ydom.h"

static const char *big =
	"name: big\n"
	"description: \"noise around one real failure: a FIFO hog and its victim\"\n"
	"topology: 1n2l2c1t\n"
	"duration: 3s\n"
	"backdrop:\n"
	"  cgroups:\n"
	"    - name: noise_a\n"
	"      workers: 4\n"
	"      work: {pipe_io: {burst_iters: 256}}\n"
	"    - name: victim\n"
	"      cpuset: {cpus: [0]}\n"
	"      workers: 2\n"
	"    - name: hog\n"
	"      cpuset: {cpus: [0]}\n"
	"      workers: 2\n"
	"      policy: {fifo: 50}\n"
	"      nice: 0\n"
	"steps:\n"
	"  - name: churn\n"
	"    ops:\n"
	"      - add_cgroup: scratch\n"
	"      - spawn: {cgroup: scratch, workers: 2}\n"
	"      - freeze: noise_a\n"
	"    hold: 50%\n"
	"  - name: quiet\n"
	"    ops:\n"
	"      - thaw: noise_a\n"
	"    hold: 50%\n"
	"claims:\n"
	"  max_spread_pct: off\n"
	"  cgroups:\n"
	"    victim: {max_gap_ms: 500}\n"
	"    noise_a: {max_gap_ms: 3000}\n"
	"  metrics:\n"
	"    - {metric: wake_samples, cgroup: noise_a, at_least: 1}\n"
	"    - {metric: total_work_units, cgroup: scratch, step: 1, at_least: 1}\n";

static bool valid(const char *text, void *ctx)
{
	(void)ctx;
	struct scenario s;
	struct diag d = {0};
	bool ok = scenario_load_buf(&s, "t.yaml", text, strlen(text), NULL, &d);
	scenario_free(&s);
	diag_free(&d);
	return ok;
}

static char *emit(const cJSON *doc)
{
	struct strbuf sb = {0};
	ydom_emit(doc, &sb);
	return sb.buf;
}

static void test_round_trip(void **state)
{
	(void)state;
	cJSON *doc = ydom_parse("t.yaml", big, strlen(big));
	assert_non_null(doc);
	char *a = emit(doc);
	assert_true(valid(a, NULL));
	cJSON *again = ydom_parse("t.yaml", a, strlen(a));
	char *b = emit(again);
	assert_string_equal(a, b);
	/* a quoted scalar stays quoted, a plain one plain */
	assert_non_null(strstr(a, "description: \"noise around one real failure: a FIFO hog and its victim\""));
	assert_non_null(strstr(a, "duration: 3s"));
	free(a), free(b);
	cJSON_Delete(doc), cJSON_Delete(again);
}

static void test_every_candidate_validates(void **state)
{
	(void)state;
	cJSON *doc = ydom_parse("t.yaml", big, strlen(big));
	struct candidate *c;
	size_t n = reduce_candidates(doc, NULL, NULL, &c);
	int cgroup_drops = 0;
	/* every pass's every candidate of this scenario validates: a cgroup
	 * goes with what names it, an add_cgroup only with its cgroup */
	for (size_t i = 0; i < n; i++) {
		cgroup_drops += !strncmp(c[i].what, "drop cgroup ", 12);
		char *t = emit(c[i].doc);
		if (!valid(t, NULL))
			fail_msg("candidate '%s' is not valid:\n%s", c[i].what, t);
		free(t);
	}
	assert_int_equal(cgroup_drops, 4);	/* noise_a, victim, hog, and scratch that an op makes */
	assert_true(n >= 25);
	candidates_free(c, n);
	cJSON_Delete(doc);
}

/* The fake runner: a candidate "fails" while the hog (FIFO, on CPU 0)
 * and its victim are both there. */
static void run(char *const *texts, size_t n, bool *repro, void *ctx)
{
	int *runs = ctx;
	for (size_t i = 0; i < n; i++) {
		repro[i] = strstr(texts[i], "name: victim") && strstr(texts[i], "name: hog") &&
			   strstr(texts[i], "fifo: 50");
		(*runs)++;
	}
}

static void accepted(const char *what, const cJSON *doc, void *ctx)
{
	(void)what, (void)doc, (void)ctx;
}

static bool never(void *ctx)
{
	(void)ctx;
	return false;
}

static void test_finds_the_feature(void **state)
{
	(void)state;
	cJSON *doc = ydom_parse("t.yaml", big, strlen(big));
	int runs = 0;
	struct reduce_io io = {valid, run, accepted, never, &runs, 2};
	struct reduce_stats st;
	cJSON *best = reduce_run(doc, "max_gap_ms", "victim", &io, &st);
	char *t = emit(best);
	if (getenv("KTSTR_SHOW"))
		fputs(t, stderr);
	assert_true(valid(t, NULL));
	struct scenario_size z = scenario_measure(best);
	assert_int_equal(z.cgroups, 2);
	assert_int_equal(z.steps, 0);
	assert_int_equal(z.ops, 0);
	assert_int_equal(z.workers, 2);	/* one each */
	assert_int_equal(z.cpus, 1);
	assert_non_null(strstr(t, "name: victim"));
	assert_non_null(strstr(t, "fifo: 50"));
	assert_null(strstr(t, "noise_a"));
	assert_null(strstr(t, "nice"));
	assert_non_null(strstr(t, "max_gap_ms: 500"));	/* the failure's claim is kept */
	assert_true(z.duration_s <= 1.0);
	assert_int_equal(st.runs, runs);
	assert_true(st.accepted >= 8);
	free(t);
	cJSON_Delete(best);
	cJSON_Delete(doc);
}

static void run_never(char *const *texts, size_t n, bool *repro, void *ctx)
{
	(void)texts, (void)ctx;
	memset(repro, 0, n * sizeof(*repro));
}

static void test_nothing_smaller(void **state)
{
	(void)state;
	cJSON *doc = ydom_parse("t.yaml", big, strlen(big));
	struct reduce_io io = {valid, run_never, accepted, never, NULL, 3};
	struct reduce_stats st;
	cJSON *best = reduce_run(doc, NULL, NULL, &io, &st);
	char *a = emit(doc), *b = emit(best);
	assert_string_equal(a, b);
	assert_int_equal(st.accepted, 0);
	assert_true(st.runs > 10 && st.rounds == 1);
	free(a), free(b);
	cJSON_Delete(best);
	cJSON_Delete(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_candidate_validates),
		cmocka_unit_test(test_finds_the_feature),
		cmocka_unit_test(test_nothing_smaller),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
