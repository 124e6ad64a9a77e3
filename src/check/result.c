/* result: builds, re-checks and saves run results: the verdict from the
 * run, the claims and the findings (the text report and JUnit are
 * resulttext.c). */
#include "result.h"
#include "payloadview.h"
#include "checker.h"
#include "report.h"
#include "vocab.h"
#include "findings.h"
#include "proc.h"
#include "run.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const verdict_names[] = {"pass", "fail", "skip", "error"};

const char *verdict_name(enum verdict v)
{
	return verdict_names[v];
}

int verdict_exit(enum verdict v)
{
	return v == V_FAIL ? 1 : v == V_ERROR ? 3 : 0;
}

enum verdict result_verdict(const cJSON *r)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "verdict"));
	for (int i = 0; v && i < 4; i++)
		if (!strcmp(v, verdict_names[i]))
			return (enum verdict)i;
	return V_ERROR;
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (isnan(v) || isinf(v))
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, v);
}

static void add_claims(cJSON *r, const struct check_output *co)
{
	cJSON *arr = cJSON_AddArrayToObject(r, "claims");
	for (size_t i = 0; i < co->n; i++) {
		const struct claim_result *c = &co->claims[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "scope", c->scope);
		cJSON_AddStringToObject(o, "expected", c->expected);
		add_num(o, "actual", c->actual);
		cJSON_AddStringToObject(o, "actual_text", c->actual_text);
		cJSON_AddBoolToObject(o, "passed", c->status == CS_HELD);
		cJSON_AddStringToObject(o, "status", claim_status_name(c->status));
		if (c->detail[0])
			cJSON_AddStringToObject(o, "detail", c->detail);
		cJSON_AddItemToArray(arr, o);
	}
}

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Summaries of each worker, and the summary metrics (the catalogue's
 * rows with a column) per cgroup: the report's table. */
static void add_workers(cJSON *r, const cJSON *records)
{
	cJSON *arr = cJSON_AddArrayToObject(r, "workers");
	cJSON *cgs = cJSON_AddArrayToObject(r, "cgroups");
	const cJSON *rec;
	const char **names = NULL;
	struct wview *v = NULL;
	size_t nn = 0, nw = 0;
	cJSON_ArrayForEach(rec, records) {
		if (rec_kind_of(jstr(rec, RK(TYPE))) != RT_WORKER)
			continue;
		const char *cg = jstr(rec, RK(CGROUP)) ? jstr(rec, RK(CGROUP)) : "";
		struct wview w = {rec, NULL, cg};
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "cgroup", cg);
		add_num(o, "pid", rep_id_num(&w, RK_PID));
		cJSON_AddStringToObject(o, "work", rep_id_str(&w, RK_WORK) ? rep_id_str(&w, RK_WORK) : "");
		add_num(o, "work_units", rep_num(&w, RK_WORK_UNITS));
		add_num(o, "iterations", rep_num(&w, RK_ITERATIONS));
		cJSON *cpus = cJSON_Duplicate(rep_item(&w, RK_CPUS_USED), 1);
		cJSON_AddItemToObject(o, "cpus", cpus ? cpus : cJSON_CreateArray());
		add_num(o, "max_gap_ms", rep_num(&w, RK_MAX_GAP_NS) / 1e6);
		add_num(o, "migrations", rep_num(&w, RK_MIGRATION_COUNT));
		cJSON_AddBoolToObject(o, "sentinel", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, RK(SENTINEL))));
		cJSON_AddItemToArray(arr, o);
		v = xrealloc(v, (nw + 1) * sizeof(*v));
		v[nw++] = w;
		bool seen = false;
		for (size_t i = 0; i < nn && !seen; i++)
			seen = !strcmp(names[i], cg);
		if (!seen) {
			names = xrealloc(names, (nn + 1) * sizeof(*names));
			names[nn++] = cg;
		}
	}
	struct wview *in = xcalloc(nw ? nw : 1, sizeof(*in));
	for (size_t g = 0; g < nn; g++) {
		size_t n = 0;
		for (size_t i = 0; i < nw; i++)
			if (!strcmp(v[i].cgroup, names[g]))
				in[n++] = v[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", names[g]);
		for (const struct ty_alt *a = ty_metric.alts; a->name; a++) {
			const struct metric_info *mi = a->ext;
			double x;
			if (!mi->column)
				continue;
			metric_compute(a->name, in, n, &x);
			add_num(o, a->name, x);
		}
		cJSON_AddItemToArray(cgs, o);
	}
	free(in);
	free(v);
	free(names);
}

static bool expected_finding(const struct kb_program *p, const char *name)
{
	const struct kb_insn *in = &p->insn[0];
	for (uint32_t k = 0; p->ninsn && k < in->nops; k++) {
		const struct kb_operand *o = &p->opnd[in->first + k];
		if (o->type == KB_STR && !strcmp(p->str[o->key], "expect_finding") && !strcmp(p->str[o->s], name))
			return true;
	}
	return false;
}

static void add_findings(cJSON *r, const char *console, const struct kb_program *p)
{
	struct finding f[16];
	size_t n = findings_scan(console, f, 16);
	cJSON *arr = cJSON_AddArrayToObject(r, "findings");
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", f[i].name);
		cJSON_AddStringToObject(o, "line", f[i].line);
		if (expected_finding(p, f[i].name))
			cJSON_AddTrueToObject(o, "expected");
		cJSON_AddItemToArray(arr, o);
	}
}

static void last_line(const char *text, char *out, size_t n)
{
	out[0] = 0;
	if (!text)
		return;
	size_t len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	size_t start = len;
	while (start && text[start - 1] != '\n')
		start--;
	snprintf(out, n, "%.*s", (int)(len - start), text + start);
}

/* A scheduler failure stated the way a developer can act on it, or false. */
static bool scheduler_failure(const cJSON *records, char *out, size_t n)
{
	const cJSON *rec;
	cJSON_ArrayForEach(rec, records) {
		const char *t = jstr(rec, "type"), *ev = jstr(rec, "event");
		if (!t || strcmp(t, "scheduler") || !ev)
			continue;
		double at = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, "at_ns")) / 1e9;
		const char *kern = jstr(rec, "kernel"), *name = jstr(rec, "name");
		char out_line[200];
		last_line(jstr(rec, "output_tail"), out_line, sizeof(out_line));
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(rec, "status");
		if (!strcmp(ev, "exited")) {
			snprintf(out, n, "scheduler exited at %.1fs (status %d)%s%s%s%s", at,
				 cJSON_IsNumber(st) ? st->valueint : -1, kern && *kern ? "; kernel: " : "",
				 kern ? kern : "", *out_line ? "; its last output: " : "", out_line);
		} else if (!strcmp(ev, "ejected")) {
			snprintf(out, n, "scheduler %s ejected by the kernel at %.1fs%s%s%s%s", name ? name : "",
				 at, kern && *kern ? ": " : "", kern ? kern : "",
				 *out_line ? "; its last output: " : "", out_line);
		} else if (!strcmp(ev, "attach_timeout")) {
			snprintf(out, n, "scheduler %s did not attach within its attach timeout (sched_ext state '%s'); "
				 "allow more with --attach-timeout (or attach_timeout: in its definition)%s%s",
				 name ? name : "", jstr(rec, "state") ? jstr(rec, "state") : "",
				 *out_line ? "; its last output: " : "", out_line);
		} else if (!strcmp(ev, "detach_failed") || !strcmp(ev, "stop_timeout")) {
			snprintf(out, n, "scheduler %s did not stop cleanly (%s)", name ? name : "", ev);
		} else {
			continue;
		}
		return true;
	}
	return false;
}

/* What the host monitor saw of a scheduler failure, for the first line:
 * the task that waited longest and its CPU. */
static bool monitor_saw(const cJSON *r, char *out, size_t n)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "monitor"), "summary");
	double wait = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "max_scx_wait_ms"));
	if (!s || !(wait >= 1000))
		return false;
	snprintf(out, n, "CPU %.0f: %s[%.0f] runnable for %.1f s without running; ",
		 cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "wait_cpu")),
		 jstr(s, "wait_comm") ? jstr(s, "wait_comm") : "?",
		 cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(s, "wait_pid")), wait / 1e3);
	return true;
}

/* The verdict from run status, findings and claims, with one reason. */
static void decide(cJSON *r)
{
	enum verdict v = V_PASS;
	char reason[600] = "every claim held";
	const char *run_error = jstr(r, "run_error");
	const cJSON *findings = cJSON_GetObjectItemCaseSensitive(r, "findings");
	const cJSON *claims = cJSON_GetObjectItemCaseSensitive(r, "claims"), *c;
	bool started = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "started"));
	size_t failed = 0;
	cJSON_ArrayForEach(c, claims)
		failed += claim_status_of(c) == CS_FAILED;
	const cJSON *unexpected = NULL;
	cJSON_ArrayForEach(c, findings)
		if (!unexpected && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "expected")))
			unexpected = c;
	char sched[600];
	const char *skip = jstr(r, "skip_reason");
	if (skip) {
		v = V_SKIP;
		snprintf(reason, sizeof(reason), "%s", skip);
	} else if (scheduler_failure(cJSON_GetObjectItemCaseSensitive(r, "records"), sched, sizeof(sched))) {
		v = V_FAIL;
		char seen[200] = "";
		monitor_saw(r, seen, sizeof(seen));
		size_t l = strlen(seen);
		memcpy(reason, seen, l + 1);
		snprintf(reason + l, sizeof(reason) - l, "%s", sched);
	} else if (unexpected) {
		v = V_FAIL;
		snprintf(reason, sizeof(reason), "kernel console: %s: %s", jstr(unexpected, "name"), jstr(unexpected, "line"));
	} else if (run_error && !started) {
		v = V_ERROR;
		snprintf(reason, sizeof(reason), "%s", run_error);
	} else if (run_error) {
		/* The scenario started and the guest then died or hung. */
		v = V_FAIL;
		snprintf(reason, sizeof(reason), "%s", run_error);
	} else if (failed) {
		v = V_FAIL;
		cJSON_ArrayForEach(c, claims) {
			if (claim_status_of(c) != CS_FAILED)
				continue;
			const char *d = jstr(c, "detail");
			snprintf(reason, sizeof(reason), "claim %s (%s) failed: expected %s, actual %s%s%s%s",
				 jstr(c, "name"), jstr(c, "scope"), jstr(c, "expected"), jstr(c, "actual_text"),
				 d ? " (" : "", d ? d : "", d ? ")" : "");
			break;
		}
		if (failed > 1) {
			size_t l = strlen(reason);
			snprintf(reason + l, sizeof(reason) - l, "; %zu claims failed in all", failed);
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(r, "verdict");
	cJSON_DeleteItemFromObjectCaseSensitive(r, "reason");
	cJSON_AddStringToObject(r, "verdict", verdict_names[v]);
	cJSON_AddStringToObject(r, "reason", reason);
}

/* The scenario's watchdog (or --watchdog) is written into the guest
 * kernel by the host monitor alone: whether it was, and if not why, so a
 * run whose scheduler kept its own timeout says so. */
static void add_watchdog(cJSON *r, const struct kb_program *p, const struct run_output *run)
{
	if (!p->watchdog_ns || run->skip)
		return;
	cJSON *w = cJSON_AddObjectToObject(r, "watchdog");
	cJSON_AddNumberToObject(w, "requested_ms", (double)(p->watchdog_ns / 1000000));
	const cJSON *mon = run->vm.monitor, *mw = cJSON_GetObjectItemCaseSensitive(mon, "watchdog");
	bool applied = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mw, "applied"));
	char why[600];
	if (!mon)
		snprintf(why, sizeof(why), "%s", run->monitor_off && *run->monitor_off ? run->monitor_off
						 : "no host monitor ran");
	else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mon, "available")))
		snprintf(why, sizeof(why), "the host monitor is unavailable (%s)", jstr(mon, "reason") ? jstr(mon, "reason") : "?");
	else if (jstr(mw, "error"))
		snprintf(why, sizeof(why), "%s", jstr(mw, "error"));
	else
		snprintf(why, sizeof(why), "no sched_ext scheduler was enabled");
	cJSON_AddBoolToObject(w, "applied", applied);
	if (applied)
		cJSON_AddBoolToObject(w, "verified", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mw, "verified")));
	else
		cJSON_AddStringToObject(w, "reason", why);
}

static bool any_first_op(const cJSON *records)
{
	const cJSON *rec;
	cJSON_ArrayForEach(rec, records) {
		const char *t = jstr(rec, "type");
		if (t && !strcmp(t, "first_op"))
			return true;
	}
	return false;
}

cJSON *result_build(const struct kb_program *p, const struct result_meta *m,
		    const struct run_output *run)
{
	cJSON *r = cJSON_CreateObject();
	char topo[64];
	topo_format(&p->topo, topo, sizeof(topo));
	cJSON_AddStringToObject(r, "ktstr_version", PACKAGE_VERSION);
	cJSON_AddStringToObject(r, "scenario", m->scenario ? m->scenario : "");
	cJSON_AddStringToObject(r, "source", m->source ? m->source : "");
	cJSON_AddStringToObject(r, "topology", topo);
	cJSON_AddStringToObject(r, "scheduler", m->scheduler ? m->scheduler : "eevdf");
	cJSON_AddStringToObject(r, "kernel", run->kernel);
	cJSON_AddStringToObject(r, "accelerator", run->vm.accel_used ? run->vm.accel_used : "");
	cJSON_AddNumberToObject(r, "timestamp", (double)time(NULL));
	cJSON_AddNumberToObject(r, "duration_ms", (double)p->duration_ns / 1e6);
	add_num(r, "boot_ms", run->vm.boot_ms);
	add_num(r, "first_op_ms", run->first_op_ms);
	add_num(r, "wall_ms", run->vm.wall_ms);
	cJSON_AddStringToObject(r, "vm_outcome", vm_outcome_name(run->vm.outcome));
	cJSON_AddBoolToObject(r, "started", any_first_op(run->records));
	if (run->skip)
		cJSON_AddStringToObject(r, "skip_reason", run->reason);
	else if (!run->ok)
		cJSON_AddStringToObject(r, "run_error", run->reason);
	if (run->skip) {	/* nothing ran: no claim is judged, held or failed */
		cJSON_AddArrayToObject(r, "claims");
	} else {
		struct check_output co;
		payload_extract_all(p, run->records);
		check_run(p, run->records, &co);
		add_claims(r, &co);
		check_output_free(&co);
	}
	payload_summaries(r, p, run->records);
	add_findings(r, run->vm.console, p);
	add_workers(r, run->records);
	cJSON_AddItemToObject(r, "records", cJSON_Duplicate(run->records, 1));
	if (run->vm.monitor)
		cJSON_AddItemToObject(r, "monitor", cJSON_Duplicate(run->vm.monitor, 1));
	add_watchdog(r, p, run);
	const cJSON *rec;
	cJSON_ArrayForEach(rec, (const cJSON *)run->records)
		if (rec_kind_of(jstr(rec, "type")) == RT_TRACE)
			cJSON_AddItemToObject(r, "trace", cJSON_Duplicate(rec, 1));
	cJSON_AddStringToObject(r, "console_tail", run->vm.console_tail ? run->vm.console_tail : "");
	decide(r);
	return r;
}

void result_recheck(cJSON *r, const struct kb_program *p)
{
	struct check_output co;
	payload_extract_all(p, cJSON_GetObjectItemCaseSensitive(r, "records"));
	payload_summaries(r, p, cJSON_GetObjectItemCaseSensitive(r, "records"));
	check_run(p, cJSON_GetObjectItemCaseSensitive(r, "records"), &co);
	cJSON_DeleteItemFromObjectCaseSensitive(r, "claims");
	add_claims(r, &co);
	check_output_free(&co);
	decide(r);
}

const char *runs_dir(void)
{
	const char *d = getenv("KTSTR_RUNS");
	return d && *d ? d : "ktstr-runs";
}

void result_stem(const char *scenario, const char *dir, char *out, size_t n)
{
	mkdir(dir, 0755);
	char stamp[32];
	time_t t = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
	snprintf(out, n, "%s/%s-%s-%d", dir, scenario, stamp, getpid());
}

bool result_write(const cJSON *r, const char *path)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	char *text = cJSON_Print(r);
	FILE *f = fopen(tmp, "w");
	bool ok = f && fputs(text, f) >= 0;
	ok = f && !fclose(f) && ok && !rename(tmp, path);
	cJSON_free(text);
	if (!ok)
		unlink(tmp);
	return ok;
}
