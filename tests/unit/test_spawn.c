/* Unit tests of the executor's worker runtime on the host: the JSON
 * writer, telemetry (reservoir, phase slices), settings, and the spawn
 * pipeline end to end with real forked and threaded spin_wait workers —
 * reports, settings failures, set_affinity, and bounded collection of a
 * worker that never reports.  No cgroups needed.  Also prints the
 * telemetry overhead ratio (informational, not asserted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bytecode.h"
#include "json.h"
#include "settings.h"
#include "spawn.h"
#include "report.h"
#include "vocab.h"
#include "telemetry.h"
#include "work.h"

/* ---- helpers ------------------------------------------------------------- */

#define MAX_REPORTS 64
struct reports {
	int n;
	cJSON *r[MAX_REPORTS];
};

static void collect(const char *json, void *ctx)
{
	struct reports *rs = ctx;
	cJSON *j = cJSON_Parse(json);
	if (!j)
		fprintf(stderr, "unparsable report: %.200s\n", json);
	assert_non_null(j);
	assert_true(rs->n < MAX_REPORTS);
	rs->r[rs->n++] = j;
}

static void reports_free(struct reports *rs)
{
	for (int i = 0; i < rs->n; i++)
		cJSON_Delete(rs->r[i]);
	rs->n = 0;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		fail_msg("key %s is not a number", k);
	return v->valuedouble;
}

static bool boolean(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsBool(v))
		fail_msg("key %s is not a bool", k);
	return cJSON_IsTrue(v);
}

static const char *str_or_null(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!v)
		fail_msg("key %s missing", k);
	if (cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v))
		fail_msg("key %s is neither string nor null", k);
	return v->valuestring;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts))
		;
}

/* The report matches the contract (guest/report.def): every key it
 * marks as always present in a worker report (or in each of its slices)
 * is there, with the JSON type the table declares. */
static bool key_has_type(const cJSON *v, const struct rep_key_info *k)
{
	if ((k->flags & RKF_NUL) && cJSON_IsNull(v))
		return true;
	switch (k->type) {
	case RKT_U64: return cJSON_IsNumber(v) && v->valuedouble >= 0;
	case RKT_I64: case RKT_NUM: return cJSON_IsNumber(v);
	case RKT_BOOL: return cJSON_IsBool(v);
	case RKT_STR: return cJSON_IsString(v);
	case RKT_CPUS: case RKT_SAMPLES: case RKT_ARR: return cJSON_IsArray(v);
	case RKT_OBJ: return cJSON_IsObject(v);
	}
	return false;
}

static void assert_contract(const cJSON *o, unsigned where)
{
	for (int i = 0; i < RK__COUNT; i++) {
		const struct rep_key_info *k = &rep_keys[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k->name);
		if (!(k->where & where))
			continue;
		if (!v && (k->flags & (RKF_REQ | RKF_ERR)))
			fail_msg("report lacks key %s", k->name);
		if (v && !key_has_type(v, k))
			fail_msg("report key %s has the wrong JSON type", k->name);
	}
}

static void assert_report_shape(const cJSON *r)
{
	assert_contract(r, RKW_W);
	const cJSON *ph;
	cJSON_ArrayForEach(ph, cJSON_GetObjectItem(r, RK(PHASES)))
		assert_contract(ph, RKW_P);
	assert_string_equal(cJSON_GetObjectItem(r, "type")->valuestring, "worker");
}

static void assert_live_report(const cJSON *r)
{
	assert_report_shape(r);
	assert_true(boolean(r, "completed"));
	assert_false(boolean(r, "sentinel"));
	assert_true(num(r, "work_units") > 0);
	assert_true(num(r, "iterations") > 0);
	assert_true(num(r, "wall_ns") > 0);
	assert_true(num(r, "cpu_ns") > 0);
	const cJSON *cpus = cJSON_GetObjectItem(r, "cpus_used");
	assert_true(cJSON_IsArray(cpus));
	assert_true(cJSON_GetArraySize(cpus) > 0);
}

/* A one-instruction program: spawn with the given extra operands. */
struct prog {
	struct kb_program p;
	struct phase_clock *clock;
	size_t clock_bytes;
};

/* A program with one SPAWN into cg_test; the caller adds the rest of its
 * operands. */
static void begin_spawn(struct prog *pr, const char *work, int workers, int group_size)
{
	kb_init(&pr->p);
	kb_emit(&pr->p, OPC_SPAWN);
	kb_str(&pr->p, "cgroup", "cg_test");
	kb_int(&pr->p, "group_size", group_size);
	kb_int(&pr->p, "workers", workers);
	kb_str(&pr->p, "work", work);
}

static void prog_spawn(struct prog *pr, int workers, const char *clone)
{
	kb_init(&pr->p);
	kb_emit(&pr->p, OPC_SPAWN);
	kb_str(&pr->p, "cgroup", "cg_test");
	kb_int(&pr->p, "group_size", 1);
	kb_int(&pr->p, "workers", workers);
	kb_str(&pr->p, "work", "spin_wait");
	kb_str(&pr->p, "policy", "normal");
	kb_str(&pr->p, "affinity", "inherit");
	kb_str(&pr->p, "mem_policy", "default");
	kb_str(&pr->p, "clone", clone);
}

static struct spawn_group *prog_create(struct prog *pr, int step)
{
	pr->clock = phase_clock_new((uint32_t)step + 8, &pr->clock_bytes);
	assert_non_null(pr->clock);
	phase_clock_set(pr->clock, (uint32_t)step, tm_now_ns());
	struct spawn_req req = {
		.prog = &pr->p, .insn = &pr->p.insn[0], .cgroup = "cg_test",
		.step = step, .clock = pr->clock,
	};
	char err[256];
	struct spawn_group *g = spawn_create(&req, err, sizeof(err));
	if (!g)
		fail_msg("spawn_create: %s", err);
	return g;
}

static void prog_free(struct prog *pr)
{
	munmap(pr->clock, pr->clock_bytes);
	kb_free(&pr->p);
}

/* ---- json ------------------------------------------------------------------ */

static void test_json_escapes_and_nesting(void **st)
{
	(void)st;
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, "s", "q\"b\\n\nt\tc\x01 \xc3\xa9 bad\xff end");
	jw_kint(&j, "neg", -42);
	jw_kuint(&j, "big", UINT64_MAX);
	jw_knum(&j, "nan", NAN);
	jw_knum(&j, "half", 0.5);
	jw_kbool(&j, "t", true);
	jw_kstr(&j, "null", NULL);
	jw_key(&j, "arr");
	jw_arr(&j);
	jw_int(&j, 1);
	jw_arr(&j);
	jw_end_arr(&j);
	jw_obj(&j);
	jw_kint(&j, "x", 2);
	jw_end_obj(&j);
	jw_str(&j, "");
	jw_end_arr(&j);
	jw_key(&j, "empty");
	jw_obj(&j);
	jw_end_obj(&j);
	jw_end_obj(&j);
	assert_null(strchr(j.buf, '\n'));
	assert_non_null(strstr(j.buf, "\"s\":\"q\\\"b\\\\n\\nt\\tc\\u0001 \xc3\xa9 bad\\ufffd end\""));
	assert_non_null(strstr(j.buf, "\"arr\":[1,[],{\"x\":2},\"\"],\"empty\":{}}"));
	cJSON *c = cJSON_Parse(j.buf);
	assert_non_null(c);
	assert_string_equal(cJSON_GetObjectItem(c, "s")->valuestring, "q\"b\\n\nt\tc\x01 \xc3\xa9 bad\xef\xbf\xbd end");
	assert_int_equal(num(c, "neg"), -42);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "nan")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "null")));
	assert_true(num(c, "half") == 0.5);
	assert_true(boolean(c, "t"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "arr")), 4);
	assert_non_null(strstr(j.buf, "\"big\":18446744073709551615"));
	cJSON_Delete(c);
	jw_free(&j);
}

/* ---- telemetry -------------------------------------------------------------- */

static void test_reservoir_caps_and_counts(void **st)
{
	(void)st;
	size_t bytes;	/* a step clock so the phase reservoir exists */
	struct phase_clock *clock = phase_clock_new(3, &bytes);
	phase_clock_set(clock, 3, tm_now_ns());
	struct telemetry *t = calloc(1, sizeof(*t));
	tm_start(t, clock, false);
	const uint64_t n = TM_MAX_WAKE_SAMPLES + 50000;
	for (uint64_t i = 0; i < n; i++)
		tm_wake(t, i);
	tm_finish(t);
	assert_int_equal(t->wake.n, TM_MAX_WAKE_SAMPLES);
	assert_int_equal(t->wake.total, n);
	assert_int_equal(t->nphases, 1);
	assert_int_equal(t->phases[0].epoch, 3);
	assert_int_equal(t->phases[0].wake.n, TM_MAX_PHASE_SAMPLES);
	assert_int_equal(t->phases[0].wake.total, n);
	/* Algorithm R kept some late samples: not just the first cap */
	uint64_t late = 0;
	for (uint32_t i = 0; i < t->wake.n; i++)
		late += t->wake.v[i] >= TM_MAX_WAKE_SAMPLES;
	assert_true(late > 0);
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	tm_report_json(t, &j);
	jw_end_obj(&j);
	cJSON *c = cJSON_Parse(j.buf);
	assert_non_null(c);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "wake_samples_ns")), TM_MAX_WAKE_SAMPLES);
	assert_true(num(c, "wake_sample_total") == (double)n);
	cJSON_Delete(c);
	jw_free(&j);
	tm_free(t);
	free(t);
	munmap(clock, bytes);
}

static void spin_iters(struct telemetry *t, int n)
{
	for (int i = 0; i < n; i++) {
		spin_units(t, 1024);
		tm_iter(t);
	}
}

/* A telemetry started at epoch `first` of a fresh step clock. */
static struct telemetry *tm_at_epoch(struct phase_clock **clock, size_t *bytes, uint32_t max, uint32_t first)
{
	*clock = phase_clock_new(max, bytes);
	assert_non_null(*clock);
	phase_clock_set(*clock, first, tm_now_ns());
	struct telemetry *t = calloc(1, sizeof(*t));
	tm_start(t, *clock, false);
	return t;
}

static void tm_done(struct telemetry *t, struct phase_clock *clock, size_t bytes)
{
	tm_free(t);
	free(t);
	munmap(clock, bytes);
}

/* The checkpoint spacing comes from the measured read cost, within its
 * bounds, and every report states it. */
static void test_spacing_is_measured_and_reported(void **st)
{
	(void)st;
	uint64_t s = tm_spacing_ns();
	assert_true(s >= TM_CHECKPOINT_NS && s <= TM_MAX_SPACING_NS);
	assert_int_equal(tm_spacing_ns(), s);
	struct telemetry *t = calloc(1, sizeof(*t));
	tm_start(t, NULL, false);
	tm_finish(t);
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	tm_report_json(t, &j);
	jw_end_obj(&j);
	cJSON *c = cJSON_Parse(j.buf);
	assert_true(num(c, "gap_resolution_ns") == (double)s);
	cJSON_Delete(c);
	jw_free(&j);
	tm_free(t);
	free(t);
}

static void test_phase_slices_sum_to_total(void **st)
{
	(void)st;
	size_t bytes;
	struct phase_clock *clock;
	struct telemetry *t = tm_at_epoch(&clock, &bytes, 2, 1);
	spin_iters(t, 300);
	phase_clock_set(clock, 2, tm_now_ns());
	spin_iters(t, 200);
	tm_finish(t);
	assert_int_equal(t->nphases, 2);
	assert_int_equal(t->phases[0].epoch, 1);
	assert_int_equal(t->phases[1].epoch, 2);
	assert_int_equal(t->phases[0].iterations, 300);
	assert_int_equal(t->phases[1].iterations, 200);
	assert_int_equal(t->phases[0].iterations + t->phases[1].iterations, t->iterations);
	assert_int_equal(t->phases[0].work_units + t->phases[1].work_units, t->work_units);
	assert_true(t->phases[0].wall_ns > 0 && t->phases[1].wall_ns > 0);
	assert_true(t->work_units == 500 * 1024);
	assert_true(t->cpus_used[0] != 0);
	assert_true(t->phases[0].observed && t->phases[1].observed);
	tm_done(t, clock, bytes);
}

/* A worker that does not run through a whole step (frozen, starved)
 * still gets that step's slice, cut from the step's window: no work, the
 * window as its gap, observed false.  The slices before and after end
 * and start at the step boundaries, and what the worker does between two
 * windows (the next step's ops, where a thaw happens) counts in neither. */
static void test_unobserved_step_gets_a_slice(void **st)
{
	(void)st;
	size_t bytes;
	struct phase_clock *clock;
	struct telemetry *t = tm_at_epoch(&clock, &bytes, 3, 1);
	spin_iters(t, 100);
	tm_checkpoint(t);
	sleep_ms(20);	/* "frozen": no checkpoint from here */
	phase_clock_end(clock, tm_now_ns());
	uint64_t b2 = tm_now_ns();
	phase_clock_set(clock, 2, b2);
	sleep_ms(300);
	uint64_t e2 = tm_now_ns();
	phase_clock_end(clock, e2);
	phase_clock_end(clock, e2 + 999);	/* a second end changes nothing */
	sleep_ms(5);
	spin_iters(t, 50);	/* thawed by step 3's ops, before its window */
	uint64_t b3 = tm_now_ns();
	phase_clock_set(clock, 3, b3);
	sleep_ms(20);
	spin_iters(t, 100);
	tm_finish(t);
	assert_int_equal(t->nphases, 3);
	const struct tm_phase *p1 = &t->phases[0], *p2 = &t->phases[1], *p3 = &t->phases[2];
	assert_int_equal(p2->epoch, 2);
	assert_false(p2->observed);
	assert_int_equal(p2->work_units, 0);
	assert_int_equal(p2->iterations, 0);
	assert_true(p2->wall_ns == e2 - b2);
	assert_true(p2->max_gap_ns == e2 - b2);
	/* the gap is split at the boundaries, never counted twice */
	assert_true(p1->max_gap_ns >= 20000000ull && p1->max_gap_ns < 300000000ull);
	assert_true(p3->max_gap_ns >= 20000000ull && p3->max_gap_ns < 300000000ull);
	assert_true(t->max_gap_ns >= 300000000ull);
	assert_true(p1->observed && p3->observed);
	assert_true(p3->wall_ns >= 20000000ull);
	assert_true(p1->work_units + p3->work_units <= t->work_units);
	assert_true(p3->iterations >= 100 && p3->iterations <= 101);
	tm_done(t, clock, bytes);
}

static void test_nodemask_golden(void **st)
{
	(void)st;
	const unsigned long bpl = 8 * sizeof(unsigned long);
	unsigned long m[4], maxnode;
	int a[] = {0};
	assert_int_equal(st_build_nodemask(a, 1, m, 4, &maxnode), 1);
	assert_int_equal(maxnode, 2);
	assert_int_equal(m[0], 1);
	int b[] = {0, 2};
	assert_int_equal(st_build_nodemask(b, 2, m, 4, &maxnode), 1);
	assert_int_equal(maxnode, 4);
	assert_int_equal(m[0], 5);
	int c[] = {(int)bpl + 3};
	assert_int_equal(st_build_nodemask(c, 1, m, 4, &maxnode), 2);
	assert_int_equal(maxnode, bpl + 5);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 1ul << 3);
	assert_int_equal(st_build_nodemask(NULL, 0, m, 4, &maxnode), 0);
	assert_int_equal(maxnode, 0);
}

static void test_settings_parse(void **st)
{
	(void)st;
	struct kb_program p;
	kb_init(&p);
	kb_emit(&p, OPC_SPAWN);
	kb_str(&p, "policy", "deadline");
	kb_dur(&p, "policy.runtime", 2000000);
	kb_dur(&p, "policy.deadline", 10000000);
	kb_int(&p, "nice", 5);
	kb_str(&p, "mem_policy", "interleave");
	kb_int(&p, "mem_policy.interleave", 0);
	kb_int(&p, "mem_policy.interleave", 1);
	kb_str(&p, "mpol_flags.0", "static_nodes");
	kb_str(&p, "mpol_flags.1", "numa_balancing");
	kb_str(&p, "comm", "hello");
	kb_int(&p, "uid", 1000);
	struct worker_settings s;
	char err[256];
	assert_true(st_parse(&p, &p.insn[0], &s, err, sizeof(err)));
	assert_int_equal(s.policy, ST_POL_DEADLINE);
	assert_int_equal(s.dl_period, 10000000);
	assert_true(s.has_nice && s.nice == 5);
	assert_int_equal(s.mpol_mode, ST_MPOL_INTERLEAVE);
	assert_int_equal(s.nnodes, 2);
	assert_int_equal(s.mpol_flags, ST_MPOL_F_STATIC_NODES | ST_MPOL_F_NUMA_BALANCING);
	assert_string_equal(s.comm, "hello");
	assert_true(s.has_uid && !s.has_gid);
	/* deadline pre-checks fail without a syscall */
	s.dl_runtime = 100;
	assert_non_null(st_policy(&s, err, sizeof(err)));
	assert_non_null(strstr(err, "1024"));
	kb_free(&p);
}

/* Informational: rate of a spin_wait loop with telemetry against the same
 * loop with checkpoints disabled and against a bare LCG loop.  Rates are
 * per thread-CPU second, so other load on the machine matters less;
 * rounds alternate and the median ratio is printed. */
static uint64_t cpu_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t bare_units(uint64_t units, volatile uint64_t *sink)
{
	uint64_t x = *sink | 1, done = 0;
	while (units) {
		uint64_t block = units < 64 ? units : 64;
		for (uint64_t i = 0; i < block; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		units -= block;
		done += block;
		__asm__ volatile("" ::: "memory");
	}
	*sink = x;
	return done;
}

#define BENCH_CPU_NS 50000000ull

static double bare_rate(void)
{
	static volatile uint64_t sink;
	uint64_t t0 = cpu_now_ns(), units = 0, now;
	do {
		for (int k = 0; k < 64; k++)
			units += bare_units(1024, &sink);
	} while ((now = cpu_now_ns()) - t0 < BENCH_CPU_NS);
	return (double)units / (double)(now - t0);
}

static double spin_rate(bool checkpoints)
{
	size_t bytes;
	struct phase_clock *clock = phase_clock_new(0, &bytes);
	struct telemetry *t = calloc(1, sizeof(*t));
	tm_start(t, clock, false);
	if (!checkpoints)
		t->next_checkpoint = UINT64_MAX;	/* tm_work never checkpoints */
	uint64_t t0 = cpu_now_ns(), now;
	do {
		for (int k = 0; k < 64; k++) {
			spin_units(t, 1024);
			tm_iter(t);
		}
	} while ((now = cpu_now_ns()) - t0 < BENCH_CPU_NS);
	double r = (double)t->work_units / (double)(now - t0);
	tm_free(t);
	free(t);
	munmap(clock, bytes);
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void test_telemetry_overhead_ratio(void **st)
{
	(void)st;
	enum { ROUNDS = 15 };
	double vs_off[ROUNDS], vs_bare[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		double bare = bare_rate(), off = spin_rate(false), on = spin_rate(true);
		vs_off[r] = on / off;
		vs_bare[r] = on / bare;
	}
	qsort(vs_off, ROUNDS, sizeof(double), cmp_double);
	qsort(vs_bare, ROUNDS, sizeof(double), cmp_double);
	printf("telemetry overhead (median of %d): spin_wait with telemetry runs at %.4f of the "
	       "same loop without checkpoints, %.4f of a bare LCG loop\n",
	       ROUNDS, vs_off[ROUNDS / 2], vs_bare[ROUNDS / 2]);
}

/* ---- spawn --------------------------------------------------------------------- */

static void run_basic(const char *clone)
{
	struct prog pr;
	prog_spawn(&pr, 2, clone);
	struct spawn_group *g = prog_create(&pr, 1);
	spawn_start(g);
	sleep_ms(300);
	struct reports rs = {0};
	spawn_stop(g, collect, &rs);
	assert_int_equal(rs.n, 2);
	for (int i = 0; i < 2; i++) {
		const cJSON *r = rs.r[i];
		assert_live_report(r);
		assert_int_equal(num(r, "index"), i);
		assert_int_equal(num(r, "group"), i);
		assert_int_equal(num(r, "step"), 1);
		assert_string_equal(cJSON_GetObjectItem(r, "cgroup")->valuestring, "cg_test");
		assert_string_equal(cJSON_GetObjectItem(r, "clone")->valuestring, clone);
		assert_string_equal(cJSON_GetObjectItem(r, "work")->valuestring, "spin_wait");
		assert_null(str_or_null(r, "affinity_error"));
		assert_null(str_or_null(r, "policy_error"));
		assert_null(str_or_null(r, "setup_error"));
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(r, "exit")));
		/* one phase (epoch 1) holding everything */
		const cJSON *ph = cJSON_GetObjectItem(r, "phases");
		assert_int_equal(cJSON_GetArraySize(ph), 1);
		assert_true(num(cJSON_GetArrayItem(ph, 0), "iterations") == num(r, "iterations"));
		/* ~300 ms of running */
		assert_true(num(r, "wall_ns") > 200e6 && num(r, "wall_ns") < 5e9);
	}
	if (!strcmp(clone, "thread")) {
		/* threads of one container process, not of the executor: the
		 * container is what gets placed in the cgroup */
		assert_true(num(rs.r[0], "pid") != getpid());
		assert_true(num(rs.r[0], "pid") == num(rs.r[1], "pid"));
		assert_true(num(rs.r[0], "tid") != num(rs.r[1], "tid"));
		assert_true(num(rs.r[0], "tid") != num(rs.r[0], "pid"));
	} else {
		assert_true(num(rs.r[0], "pid") != getpid());
		assert_true(num(rs.r[0], "pid") == num(rs.r[0], "tid"));
	}
	reports_free(&rs);
	prog_free(&pr);
}

static void test_spawn_fork_reports(void **st)
{
	(void)st;
	run_basic("fork");
}

static void test_spawn_thread_reports(void **st)
{
	(void)st;
	run_basic("thread");
}

static void test_spawn_settings_failure_still_reports(void **st)
{
	(void)st;
	for (int mode = 0; mode < 2; mode++) {
		struct prog pr;
		begin_spawn(&pr, "spin_wait", 1, 1);
		kb_str(&pr.p, "policy", "deadline");	/* runtime > deadline: fails */
		kb_dur(&pr.p, "policy.runtime", 5000000);
		kb_dur(&pr.p, "policy.deadline", 1000000);
		kb_str(&pr.p, "affinity", "cpus");
		struct cpuset cs;
		cpuset_clear(&cs);
		cpuset_set(&cs, 200);	/* no such CPU here */
		kb_cpus(&pr.p, "affinity.cpus", &cs);
		kb_str(&pr.p, "mem_policy", "default");
		kb_str(&pr.p, "clone", mode ? "thread" : "fork");
		struct spawn_group *g = prog_create(&pr, 0);
		spawn_start(g);
		sleep_ms(100);
		struct reports rs = {0};
		spawn_stop(g, collect, &rs);
		assert_int_equal(rs.n, 1);
		assert_live_report(rs.r[0]);
		const char *ae = str_or_null(rs.r[0], "affinity_error");
		assert_non_null(ae);
		assert_non_null(strstr(ae, "sched_setaffinity"));
		assert_non_null(strstr(ae, "200"));
		assert_non_null(str_or_null(rs.r[0], "policy_error"));
		reports_free(&rs);
		prog_free(&pr);
	}
}

static void test_spawn_applies_settings(void **st)
{
	(void)st;
	struct prog pr;
	begin_spawn(&pr, "spin_wait", 2, 1);
	kb_str(&pr.p, "policy", "batch");
	kb_int(&pr.p, "nice", 3);
	kb_str(&pr.p, "affinity", "single_cpu");
	kb_str(&pr.p, "mem_policy", "local");
	kb_str(&pr.p, "clone", "fork");
	kb_str(&pr.p, "comm", "ktw_test");
	struct spawn_group *g = prog_create(&pr, 0);
	pid_t pids[4];
	assert_int_equal(spawn_pids(g, pids, 4), 2);
	spawn_start(g);
	sleep_ms(200);
	for (int i = 0; i < 2; i++) {
		char path[64], buf[256];
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		assert_string_equal(buf, "ktw_test\n");
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pids[i]);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(buf, sizeof(buf), f));
		fclose(f);
		/* fields after ')': state ppid pgrp ...; nice is field 19, policy 41 */
		char *p = strrchr(buf, ')') + 2;
		int field = 3;
		long vals[64] = {0};
		for (char *tok = strtok(p, " "); tok && field < 64; tok = strtok(NULL, " "))
			vals[field++] = atol(tok);
		assert_int_equal(vals[5], pids[i]);	/* own process group */
		assert_int_equal(vals[19], 3);		/* nice */
		assert_int_equal(vals[41], 3);		/* SCHED_BATCH */
	}
	/* set_affinity op: every worker to CPU 0, then to a CPU that does not exist */
	struct kb_program op;
	kb_init(&op);
	kb_emit(&op, OPC_SET_AFFINITY);
	kb_str(&op, "cgroup", "cg_test");
	kb_str(&op, "affinity", "cpus");
	struct cpuset cs;
	cpuset_clear(&cs);
	cpuset_set(&cs, 0);
	kb_cpus(&op, "affinity.cpus", &cs);
	kb_emit(&op, OPC_SET_AFFINITY);
	kb_str(&op, "cgroup", "cg_test");
	kb_str(&op, "affinity", "cpus");
	cpuset_clear(&cs);
	cpuset_set(&cs, 200);
	kb_cpus(&op, "affinity.cpus", &cs);
	assert_int_equal(spawn_set_affinity(g, &op, &op.insn[0]), 0);
	for (int i = 0; i < 2; i++) {
		char path[64], line[256];
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pids[i]);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		bool found = false;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "Cpus_allowed_list:", 18)) {
				found = true;
				assert_string_equal(line + 18 + strspn(line + 18, " \t"), "0\n");
			}
		fclose(f);
		assert_true(found);
	}
	assert_int_equal(spawn_set_affinity(g, &op, &op.insn[1]), 2);
	struct reports rs = {0};
	spawn_stop(g, collect, &rs);
	assert_int_equal(rs.n, 2);
	for (int i = 0; i < 2; i++) {
		assert_live_report(rs.r[i]);
		assert_null(str_or_null(rs.r[i], "affinity_error"));
		assert_null(str_or_null(rs.r[i], "policy_error"));
		assert_null(str_or_null(rs.r[i], "nice_error"));
		assert_null(str_or_null(rs.r[i], "mempolicy_error"));
		assert_null(str_or_null(rs.r[i], "setup_error"));
		assert_non_null(str_or_null(rs.r[i], "set_affinity_error"));
		/* mem policy set: page placement is reported */
		assert_true(cJSON_IsObject(cJSON_GetObjectItem(rs.r[i], "numa_pages")));
	}
	kb_free(&op);
	reports_free(&rs);
	prog_free(&pr);
}

static void test_spawn_phase_slices(void **st)
{
	(void)st;
	struct prog pr;
	prog_spawn(&pr, 2, "fork");
	struct spawn_group *g = prog_create(&pr, 0);
	spawn_start(g);
	sleep_ms(150);
	phase_clock_set(pr.clock, 1, tm_now_ns());
	sleep_ms(150);
	struct reports rs = {0};
	spawn_stop(g, collect, &rs);
	assert_int_equal(rs.n, 2);
	for (int i = 0; i < 2; i++) {
		const cJSON *r = rs.r[i];
		assert_live_report(r);
		const cJSON *ph = cJSON_GetObjectItem(r, "phases");
		assert_int_equal(cJSON_GetArraySize(ph), 2);
		const cJSON *a = cJSON_GetArrayItem(ph, 0), *b = cJSON_GetArrayItem(ph, 1);
		assert_int_equal(num(a, "epoch"), 0);
		assert_int_equal(num(b, "epoch"), 1);
		assert_true(num(a, "iterations") > 0 && num(b, "iterations") > 0);
		assert_true(num(a, "iterations") + num(b, "iterations") == num(r, "iterations"));
		assert_true(num(a, "wall_ns") > 0 && num(b, "wall_ns") > 0);
		assert_true(num(a, "cpu_ns") <= num(a, "wall_ns") + 1e6);
		assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(b, "cpus_used")) > 0);
	}
	reports_free(&rs);
	prog_free(&pr);
}

static void test_stuck_worker_gets_sentinel_in_bounded_time(void **st)
{
	(void)st;
	struct prog pr;
	prog_spawn(&pr, 3, "fork");
	struct spawn_group *g = prog_create(&pr, 0);
	pid_t pids[3];
	assert_int_equal(spawn_pids(g, pids, 3), 3);
	spawn_start(g);
	sleep_ms(100);
	kill(pids[1], SIGSTOP);	/* ignores the stop word from now on */
	kill(pids[2], SIGSEGV);	/* dies before reporting */
	struct reports rs = {0};
	uint64_t t0 = tm_now_ns();
	spawn_stop(g, collect, &rs);
	double secs = (double)(tm_now_ns() - t0) / 1e9;
	printf("stop/collect with one stuck worker took %.2f s\n", secs);
	assert_true(secs < 10.0);
	assert_int_equal(rs.n, 3);
	assert_live_report(rs.r[0]);
	const cJSON *c = rs.r[2];
	assert_true(boolean(c, "sentinel"));
	assert_int_equal(num(cJSON_GetObjectItem(c, "exit"), "signal"), SIGSEGV);
	const cJSON *s = rs.r[1];
	assert_report_shape(s);
	assert_true(boolean(s, "sentinel"));
	assert_false(boolean(s, "completed"));
	assert_int_equal(num(s, "index"), 1);
	assert_int_equal(num(s, "pid"), pids[1]);
	assert_int_equal(num(s, "work_units"), 0);
	const char *e = str_or_null(s, "error");
	assert_non_null(e);
	char want[64];
	snprintf(want, sizeof(want), "worker pid=%d returned no report", (int)pids[1]);
	assert_non_null(strstr(e, want));
	const cJSON *ex = cJSON_GetObjectItem(s, "exit");
	assert_true(cJSON_IsObject(ex));
	assert_int_equal(num(ex, "signal"), SIGKILL);
	/* reaped: no such process any more */
	assert_int_equal(kill(pids[1], 0), -1);
	reports_free(&rs);
	prog_free(&pr);
}

/* Groups: two pipe_io pairs, each with its own pipes set up before any
 * worker exists; every worker reports and the pairs really exchanged. */
static void test_spawn_groups_pipe_io(void **st)
{
	(void)st;
	for (int mode = 0; mode < 2; mode++) {
		struct prog pr;
		begin_spawn(&pr, "pipe_io", 4, 2);
		kb_int(&pr.p, "work.burst_iters", 256);
		kb_str(&pr.p, "policy", "normal");
		kb_str(&pr.p, "affinity", "inherit");
		kb_str(&pr.p, "mem_policy", "default");
		kb_str(&pr.p, "clone", mode ? "thread" : "fork");
		struct spawn_group *g = prog_create(&pr, 0);
		spawn_start(g);
		sleep_ms(300);
		struct reports rs = {0};
		spawn_stop(g, collect, &rs);
		assert_int_equal(rs.n, 4);
		for (int i = 0; i < 4; i++) {
			assert_live_report(rs.r[i]);
			assert_int_equal(num(rs.r[i], "group"), i / 2);
			assert_int_equal(num(rs.r[i], "pos"), i % 2);
			assert_null(str_or_null(rs.r[i], "setup_error"));
			assert_true(num(rs.r[i], "wake_sample_total") > 0);
		}
		reports_free(&rs);
		prog_free(&pr);
	}
}

/* Placement failures are named in the reports: a cgroup directory that
 * does not exist (fork), and thread workers that cannot be placed. */
static void test_spawn_placement_errors_reported(void **st)
{
	(void)st;
	for (int mode = 0; mode < 2; mode++) {
		struct prog pr;
		prog_spawn(&pr, 1, mode ? "thread" : "fork");
		pr.clock = phase_clock_new(0, &pr.clock_bytes);
		struct spawn_req req = {
			.prog = &pr.p, .insn = &pr.p.insn[0], .cgroup = "cg_test",
			.cgroup_dir = "/nonexistent/ktstr-test-cgroup", .clock = pr.clock,
		};
		char err[256];
		struct spawn_group *g = spawn_create(&req, err, sizeof(err));
		assert_non_null(g);
		spawn_start(g);
		sleep_ms(50);
		struct reports rs = {0};
		spawn_stop(g, collect, &rs);
		assert_int_equal(rs.n, 1);
		assert_live_report(rs.r[0]);
		const char *pe = str_or_null(rs.r[0], "placement_error");
		assert_non_null(pe);
		/* thread workers: their container process was the one refused */
		assert_non_null(strstr(pe, "/nonexistent/ktstr-test-cgroup"));
		reports_free(&rs);
		prog_free(&pr);
	}
}

static void test_spawn_rejects_bad_input(void **st)
{
	(void)st;
	struct kb_program p;
	kb_init(&p);
	kb_emit(&p, OPC_SPAWN);
	kb_int(&p, "workers", 2);
	kb_str(&p, "work", "no_such_work");
	kb_emit(&p, OPC_SPAWN);
	kb_int(&p, "workers", 3);
	kb_int(&p, "group_size", 2);
	kb_str(&p, "work", "spin_wait");
	char err[256];
	struct spawn_req req = {.prog = &p, .insn = &p.insn[0]};
	assert_null(spawn_create(&req, err, sizeof(err)));
	assert_non_null(strstr(err, "no_such_work"));
	req.insn = &p.insn[1];
	assert_null(spawn_create(&req, err, sizeof(err)));
	assert_non_null(strstr(err, "multiple"));
	kb_free(&p);
}

static void test_stop_without_start(void **st)
{
	(void)st;
	struct prog pr;
	prog_spawn(&pr, 2, "thread");
	struct spawn_group *g = prog_create(&pr, 0);
	struct reports rs = {0};
	spawn_stop(g, collect, &rs);
	assert_int_equal(rs.n, 2);
	for (int i = 0; i < 2; i++) {
		assert_report_shape(rs.r[i]);
		assert_false(boolean(rs.r[i], "sentinel"));
	}
	reports_free(&rs);
	prog_free(&pr);
}

/* Every policy and memory policy of the language (interp/format.c) is
 * one the guest applies: none falls through to "unknown". */
static void test_settings_cover_the_language(void **st)
{
	(void)st;
	const struct ty *const variants[] = {&ty_sched_policy, &ty_mem_policy};
	const char *const keys[] = {"policy", "mem_policy"};
	for (size_t v = 0; v < 2; v++) {
		for (const struct ty_alt *a = variants[v]->alts; a->name; a++) {
			struct kb_program p;
			kb_init(&p);
			kb_emit(&p, OPC_SPAWN);
			kb_str(&p, keys[v], a->name);
			struct worker_settings set;
			char err[256] = "";
			if (!st_parse(&p, &p.insn[0], &set, err, sizeof(err)) && strstr(err, "unknown"))
				fail_msg("%s '%s' of the language is unknown to the guest: %s", keys[v], a->name, err);
			kb_free(&p);
		}
	}
}

/* The language allows no more steps than a worker keeps slices for (one
 * per step plus the backdrop's): a later step would have no slice. */
static void test_step_limit_matches_slices(void **st)
{
	(void)st;
	const struct ty_field *f = ty_field(&ty_scenario, "steps");
	assert_non_null(f);
	assert_int_equal(f->ty->imax + 1, TM_MAX_PHASES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes_and_nesting),
		cmocka_unit_test(test_reservoir_caps_and_counts),
		cmocka_unit_test(test_phase_slices_sum_to_total),
		cmocka_unit_test(test_unobserved_step_gets_a_slice),
		cmocka_unit_test(test_spacing_is_measured_and_reported),
		cmocka_unit_test(test_settings_cover_the_language),
		cmocka_unit_test(test_step_limit_matches_slices),
		cmocka_unit_test(test_nodemask_golden),
		cmocka_unit_test(test_settings_parse),
		cmocka_unit_test(test_telemetry_overhead_ratio),
		cmocka_unit_test(test_spawn_fork_reports),
		cmocka_unit_test(test_spawn_thread_reports),
		cmocka_unit_test(test_spawn_settings_failure_still_reports),
		cmocka_unit_test(test_spawn_applies_settings),
		cmocka_unit_test(test_spawn_phase_slices),
		cmocka_unit_test(test_stuck_worker_gets_sentinel_in_bounded_time),
		cmocka_unit_test(test_spawn_groups_pipe_io),
		cmocka_unit_test(test_spawn_placement_errors_reported),
		cmocka_unit_test(test_spawn_rejects_bad_input),
		cmocka_unit_test(test_stop_without_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
