/* payloadview: the payloads of a result as people and CI read them — a
 * summary per run of a payload in the result ("payloads": exit, time,
 * its key metrics with their direction, subtest counts), its lines in
 * the text report, and its subtests as JUnit test cases. */
#include "payloadview.h"
#include "report.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Metrics printed for a payload that names none of its own. */
#define REPORT_METRICS 12

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The key metrics of a definition, with their values (null: absent). */
static cJSON *key_metrics(const struct kb_program *p, const struct kb_insn *def, const cJSON *metrics)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0;; i++) {
		char k[64];
		snprintf(k, sizeof(k), "metrics.%d.name", i);
		const char *name = kb_get_str(p, def, k);
		if (!name)
			break;
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "name", name);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(metrics, name);
		if (cJSON_IsNumber(v))
			cJSON_AddNumberToObject(m, "value", v->valuedouble);
		else
			cJSON_AddNullToObject(m, "value");
		snprintf(k, sizeof(k), "metrics.%d.better", i);
		cJSON_AddStringToObject(m, "better", kb_get_str(p, def, k) ? kb_get_str(p, def, k) : "lower");
		snprintf(k, sizeof(k), "metrics.%d.unit", i);
		if (kb_get_str(p, def, k))
			cJSON_AddStringToObject(m, "unit", kb_get_str(p, def, k));
		cJSON_AddItemToArray(a, m);
	}
	return a;
}

static void subtest_counts(cJSON *s, const cJSON *rows)
{
	static const char *const results[] = {"pass", "fail", "skip", "todo"};
	cJSON *c = cJSON_AddObjectToObject(s, "subtests");
	for (size_t i = 0; i < ARRAY_SIZE(results); i++) {
		int n = 0;
		const cJSON *row;
		cJSON_ArrayForEach(row, rows)
			n += jstr(row, "result") && !strcmp(jstr(row, "result"), results[i]);
		cJSON_AddNumberToObject(c, results[i], n);
	}
}

/* The next payload record after rec (NULL: from the start). */
static const cJSON *next_payload(const cJSON *records, const cJSON *rec)
{
	for (rec = rec ? rec->next : (records ? records->child : NULL); rec; rec = rec->next)
		if (rec_kind_of(jstr(rec, RK(TYPE))) == RT_PAYLOAD && jstr(rec, RK(NAME)))
			return rec;
	return NULL;
}

void payload_summaries(cJSON *r, const struct kb_program *p, const cJSON *records)
{
	cJSON_DeleteItemFromObjectCaseSensitive(r, "payloads");
	cJSON *arr = cJSON_AddArrayToObject(r, "payloads");
	for (const cJSON *rec = next_payload(records, NULL); rec; rec = next_payload(records, rec)) {
		const struct kb_insn *def = kb_payload_def(p, jstr(rec, RK(NAME)));
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", jstr(rec, RK(NAME)));
		cJSON_AddNumberToObject(s, "step", jnum(rec, RK(STEP)));
		cJSON_AddNumberToObject(s, "exit_code", jnum(rec, RK(EXIT_CODE)));
		if (!isnan(jnum(rec, RK(WALL_NS))))
			cJSON_AddNumberToObject(s, "wall_ms", jnum(rec, RK(WALL_NS)) / 1e6);
		cJSON_AddBoolToObject(s, "timed_out", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, RK(TIMED_OUT))));
		const char *fmt = def ? kb_get_str(p, def, "output") : NULL;
		cJSON_AddStringToObject(s, "output", fmt ? fmt : "exit_code");
		const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(rec, RK(METRICS));
		if (def)
			cJSON_AddItemToObject(s, "key_metrics", key_metrics(p, def, metrics));
		const cJSON *rows = cJSON_GetObjectItemCaseSensitive(rec, RK(SUBTESTS));
		if (rows)
			subtest_counts(s, rows);
		cJSON_AddItemToArray(arr, s);
	}
}

/* ---- text report ---------------------------------------------------------- */

static void print_metrics(const cJSON *s, const cJSON *rec, FILE *out)
{
	const cJSON *km = cJSON_GetObjectItemCaseSensitive(s, "key_metrics"), *m;
	int shown = 0, total = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rec, RK(METRICS)));
	if (cJSON_GetArraySize(km)) {
		cJSON_ArrayForEach(m, km) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
			fprintf(out, "%s %s=", shown++ ? "," : " ", jstr(m, "name"));
			if (cJSON_IsNumber(v))
				fprintf(out, "%.4g%s", v->valuedouble, jstr(m, "unit") ? jstr(m, "unit") : "");
			else
				fputs("absent", out);
		}
	} else {
		cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(rec, RK(METRICS))) {
			if (shown == REPORT_METRICS)
				break;
			fprintf(out, "%s %s=%.4g", shown++ ? "," : " ", m->string, m->valuedouble);
		}
	}
	if (total > shown)
		fprintf(out, " (%d metrics in all, in the record)", total);
}

void payload_print(const cJSON *r, FILE *out)
{
	const cJSON *s, *recs = cJSON_GetObjectItemCaseSensitive(r, "records"), *rec = NULL;
	/* payload_summaries made one summary per payload record, in order */
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r, "payloads")) {
		rec = next_payload(recs, rec);
		fprintf(out, "  payload %s (step %.0f): exit %.0f%s, %.2f s;", jstr(s, "name"), jnum(s, "step"),
			jnum(s, "exit_code"), cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "timed_out")) ? " (timed out)" : "",
			jnum(s, "wall_ms") / 1e3);
		if (strcmp(jstr(s, "output") ? jstr(s, "output") : "", "exit_code"))
			print_metrics(s, rec, out);
		fputc('\n', out);
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "subtests");
		if (st) {
			fprintf(out, "    subtests: %.0f pass, %.0f fail, %.0f skip", jnum(st, "pass"), jnum(st, "fail"),
				jnum(st, "skip"));
			const cJSON *row;
			int nf = 0;
			cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(rec, RK(SUBTESTS)))
				if (jstr(row, "result") && !strcmp(jstr(row, "result"), "fail"))
					fprintf(out, "%s%s", nf++ ? ", " : "; failed: ", jstr(row, "name"));
			fputc('\n', out);
		}
		const cJSON *n;
		cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(rec, RK(METRIC_NOTES)))
			fprintf(out, "    note: %s\n", cJSON_GetStringValue(n));
	}
}

/* ---- JUnit -------------------------------------------------------------------- */

size_t payload_junit_count(const cJSON *r, size_t *failures, size_t *skipped)
{
	size_t n = 0;
	const cJSON *rec, *row;
	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(r, "records")) {
		cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(rec, RK(SUBTESTS))) {
			const char *res = jstr(row, "result");
			n++;
			*failures += res && !strcmp(res, "fail");
			*skipped += res && !strcmp(res, "skip");
		}
	}
	return n;
}

void payload_junit(const cJSON *r, FILE *out)
{
	const cJSON *rec, *row;
	cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(r, "records")) {
		cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(rec, RK(SUBTESTS))) {
			const char *res = jstr(row, "result");
			fputs("    <testcase classname=\"", out);
			xml_text(out, jstr(r, "scenario"));
			fputs(".", out);
			xml_text(out, jstr(rec, RK(NAME)));
			fputs("\" name=\"", out);
			xml_text(out, jstr(row, "name"));
			fputs("\">", out);
			if (res && !strcmp(res, "fail"))
				fputs("<failure message=\"not ok\"/>", out);
			else if (res && !strcmp(res, "skip")) {
				fputs("<skipped message=\"", out);
				xml_text(out, jstr(row, "directive"));
				fputs("\"/>", out);
			}
			fputs("</testcase>\n", out);
		}
	}
}
