/* summary: gauntlet.json and what is made from it (see summary.h).  The
 * document is the one source: a run prints from the document it wrote,
 * and a merge of shards prints from the merged one, so both read alike. */
#include "summary.h"
#include "comparison.h"
#include "result.h"
#include "proc.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define FORMAT 1

static const char *str(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	return s ? s : "";
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static cJSON *strings(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

cJSON *gauntlet_doc(const struct matrix *m, const struct cell_result *res, unsigned shard, unsigned shards)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "ktstr_gauntlet", FORMAT);
	char hash[24];
	snprintf(hash, sizeof(hash), "%016" PRIx64, m->hash);
	cJSON_AddStringToObject(d, "matrix", hash);
	cJSON *sh = cJSON_AddArrayToObject(d, "shard");
	cJSON_AddItemToArray(sh, cJSON_CreateNumber(shard));
	cJSON_AddItemToArray(sh, cJSON_CreateNumber(shards));
	cJSON *axes = cJSON_AddObjectToObject(d, "axes");
	const char **stems = xcalloc(m->nscenarios + 1, sizeof(*stems));
	char (*buf)[96] = xcalloc(m->nscenarios + 1, sizeof(*buf));
	for (size_t i = 0; i < m->nscenarios; i++)
		scenario_stem(m->scenarios[i], buf[i], sizeof(buf[i])), stems[i] = buf[i];
	cJSON_AddItemToObject(axes, "scenarios", strings(stems, m->nscenarios));
	cJSON_AddItemToObject(axes, "topologies", strings(m->topologies, m->ntopologies));
	cJSON *vars = cJSON_AddArrayToObject(axes, "schedulers");
	for (size_t i = 0; i < m->nvariants; i++) {
		char v[256];
		variant_format(&m->variants[i], v, sizeof(v));
		cJSON_AddItemToArray(vars, cJSON_CreateString(v));
	}
	cJSON_AddItemToObject(axes, "kernels", strings(m->kernels, m->nkernels));
	cJSON_AddNumberToObject(axes, "repeat", m->repeat);
	cJSON *cells = cJSON_AddArrayToObject(d, "cells");
	for (size_t i = 0; i < m->ncells; i++) {
		const struct cell *c = &m->cells[i];
		const struct cell_result *r = &res[i];
		cJSON *o = cJSON_CreateObject();
		char v[256];
		variant_format(&m->variants[c->variant], v, sizeof(v));
		cJSON_AddStringToObject(o, "id", c->id);
		cJSON_AddNumberToObject(o, "index", (double)c->index);
		cJSON_AddStringToObject(o, "scenario", stems[c->scenario]);
		cJSON_AddStringToObject(o, "topology", m->topologies[c->topology]);
		cJSON_AddStringToObject(o, "scheduler", v);
		cJSON_AddStringToObject(o, "kernel", m->kernels[c->kernel]);
		cJSON_AddNumberToObject(o, "rep", c->rep);
		cJSON_AddStringToObject(o, "state", r->state == CELL_NOT_RUN ? "not_run" : "done");
		if (r->state != CELL_NOT_RUN) {
			cJSON_AddStringToObject(o, "verdict", r->verdict);
			cJSON_AddStringToObject(o, "reason", r->reason);
			cJSON_AddStringToObject(o, "result", r->path);
			cJSON_AddNumberToObject(o, "wall_s", r->wall_s);
		}
		cJSON_AddItemToArray(cells, o);
	}
	free(stems);
	free(buf);
	return d;
}

/* ---- the printed matrix ------------------------------------------------------ */

/* Repeats of one (scenario, topology, scheduler, kernel) folded. */
static const char *fold(const cJSON *cells, const char *scen, const char *topo, const char *sched, const char *kernel)
{
	int pass = 0, fail = 0, skip = 0, error = 0, ran = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, cells) {
		if (strcmp(str(c, "scenario"), scen) || strcmp(str(c, "topology"), topo) ||
		    strcmp(str(c, "scheduler"), sched) || strcmp(str(c, "kernel"), kernel) || strcmp(str(c, "state"), "done"))
			continue;
		ran++;
		const char *v = str(c, "verdict");
		pass += !strcmp(v, "pass"), fail += !strcmp(v, "fail"), skip += !strcmp(v, "skip"), error += !strcmp(v, "error");
	}
	return !ran ? "-" : error ? "ERROR" : pass && fail ? "flaky" : fail ? "FAIL" : pass ? "pass" : skip ? "skip" : "?";
}

static void print_header(const cJSON *axes, FILE *out)
{
	const cJSON *t, *v;
	fprintf(out, "%-24s", "scenario");
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(axes, "topologies"))
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(axes, "schedulers")) {
			char col[64];
			snprintf(col, sizeof(col), "%s/%s", t->valuestring, v->valuestring);
			fprintf(out, " %-16.16s", col);
		}
	fputc('\n', out);
}

void gauntlet_print(const cJSON *doc, FILE *out)
{
	const cJSON *axes = cJSON_GetObjectItemCaseSensitive(doc, "axes");
	const cJSON *cells = cJSON_GetObjectItemCaseSensitive(doc, "cells");
	const cJSON *s, *t, *v, *k, *c;
	print_header(axes, out);
	bool kernels = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(axes, "kernels")) > 1;
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(axes, "kernels"))
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(axes, "scenarios")) {
			char row[96];
			snprintf(row, sizeof(row), "%s%s%s", s->valuestring, kernels ? "@" : "", kernels ? k->valuestring : "");
			fprintf(out, "%-24.24s", row);
			cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(axes, "topologies"))
				cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(axes, "schedulers"))
					fprintf(out, " %-16s", fold(cells, s->valuestring, t->valuestring, v->valuestring,
								   k->valuestring));
			fputc('\n', out);
		}
	size_t n = 0, not_run = 0;
	cJSON_ArrayForEach(c, cells) {
		n++;
		not_run += !strcmp(str(c, "state"), "not_run");
		const char *vd = str(c, "verdict");
		if (!strcmp(str(c, "state"), "done") && strcmp(vd, "pass"))
			fprintf(out, "  %-5s %s: %s\n", vd, str(c, "id"), str(c, "reason"));
	}
	fprintf(out, "%zu cells, %zu run, %zu not run%s\n", n, n - not_run, not_run,
		not_run ? " (budget spent or interrupted)" : "");
}

/* ---- JUnit, exit status ------------------------------------------------------- */

void gauntlet_junit(const cJSON *doc, FILE *out)
{
	const cJSON *cells = cJSON_GetObjectItemCaseSensitive(doc, "cells"), *c;
	int n = 0, fail = 0, err = 0, skip = 0;
	cJSON_ArrayForEach(c, cells) {
		const char *v = str(c, "verdict");
		n++;
		fail += !strcmp(v, "fail"), err += !strcmp(v, "error");
		skip += !strcmp(v, "skip") || !strcmp(str(c, "state"), "not_run");
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"<testsuite name=\"ktstr-gauntlet\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n",
		n, fail, err, skip);
	cJSON_ArrayForEach(c, cells) {
		fputs("  <testcase classname=\"", out);
		xml_text(out, str(c, "scenario"));
		fputs("\" name=\"", out);
		xml_text(out, str(c, "id"));
		fprintf(out, "\" time=\"%.1f\">", num(c, "wall_s") > 0 ? num(c, "wall_s") : 0);
		const char *v = str(c, "verdict"), *tag = !strcmp(v, "fail") ? "failure" : !strcmp(v, "error") ? "error"
						 : !strcmp(v, "skip") ? "skipped" : NULL;
		if (!strcmp(str(c, "state"), "not_run")) {
			fputs("<skipped message=\"not run: budget spent or interrupted\"/>", out);
		} else if (tag) {
			fprintf(out, "<%s message=\"", tag);
			xml_text(out, str(c, "reason"));
			fputs("\"/>", out);
		}
		fputs("</testcase>\n", out);
	}
	fputs("</testsuite>\n</testsuites>\n", out);
}

int gauntlet_exit(const cJSON *doc)
{
	int worst = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(doc, "cells")) {
		const char *v = str(c, "verdict");
		int rc = !strcmp(v, "fail") ? 1 : !strcmp(v, "error") ? 3 : 0;
		worst = rc > worst ? rc : worst;
	}
	return worst;
}

bool gauntlet_write(const cJSON *doc, const char *dir, char *err, size_t errn)
{
	char path[4200];
	pathf(path, sizeof(path), "%s/gauntlet.json", dir);
	char *text = cJSON_Print(doc);
	FILE *f = fopen(path, "w");
	bool ok = f && fputs(text, f) >= 0;
	ok = f && !fclose(f) && ok;
	cJSON_free(text);
	if (ok) {
		pathf(path, sizeof(path), "%s/junit.xml", dir);
		f = fopen(path, "w");
		if (f)
			gauntlet_junit(doc, f);
		ok = f && !fclose(f);
	}
	if (!ok)
		snprintf(err, errn, "cannot write %s: %s", path, strerror(errno));
	return ok;
}

/* ---- merge ----------------------------------------------------------------------- */

static double shards_of(const cJSON *doc)
{
	const cJSON *n = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "shard"), 1);
	return cJSON_IsNumber(n) ? n->valuedouble : 1;
}

static int by_index(const void *a, const void *b)
{
	double x = num(*(cJSON *const *)a, "index"), y = num(*(cJSON *const *)b, "index");
	return x < y ? -1 : x > y;
}

cJSON *gauntlet_merge(cJSON *const *docs, size_t n, char *err, size_t errn)
{
	if (!n) {
		snprintf(err, errn, "nothing to merge");
		return NULL;
	}
	const char *matrix = str(docs[0], "matrix");
	double shards = shards_of(docs[0]);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (num(docs[i], "ktstr_gauntlet") != FORMAT || strcmp(str(docs[i], "matrix"), matrix) ||
		    shards_of(docs[i]) != shards) {
			snprintf(err, errn, "shard %zu is of another matrix (%s in %.0f shards, not %s in %.0f): merge shards of one gauntlet",
				 i + 1, str(docs[i], "matrix"), shards_of(docs[i]), matrix, shards);
			return NULL;
		}
		total += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(docs[i], "cells"));
	}
	cJSON **all = xcalloc(total ? total : 1, sizeof(*all));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		cJSON *c;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(docs[i], "cells"))
			all[k++] = c;
	}
	qsort(all, k, sizeof(*all), by_index);
	for (size_t i = 1; i < k; i++)
		if (num(all[i], "index") == num(all[i - 1], "index")) {
			snprintf(err, errn, "cell %s is in two shards: merge each shard once", str(all[i], "id"));
			free(all);
			return NULL;
		}
	cJSON *d = cJSON_CreateObject();
	cJSON_AddNumberToObject(d, "ktstr_gauntlet", FORMAT);
	cJSON_AddStringToObject(d, "matrix", matrix);
	cJSON *sh = cJSON_AddArrayToObject(d, "shard");
	cJSON_AddItemToArray(sh, cJSON_CreateNumber(0));
	cJSON_AddItemToArray(sh, cJSON_CreateNumber(1));
	cJSON_AddNumberToObject(d, "merged_shards", (double)n);
	cJSON_AddNumberToObject(d, "of_shards", shards);
	cJSON_AddItemToObject(d, "axes", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(docs[0], "axes"), 1));
	cJSON *cells = cJSON_AddArrayToObject(d, "cells");
	for (size_t i = 0; i < k; i++)
		cJSON_AddItemToArray(cells, cJSON_Duplicate(all[i], 1));
	free(all);
	return d;
}

/* ---- A/B between schedulers ------------------------------------------------------- */

/* The results of the finished cells of one (scenario, preset, scheduler). */
static size_t load_cells(const cJSON *cells, const char *scen, const char *topo, const char *sched, cJSON ***out)
{
	size_t n = 0;
	*out = NULL;
	const cJSON *c;
	cJSON_ArrayForEach(c, cells) {
		bool judged = !strcmp(str(c, "verdict"), "pass") || !strcmp(str(c, "verdict"), "fail");
		if (strcmp(str(c, "scenario"), scen) || strcmp(str(c, "topology"), topo) ||
		    strcmp(str(c, "scheduler"), sched) || !judged)
			continue;
		size_t len;
		char *text = read_file(str(c, "result"), &len, 256u << 20);
		cJSON *r = text ? cJSON_ParseWithLength(text, len) : NULL;
		free(text);
		if (!r)
			continue;
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		(*out)[n++] = r;
	}
	return n;
}

static void free_cells(cJSON **r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(r[i]);
	free(r);
}

void gauntlet_ab(const cJSON *doc, FILE *out)
{
	const cJSON *axes = cJSON_GetObjectItemCaseSensitive(doc, "axes");
	const cJSON *scheds = cJSON_GetObjectItemCaseSensitive(axes, "schedulers");
	const cJSON *cells = cJSON_GetObjectItemCaseSensitive(doc, "cells"), *s, *t, *v;
	const cJSON *base = cJSON_GetArrayItem(scheds, 0);
	if (cJSON_GetArraySize(scheds) < 2)
		return;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(axes, "scenarios"))
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(axes, "topologies")) {
			cJSON **a;
			size_t na = load_cells(cells, s->valuestring, t->valuestring, base->valuestring, &a);
			for (v = base->next; na && v; v = v->next) {
				cJSON **b;
				size_t nb = load_cells(cells, s->valuestring, t->valuestring, v->valuestring, &b);
				if (nb) {
					fprintf(out, "\nA/B %s on %s: A = %s (%zu run%s), B = %s (%zu run%s)\n", s->valuestring,
						t->valuestring, base->valuestring, na, na > 1 ? "s" : "", v->valuestring, nb,
						nb > 1 ? "s" : "");
					compare_sets(a, (int)na, b, (int)nb, -1, out);
				}
				free_cells(b, nb);
			}
			free_cells(a, na);
		}
}
