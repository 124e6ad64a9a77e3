/* Unit tests of the checker with hand-built worker reports: every check
 * on its pass and fail sides, boundaries, NaN and empty scopes, claim
 * layering and pointwise claims, and the metric table's completeness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "checker.h"
#include "payloadout.h"
#include "report.h"
#include "findings.h"
#include "scenario.h"
#include "vocab.h"

static void lower_yaml(const char *yaml, struct kb_program *p)
{
	struct diag d = {0};
	struct scenario s;
	bool ok = scenario_load_buf(&s, "t.yaml", yaml, strlen(yaml), NULL, &d);
	diag_print(&d, stderr);
	assert_true(ok);
	scenario_lower(&s, p);
	scenario_free(&s);
	diag_free(&d);
}

/* A worker report with the given numbers (times in ms). */
static cJSON *worker(const char *cg, int pid, double units, double wall_ms, double cpu_ms,
		     double gap_ms, const char *cpus_json, const char *wake_json)
{
	char buf[2048];
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"worker\",\"cgroup\":\"%s\",\"pid\":%d,\"work_units\":%g,\"iterations\":%g,"
		 "\"wall_ns\":%g,\"cpu_ns\":%g,\"max_gap_ns\":%g,\"cpus_used\":%s,\"migration_count\":2,"
		 "\"wake_samples_ns\":%s,\"wake_sample_total\":%d,\"sentinel\":false,"
		 "\"spawn\":1,\"work\":\"spin_wait\"}",
		 cg, pid, units, units / 10, wall_ms * 1e6, cpu_ms * 1e6, gap_ms * 1e6, cpus_json,
		 wake_json ? wake_json : "[]", wake_json ? 3 : 0);
	cJSON *j = cJSON_Parse(buf);
	assert_non_null(j);
	return j;
}

/* Records with one worker of cgroup a (wall_ms of wall time) whose step
 * slices are the JSON array phases; *wout: that worker. */
static cJSON *one_worker_with_phases(double wall_ms, const char *phases, cJSON **wout)
{
	cJSON *r = cJSON_CreateArray();
	cJSON *w = worker("a", 1, 100, wall_ms, 900, 30, "[0]", NULL);
	cJSON_AddItemToObject(w, "phases", cJSON_Parse(phases));
	cJSON_AddItemToArray(r, w);
	if (wout)
		*wout = w;
	return r;
}

static const struct claim_result *find(const struct check_output *o, const char *name,
				       const char *scope)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->claims[i].name, name) && (!scope || !strcmp(o->claims[i].scope, scope)))
			return &o->claims[i];
	return NULL;
}

static const char *base =
	"topology: 1n1l4c1t\n"
	"backdrop: {cgroups: [{name: a, workers: 2, cpuset: {cpus: [0, 1]}}, {name: b, workers: 2}]}\n";

static void run_checks(const char *yaml, cJSON *records, struct check_output *o)
{
	struct kb_program p;
	lower_yaml(yaml, &p);
	payload_extract_all(&p, records);
	check_run(&p, records, o);
	kb_free(&p);
}

static cJSON *healthy(void)
{
	cJSON *r = cJSON_CreateArray();
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"cpuset\",\"cgroup\":\"a\",\"effective\":\"0-1\",\"step\":0}"));
	cJSON_AddItemToArray(r, worker("a", 10, 1000, 1000, 900, 50, "[0,1]", "[1000,2000,3000]"));
	cJSON_AddItemToArray(r, worker("a", 11, 1000, 1000, 880, 60, "[1]", "[4000,5000,100000]"));
	cJSON_AddItemToArray(r, worker("b", 12, 1000, 1000, 500, 40, "[2,3]", NULL));
	cJSON_AddItemToArray(r, worker("b", 13, 1000, 1000, 520, 45, "[3]", NULL));
	return r;
}

static void test_defaults_pass_on_healthy_reports(void **st)
{
	(void)st;
	cJSON *r = healthy();
	struct check_output o;
	run_checks(base, r, &o);
	for (size_t i = 0; i < o.n; i++)
		if (o.claims[i].status == CS_FAILED)
			fprintf(stderr, "unexpected failure: %s %s %s\n", o.claims[i].name, o.claims[i].scope,
				o.claims[i].actual_text);
	assert_int_equal(o.failed, 0);
	assert_non_null(find(&o, "not_starved", "cgroup a"));
	assert_non_null(find(&o, "isolation", "cgroup a"));
	assert_non_null(find(&o, "max_gap_ms", "cgroup b"));
	const struct claim_result *sp = find(&o, "max_spread_pct", "cgroup b");
	assert_non_null(sp);
	assert_float_equal(sp->actual, 2.0, 1e-9);	/* 50% vs 48% off-CPU */
	/* b never had a cpuset: isolation does not apply, and is not "held" */
	const struct claim_result *iso = find(&o, "isolation", "cgroup b");
	assert_int_equal(iso->status, CS_NA);
	assert_false(iso->passed);
	assert_int_equal(find(&o, "isolation", "cgroup a")->status, CS_HELD);
	check_output_free(&o);
	cJSON_Delete(r);
}

static void test_starvation_isolation_gap_spread_fail(void **st)
{
	(void)st;
	cJSON *r = cJSON_CreateArray();
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"cpuset\",\"cgroup\":\"a\",\"effective\":\"0-1\",\"step\":0}"));
	cJSON_AddItemToArray(r, worker("a", 10, 0, 1000, 900, 50, "[0]", NULL));	/* starved */
	cJSON_AddItemToArray(r, worker("a", 11, 5, 1000, 900, 50, "[0,3]", NULL));	/* CPU 3 outside */
	cJSON_AddItemToArray(r, worker("b", 12, 9, 1000, 900, 2500, "[2]", NULL));	/* gap */
	cJSON_AddItemToArray(r, worker("b", 13, 9, 1000, 100, 40, "[2]", NULL));	/* 10% vs 90% off */
	struct check_output o;
	run_checks(base, r, &o);
	const struct claim_result *c = find(&o, "not_starved", "cgroup a");
	assert_false(c->passed);
	assert_non_null(strstr(c->detail, "pid 10"));
	c = find(&o, "isolation", "cgroup a");
	assert_false(c->passed);
	assert_non_null(strstr(c->detail, "CPU 3"));
	c = find(&o, "max_gap_ms", "cgroup b");
	assert_false(c->passed);
	assert_float_equal(c->actual, 2500, 1e-6);
	c = find(&o, "max_spread_pct", "cgroup b");
	assert_false(c->passed);
	assert_float_equal(c->actual, 80, 1e-6);
	assert_true(find(&o, "max_gap_ms", "cgroup a")->passed);
	check_output_free(&o);
	cJSON_Delete(r);
}

static void test_boundaries_and_layers(void **st)
{
	(void)st;
	/* Exactly at the threshold passes; the cgroup override wins. */
	char yaml[1024];
	snprintf(yaml, sizeof(yaml), "%sclaims: {max_gap_ms: 50, cgroups: {b: {max_gap_ms: off}}}\n", base);
	cJSON *r = healthy();
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *a = find(&o, "max_gap_ms", "cgroup a");
	assert_false(a->passed);	/* 60 > 50 */
	assert_null(find(&o, "max_gap_ms", "cgroup b"));	/* switched off for b */
	check_output_free(&o);
	snprintf(yaml, sizeof(yaml), "%sclaims: {max_gap_ms: 60}\n", base);
	run_checks(yaml, r, &o);
	assert_true(find(&o, "max_gap_ms", "cgroup a")->passed);	/* 60 <= 60 */
	check_output_free(&o);
	cJSON_Delete(r);
}

static void test_pointwise_claims_and_nan(void **st)
{
	(void)st;
	char yaml[2048];
	snprintf(yaml, sizeof(yaml),
		 "%sclaims:\n  metrics:\n"
		 "    - {metric: p99_wake_latency_us, cgroup: a, at_most: 50}\n"
		 "    - {metric: p50_wake_latency_us, cgroup: a, between: [2, 4]}\n"
		 "    - {metric: p99_wake_latency_us, cgroup: b, is_finite: true}\n"
		 "    - {metric: workers, at_least: 4}\n"
		 "    - {metric: total_work_units, cgroup: b, at_least: 2001}\n", base);
	cJSON *r = healthy();
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *c = find(&o, "p99_wake_latency_us", "cgroup a");
	assert_false(c->passed);	/* nearest rank p99 of 6 samples = 100 us */
	assert_float_equal(c->actual, 100, 1e-9);
	c = find(&o, "p50_wake_latency_us", "cgroup a");
	assert_true(c->passed);	/* rank ceil(3) = 3rd of 1,2,3,4,5,100 us = 3 */
	assert_float_equal(c->actual, 3, 1e-9);
	c = find(&o, "p99_wake_latency_us", "cgroup b");
	assert_false(c->passed);	/* no samples: NaN is not finite */
	assert_true(isnan(c->actual));
	assert_true(find(&o, "workers", "scenario")->passed);
	c = find(&o, "total_work_units", "cgroup b");
	assert_false(c->passed);
	assert_float_equal(c->actual, 2000, 1e-9);
	check_output_free(&o);
	cJSON_Delete(r);
}

static void test_step_slices(void **st)
{
	(void)st;
	const char *yaml = "backdrop: {cgroups: [{name: a, workers: 2}]}\n"
			   "steps:\n  - hold: 50%\n  - hold: 50%\n    claims: {max_gap_ms: 10}\n";
	cJSON *r = one_worker_with_phases(1000,
		"[{\"epoch\":1,\"work_units\":50,\"wall_ns\":5e8,\"cpu_ns\":4e8,\"max_gap_ns\":3e7,\"cpus_used\":[0]},"
		" {\"epoch\":2,\"work_units\":50,\"wall_ns\":5e8,\"cpu_ns\":4e8,\"max_gap_ns\":5e6,\"cpus_used\":[0]}]", NULL);
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *c = find(&o, "max_gap_ms", "cgroup a, step 2");
	assert_non_null(c);
	assert_true(c->passed);	/* step 2's slice: 5 ms */
	assert_null(find(&o, "max_gap_ms", "cgroup a, step 1"));
	check_output_free(&o);
	cJSON_Delete(r);
}

static void test_missing_reports_and_op_errors_fail(void **st)
{
	(void)st;
	cJSON *r = healthy();
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"worker\",\"cgroup\":\"b\",\"pid\":77,\"sentinel\":true,"
					    "\"error\":\"worker pid=77 returned no report\",\"work_units\":0}"));
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"op_error\",\"op\":\"set_cpuset\",\"cgroup\":\"a\","
					    "\"message\":\"writing cpuset.cpus = 9\"}"));
	struct check_output o;
	run_checks(base, r, &o);
	assert_false(find(&o, "all_workers_reported", NULL)->passed);
	assert_false(find(&o, "ops_succeeded", NULL)->passed);
	assert_false(find(&o, "not_starved", "cgroup b")->passed);
	check_output_free(&o);
	cJSON_Delete(r);
}

static void test_empty_scope(void **st)
{
	(void)st;
	cJSON *r = cJSON_CreateArray();
	struct wview none[1];
	double v;
	assert_true(metric_compute("max_gap_ms", none, 0, &v));
	assert_true(isnan(v));
	assert_true(metric_compute("workers", none, 0, &v));
	assert_float_equal(v, 0, 0);
	struct check_output o;
	run_checks("claims: {metrics: [{metric: workers, at_least: 1}]}\n", r, &o);
	assert_false(find(&o, "workers", "scenario")->passed);
	check_output_free(&o);
	cJSON_Delete(r);
}


/* Regression (issue 13.1): a step-scoped migration count reads the
 * step's slice, never the whole run's count. */
static void test_step_migrations_read_the_slice(void **st)
{
	(void)st;
	const char *yaml = "backdrop: {cgroups: [{name: a, workers: 1}]}\n"
			   "steps:\n  - hold: 50%\n  - hold: 50%\n    claims: {max_migration_ratio: 0.5}\n"
			   "claims:\n  metrics:\n    - {metric: migrations, cgroup: a, step: 2, at_most: 5}\n"
			   "    - {metric: migrations, cgroup: a, step: 1, at_most: 1000}\n";
	cJSON *w = NULL;
	cJSON *r = one_worker_with_phases(1000,
		"[{\"epoch\":1,\"work_units\":50,\"iterations\":10,\"wall_ns\":5e8,\"cpu_ns\":4e8,\"max_gap_ns\":3e7,"
		"\"cpus_used\":[0]},"
		" {\"epoch\":2,\"work_units\":50,\"iterations\":10,\"wall_ns\":5e8,\"cpu_ns\":4e8,\"max_gap_ns\":5e6,"
		"\"cpus_used\":[0],\"migration_count\":3}]", &w);
	cJSON_ReplaceItemInObject(w, "migration_count", cJSON_CreateNumber(100));
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *c = find(&o, "migrations", "cgroup a, step 2");
	assert_float_equal(c->actual, 3, 0);
	assert_true(c->passed);
	c = find(&o, "max_migration_ratio", "cgroup a, step 2");
	assert_float_equal(c->actual, 0.3, 1e-9);	/* 3 / 10, not 100 / 10 */
	assert_true(c->passed);
	/* a slice without the count is undefined there, not the run's 100 */
	c = find(&o, "migrations", "cgroup a, step 1");
	assert_true(isnan(c->actual));
	assert_false(c->passed);
	check_output_free(&o);
	cJSON_Delete(r);
}

/* Regression (issue 13.2): the spread_pct metric and the max_spread_pct
 * check are one quantity (within a spawn); the across-all-workers range
 * has its own name; undefined cases are NaN or "not applicable", never 0. */
static void test_spread_has_one_meaning(void **st)
{
	(void)st;
	char yaml[1024];
	snprintf(yaml, sizeof(yaml), "%sclaims:\n  metrics:\n"
		 "    - {metric: spread_pct, cgroup: b, at_most: 50}\n"
		 "    - {metric: off_cpu_range_pct, cgroup: b, at_most: 50}\n", base);
	cJSON *r = cJSON_CreateArray();
	cJSON *w1 = worker("b", 1, 10, 1000, 900, 5, "[2]", NULL);	/* spawn 1: 10% off */
	cJSON *w2 = worker("b", 2, 10, 1000, 880, 5, "[2]", NULL);	/* spawn 1: 12% off */
	cJSON *w3 = worker("b", 3, 10, 1000, 20, 5, "[3]", NULL);	/* spawn 2: 98% off */
	cJSON_ReplaceItemInObject(w3, "spawn", cJSON_CreateNumber(2));
	cJSON_AddItemToArray(r, w1);
	cJSON_AddItemToArray(r, w2);
	cJSON_AddItemToArray(r, w3);
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *chk = find(&o, "max_spread_pct", "cgroup b");
	const struct claim_result *met = find(&o, "spread_pct", "cgroup b");
	assert_float_equal(chk->actual, 2, 1e-9);
	assert_float_equal(met->actual, chk->actual, 1e-9);
	const struct claim_result *range = find(&o, "off_cpu_range_pct", "cgroup b");
	assert_float_equal(range->actual, 88, 1e-9);
	assert_false(range->passed);
	check_output_free(&o);
	cJSON_Delete(r);

	/* one worker: the check does not apply, the metric is undefined */
	r = cJSON_CreateArray();
	cJSON_AddItemToArray(r, worker("b", 1, 10, 1000, 900, 5, "[2]", NULL));
	run_checks(yaml, r, &o);
	chk = find(&o, "max_spread_pct", "cgroup b");
	assert_int_equal(chk->status, CS_NA);
	assert_false(chk->passed);
	met = find(&o, "spread_pct", "cgroup b");
	assert_true(isnan(met->actual));
	assert_int_equal(met->status, CS_FAILED);
	check_output_free(&o);
	cJSON_Delete(r);

	/* zero median: the tail ratio is undefined, not 0 */
	struct wview v = {cJSON_Parse("{\"type\":\"worker\",\"wake_samples_ns\":[0,0,0,5]}"), NULL, ""};
	double x;
	assert_int_equal(metric_eval("wake_latency_tail_ratio", &v, 1, &x), MS_NO_DATA);
	assert_true(isnan(x));
	cJSON_Delete((cJSON *)v.rep);
}

/* ---- per-iteration cost ----------------------------------------------------- */

/* iteration_cost_ns is each worker's cpu_ns / iterations, averaged (the
 * max one the worst worker's); a worker without iterations has none. */
static void test_iteration_cost(void **st)
{
	(void)st;
	struct wview v[2] = {
		{cJSON_Parse("{\"type\":\"worker\",\"work\":\"alu_hot\",\"cpu_ns\":3000000,\"iterations\":1000}"), NULL, "a"},
		{cJSON_Parse("{\"type\":\"worker\",\"work\":\"alu_hot\",\"cpu_ns\":5000000,\"iterations\":1000}"), NULL, "a"},
	};
	double x;
	assert_int_equal(metric_eval("iteration_cost_ns", v, 2, &x), MS_OK);
	assert_float_equal(x, 4000, 1e-9);
	assert_int_equal(metric_eval("max_iteration_cost_ns", v, 2, &x), MS_OK);
	assert_float_equal(x, 5000, 1e-9);
	cJSON_ReplaceItemInObject((cJSON *)v[1].rep, "iterations", cJSON_CreateNumber(0));
	assert_int_equal(metric_eval("iteration_cost_ns", v + 1, 1, &x), MS_NO_DATA);
	assert_true(isnan(x));
	cJSON_Delete((cJSON *)v[0].rep);
	cJSON_Delete((cJSON *)v[1].rep);
}

/* ---- NUMA page locality ---------------------------------------------------- */

static double locality(const char *rep_json, enum metric_state *st, char *why, size_t n)
{
	struct wview v = {cJSON_Parse(rep_json), NULL, "a"};
	assert_non_null(v.rep);
	double x;
	*st = metric_eval("page_locality", &v, 1, &x);
	why[0] = 0;
	metric_why("page_locality", &v, 1, why, n);
	cJSON_Delete((cJSON *)v.rep);
	return x;
}

/* pages on local nodes / pages counted; the user's report (26 on node 0,
 * 207 on node 1, CPUs on node 1) reads 207/233, not 1. */
static void test_page_locality_share(void **st)
{
	(void)st;
	enum metric_state ms;
	char why[256];
	double x = locality("{\"type\":\"worker\",\"pid\":7,\"numa_pages\":{\"0\":26,\"1\":207},\"local_nodes\":[1]}",
			    &ms, why, sizeof(why));
	assert_int_equal(ms, MS_OK);
	assert_float_equal(x, 207.0 / 233.0, 1e-12);
	x = locality("{\"type\":\"worker\",\"numa_pages\":{\"0\":2048},\"local_nodes\":[1]}", &ms, why, sizeof(why));
	assert_int_equal(ms, MS_OK);
	assert_float_equal(x, 0, 0);
	x = locality("{\"type\":\"worker\",\"numa_pages\":{\"0\":10,\"1\":30,\"2\":60},\"local_nodes\":[0,2]}",
		     &ms, why, sizeof(why));
	assert_float_equal(x, 0.7, 1e-12);
	x = locality("{\"type\":\"worker\",\"numa_pages\":{\"1\":5},\"local_nodes\":[1]}", &ms, why, sizeof(why));
	assert_float_equal(x, 1, 0);
}

/* No data is never a pass: no pages counted, no local node set, or no
 * worker tracking placement leave the value undefined, with a reason. */
static void test_page_locality_no_data(void **st)
{
	(void)st;
	enum metric_state ms;
	char why[256];
	double x = locality("{\"type\":\"worker\",\"pid\":9,\"work\":\"page_locality\",\"numa_pages\":{},"
			    "\"numa_scope\":\"region\",\"local_nodes\":[0]}", &ms, why, sizeof(why));
	assert_int_equal(ms, MS_NO_DATA);
	assert_true(isnan(x));
	assert_non_null(strstr(why, "worker pid 9 (page_locality) counted no resident pages (numa_scope region"));
	/* the old report shape: pages but no local nodes — every node used to count as local */
	x = locality("{\"type\":\"worker\",\"pid\":3,\"numa_pages\":{\"0\":26,\"1\":207}}", &ms, why, sizeof(why));
	assert_int_equal(ms, MS_NO_DATA);
	assert_non_null(strstr(why, "does not report its local NUMA nodes"));
	x = locality("{\"type\":\"worker\",\"pid\":3,\"numa_pages\":{\"0\":26},\"local_nodes\":[]}", &ms, why, sizeof(why));
	assert_int_equal(ms, MS_NO_DATA);
	x = locality("{\"type\":\"worker\",\"pid\":4}", &ms, why, sizeof(why));
	assert_int_equal(ms, MS_NO_DATA);
	assert_non_null(strstr(why, "reports page placement"));
}

/* Scope: the lowest worker wins; a worker without placement tracking is
 * left out, one that tracks but counted nothing makes the whole scope
 * undefined; min_page_locality and the pointwise claim fail then, with
 * the reason in the detail; slow_tier_ratio is 1 - page_locality. */
static void test_page_locality_claims(void **st)
{
	(void)st;
	const char *yaml = "topology: 2n2l1c1t\n"
			   "backdrop: {cgroups: [{name: a, workers: 3, mem_policy: {bind: [0]}}]}\n"
			   "claims:\n  min_page_locality: 0.5\n"
			   "  metrics: [{metric: page_locality, cgroup: a, at_least: 0.5},\n"
			   "            {metric: slow_tier_ratio, cgroup: a, at_most: 0.5}]\n";
	cJSON *r = cJSON_CreateArray();
	cJSON *w1 = worker("a", 1, 100, 1000, 900, 5, "[0]", NULL);
	cJSON_AddItemToObject(w1, "numa_pages", cJSON_Parse("{\"0\":90,\"1\":10}"));
	cJSON_AddItemToObject(w1, "local_nodes", cJSON_Parse("[0]"));
	cJSON *w2 = worker("a", 2, 100, 1000, 900, 5, "[1]", NULL);
	cJSON_AddItemToObject(w2, "numa_pages", cJSON_Parse("{\"0\":40,\"1\":60}"));
	cJSON_AddItemToObject(w2, "local_nodes", cJSON_Parse("[1]"));
	cJSON *w3 = worker("a", 3, 100, 1000, 900, 5, "[1]", NULL);	/* no placement tracked */
	cJSON_AddItemToArray(r, w1);
	cJSON_AddItemToArray(r, w2);
	cJSON_AddItemToArray(r, w3);
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *chk = find(&o, "min_page_locality", "cgroup a");
	assert_non_null(chk);
	assert_float_equal(chk->actual, 0.6, 1e-12);
	assert_true(chk->passed);
	const struct claim_result *slow = find(&o, "slow_tier_ratio", "cgroup a");
	assert_float_equal(slow->actual, 0.4, 1e-12);
	assert_true(slow->passed);
	check_output_free(&o);

	/* a remote worker fails the check */
	cJSON_ReplaceItemInObject(w2, "numa_pages", cJSON_Parse("{\"0\":100}"));
	run_checks(yaml, r, &o);
	chk = find(&o, "min_page_locality", "cgroup a");
	assert_float_equal(chk->actual, 0, 0);
	assert_int_equal(chk->status, CS_FAILED);
	check_output_free(&o);

	/* a worker that counted nothing: undefined, failed, and why */
	cJSON_ReplaceItemInObject(w2, "numa_pages", cJSON_CreateObject());
	run_checks(yaml, r, &o);
	chk = find(&o, "min_page_locality", "cgroup a");
	assert_true(isnan(chk->actual));
	assert_int_equal(chk->status, CS_FAILED);
	assert_false(chk->passed);
	assert_non_null(strstr(chk->detail, "worker pid 2"));
	assert_non_null(strstr(chk->detail, "counted no resident pages"));
	const struct claim_result *met = find(&o, "page_locality", "cgroup a");
	assert_int_equal(met->status, CS_FAILED);
	assert_non_null(strstr(met->detail, "counted no resident pages"));
	check_output_free(&o);
	cJSON_Delete(r);
}

/* Regression (issue 13.3): every check row names an evaluator the
 * checker has; none is routed by guesswork. */
static void test_every_check_has_its_evaluator(void **st)
{
	(void)st;
	for (const struct ty_field *f = ty_checks.fields; f->key; f++) {
		const struct check_info *ci = f->ext;
		assert_non_null(ci);
		if (!check_evaluator_exists(ci->eval))
			fail_msg("check %s has no evaluator", f->key);
		if (ci->eval == EV_AT_MOST || ci->eval == EV_AT_LEAST)
			assert_true(metric_implemented(ci->metric));
	}
	for (const struct ty_field *f = monitor_check_fields; f->key; f++) {
		const struct check_info *ci = f->ext;
		assert_int_equal(ci->eval, EV_MONITOR_AT_MOST);
		assert_true(check_evaluator_exists(ci->eval));
		/* the summary key it reads is in the contract */
		bool known = false;
		for (int k = 0; k < RK__COUNT; k++)
			known |= !strcmp(rep_keys[k].name, ci->metric) && (rep_keys[k].where & RKW_M);
		if (!known)
			fail_msg("monitor check %s reads %s, which the monitor record lacks", f->key, ci->metric);
	}
	assert_false(check_evaluator_exists(EV__COUNT));
}

/* Monitor checks: held or failed on the monitor's record, naming the CPU
 * and the task; "not evaluated" (n/a) without a usable monitor. */
static void test_monitor_checks(void **st)
{
	(void)st;
	const char *yaml = "backdrop: {cgroups: [{name: a, workers: 1}]}\n"
			   "claims: {max_scx_wait_ms: 2000, max_cpu_stall_ms: 1000}\n";
	cJSON *r = cJSON_CreateArray();
	cJSON_AddItemToArray(r, worker("a", 1, 100, 1000, 900, 30, "[0]", NULL));
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"monitor\",\"available\":true,\"max_cpu_stall_ms\":120,"
					    "\"stall_cpu\":0,\"max_scx_wait_ms\":5058,\"wait_cpu\":1,\"wait_pid\":60,"
					    "\"wait_comm\":\"scx_qmap\",\"wait_at_ms\":9360}"));
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *c = find(&o, "max_scx_wait_ms", "scenario");
	assert_int_equal(c->status, CS_FAILED);
	assert_non_null(strstr(c->detail, "scx_qmap[60] waited 5058 ms runnable on CPU 1"));
	assert_int_equal(find(&o, "max_cpu_stall_ms", "scenario")->status, CS_HELD);
	assert_null(find(&o, "max_local_dsq_depth", "scenario"));	/* off by default */
	check_output_free(&o);
	cJSON_Delete(r);

	r = cJSON_CreateArray();
	cJSON_AddItemToArray(r, worker("a", 1, 100, 1000, 900, 30, "[0]", NULL));
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"monitor\",\"available\":false,"
					    "\"reason\":\"vmlinux has no usable BTF\"}"));
	run_checks(yaml, r, &o);
	c = find(&o, "max_scx_wait_ms", "scenario");
	assert_int_equal(c->status, CS_NA);
	assert_false(c->passed);
	assert_non_null(strstr(c->detail, "monitor unavailable: vmlinux has no usable BTF"));
	assert_int_equal(o.failed, 0);
	check_output_free(&o);
	cJSON_Delete(r);
}

/* Regression (issue 13.4): a worker whose settings were refused fails
 * the run with the reason, whatever else held. */
static void test_refused_settings_fail(void **st)
{
	(void)st;
	cJSON *r = healthy();
	cJSON_AddStringToObject(cJSON_GetArrayItem(r, 2), "policy_error",
				"sched_setattr SCHED_FIFO prio 50: Operation not permitted");
	cJSON_AddNullToObject(cJSON_GetArrayItem(r, 3), "placement_error");
	struct check_output o;
	run_checks(base, r, &o);
	const struct claim_result *c = find(&o, "workers_configured", "scenario");
	assert_non_null(c);
	assert_false(c->passed);
	assert_float_equal(c->actual, 1, 0);
	assert_non_null(strstr(c->detail, "policy_error"));
	assert_non_null(strstr(c->detail, "pid 11"));
	assert_int_equal(o.failed, 1);
	check_output_free(&o);
	cJSON_Delete(r);
}

/* Regression (issue 13.5): a step nobody has a slice for is not a held
 * step: not_starved and max_gap_ms fail with "no workers in scope"; a
 * slice cut from the step's window (observed false) shows the starvation. */
static void test_step_without_slices_fails(void **st)
{
	(void)st;
	const char *yaml = "backdrop: {cgroups: [{name: a, workers: 1}]}\n"
			   "steps:\n  - hold: 30%\n  - hold: 30%\n    claims: {not_starved: true, max_gap_ms: 1000}\n"
			   "  - hold: 30%\n";
	cJSON *r = one_worker_with_phases(3000,
		"[{\"epoch\":1,\"work_units\":50,\"wall_ns\":1e9,\"cpu_ns\":9e8,\"max_gap_ns\":3e7,\"cpus_used\":[0]},"
		" {\"epoch\":3,\"work_units\":50,\"wall_ns\":1e9,\"cpu_ns\":9e8,\"max_gap_ns\":3e7,\"cpus_used\":[0]}]", NULL);
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *c = find(&o, "not_starved", "cgroup a, step 2");
	assert_non_null(c);
	assert_false(c->passed);
	assert_string_equal(c->detail, "no workers in scope");
	c = find(&o, "max_gap_ms", "cgroup a, step 2");
	assert_false(c->passed);
	check_output_free(&o);
	cJSON_Delete(r);

	r = one_worker_with_phases(3000,
		"[{\"epoch\":1,\"work_units\":50,\"wall_ns\":1e9,\"cpu_ns\":9e8,\"max_gap_ns\":3e7,\"cpus_used\":[0]},"
		" {\"epoch\":2,\"observed\":false,\"work_units\":0,\"wall_ns\":1e9,\"cpu_ns\":0,\"max_gap_ns\":1e9,"
		"\"cpus_used\":[]},"
		" {\"epoch\":3,\"work_units\":50,\"wall_ns\":1e9,\"cpu_ns\":9e8,\"max_gap_ns\":3e7,\"cpus_used\":[0]}]", NULL);
	run_checks(yaml, r, &o);
	c = find(&o, "not_starved", "cgroup a, step 2");
	assert_false(c->passed);
	assert_non_null(strstr(c->detail, "did no work"));
	c = find(&o, "max_gap_ms", "cgroup a, step 2");
	assert_float_equal(c->actual, 1000, 1e-9);
	assert_true(c->passed);	/* <= 1000 */
	check_output_free(&o);
	cJSON_Delete(r);
}

/* A step's window ends with its hold: the next step's cpuset does not
 * excuse a CPU used during this step. */
static void test_isolation_window_is_the_step(void **st)
{
	(void)st;
	const char *yaml = "backdrop: {cgroups: [{name: a, workers: 1}]}\n"
			   "steps:\n  - hold: 50%\n    claims: {isolation: true}\n  - hold: 50%\n";
	cJSON *r = one_worker_with_phases(1000,
		"[{\"epoch\":1,\"work_units\":50,\"wall_ns\":5e8,\"cpu_ns\":4e8,\"max_gap_ns\":3e7,\"cpus_used\":[0,2]},"
		" {\"epoch\":2,\"work_units\":50,\"wall_ns\":5e8,\"cpu_ns\":4e8,\"max_gap_ns\":3e7,\"cpus_used\":[2]}]", NULL);
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"cpuset\",\"cgroup\":\"a\",\"effective\":\"0-1\",\"step\":1}"));
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"cpuset\",\"cgroup\":\"a\",\"effective\":\"2-3\",\"step\":2}"));
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *c = find(&o, "isolation", "cgroup a, step 1");
	assert_non_null(c);
	assert_int_equal(c->status, CS_FAILED);
	assert_non_null(strstr(c->detail, "CPU 2 outside 0-1"));
	check_output_free(&o);
	cJSON_Delete(r);
}

static void test_every_metric_is_implemented(void **st)
{
	(void)st;
	for (const struct ty_alt *a = ty_metric.alts; a->name; a++) {
		if (!metric_implemented(a->name))
			fprintf(stderr, "metric %s has no implementation\n", a->name);
		assert_true(metric_implemented(a->name));
	}
}

/* One payload record through a definition: the extracted record. */
static cJSON *extract(const char *payload_yaml, const char *out, const char *err, double out_bytes)
{
	char *yaml = xasprintf("payloads:\n  - name: p\n    binary: sh\n%s"
			       "steps: [{ops: [{run_payload: p}], hold: {fixed: 0}}]\n", payload_yaml);
	struct kb_program p;
	lower_yaml(yaml, &p);
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "payload");
	cJSON_AddStringToObject(rec, "name", "p");
	cJSON_AddNumberToObject(rec, "exit_code", 0);
	cJSON_AddStringToObject(rec, "stdout", out);
	cJSON_AddStringToObject(rec, "stderr", err ? err : "");
	cJSON_AddNumberToObject(rec, "stdout_bytes", out_bytes ? out_bytes : (double)strlen(out));
	payload_extract(&p, kb_payload_def(&p, "p"), rec);
	kb_free(&p);
	free(yaml);
	return rec;
}

static double metric(const cJSON *rec, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "metrics"), name);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static bool has_note(const cJSON *rec, const char *needle)
{
	const cJSON *n;
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(rec, "metric_notes"))
		if (strstr(cJSON_GetStringValue(n), needle))
			return true;
	return false;
}

static void test_text_patterns_take(void **st)
{
	(void)st;
	const char *def = "    output:\n      text:\n        patterns:\n"
			  "          - 'lat: (?<lat_first>[0-9.]+)'\n"
			  "          - {regex: 'lat: (?<lat_last>[0-9.]+)', take: last}\n"
			  "          - {regex: 'lat: (?<lat_max>[0-9.]+) *(?<unit>us)?', take: max}\n"
			  "          - {regex: 'lat: (?<lat_mean>[0-9.]+)', take: mean, scale: 1000}\n"
			  "          - {regex: '^lat: (?<lines>[0-9])', take: count}\n"
			  "          - {regex: 'total (?<total>[0-9,]+ ops)', take: sum}\n"
			  "          - {regex: 'nothing like (?<ghost>[0-9]+)'}\n"
			  "          - {regex: 'word (?<word>[a-z]+)'}\n";
	cJSON *rec = extract(def, "lat: 1.5us\nlat: 4 us\nlat: 2.5\ntotal 1,000 ops\ntotal 234 ops\nword abc\n", NULL, 0);
	assert_float_equal(metric(rec, "lat_max"), 4, 1e-9);
	/* "first" is not the default: a plain pattern takes the last match */
	assert_float_equal(metric(rec, "lat_first"), 2.5, 1e-9);
	assert_float_equal(metric(rec, "lat_last"), 2.5, 1e-9);
	assert_float_equal(metric(rec, "lat_mean"), 8000.0 / 3 * 1, 1e-6);
	assert_float_equal(metric(rec, "lines"), 3, 0);
	assert_float_equal(metric(rec, "total"), 1234, 0);
	assert_true(isnan(metric(rec, "ghost")));
	assert_true(has_note(rec, "pattern 7 matched no number for ghost"));
	assert_true(isnan(metric(rec, "word")));
	assert_true(has_note(rec, "matched 'abc', which is not a number"));
	assert_true(isnan(metric(rec, "unit")));	/* "us" is no number: absent */
	cJSON_Delete(rec);
}

static void test_text_stream_and_bytes(void **st)
{
	(void)st;
	/* stderr only, bad UTF-8 and a NUL-free binary mess around the match */
	const char *def = "    output:\n      text:\n        stream: stderr\n        patterns: ['Time: (?<time_s>[0-9.]+)']\n";
	cJSON *rec = extract(def, "Time: 9\n", "\xff\xfe\xc3(Time: 0.25\x80\n", 0);
	assert_float_equal(metric(rec, "time_s"), 0.25, 1e-12);
	cJSON_Delete(rec);
	/* a huge output: 200k lines, the last one counts; the cut is noted */
	struct strbuf big = {0};
	for (int i = 0; i < 200000; i++)
		sb_printf(&big, "Time: %d\n", i);
	rec = extract("    output:\n      text:\n        patterns: ['^Time: (?<t>[0-9]+)']\n", big.buf, NULL, 5e6);
	assert_float_equal(metric(rec, "t"), 199999, 0);
	assert_true(has_note(rec, "stdout was cut to its last"));
	cJSON_Delete(rec);
	sb_free(&big);
}

static void test_text_histogram(void **st)
{
	(void)st;
	/* cyclictest -h: value, then a count per thread (summed) */
	const char *def = "    output:\n      text:\n        histograms:\n"
			  "          - {name: lat, overflow: '^# Histogram Overflows:(?<count>[0-9 \\t]+)$'}\n";
	struct strbuf h = {0};
	sb_printf(&h, "# /dev/cpu_dma_latency set to 0us\n");
	for (int v = 0; v < 100; v++)
		sb_printf(&h, "%06d %06d\t%06d\n", v, v == 10 ? 60 : v == 20 ? 39 : v == 95 ? 1 : 0, v == 10 ? 0 : 0);
	sb_printf(&h, "# Total: 000000100\n# Histogram Overflows: 00000 00000\n");
	cJSON *rec = extract(def, h.buf, NULL, 0);
	assert_float_equal(metric(rec, "lat_samples"), 100, 0);
	assert_float_equal(metric(rec, "lat_p50"), 10, 0);
	assert_float_equal(metric(rec, "lat_p90"), 20, 0);
	assert_float_equal(metric(rec, "lat_p99"), 20, 0);
	assert_float_equal(metric(rec, "lat_p999"), 95, 0);
	assert_float_equal(metric(rec, "lat_max"), 95, 0);
	assert_float_equal(metric(rec, "lat_mean"), (60 * 10 + 39 * 20 + 95) / 100.0, 1e-9);
	cJSON_Delete(rec);
	sb_free(&h);
	/* overflowed samples: a percentile among them is absent, not the last bucket */
	rec = extract(def, "000001 000090 000000\n000002 000000 000005\n# Histogram Overflows: 00003 00002\n", NULL, 0);
	assert_float_equal(metric(rec, "lat_samples"), 100, 0);
	assert_float_equal(metric(rec, "lat_p50"), 1, 0);
	assert_float_equal(metric(rec, "lat_p90"), 1, 0);
	assert_true(isnan(metric(rec, "lat_p99")));
	assert_true(isnan(metric(rec, "lat_max")));
	assert_true(has_note(rec, "p99 lies beyond its last bucket"));
	cJSON_Delete(rec);
	/* no histogram lines at all */
	rec = extract(def, "nothing here\n", NULL, 0);
	assert_float_equal(metric(rec, "lat_samples"), 0, 0);
	assert_true(isnan(metric(rec, "lat_p50")));
	cJSON_Delete(rec);
}

static void test_ktap_rows(void **st)
{
	(void)st;
	const char *def = "    output: ktap\n";
	const char *out = "===== START =====\nTEST: create_dsq\nok 1 create_dsq # \n=====  END  =====\n"
			  "not ok 2 - enq_last_no_enq_fails\n    ok 1 nested_sub\nok 3 hotplug # SKIP no hotplug\n"
			  "ok 4 minimal # TODO later\n";
	cJSON *rec = extract(def, out, NULL, 0);
	assert_float_equal(metric(rec, "ktap_pass"), 1, 0);
	assert_float_equal(metric(rec, "ktap_fail"), 1, 0);
	assert_float_equal(metric(rec, "ktap_skip"), 1, 0);
	assert_float_equal(metric(rec, "ktap_total"), 4, 0);
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(rec, "subtests");
	assert_int_equal(cJSON_GetArraySize(rows), 4);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 1), "name")),
			    "enq_last_no_enq_fails");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 2), "result")), "skip");
	cJSON_Delete(rec);
	rec = extract(def, "1..3\nok 1 a\nok 2 b\n", NULL, 0);
	assert_float_equal(metric(rec, "ktap_missing"), 1, 0);
	cJSON_Delete(rec);
}

/* The subtests claim: a failure, a missing test, or no tests fail it. */
static void test_ktap_claim(void **st)
{
	(void)st;
	const char *yaml = "payloads:\n  - name: p\n    binary: sh\n    output: ktap\n"
			   "steps: [{ops: [{run_payload: p}], hold: {fixed: 0}}]\n";
	static const struct {
		const char *out;
		bool pass;
	} cases[] = {{"ok 1 a\\nok 2 b # SKIP x\\n", true}, {"ok 1 a\\nnot ok 2 b\\n", false},
		     {"1..3\\nok 1 a\\n", false}, {"no tests\\n", false}, {"ok 1 a\\nBail out! broken\\n", false}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *rj = xasprintf("[{\"type\":\"payload\",\"name\":\"p\",\"exit_code\":0,\"stdout\":\"%s\"}]", cases[i].out);
		cJSON *r = cJSON_Parse(rj);
		struct check_output o;
		run_checks(yaml, r, &o);
		const struct claim_result *c = find(&o, "payload p: subtests", NULL);
		assert_non_null(c);
		assert_int_equal(c->passed, cases[i].pass);
		if (i == 1)
			assert_non_null(strstr(c->detail, "failed: b"));
		check_output_free(&o);
		cJSON_Delete(r);
		free(rj);
	}
}

static void test_yaml_output_and_absent_metric(void **st)
{
	(void)st;
	const char *yaml = "payloads:\n  - name: p\n    binary: sh\n    output: yaml\n    checks:\n"
			   "      - min: {metric: metrics.0.bogo-ops, value: 10}\n"
			   "      - max: {metric: metrics.0.nothing, value: 10}\n"
			   "      - exists: metrics.0.nothing\n"
			   "steps: [{ops: [{run_payload: p}], hold: {fixed: 0}}]\n";
	cJSON *r = cJSON_CreateArray();
	cJSON *rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "payload");
	cJSON_AddStringToObject(rec, "name", "p");
	cJSON_AddNumberToObject(rec, "exit_code", 0);
	cJSON_AddStringToObject(rec, "stdout", "---\nsystem-info:\n  version: '#1 SMP'\nmetrics:\n"
					       "    - stressor: switch\n      bogo-ops: 36787\n...\n");
	cJSON_AddItemToArray(r, rec);
	struct check_output o;
	run_checks(yaml, r, &o);
	assert_true(find(&o, "payload p: min", NULL)->passed);
	const struct claim_result *c = find(&o, "payload p: max", NULL);
	assert_false(c->passed);	/* absent is no pass, even for a max */
	assert_non_null(strstr(c->detail, "absent"));
	assert_false(find(&o, "payload p: exists", NULL)->passed);
	check_output_free(&o);
	cJSON_Delete(r);
}

/* A payload killed at its wait timeout fails the run, whatever else. */
static void test_payload_timeout_fails(void **st)
{
	(void)st;
	const char *yaml = "payloads:\n  - name: p\n    binary: sleep\n"
			   "steps: [{ops: [{run_payload: p}], hold: {fixed: 0}}]\n";
	cJSON *r = cJSON_Parse("[{\"type\":\"payload\",\"name\":\"p\",\"exit_code\":-1,\"timed_out\":true,"
			       "\"wall_ns\":1e9},{\"type\":\"payload\",\"name\":\"p\",\"exit_code\":0,\"timed_out\":false}]");
	struct check_output o;
	run_checks(yaml, r, &o);
	const struct claim_result *c = find(&o, "payload p: finished", NULL);
	assert_non_null(c);
	assert_false(c->passed);
	size_t n = 0;
	for (size_t i = 0; i < o.n; i++)
		n += !strcmp(o.claims[i].name, "payload p: finished");
	assert_int_equal(n, 1);	/* the run that finished adds nothing */
	check_output_free(&o);
	cJSON_Delete(r);
}

/* The language's finding names and the console pattern table agree. */
static void test_finding_names_match_patterns(void **st)
{
	(void)st;
	size_t n = 0;
	for (const char *name; (name = findings_name(n)); n++)
		assert_non_null(ty_alt(&ty_finding, name));
	size_t alts = 0;
	for (const struct ty_alt *a = ty_finding.alts; a->name; a++)
		alts++;
	assert_int_equal(n, alts);
}

static void test_payload_checks(void **st)
{
	(void)st;
	const char *yaml =
		"payloads:\n  - name: p\n    binary: sh\n    output: json\n    checks:\n"
		"      - exit_code_eq: 0\n      - min: {metric: a.b, value: 3}\n"
		"      - range: {metric: a.b, lo: 1, hi: 4}\n      - exists: zz\n"
		"      - max: {metric: list.1, value: 10}\n"
		"steps: [{ops: [{run_payload: p}], hold: {fixed: 0}}]\n";
	cJSON *r = cJSON_CreateArray();
	cJSON_AddItemToArray(r, cJSON_Parse("{\"type\":\"payload\",\"name\":\"p\",\"exit_code\":0,"
					    "\"stdout\":\"{\\\"a\\\": {\\\"b\\\": 5}, \\\"list\\\": [1, 7]}\",\"stderr\":\"\"}"));
	struct check_output o;
	run_checks(yaml, r, &o);
	assert_true(find(&o, "payload p: exit_code_eq", NULL)->passed);
	assert_true(find(&o, "payload p: min", NULL)->passed);	/* 5 >= 3 */
	const struct claim_result *c = find(&o, "payload p: range", NULL);
	assert_false(c->passed);	/* 5 outside [1, 4] */
	assert_float_equal(c->actual, 5, 0);
	assert_false(find(&o, "payload p: exists", NULL)->passed);
	assert_true(find(&o, "payload p: max", NULL)->passed);	/* list.1 = 7 */
	check_output_free(&o);
	cJSON_Delete(r);
}

static void test_console_findings(void **st)
{
	(void)st;
	struct finding f[16];
	const char *console =
		"[    1.0] Linux version 6.12\n"
		"[    2.5] sched_ext: BPF scheduler \"qmap\" disabled (runnable task stall)\n"
		"[    3.0] INFO: task kworker/0:1:12 blocked for more than 120 seconds.\n"
		"[    4.0] Kernel panic - not syncing: sysrq triggered crash\n";
	size_t n = findings_scan(console, f, 16);
	bool panic = false, scx = false, hung = false;
	for (size_t i = 0; i < n; i++) {
		panic |= !strcmp(f[i].name, "kernel_panic") && strstr(f[i].line, "sysrq");
		scx |= !strcmp(f[i].name, "sched_ext_disabled");
		hung |= !strcmp(f[i].name, "hung_task");
	}
	assert_true(panic && scx && hung);
	assert_int_equal(findings_scan("[ 1.0] all quiet\n", f, 16), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_pass_on_healthy_reports),
		cmocka_unit_test(test_starvation_isolation_gap_spread_fail),
		cmocka_unit_test(test_boundaries_and_layers),
		cmocka_unit_test(test_pointwise_claims_and_nan),
		cmocka_unit_test(test_iteration_cost),
		cmocka_unit_test(test_step_slices),
		cmocka_unit_test(test_missing_reports_and_op_errors_fail),
		cmocka_unit_test(test_empty_scope),
		cmocka_unit_test(test_every_metric_is_implemented),
		cmocka_unit_test(test_step_migrations_read_the_slice),
		cmocka_unit_test(test_spread_has_one_meaning),
		cmocka_unit_test(test_every_check_has_its_evaluator),
		cmocka_unit_test(test_monitor_checks),
		cmocka_unit_test(test_isolation_window_is_the_step),
		cmocka_unit_test(test_refused_settings_fail),
		cmocka_unit_test(test_step_without_slices_fails),
		cmocka_unit_test(test_payload_checks),
		cmocka_unit_test(test_finding_names_match_patterns),
		cmocka_unit_test(test_payload_timeout_fails),
		cmocka_unit_test(test_text_patterns_take),
		cmocka_unit_test(test_text_stream_and_bytes),
		cmocka_unit_test(test_text_histogram),
		cmocka_unit_test(test_ktap_rows),
		cmocka_unit_test(test_ktap_claim),
		cmocka_unit_test(test_yaml_output_and_absent_metric),
		cmocka_unit_test(test_console_findings),
		cmocka_unit_test(test_page_locality_share),
		cmocka_unit_test(test_page_locality_no_data),
		cmocka_unit_test(test_page_locality_claims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
