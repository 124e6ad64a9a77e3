/* Unit tests of the HTML report (src/view) with hand-built results and
 * timelines: one cpu-row per CPU, the gap mark on the right worker row
 * only when its claim failed, the no-trace note, scheduler failure
 * lines, isolation CPUs, escaping, the compare layout, a bounded page for
 * a million slices, tolerance of bare and ill-typed results, and write
 * errors.  With KTSTR_HTML_OUT=FILE it also writes a sample page there
 * (and FILE.compare.html, FILE.notrace.html, FILE.million.html) for
 * tests/html_browser.sh and for a human to look at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "timeline.h"

#define MS 1000000ll

/* ---- building results ------------------------------------------------------------- */

static cJSON *result_new(const char *verdict, const char *reason)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "scenario", "unit_scenario");
	cJSON_AddStringToObject(r, "verdict", verdict);
	cJSON_AddStringToObject(r, "reason", reason);
	cJSON_AddStringToObject(r, "topology", "1n2l2c1t");
	cJSON_AddStringToObject(r, "scheduler", "eevdf");
	cJSON_AddStringToObject(r, "kernel", "6.12.117-test");
	cJSON_AddNumberToObject(r, "duration_ms", 3000);
	cJSON_AddArrayToObject(r, "claims");
	cJSON_AddArrayToObject(r, "cgroups");
	cJSON_AddArrayToObject(r, "records");
	return r;
}

static void add_record(cJSON *r, const char *json)
{
	cJSON *rec = cJSON_Parse(json);
	assert_non_null(rec);
	cJSON_AddItemToArray(cJSON_GetObjectItem(r, "records"), rec);
}

static void add_claim(cJSON *r, const char *name, const char *scope, const char *status)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddStringToObject(c, "scope", scope);
	cJSON_AddStringToObject(c, "expected", "<= 500");
	cJSON_AddStringToObject(c, "actual_text", "955.5 ms");
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddItemToArray(cJSON_GetObjectItem(r, "claims"), c);
}

static void add_cgroup(cJSON *r, const char *name)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "name", name);
	cJSON_AddItemToArray(cJSON_GetObjectItem(r, "cgroups"), c);
}

/* A worker started at start_ms (executor time) whose worst gap of gap_ms
 * ended gap_end_ms after it started; two step slices. */
static void add_worker(cJSON *r, const char *cg, int pid, double start_ms, double gap_ms, double gap_end_ms,
		       const char *cpus, const char *wake)
{
	char buf[2048];
	cJSON *cg_str = cJSON_CreateString(cg);
	char *cg_json = cJSON_PrintUnformatted(cg_str);
	cJSON_Delete(cg_str);
	snprintf(buf, sizeof(buf),
		 "{\"type\":\"worker\",\"cgroup\":%s,\"pid\":%d,\"tid\":%d,\"work\":\"spin_wait\",\"index\":0,"
		 "\"step\":0,\"start_at_ns\":%.0f,\"wall_ns\":2900000000,\"cpu_ns\":1400000000,"
		 "\"max_gap_ns\":%.0f,\"max_gap_at_ns\":%.0f,\"max_gap_cpu\":0,\"cpus_used\":%s,"
		 "\"wake_samples_ns\":%s,\"phases\":["
		 "{\"epoch\":1,\"cpu_ns\":700000000,\"wall_ns\":1200000000,\"cpus_used\":%s,\"max_gap_ns\":1000000},"
		 "{\"epoch\":2,\"cpu_ns\":700000000,\"wall_ns\":1550000000,\"cpus_used\":%s,\"max_gap_ns\":1000000}]}",
		 cg_json, pid, pid, start_ms * 1e6, gap_ms * 1e6, gap_end_ms * 1e6, cpus, wake, cpus, cpus);
	cJSON_free(cg_json);
	add_record(r, buf);
}

static void add_steps(cJSON *r)
{
	add_record(r, "{\"type\":\"backdrop_start\",\"step\":0,\"at_ns\":1000000}");
	add_record(r, "{\"type\":\"step_start\",\"step\":1,\"name\":\"ramp\",\"at_ns\":200000000}");
	add_record(r, "{\"type\":\"step_end\",\"step\":1,\"name\":\"ramp\",\"at_ns\":1400000000}");
	add_record(r, "{\"type\":\"step_start\",\"step\":2,\"name\":\"storm\",\"at_ns\":1450000000}");
	add_record(r, "{\"type\":\"step_end\",\"step\":2,\"name\":\"storm\",\"at_ns\":3000000000}");
	add_record(r, "{\"type\":\"end\",\"step\":0,\"at_ns\":3100000000}");
}

/* victim 60 with a 955 ms gap ending 1990 ms into the run, hog 61. */
static cJSON *gap_result(const char *status)
{
	cJSON *r = result_new(!strcmp(status, "failed") ? "fail" : "pass", "claim max_gap_ms (cgroup victim) failed");
	add_cgroup(r, "hog");
	add_cgroup(r, "victim");
	add_claim(r, "max_gap_ms", "cgroup hog", "held");
	add_claim(r, "max_gap_ms", "cgroup victim", status);
	add_steps(r);
	add_worker(r, "hog", 61, 100, 52, 999, "[0]", "[]");
	add_worker(r, "victim", 60, 100, 955, 1890, "[0]", "[12000,15000,90000,400000]");
	add_worker(r, "victim", 62, 100, 30, 500, "[1]", "[8000,20000]");
	return r;
}

/* ---- building timelines ------------------------------------------------------------ */

static struct timeline *tl_new(int ncpus)
{
	struct timeline *tl = calloc(1, sizeof(*tl));
	tl->ncpus = ncpus;
	tl->cpu = calloc((size_t)ncpus, sizeof(*tl->cpu));
	return tl;
}

static void tl_slice(struct timeline *tl, int cpu, int64_t start, int64_t end, int32_t pid)
{
	struct tl_cpu *c = &tl->cpu[cpu];
	if (c->nslice == c->cap) {
		c->cap = c->cap * 2 + 16;
		c->slice = realloc(c->slice, c->cap * sizeof(*c->slice));
	}
	c->slice[c->nslice++] = (struct tl_slice){start, end, pid};
	if (end > tl->last_ns)
		tl->last_ns = end;
}

static void tl_task(struct timeline *tl, int32_t pid, const char *comm, uint64_t wait, int64_t wait_end)
{
	tl->task = realloc(tl->task, (tl->ntask + 1) * sizeof(*tl->task));
	tl->task[tl->ntask] = (struct tl_task){.pid = pid, .max_wait_ns = wait, .max_wait_end_ns = wait_end};
	snprintf(tl->task[tl->ntask++].comm, 16, "%s", comm);
}

static void tl_free(struct timeline *tl)
{
	for (int i = 0; i < tl->ncpus; i++)
		free(tl->cpu[i].slice);
	free(tl->cpu);
	free(tl->task);
	free(tl);
}

/* Each CPU busy in 1 ms slices cycling through pids. */
static struct timeline *simple_tl(int ncpus, const int32_t *pids, int npids)
{
	struct timeline *tl = tl_new(ncpus);
	for (int c = 0; c < ncpus; c++)
		for (int64_t t = 0; t < 3000 * MS; t += MS)
			tl_slice(tl, c, t, t + MS - 1000, pids[(t / MS + c) % npids]);
	return tl;
}

/* ---- rendering ------------------------------------------------------------------ */

struct page {
	char *html;
	size_t len;
};

static struct page render(const struct html_run *runs, int n)
{
	struct page p = {0};
	FILE *f = open_memstream(&p.html, &p.len);
	assert_non_null(f);
	char err[256] = "";
	bool ok = html_write(f, runs, n, err, sizeof(err));
	fclose(f);
	if (!ok)
		fail_msg("html_write: %s", err);
	return p;
}

static struct page render1(const cJSON *r, const struct timeline *tl)
{
	struct html_run run = {r, tl, "unit.json"};
	return render(&run, 1);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The text of the row group that starts with open (up to its </g>). */
static char *group_of(const char *html, const char *open)
{
	const char *a = strstr(html, open);
	if (!a)
		return NULL;
	const char *z = strstr(a, "</g>");
	assert_non_null(z);
	return strndup(a, (size_t)(z - a));
}

/* With KTSTR_HTML_OUT=FILE: FILE + suffix, to look at in a browser. */
static void save_as(const char *suffix, const struct page *p)
{
	const char *out = getenv("KTSTR_HTML_OUT");
	char path[4096];
	if (!out)
		return;
	snprintf(path, sizeof(path), "%s%s", out, suffix);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(p->html, 1, p->len, f), p->len);
	assert_int_equal(fclose(f), 0);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_cpu_rows(void **state)
{
	(void)state;
	cJSON *r = gap_result("held");
	int32_t pids[] = {60, 61, 62, 999};
	struct timeline *tl = simple_tl(4, pids, 4);
	struct page p = render1(r, tl);
	assert_int_equal(count(p.html, "<g class=\"cpu-row\""), 4);
	assert_non_null(strstr(p.html, "data-cpu=\"3\""));
	assert_null(strstr(p.html, "data-cpu=\"4\""));
	assert_int_equal(count(p.html, "<g class=\"worker-row\""), 3);
	/* the legend names each cgroup and the tasks that are no worker */
	assert_non_null(strstr(p.html, "other tasks"));
	assert_non_null(strstr(p.html, ">victim (2 workers)<"));
	/* step boundaries with their names */
	assert_non_null(strstr(p.html, "class=\"step-line\""));
	assert_non_null(strstr(p.html, "storm"));
	assert_null(strstr(p.html, "class=\"note no-trace\""));
	free(p.html);
	tl_free(tl);
	cJSON_Delete(r);
}

static void test_gap_mark_failed(void **state)
{
	(void)state;
	cJSON *r = gap_result("failed");
	int32_t pids[] = {60, 61, 62};
	struct timeline *tl = simple_tl(2, pids, 3);
	struct page p = render1(r, tl);
	assert_int_equal(count(p.html, "class=\"gap-mark\""), 1);
	char *row = group_of(p.html, "<g class=\"worker-row\" data-pid=\"60\"");
	assert_non_null(row);
	assert_non_null(strstr(row, "class=\"gap-mark\""));
	assert_non_null(strstr(row, "955 ms gap"));
	free(row);
	row = group_of(p.html, "<g class=\"worker-row\" data-pid=\"61\"");
	assert_null(strstr(row, "class=\"gap-mark\""));
	free(row);
	/* the evidence says where it is, in executor time: 100 + 1890 - 955 */
	assert_non_null(strstr(p.html, "from 1.035 s to 1.990 s"));
	free(p.html);
	/* without a trace the mark is still drawn, from telemetry */
	p = render1(r, NULL);
	row = group_of(p.html, "<g class=\"worker-row\" data-pid=\"60\"");
	assert_non_null(row);
	assert_non_null(strstr(row, "class=\"gap-mark\""));
	free(row);
	free(p.html);
	tl_free(tl);
	cJSON_Delete(r);
}

static void test_no_gap_mark_when_held(void **state)
{
	(void)state;
	cJSON *r = gap_result("held");
	struct page p = render1(r, NULL);
	assert_null(strstr(p.html, "class=\"gap-mark\""));
	free(p.html);
	cJSON_Delete(r);
}

/* A claim on runnable waits is judged from the trace: the mark is the
 * trace's longest wait, not the telemetry gap. */
static void test_runnable_wait_from_trace(void **state)
{
	(void)state;
	cJSON *r = gap_result("held");
	add_claim(r, "max_runnable_wait_ms", "cgroup victim", "failed");
	int32_t pids[] = {61};
	struct timeline *tl = simple_tl(1, pids, 1);
	tl_task(tl, 62, "victim", 300 * MS, 800 * MS);
	tl_task(tl, 60, "victim", 952 * MS, 1894 * MS);
	struct page p = render1(r, tl);
	char *row = group_of(p.html, "<g class=\"worker-row\" data-pid=\"60\"");
	assert_non_null(strstr(row, "class=\"gap-mark\""));
	assert_non_null(strstr(row, "952 ms runnable wait"));
	free(row);
	assert_int_equal(count(p.html, "class=\"gap-mark\""), 1);
	assert_non_null(strstr(p.html, "the trace shows pid 60 (victim) runnable for 952 ms without running, from 0.942 s"));
	free(p.html);
	tl_free(tl);
	cJSON_Delete(r);
}

static void test_gap_without_start_time(void **state)
{
	(void)state;
	cJSON *r = gap_result("failed");
	const cJSON *rec;
	cJSON_ArrayForEach(rec, cJSON_GetObjectItem(r, "records"))
		cJSON_DeleteItemFromObject((cJSON *)rec, "start_at_ns");
	struct page p = render1(r, NULL);
	assert_null(strstr(p.html, "class=\"gap-mark\""));
	assert_non_null(strstr(p.html, "cannot be placed in time"));
	/* its step slices are still drawn, in the steps' windows */
	char *row = group_of(p.html, "<g class=\"worker-row\" data-pid=\"60\"");
	assert_non_null(row);
	assert_int_equal(count(row, "<rect class=\"c"), 2);
	free(row);
	free(p.html);
	cJSON_Delete(r);
}

static void test_no_trace_note(void **state)
{
	(void)state;
	cJSON *r = gap_result("held");
	struct page p = render1(r, NULL);
	assert_non_null(strstr(p.html, "class=\"note no-trace\""));
	assert_non_null(strstr(p.html, "ktstr run --trace"));
	assert_int_equal(count(p.html, "<g class=\"cpu-row\""), 0);
	/* workers are drawn from telemetry alone */
	assert_int_equal(count(p.html, "<g class=\"worker-row\""), 3);
	free(p.html);
	int32_t pids[] = {60};
	struct timeline *tl = simple_tl(1, pids, 1);
	p = render1(r, tl);
	assert_null(strstr(p.html, "class=\"note no-trace\""));
	assert_null(strstr(p.html, "ktstr run --trace</code>"));
	free(p.html);
	tl_free(tl);
	cJSON_Delete(r);
}

static void test_scheduler_ejection(void **state)
{
	(void)state;
	cJSON *r = gap_result("held");
	add_record(r, "{\"type\":\"scheduler\",\"event\":\"started\",\"name\":\"qmap\",\"at_ns\":18000000}");
	struct page p = render1(r, NULL);
	assert_null(strstr(p.html, "class=\"sched-event\""));
	assert_non_null(strstr(p.html, "class=\"sched-note\""));
	free(p.html);
	add_record(r, "{\"type\":\"scheduler\",\"event\":\"ejected\",\"name\":\"qmap\",\"at_ns\":2514383636}");
	p = render1(r, NULL);
	assert_int_equal(count(p.html, "class=\"sched-event\""), 1);
	assert_non_null(strstr(p.html, "scheduler qmap ejected at 2.514 s"));
	free(p.html);
	cJSON_Delete(r);
}

static void test_isolation_cpus(void **state)
{
	(void)state;
	cJSON *r = gap_result("held");
	add_record(r, "{\"type\":\"cpuset\",\"cgroup\":\"victim\",\"cpus\":\"0-1\",\"effective\":\"0-1\",\"step\":0}");
	add_worker(r, "victim", 64, 100, 1, 1, "[0,3]", "[]");
	add_claim(r, "isolation", "cgroup victim", "failed");
	int32_t pids[] = {60, 64};
	struct timeline *tl = simple_tl(4, pids, 2);
	struct page p = render1(r, tl);
	char *row = group_of(p.html, "<g class=\"cpu-row\" data-cpu=\"3\"");
	assert_non_null(strstr(row, "class=\"iso-cpu\""));
	free(row);
	row = group_of(p.html, "<g class=\"cpu-row\" data-cpu=\"0\"");
	assert_null(strstr(row, "class=\"iso-cpu\""));
	free(row);
	assert_non_null(strstr(p.html, "pid 64 ran on CPU 3, outside its cpuset 0-1"));
	free(p.html);
	tl_free(tl);
	cJSON_Delete(r);
}

static void test_escaping(void **state)
{
	(void)state;
	cJSON *r = result_new("fail", "reason with \"quotes\" & 'apostrophes' <script>");
	add_cgroup(r, "<b>&");
	add_worker(r, "<b>&", 70, 0, 10, 20, "[0]", "[1000,2000]");
	add_claim(r, "not_starved", "cgroup <b>&", "failed");
	int32_t pids[] = {70};
	struct timeline *tl = simple_tl(1, pids, 1);
	struct page p = render1(r, tl);
	assert_null(strstr(p.html, "<b>&"));
	assert_null(strstr(p.html, "<script>"));
	assert_non_null(strstr(p.html, "&lt;b&gt;&amp;"));
	assert_non_null(strstr(p.html, "data-cgroup=\"&lt;b&gt;&amp;\""));
	assert_non_null(strstr(p.html, "&quot;quotes&quot; &amp; &#39;apostrophes&#39; &lt;script&gt;"));
	free(p.html);
	tl_free(tl);
	cJSON_Delete(r);
}

static void test_compare_columns(void **state)
{
	(void)state;
	cJSON *a = gap_result("failed"), *b = gap_result("held");
	int32_t pids[] = {60, 61};
	struct timeline *tl = simple_tl(2, pids, 2);
	struct html_run runs[2] = {{a, tl, "A"}, {b, NULL, "B"}};
	struct page p = render(runs, 2);
	assert_non_null(strstr(p.html, "class=\"compare\""));
	assert_non_null(strstr(p.html, "grid-template-columns:minmax(0,1fr) minmax(0,1fr)"));
	assert_int_equal(count(p.html, "<h2 class=\"run-label\">"), 2);
	assert_non_null(strstr(p.html, "<h2 class=\"run-label\">A</h2>"));
	assert_non_null(strstr(p.html, "<h2 class=\"run-label\">B</h2>"));
	size_t ca = count(p.html, "class=\"cell run-a\""), cb = count(p.html, "class=\"cell run-b\"");
	assert_true(ca >= 5);
	assert_int_equal(ca, cb);
	/* A is traced, B is not: A's CPU rows, B's note */
	assert_int_equal(count(p.html, "<g class=\"cpu-row\""), 2);
	assert_int_equal(count(p.html, "class=\"note no-trace\""), 1);
	assert_int_equal(count(p.html, "class=\"gap-mark\""), 1);
	free(p.html);
	tl_free(tl);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

/* 8 CPUs, 10 s, a million 10-110 us slices of random tasks: the worst
 * case for merging, since neighbouring pixels rarely agree. */
static void test_million_slices_bounded(void **state)
{
	(void)state;
	cJSON *r = result_new("pass", "every claim held");
	const char *cgs[] = {"a", "b", "c"};
	for (int i = 0; i < 6; i++)
		add_worker(r, cgs[i % 3], 100 + i, 0, 1, 1, "[0]", "[]");
	struct timeline *tl = tl_new(8);
	uint64_t seed = 1;
	size_t total = 0;
	for (int c = 0; c < 8; c++) {
		int64_t t = 0;
		for (int k = 0; k < 125000; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			int64_t len = 10000 + (int64_t)(seed >> 33) % 100000, idle = (int64_t)(seed >> 20) % 40000;
			tl_slice(tl, c, t, t + len, (int32_t)(100 + (seed >> 40) % 6));
			t += len + idle;
			total++;
		}
	}
	assert_int_equal(total, 1000000);
	struct page p = render1(r, tl);
	assert_int_equal(count(p.html, "<g class=\"cpu-row\""), 8);
	/* ten windows of a second repeat the rows under their own names */
	assert_int_equal(count(p.html, "<g class=\"zcpu\""), 80);
	/* rows merge per pixel: rects do not grow with slices, and the page
	 * stays small (most of it is path data bounded by pixels) */
	size_t rects = count(p.html, "<rect"), paths = count(p.html, "<path");
	print_message("1e6 slices: %zu bytes, %zu rects, %zu paths, %zu windows\n", p.len, rects, paths,
		      count(p.html, "<g class=\"zcpu\" data-cpu=\"0\""));
	save_as(".million.html", &p);
	assert_true(rects < 3000);
	assert_true(paths < 4000);
	assert_true(p.len < 2 * 1024 * 1024);
	free(p.html);
	tl_free(tl);
	cJSON_Delete(r);
}

static void test_missing_and_illtyped_fields(void **state)
{
	(void)state;
	const char *docs[] = {
		"{}",
		"[]",
		"{\"records\":5,\"claims\":\"x\",\"cgroups\":{},\"verdict\":3}",
		"{\"records\":[1,\"x\",{},{\"type\":5},{\"type\":\"worker\"},{\"type\":\"worker\",\"pid\":\"7\","
		"\"phases\":[1,{\"epoch\":\"x\"}],\"wake_samples_ns\":[\"a\",-1,1e300],\"cpus_used\":[\"x\",1e9]},"
		"{\"type\":\"step_start\",\"step\":1e300},{\"type\":\"scheduler\",\"event\":\"ejected\"},"
		"{\"type\":\"cpuset\",\"cgroup\":\"\",\"effective\":\"9-2,x\"}],"
		"\"claims\":[{},{\"status\":\"failed\",\"name\":\"isolation\",\"scope\":\"cgroup \"},"
		"{\"status\":\"failed\",\"name\":\"max_gap_ms\",\"scope\":\"step 99999999999\"}],"
		"\"monitor\":{\"available\":true,\"summary\":[]},\"trace\":\"x\",\"timestamp\":1e300,"
		"\"duration_ms\":-5,\"topology\":\"99999999999n\"}",
		/* times that would overflow a difference */
		"{\"records\":[{\"type\":\"end\",\"at_ns\":9e18},{\"type\":\"backdrop_start\",\"at_ns\":-9e18},"
		"{\"type\":\"worker\",\"cgroup\":\"a\",\"pid\":1e12,\"start_at_ns\":9e18,\"wall_ns\":9e18,"
		"\"max_gap_ns\":9e18,\"max_gap_at_ns\":-9e18,\"phases\":[{\"epoch\":0,\"cpu_ns\":1e300,\"wall_ns\":-1}]},"
		"{\"type\":\"step_start\",\"step\":1,\"at_ns\":1e15},{\"type\":\"step_end\",\"step\":1,\"at_ns\":-1e15},"
		"{\"type\":\"scheduler\",\"event\":\"exited\",\"at_ns\":-1e15}],"
		"\"claims\":[{\"status\":\"failed\",\"name\":\"max_gap_ms\",\"scope\":\"cgroup a\"}]}",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		cJSON *r = cJSON_Parse(docs[i]);
		assert_non_null(r);
		struct page p = render1(r, NULL);
		assert_non_null(strstr(p.html, "</html>"));
		free(p.html);
		struct timeline *empty = tl_new(0);
		p = render1(r, empty);
		assert_non_null(strstr(p.html, "</html>"));
		free(p.html);
		tl_free(empty);
		cJSON_Delete(r);
	}
	struct page p = render1(NULL, NULL);
	assert_non_null(strstr(p.html, "</html>"));
	free(p.html);
}

static void test_write_error(void **state)
{
	(void)state;
	cJSON *r = gap_result("failed");
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	struct html_run run = {r, NULL, "x"};
	char err[256] = "";
	assert_false(html_write(f, &run, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "writing the HTML page"));
	fclose(f);
	assert_false(html_write(stdout, &run, 3, err, sizeof(err)));
	cJSON_Delete(r);
}

/* ---- a sample page to look at ------------------------------------------------------- */

static uint64_t rng = 42;
static int64_t rnd(int64_t lo, int64_t hi)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return lo + (int64_t)((rng >> 33) % (uint64_t)(hi - lo));
}

/* Who runs on cpu at t in the sample: hogs hold CPUs 0-1, victim 60
 * starves from 1.035 s to 1.990 s, 62 strays onto CPU 3, batch on 2-3. */
static int32_t sample_pid(int cpu, int64_t t)
{
	int64_t r = rnd(0, 100);
	switch (cpu) {
	case 0: return t > 1035 * MS && t < 1990 * MS ? (r < 95 ? 61 : 900) : r < 55 ? 61 : r < 90 ? 60 : 900;
	case 1: return r < 50 ? 63 : r < 92 ? 62 : 901;
	case 2: return r < 60 ? 70 : r < 70 ? 902 : 0;
	default: return t > 2000 * MS && t < 2200 * MS && r < 50 ? 62 : r < 50 ? 71 : r < 60 ? 903 : 0;
	}
}

static struct timeline *sample_tl(void)
{
	struct timeline *tl = tl_new(4);
	for (int c = 0; c < 4; c++)
		for (int64_t t = 0; t < 3100 * MS;) {
			int64_t len = rnd(200000, 4 * MS);
			int32_t pid = sample_pid(c, t);
			if (pid)
				tl_slice(tl, c, t, t + len, pid);
			t += len + (pid ? rnd(0, 100000) : rnd(MS, 5 * MS));
		}
	tl_task(tl, 60, "victim", 955 * MS, 1990 * MS);
	return tl;
}

static cJSON *sample_result(void)
{
	cJSON *r = gap_result("failed");
	cJSON_ReplaceItemInObject(r, "scenario", cJSON_CreateString("rt_starves_normal"));
	cJSON_ReplaceItemInObject(r, "scheduler", cJSON_CreateString("qmap"));
	cJSON_ReplaceItemInObject(r, "reason", cJSON_CreateString(
		"claim max_gap_ms (cgroup victim) failed: expected <= 500, actual 955.544 ms (max_gap_ms = 955.544)"));
	add_cgroup(r, "batch");
	add_worker(r, "hog", 63, 100, 40, 700, "[1]", "[]");
	add_worker(r, "batch", 70, 100, 20, 300, "[2]", "[5000,7000,9000,11000,15000,22000,40000,80000,300000,2000000]");
	add_worker(r, "batch", 71, 100, 25, 800, "[3]", "[6000,8000,12000,30000,60000,90000,150000]");
	add_record(r, "{\"type\":\"cpuset\",\"cgroup\":\"victim\",\"cpus\":\"0-1\",\"effective\":\"0-1\",\"step\":0}");
	add_claim(r, "isolation", "cgroup victim", "failed");
	add_claim(r, "not_starved", "cgroup batch", "held");
	add_record(r, "{\"type\":\"scheduler\",\"event\":\"started\",\"name\":\"qmap\",\"at_ns\":18000000}");
	add_record(r, "{\"type\":\"scheduler\",\"event\":\"attached\",\"name\":\"qmap\",\"at_ns\":150000000}");
	add_record(r, "{\"type\":\"scheduler\",\"event\":\"ejected\",\"name\":\"qmap\",\"at_ns\":2614383636}");
	/* 62 strayed onto CPU 3 in step 2 */
	const cJSON *rec;
	cJSON_ArrayForEach(rec, cJSON_GetObjectItem(r, "records"))
		if (cJSON_GetObjectItem(rec, "pid") && cJSON_GetObjectItem(rec, "pid")->valueint == 62) {
			cJSON_ReplaceItemInObject((cJSON *)rec, "cpus_used", cJSON_Parse("[1,3]"));
			cJSON *ph = cJSON_GetArrayItem(cJSON_GetObjectItem(rec, "phases"), 1);
			cJSON_ReplaceItemInObject(ph, "cpus_used", cJSON_Parse("[1,3]"));
		}
	cJSON *trace = cJSON_AddObjectToObject(r, "trace");
	cJSON_AddBoolToObject(trace, "available", true);
	cJSON_AddStringToObject(trace, "file", "rt_starves_normal.trace.dat");
	cJSON_AddNumberToObject(trace, "lost_events", 0);
	return r;
}

static void write_file(const char *path, const struct html_run *runs, int n)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	char err[256];
	assert_true(html_write(f, runs, n, err, sizeof(err)));
	assert_int_equal(fclose(f), 0);
}

static void test_sample_page(void **state)
{
	(void)state;
	const char *out = getenv("KTSTR_HTML_OUT");
	cJSON *a = sample_result(), *b = gap_result("held");
	struct timeline *tl = sample_tl();
	struct html_run runs[2] = {{a, tl, "A: rt_starves_normal-qmap.json"}, {b, NULL, "B: rt_starves_normal-eevdf.json"}};
	struct page p = render(runs, 1);
	assert_int_equal(count(p.html, "<g class=\"cpu-row\""), 4);
	assert_int_equal(count(p.html, "class=\"gap-mark\""), 1);
	assert_int_equal(count(p.html, "class=\"iso-cpu\""), 1);
	assert_int_equal(count(p.html, "class=\"sched-event\""), 1);
	free(p.html);
	if (out) {
		char path[4096];
		write_file(out, runs, 1);
		snprintf(path, sizeof(path), "%s.compare.html", out);
		write_file(path, runs, 2);
		snprintf(path, sizeof(path), "%s.notrace.html", out);
		runs[0].tl = NULL;
		write_file(path, runs, 1);
	}
	tl_free(tl);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_rows),
		cmocka_unit_test(test_gap_mark_failed),
		cmocka_unit_test(test_no_gap_mark_when_held),
		cmocka_unit_test(test_runnable_wait_from_trace),
		cmocka_unit_test(test_gap_without_start_time),
		cmocka_unit_test(test_no_trace_note),
		cmocka_unit_test(test_scheduler_ejection),
		cmocka_unit_test(test_isolation_cpus),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_compare_columns),
		cmocka_unit_test(test_million_slices_bounded),
		cmocka_unit_test(test_missing_and_illtyped_fields),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_sample_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
