/* resulttext: a result as people and CI read it — the text report
 * (verdict and reason first, then the host monitor, the trace, the
 * scheduler, payloads, per-cgroup figures, claims and findings) and
 * JUnit XML (a suite per result, a case per claim and per subtest). */
#include "result.h"
#include "payloadview.h"
#include "checker.h"
#include "report.h"
#include "vocab.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <string.h>

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void fmt_num(char *out, size_t n, const cJSON *v)
{
	if (cJSON_IsNumber(v))
		snprintf(out, n, "%.4g", v->valuedouble);
	else
		snprintf(out, n, "-");
}

/* The scheduler's lifecycle and its BPF callbacks, from the records. */
static void print_scheduler(const cJSON *r, FILE *out)
{
	const cJSON *rec;
	bool any = false;
	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(r, "records")) {
		const char *t = jstr(rec, "type");
		if (t && !strcmp(t, "scheduler")) {
			if (!any)
				fprintf(out, "  scheduler %s:", jstr(rec, "name"));
			any = true;
			const char *ops = jstr(rec, "ops");
			fprintf(out, " %s at %.1fs%s%s%s;", jstr(rec, "event"),
				cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, "at_ns")) / 1e9,
				ops && *ops ? " (ops " : "", ops && *ops ? ops : "", ops && *ops ? ")" : "");
		}
	}
	if (any)
		fputc('\n', out);
	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(r, "records")) {
		const char *t = jstr(rec, "type");
		if (!t || strcmp(t, "bpf_stats"))
			continue;
		const cJSON *p;
		fprintf(out, "  %-24s %10s %12s %8s %8s\n", "BPF callback", "runs", "time_ms", "avg_ns", "insns");
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(rec, "programs")) {
			double runs = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "run_cnt"));
			double ns = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "run_time_ns"));
			fprintf(out, "  %-24s %10.0f %12.2f %8.0f %8.0f\n", jstr(p, "name"), runs, ns / 1e6,
				runs > 0 ? ns / runs : 0,
				cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(p, "verified_insns")));
		}
	}
}


/* What every CPU was doing in the last sample before sched_ext left the
 * enabled state, the CPU whose task waited longest first. */
static void print_dump(const cJSON *m, FILE *out)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(m, "dump");
	const cJSON *before = cJSON_GetObjectItemCaseSensitive(d, "before");
	const cJSON *last = cJSON_GetArrayItem(before, cJSON_GetArraySize(before) - 1), *cpu;
	if (!last)
		return;
	double first = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(m, "summary"), "wait_cpu"));
	fprintf(out, "  monitor: sched_ext %s at %.2f s; each CPU %.0f ms before:\n", jstr(d, "event"),
		cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(d, "at_ms")) / 1e3,
		cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(d, "at_ms")) -
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last, "t_ms")));
	for (int pass = 0; pass < 2; pass++)
		cJSON_ArrayForEach(cpu, cJSON_GetObjectItemCaseSensitive(last, "cpus")) {
			double c = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cpu, "cpu"));
			if ((c == first) != (pass == 0))
				continue;
			fprintf(out, "    cpu%.0f: nr_running %.0f, running %s[%.0f], local DSQ %.0f", c,
				cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cpu, "nr_running")),
				jstr(cpu, "curr_comm") ? jstr(cpu, "curr_comm") : "?",
				cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cpu, "curr_pid")),
				cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cpu, "local_dsq")));
			if (cJSON_GetObjectItemCaseSensitive(cpu, "scx_wait_ms"))
				fprintf(out, ", waiting longest %s[%.0f] %.0f ms", jstr(cpu, "scx_wait_comm"),
					cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cpu, "scx_wait_pid")),
					cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cpu, "scx_wait_ms")));
			fputc('\n', out);
		}
}

/* The host monitor in a few lines: what it saw per CPU, or why not. */
static void print_monitor(const cJSON *r, FILE *out)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "monitor");
	if (!m)
		return;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "available"))) {
		fprintf(out, "  monitor: unavailable (%s)\n", jstr(m, "reason") ? jstr(m, "reason") : "?");
		return;
	}
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(m, "summary");
	double n = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "samples"));
	double period = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "period_ms"));
	fprintf(out, "  monitor: %.0f samples every %.0f ms; longest CPU stall %.0f ms (cpu %.0f); runqueue imbalance held %.0f",
		n, period, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "max_cpu_stall_ms")),
		cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "stall_cpu")),
		cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "max_runqueue_imbalance")));
	if (cJSON_GetObjectItemCaseSensitive(sum, "max_local_dsq_depth"))
		fprintf(out, "; max local DSQ %.0f, global DSQ %.0f",
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "max_local_dsq_depth")),
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "max_global_dsq_depth")));
	fputc('\n', out);
	double wait = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "max_scx_wait_ms"));
	if (wait > 0)
		fprintf(out, "  monitor: longest sched_ext runnable wait %.0f ms: %s[%.0f] on CPU %.0f at %.1f s\n", wait,
			jstr(sum, "wait_comm") ? jstr(sum, "wait_comm") : "?",
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "wait_pid")),
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "wait_cpu")),
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "wait_at_ms")) / 1e3);
	const cJSON *sw = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "series"), "nr_switches");
	const cJSON *cpu;
	int c = 0;
	fprintf(out, "  monitor: context switches per CPU:");
	cJSON_ArrayForEach(cpu, sw) {
		const cJSON *first = cJSON_GetArrayItem(cpu, 0), *last = cJSON_GetArrayItem(cpu, cJSON_GetArraySize(cpu) - 1);
		fprintf(out, " cpu%d %.0f", c++, last && first ? last->valuedouble - first->valuedouble : 0);
	}
	fputc('\n', out);
	print_dump(m, out);
	const cJSON *wd = cJSON_GetObjectItemCaseSensitive(m, "watchdog");
	if (wd && !cJSON_GetObjectItemCaseSensitive(r, "watchdog"))	/* a result from before print_watchdog */
		fprintf(out, "  monitor: sched_ext watchdog %.0f ms %s\n",
			cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(wd, "requested_ms")),
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(wd, "verified")) ? "applied and read back"
			: jstr(wd, "error") ? jstr(wd, "error") : "not applied (no scheduler was enabled)");
}

/* The watchdog asked for: applied, or not and why (off with the monitor). */
static void print_watchdog(const cJSON *r, FILE *out)
{
	const cJSON *wd = cJSON_GetObjectItemCaseSensitive(r, "watchdog");
	if (!wd)
		return;
	double ms = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(wd, "requested_ms"));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(wd, "applied")))
		fprintf(out, "  watchdog: sched_ext watchdog %.0f ms applied%s\n", ms,
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(wd, "verified")) ? " and read back" : "");
	else
		fprintf(out, "  watchdog: sched_ext watchdog %.0f ms NOT applied: %s; the scheduler kept its own\n", ms,
			jstr(wd, "reason") ? jstr(wd, "reason") : "?");
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The kernel trace: files to open, what it holds, what it lost, who
 * waited longest. */
static void print_trace(const cJSON *r, FILE *out)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "trace");
	if (!t)
		return;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t, RK(AVAILABLE)))) {
		fprintf(out, "  trace: unavailable (%s)\n", jstr(t, RK(REASON)) ? jstr(t, RK(REASON)) : "?");
		return;
	}
	const cJSON *ec = cJSON_GetObjectItemCaseSensitive(t, RK(EVENT_COUNTS)), *e;
	double total = 0;
	cJSON_ArrayForEach(e, ec)
		total += cJSON_IsNumber(e) ? e->valuedouble : 0;
	fprintf(out, "  trace: %.0f events (%.0f switches, %.0f wakeups, %.0f migrations), %.0f lost", total,
		jnum(ec, "sched_switch"), jnum(ec, "sched_wakeup") + jnum(ec, "sched_wakeup_new"),
		jnum(ec, "sched_migrate_task"), jnum(t, RK(LOST_EVENTS)));
	const cJSON *pc;
	cJSON_ArrayForEach(pc, cJSON_GetObjectItemCaseSensitive(t, RK(PER_CPU)))
		if (jnum(pc, "overrun") + jnum(pc, "dropped") > 0)
			fprintf(out, "; cpu%.0f lost %.0f", jnum(pc, "cpu"), jnum(pc, "overrun") + jnum(pc, "dropped"));
	fputc('\n', out);
	if (jstr(t, RK(REASON)))
		fprintf(out, "  trace: %s\n", jstr(t, RK(REASON)));
	const cJSON *top = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t, RK(TASKS)), 0);
	if (top)
		fprintf(out, "  trace: longest runnable wait %.1f ms: %s[%.0f], ran on CPU %.0f at %.2f s\n",
			jnum(top, "max_runnable_wait_ms"), jstr(top, "comm") ? jstr(top, "comm") : "?",
			jnum(top, "pid"), jnum(top, "cpu"), jnum(top, "at_ms") / 1e3);
	fprintf(out, "  trace: %s (trace-cmd report, kernelshark), %s (ui.perfetto.dev)\n",
		jstr(t, RK(FILE)) ? jstr(t, RK(FILE)) : "-", jstr(t, RK(PERFETTO)) ? jstr(t, RK(PERFETTO)) : "-");
}

void result_print(const cJSON *r, FILE *out, bool color)
{
	enum verdict v = result_verdict(r);
	const char *col = !color ? "" : v == V_PASS ? "\033[32m" : v == V_SKIP ? "\033[33m" : "\033[31m";
	static const char *const words[] = {"PASS", "FAIL", "SKIP", "ERROR"};
	fprintf(out, "%s%s%s %s: %s\n", col, words[v], color ? "\033[0m" : "", jstr(r, "scenario"),
		jstr(r, "reason"));
	char b[32];
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(r, "boot_ms");
	fmt_num(b, sizeof(b), x);
	fprintf(out, "  topology %s, scheduler %s, kernel %s, %s, boot %s ms\n", jstr(r, "topology"),
		jstr(r, "scheduler"), jstr(r, "kernel"), jstr(r, "accelerator"), b);
	print_monitor(r, out);
	print_watchdog(r, out);
	print_trace(r, out);
	print_scheduler(r, out);
	payload_print(r, out);
	const cJSON *cgs = cJSON_GetObjectItemCaseSensitive(r, "cgroups"), *cg;
	if (cJSON_GetArraySize(cgs)) {
		fprintf(out, "  %-16s", "cgroup");
		for (const struct ty_alt *a = ty_metric.alts; a->name; a++)
			if (((const struct metric_info *)a->ext)->column)
				fprintf(out, " %10s", ((const struct metric_info *)a->ext)->column);
		fputc('\n', out);
		cJSON_ArrayForEach(cg, cgs) {
			const char *name = jstr(cg, "name");
			fprintf(out, "  %-16s", name && *name ? name : "(host)");
			for (const struct ty_alt *a = ty_metric.alts; a->name; a++) {
				char num[32];
				if (!((const struct metric_info *)a->ext)->column)
					continue;
				fmt_num(num, sizeof(num), cJSON_GetObjectItemCaseSensitive(cg, a->name));
				fprintf(out, " %10s", num);
			}
			fputc('\n', out);
		}
	}
	static const char *const marks[] = {[CS_HELD] = "ok  ", [CS_FAILED] = "FAIL", [CS_NA] = "n/a "};
	const cJSON *claims = cJSON_GetObjectItemCaseSensitive(r, "claims"), *c;
	cJSON_ArrayForEach(c, claims) {
		const char *d = jstr(c, "detail");
		fprintf(out, "  %s %-24s %-24s expected %-14s actual %s%s%s%s\n", marks[claim_status_of(c)],
			jstr(c, "name"), jstr(c, "scope"), jstr(c, "expected"), jstr(c, "actual_text"),
			d && *d ? " (" : "", d && *d ? d : "", d && *d ? ")" : "");
	}
	const cJSON *f;
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(r, "findings"))
		fprintf(out, "  FINDING %s%s: %s\n", jstr(f, "name"),
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "expected")) ? " (expected)" : "", jstr(f, "line"));
}

void result_junit(cJSON *const *results, size_t n, FILE *out)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n", out);
	for (size_t i = 0; i < n; i++) {
		const cJSON *r = results[i], *c;
		const cJSON *claims = cJSON_GetObjectItemCaseSensitive(r, "claims");
		size_t failures = 0;
		size_t skipped = 0;
		cJSON_ArrayForEach(c, claims) {
			failures += claim_status_of(c) == CS_FAILED;
			skipped += claim_status_of(c) == CS_NA;
		}
		size_t subtests = payload_junit_count(r, &failures, &skipped);
		enum verdict v = result_verdict(r);
		fputs("  <testsuite name=\"", out);
		xml_text(out, jstr(r, "scenario"));
		fprintf(out, "\" tests=\"%d\" failures=\"%zu\" errors=\"%d\" skipped=\"%zu\">\n",
			cJSON_GetArraySize(claims) + 1 + (int)subtests, failures, v == V_ERROR, skipped + (v == V_SKIP));
		fputs("    <testcase classname=\"", out);
		xml_text(out, jstr(r, "scenario"));
		fputs("\" name=\"verdict\">", out);
		if (v == V_FAIL || v == V_ERROR) {
			fprintf(out, "<%s message=\"", v == V_FAIL ? "failure" : "error");
			xml_text(out, jstr(r, "reason"));
			fprintf(out, "\"/>");
		} else if (v == V_SKIP) {
			fputs("<skipped/>", out);
		}
		fputs("</testcase>\n", out);
		cJSON_ArrayForEach(c, claims) {
			fputs("    <testcase classname=\"", out);
			xml_text(out, jstr(r, "scenario"));
			fputs("\" name=\"", out);
			xml_text(out, jstr(c, "name"));
			fputs(" [", out);
			xml_text(out, jstr(c, "scope"));
			fputs("]\">", out);
			if (claim_status_of(c) == CS_NA) {
				fputs("<skipped message=\"", out);
				xml_text(out, jstr(c, "detail"));
				fputs("\"/>", out);
			} else if (claim_status_of(c) == CS_FAILED) {
				fputs("<failure message=\"expected ", out);
				xml_text(out, jstr(c, "expected"));
				fputs(", actual ", out);
				xml_text(out, jstr(c, "actual_text"));
				fputs("\"/>", out);
			}
			fputs("</testcase>\n", out);
		}
		payload_junit(r, out);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
}

