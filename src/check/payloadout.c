/* payloadout: a payload's output made into metrics, on the host, by the
 * output format of its definition — json and yaml (numeric leaves by
 * dotted path), ktap (one row per subtest), text (PCRE2 patterns and
 * printed histograms).  The metrics, the notes on what could not be read
 * and the subtest rows are added to the payload's record, so the checker,
 * the report and compare all read one extraction.  A metric that is not
 * there is absent, never zero: the notes say why. */
#include "payloadout.h"
#include "report.h"
#include "textregex.h"
#include "util.h"
#include "vocab.h"
#include "ynode.h"
#include "diag.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Leaves kept from a JSON or YAML document (fio's has a few thousand). */
#define MAX_LEAVES 8192

struct extract {
	cJSON *metrics, *notes, *subtests;
	size_t leaves;
};

static void note(struct extract *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct extract *e, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(e->notes, cJSON_CreateString(buf));
}

static void set_metric(struct extract *e, const char *name, double v)
{
	if (!isfinite(v))
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(e->metrics, name);
	cJSON_AddNumberToObject(e->metrics, name, v);
}

/* ---- json and yaml ------------------------------------------------------- */

static void leaf(struct extract *e, const char *path, double v)
{
	if (e->leaves++ == MAX_LEAVES)
		note(e, "more than %d numeric leaves; the rest are not metrics", MAX_LEAVES);
	if (e->leaves <= MAX_LEAVES)
		set_metric(e, path, v);
}

static char *join_path(const char *prefix, const char *key)
{
	return *prefix ? xasprintf("%s.%s", prefix, key) : xstrdup(key);
}

static void flatten_json(struct extract *e, const cJSON *j, const char *path)
{
	if (cJSON_IsNumber(j)) {
		leaf(e, path, j->valuedouble);
		return;
	}
	int i = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, j) {
		char idx[24];
		snprintf(idx, sizeof(idx), "%d", i++);
		char *p = join_path(path, cJSON_IsArray(j) ? idx : c->string);
		flatten_json(e, c, p);
		free(p);
	}
}

static void flatten_yaml(struct extract *e, const struct ynode *n, const char *path)
{
	double v;
	if (n->kind == YN_SCALAR) {
		if (*n->str && parse_num(n->str, &v))
			leaf(e, path, v);
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		char idx[24];
		snprintf(idx, sizeof(idx), "%zu", i);
		char *p = join_path(path, n->kind == YN_SEQ ? idx : n->keys[i]->str);
		flatten_yaml(e, n->items[i], p);
		free(p);
	}
}

static bool from_json(struct extract *e, const char *text)
{
	cJSON *doc = text ? cJSON_Parse(text) : NULL;
	if (!doc)
		return false;
	flatten_json(e, doc, "");
	cJSON_Delete(doc);
	return true;
}

static bool from_yaml(struct extract *e, const char *text, char *why, size_t n)
{
	if (!text || !*text)
		return false;
	struct arena a = {0};
	struct diag d = {0};
	struct ynode *root = ynode_parse(&a, "output", text, strlen(text), &d);
	if (root && root->kind != YN_SCALAR)
		flatten_yaml(e, root, "");
	else if (d.n)
		snprintf(why, n, "line %d: %s", d.items[0].line, d.items[0].msg);
	bool ok = root && root->kind != YN_SCALAR;
	diag_free(&d);
	arena_free(&a);
	return ok;
}

/* ---- ktap ------------------------------------------------------------------ */

struct ktap_counts {
	int pass, fail, skip, todo, plan;
	bool bailed;
};

/* One "[indent]ok N [- ]name [# directive]" line; false for any other. */
static bool ktap_line(struct extract *e, const char *line, size_t len, struct ktap_counts *k)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), line);
	char *s = buf;
	while (*s == ' ' || *s == '\t')
		s++;
	bool nested = s != buf;	/* a subtest of a subtest: its parent's line counts it */
	int plan_lo, plan_hi;
	if (s == buf && sscanf(s, "%d..%d", &plan_lo, &plan_hi) == 2) {
		k->plan = plan_hi;
		return false;
	}
	if (s == buf && !strncmp(s, "Bail out!", 9)) {
		k->bailed = true;
		note(e, "the test run bailed out: %.200s", s);
		return false;
	}
	bool ok = !strncmp(s, "ok ", 3);
	if (!ok && strncmp(s, "not ok ", 7))
		return false;
	s += ok ? 3 : 7;
	char *end;
	long num = strtol(s, &end, 10);
	if (end == s)
		return false;
	s = end;
	while (*s == ' ')
		s++;
	if (!strncmp(s, "- ", 2))
		s += 2;
	char *hash = strchr(s, '#'), *dir = "";
	if (hash) {
		dir = hash + 1;
		while (*dir == ' ')
			dir++;
		for (*hash-- = 0; hash >= s && *hash == ' '; hash--)
			*hash = 0;
	}
	const char *result = ok ? "pass" : "fail";
	if (!strncasecmp(dir, "SKIP", 4))
		result = "skip";
	else if (!strncasecmp(dir, "TODO", 4))
		result = "todo";
	if (nested)
		return true;
	k->pass += !strcmp(result, "pass");
	k->fail += !strcmp(result, "fail");
	k->skip += !strcmp(result, "skip");
	k->todo += !strcmp(result, "todo");
	cJSON *row = cJSON_CreateObject();
	cJSON_AddNumberToObject(row, "number", (double)num);
	cJSON_AddStringToObject(row, "name", s);
	cJSON_AddStringToObject(row, "result", result);
	if (*dir)
		cJSON_AddStringToObject(row, "directive", dir);
	cJSON_AddItemToArray(e->subtests, row);
	return true;
}

static void from_ktap(struct extract *e, const char *text)
{
	struct ktap_counts k = {0};
	for (const char *p = text ? text : ""; *p;) {
		size_t len = strcspn(p, "\n");
		ktap_line(e, p, len, &k);
		p += len + (p[len] == '\n');
	}
	int total = k.pass + k.fail + k.skip + k.todo;
	set_metric(e, "ktap_pass", k.pass);
	set_metric(e, "ktap_fail", k.fail);
	set_metric(e, "ktap_skip", k.skip);
	set_metric(e, "ktap_total", total);
	if (k.plan > total) {
		set_metric(e, "ktap_missing", k.plan - total);
		note(e, "the plan announced %d tests but %d reported", k.plan, total);
	}
	if (!total)
		note(e, "no ok / not ok lines in the output");
	if (k.bailed)
		set_metric(e, "ktap_bailed", 1);
}

/* ---- text: patterns --------------------------------------------------------- */

/* A captured number: leading blanks, thousands commas and any unit after
 * it are dropped ("1,234.5 us" -> 1234.5). */
static bool capture_number(const char *s, size_t n, double *out)
{
	char buf[128];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < sizeof(buf); i++)
		if (s[i] != ',')
			buf[k++] = s[i];
	buf[k] = 0;
	char *p = buf, *end;
	while (isspace((unsigned char)*p))
		p++;
	*out = strtod(p, &end);
	return end != p && isfinite(*out);
}

struct agg {
	double first, last, min, max, sum;
	size_t n;
};

static void agg_add(struct agg *a, double v)
{
	if (!a->n++)
		a->first = a->min = a->max = v;
	a->last = v;
	a->min = v < a->min ? v : a->min;
	a->max = v > a->max ? v : a->max;
	a->sum += v;
}

static double agg_take(const struct agg *a, const char *take)
{
	if (!strcmp(take, "count"))
		return (double)a->n;
	if (!a->n)
		return NAN;
	if (!strcmp(take, "first"))
		return a->first;
	if (!strcmp(take, "min"))
		return a->min;
	if (!strcmp(take, "max"))
		return a->max;
	if (!strcmp(take, "mean"))
		return a->sum / (double)a->n;
	if (!strcmp(take, "sum"))
		return a->sum;
	return a->last;
}

/* Calls fn for every match of re in text (empty matches step on by one). */
typedef void (*match_fn)(const pcre2_code *re, const char *text, const PCRE2_SIZE *ov, void *ctx);
static void each_match(const pcre2_code *re, const char *text, match_fn fn, void *ctx)
{
	size_t len = strlen(text), at = 0;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	while (at <= len && pcre2_match(re, (PCRE2_SPTR)text, len, at, 0, md, NULL) >= 0) {
		const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		fn(re, text, ov, ctx);
		at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
	}
	pcre2_match_data_free(md);
}

struct pattern_ctx {
	size_t ng;
	const char *names[64];
	int nums[64];
	struct agg agg[64];
	char bad[64][48];
};

static void pattern_match(const pcre2_code *re, const char *text, const PCRE2_SIZE *ov, void *ctx)
{
	(void)re;
	struct pattern_ctx *c = ctx;
	for (size_t g = 0; g < c->ng; g++) {
		PCRE2_SIZE s = ov[2 * c->nums[g]], t = ov[2 * c->nums[g] + 1];
		double v;
		if (s == PCRE2_UNSET)
			continue;
		if (capture_number(text + s, t - s, &v))
			agg_add(&c->agg[g], v);
		else if (!c->bad[g][0])
			snprintf(c->bad[g], sizeof(c->bad[g]), "%.*s", (int)(t - s < 40 ? t - s : 40), text + s);
	}
}

static void text_pattern(struct extract *e, const char *regex, const char *take, double scale,
			 const char *text, int index)
{
	char err[256];
	pcre2_code *re = textregex_compile(regex, err, sizeof(err));
	if (!re) {
		note(e, "pattern %d does not compile: %s", index, err);
		return;
	}
	struct pattern_ctx c = {0};
	c.ng = textregex_groups(re, c.names, c.nums, 64);
	each_match(re, text, pattern_match, &c);
	char absent[256] = "";
	for (size_t g = 0; g < c.ng; g++) {
		if (c.bad[g][0])
			note(e, "metric %s: matched '%s', which is not a number", c.names[g], c.bad[g]);
		double v = agg_take(&c.agg[g], take);
		if (isnan(v))
			snprintf(absent + strlen(absent), sizeof(absent) - strlen(absent), "%s%s",
				 *absent ? ", " : "", c.names[g]);
		else
			set_metric(e, c.names[g], strcmp(take, "count") ? v * scale : v);
	}
	if (*absent)
		note(e, "pattern %d matched no number for %s: absent", index, absent);
	pcre2_code_free(re);
}

/* ---- text: histograms ------------------------------------------------------ */

struct bucket {
	double value, count;
};

struct hist_ctx {
	int vgroup, cgroup;
	struct bucket *b;
	size_t n, cap;
	double overflow;
};

static double sum_numbers(const char *s, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n;) {
		char *end;
		while (i < n && !isdigit((unsigned char)s[i]))
			i++;
		if (i == n)
			break;
		sum += strtod(s + i, &end);
		i = (size_t)(end - s);
	}
	return sum;
}

static void hist_line(const pcre2_code *re, const char *text, const PCRE2_SIZE *ov, void *ctx)
{
	(void)re;
	struct hist_ctx *h = ctx;
	PCRE2_SIZE vs = ov[2 * h->vgroup], cs = ov[2 * h->cgroup];
	if (vs == PCRE2_UNSET || cs == PCRE2_UNSET)
		return;
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 256;
		h->b = xrealloc(h->b, h->cap * sizeof(*h->b));
	}
	h->b[h->n].value = strtod(text + vs, NULL);
	h->b[h->n++].count = sum_numbers(text + cs, ov[2 * h->cgroup + 1] - cs);
}

static void hist_overflow(const pcre2_code *re, const char *text, const PCRE2_SIZE *ov, void *ctx)
{
	struct hist_ctx *h = ctx;
	PCRE2_SIZE cs = ov[2 * textregex_group(re, "count")];
	if (cs != PCRE2_UNSET)
		h->overflow += sum_numbers(text + cs, ov[2 * textregex_group(re, "count") + 1] - cs);
}

static int bucket_cmp(const void *a, const void *b)
{
	double x = ((const struct bucket *)a)->value, y = ((const struct bucket *)b)->value;
	return (x > y) - (x < y);
}

static void hist_summary(struct extract *e, const char *name, struct hist_ctx *h, double scale)
{
	static const struct {
		const char *suffix;
		double q;
	} pct[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p999", 0.999}};
	if (h->n)
		qsort(h->b, h->n, sizeof(*h->b), bucket_cmp);
	double in = 0, wsum = 0, max = NAN;
	for (size_t i = 0; i < h->n; i++) {
		in += h->b[i].count;
		wsum += h->b[i].count * h->b[i].value;
		if (h->b[i].count > 0)
			max = h->b[i].value;
	}
	double total = in + h->overflow;
	char m[160];
	snprintf(m, sizeof(m), "%s_samples", name);
	set_metric(e, m, total);
	if (total <= 0) {
		note(e, "histogram %s: no samples in the output", name);
		return;
	}
	for (size_t k = 0; k < ARRAY_SIZE(pct); k++) {
		double rank = ceil(pct[k].q * total), seen = 0;
		snprintf(m, sizeof(m), "%s_%s", name, pct[k].suffix);
		size_t i = 0;
		for (; i < h->n && seen + h->b[i].count < rank; i++)
			seen += h->b[i].count;
		if (i < h->n)
			set_metric(e, m, h->b[i].value * scale);
		else
			note(e, "histogram %s: %s lies beyond its last bucket (%.0f of %.0f samples overflowed): absent",
			     name, pct[k].suffix, h->overflow, total);
	}
	if (h->overflow > 0) {
		note(e, "histogram %s: %.0f samples beyond its last bucket: max and mean absent", name, h->overflow);
		return;
	}
	snprintf(m, sizeof(m), "%s_max", name);
	set_metric(e, m, max * scale);
	snprintf(m, sizeof(m), "%s_mean", name);
	set_metric(e, m, wsum / in * scale);
}

static void text_histogram(struct extract *e, const char *name, const char *regex, const char *overflow,
			   double scale, const char *text)
{
	char err[256];
	pcre2_code *re = textregex_compile(regex, err, sizeof(err));
	struct hist_ctx h = {0};
	if (!re) {
		note(e, "histogram %s: pattern does not compile: %s", name, err);
		return;
	}
	h.vgroup = textregex_group(re, "value");
	h.cgroup = textregex_group(re, "count");
	if (h.vgroup > 0 && h.cgroup > 0)
		each_match(re, text, hist_line, &h);
	pcre2_code_free(re);
	if (overflow && (re = textregex_compile(overflow, err, sizeof(err)))) {
		if (textregex_group(re, "count") > 0)
			each_match(re, text, hist_overflow, &h);
		pcre2_code_free(re);
	}
	hist_summary(e, name, &h, scale);
	free(h.b);
}

/* ---- a payload's definition ------------------------------------------------------ */

static double get_num(const struct kb_program *p, const struct kb_insn *in, const char *key, double def)
{
	const struct kb_operand *o = kb_get(p, in, key);
	return o ? (o->type == KB_NUM ? o->f : (double)o->i) : def;
}

static void from_text(struct extract *e, const struct kb_program *p, const struct kb_insn *def,
		      const char *text)
{
	for (int i = 0;; i++) {
		char key[64];
		snprintf(key, sizeof(key), "output.patterns.%d.regex", i);
		const char *re = kb_get_str(p, def, key);
		if (!re)
			break;
		snprintf(key, sizeof(key), "output.patterns.%d.take", i);
		const char *take = kb_get_str(p, def, key);
		snprintf(key, sizeof(key), "output.patterns.%d.scale", i);
		text_pattern(e, re, take ? take : "last", get_num(p, def, key, 1), text, i + 1);
	}
	for (int i = 0;; i++) {
		char key[64], rk[64], ok[64], sk[64];
		snprintf(key, sizeof(key), "output.histograms.%d.name", i);
		const char *name = kb_get_str(p, def, key);
		if (!name)
			break;
		snprintf(rk, sizeof(rk), "output.histograms.%d.regex", i);
		snprintf(ok, sizeof(ok), "output.histograms.%d.overflow", i);
		snprintf(sk, sizeof(sk), "output.histograms.%d.scale", i);
		const char *re = kb_get_str(p, def, rk);
		text_histogram(e, name, re ? re : HIST_LINE_REGEX, kb_get_str(p, def, ok), get_num(p, def, sk, 1), text);
	}
}

static void truncation_notes(struct extract *e, const cJSON *rec)
{
	static const struct {
		int text, bytes;
	} streams[] = {{RK_STDOUT, RK_STDOUT_BYTES}, {RK_STDERR, RK_STDERR_BYTES}};
	for (size_t i = 0; i < ARRAY_SIZE(streams); i++) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, rep_keys[streams[i].text].name));
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(rec, rep_keys[streams[i].bytes].name);
		if (t && cJSON_IsNumber(b) && b->valuedouble > (double)strlen(t))
			note(e, "%s was cut to its last %zu of %.0f bytes (output_cap); metrics come from what was kept",
			     rep_keys[streams[i].text].name, strlen(t), b->valuedouble);
	}
}

void payload_extract(const struct kb_program *p, const struct kb_insn *def, cJSON *rec)
{
	const char *fmt = kb_get_str(p, def, "output");
	if (!fmt || !strcmp(fmt, "exit_code"))
		return;
	struct extract e = {cJSON_CreateObject(), cJSON_CreateArray(), NULL, 0};
	const char *out = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, RK(STDOUT)));
	const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, RK(STDERR)));
	char why[300] = "";
	truncation_notes(&e, rec);
	if (!strcmp(fmt, "json")) {
		if (!from_json(&e, out) && !from_json(&e, err))
			note(&e, "neither stdout nor stderr holds a JSON document");
	} else if (!strcmp(fmt, "yaml")) {
		if (!from_yaml(&e, out, why, sizeof(why)) && !from_yaml(&e, err, why, sizeof(why)))
			note(&e, "neither stdout nor stderr holds a YAML document%s%s", *why ? ": " : "", why);
	} else if (!strcmp(fmt, "ktap")) {
		e.subtests = cJSON_CreateArray();
		from_ktap(&e, out && *out ? out : err);
	} else if (!strcmp(fmt, "text")) {
		const char *stream = kb_get_str(p, def, "output.stream");
		char *both = NULL;
		const char *text = stream && !strcmp(stream, "stdout") ? out
				   : stream && !strcmp(stream, "stderr") ? err
				   : (both = xasprintf("%s\n%s", out ? out : "", err ? err : ""));
		from_text(&e, p, def, text ? text : "");
		free(both);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(rec, RK(METRICS));
	cJSON_DeleteItemFromObjectCaseSensitive(rec, RK(METRIC_NOTES));
	cJSON_DeleteItemFromObjectCaseSensitive(rec, RK(SUBTESTS));
	cJSON_AddItemToObject(rec, RK(METRICS), e.metrics);
	if (cJSON_GetArraySize(e.notes))
		cJSON_AddItemToObject(rec, RK(METRIC_NOTES), e.notes);
	else
		cJSON_Delete(e.notes);
	if (e.subtests)
		cJSON_AddItemToObject(rec, RK(SUBTESTS), e.subtests);
}

void payload_extract_all(const struct kb_program *p, cJSON *records)
{
	cJSON *rec;
	cJSON_ArrayForEach(rec, records) {
		if (rec_kind_of(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, RK(TYPE)))) != RT_PAYLOAD)
			continue;
		const struct kb_insn *def =
			kb_payload_def(p, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, RK(NAME))));
		if (def)
			payload_extract(p, def, rec);
	}
}
