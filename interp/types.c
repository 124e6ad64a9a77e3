/* types: the generic checker that walks a ynode tree against a ty table,
 * the scalar parsers, and the generators of JSON Schema and man text. */
#include "types.h"
#include "diag.h"
#include "util.h"
#include "ynode.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- scalar parsers ---------------------------------------------------- */

bool parse_int(const char *s, int64_t *out)
{
	if (!*s || isspace((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool parse_num(const char *s, double *out)
{
	if (!*s || isspace((unsigned char)*s))
		return false;
	/* strtod accepts hex floats, inf and nan; a scenario never means those. */
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789+-.eE", *p))
			return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool parse_frac(const char *s, double *out)
{
	size_t n = strlen(s);
	if (n > 1 && s[n - 1] == '%') {
		char buf[64];
		if (n >= sizeof(buf))
			return false;
		memcpy(buf, s, n - 1);
		buf[n - 1] = 0;
		double v;
		if (!parse_num(buf, &v))
			return false;
		*out = v / 100.0;
		return true;
	}
	return parse_num(s, out);
}

bool parse_dur(const char *s, uint64_t *ns)
{
	static const struct { const char *u; double mul; } units[] = {
		{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
	};
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return true;
	}
	const char *p = s;
	while (isdigit((unsigned char)*p))
		p++;
	if (p == s)
		return false;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return false;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if (!*p)
		return false;
	char num[64];
	if ((size_t)(p - s) >= sizeof(num))
		return false;
	memcpy(num, s, (size_t)(p - s));
	num[p - s] = 0;
	double v;
	if (!parse_num(num, &v) || v < 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].u) == 0) {
			double t = v * units[i].mul;
			if (t > 9.2e18 || t != floor(t))
				return false;
			*ns = (uint64_t)t;
			return true;
		}
	}
	return false;
}

bool parse_bool(const char *s, bool *out)
{
	/* YAML 1.2 core schema spellings, as editors and js-yaml read them. */
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
		*out = false;
		return true;
	}
	return false;
}

bool parse_name(const char *s, bool slash)
{
	if (!*s || strlen(s) > 255)
		return false;
	const char *seg = s;
	for (const char *p = s;; p++) {
		if (*p == '/' || !*p) {
			size_t len = (size_t)(p - seg);
			if (len == 0 || (len == 1 && seg[0] == '.') ||
			    (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			if (!*p)
				return true;
			if (!slash)
				return false;
			seg = p + 1;
			continue;
		}
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	}
}

int parse_cpulist(const char *s, uint64_t *mask, int max_cpu)
{
	int count = 0;
	const char *p = s;
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return -1;
		long a = strtol(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			b = strtol(p, &end, 10);
			p = end;
		}
		if (a > b || b >= max_cpu || a < 0)
			return -1;
		for (long c = a; c <= b; c++) {
			if (!(mask[c / 64] & (1ull << (c % 64))))
				count++;
			mask[c / 64] |= 1ull << (c % 64);
		}
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return -1;
	}
	return count;
}

/* ---- description ------------------------------------------------------- */

static void describe_range_int(struct strbuf *o, const struct ty *t)
{
	if (t->imin == INT64_MIN && t->imax == INT64_MAX)
		return;
	if (t->imax == INT64_MAX)
		sb_printf(o, " >= %lld", (long long)t->imin);
	else
		sb_printf(o, " %lld..%lld", (long long)t->imin, (long long)t->imax);
}

void ty_describe(const struct ty *t, struct strbuf *o)
{
	if (t->id) {
		sb_puts(o, t->id);
		return;
	}
	switch (t->kind) {
	case TY_BOOL:
		sb_puts(o, "true or false");
		break;
	case TY_INT:
		sb_puts(o, "integer");
		describe_range_int(o, t);
		break;
	case TY_NUM:
		sb_puts(o, "number");
		if (t->nmin > -1e300 || t->nmax < 1e300)
			sb_printf(o, " %g..%g", t->nmin, t->nmax);
		break;
	case TY_FRAC:
		sb_puts(o, "fraction (0.5 or 50%)");
		break;
	case TY_DUR:
		sb_puts(o, "duration (500ms, 2s, 1m)");
		break;
	case TY_STR:
		sb_puts(o, "text");
		break;
	case TY_NAME:
		sb_puts(o, t->flags & TYF_SLASH ? "name path (a/b)" : "name");
		break;
	case TY_CPUS:
		sb_puts(o, "CPU list ([0, 1] or \"0-3,8\")");
		break;
	case TY_LIST:
		sb_puts(o, "list of ");
		ty_describe(t->elem, o);
		break;
	case TY_STRUCT:
		sb_puts(o, "mapping");
		break;
	case TY_DICT:
		sb_puts(o, "mapping of name to ");
		ty_describe(t->elem, o);
		break;
	case TY_VARIANT:
		sb_puts(o, "one of ");
		for (const struct ty_alt *a = t->alts; a->name; a++)
			sb_printf(o, "%s%s", a == t->alts ? "" : ", ", a->name);
		break;
	}
	if (t->flags & TYF_OFF)
		sb_puts(o, " or off");
}

/* ---- checker ----------------------------------------------------------- */

static bool want_scalar(struct diag *d, const struct ynode *n, const struct ty *t,
			const char *what)
{
	if (n->kind == YN_SCALAR && !ynode_is_null(n))
		return true;
	struct strbuf e = {0};
	ty_describe(t, &e);
	diag_at(d, n, "%s is a %s; expected %s", what, ynode_kind_name(n), e.buf);
	sb_free(&e);
	return false;
}

static bool bad_value(struct diag *d, const struct ynode *n, const struct ty *t,
		      const char *what)
{
	struct strbuf e = {0};
	ty_describe(t, &e);
	diag_at(d, n, "%s '%s' is not valid; expected %s", what, n->str, e.buf);
	sb_free(&e);
	return false;
}

static bool is_off(const struct ynode *n)
{
	return n->kind == YN_SCALAR &&
	       (!strcmp(n->str, "off") || (n->plain && !strcmp(n->str, "false")));
}

static bool check_cpus(struct diag *d, const struct ynode *n, const struct ty *t,
		       const char *what)
{
	if (n->kind == YN_SEQ) {
		bool ok = true;
		if (n->n == 0) {
			diag_at(d, n, "%s is an empty list; expected at least one CPU", what);
			return false;
		}
		for (size_t i = 0; i < n->n; i++) {
			const struct ynode *c = n->items[i];
			int64_t v;
			if (c->kind != YN_SCALAR || !parse_int(c->str, &v) || v < 0 || v > 4095) {
				diag_at(d, c, "%s item is not a CPU number; expected an integer 0..4095", what);
				ok = false;
			}
		}
		return ok;
	}
	if (!want_scalar(d, n, t, what))
		return false;
	uint64_t mask[64] = {0};
	if (parse_cpulist(n->str, mask, 4096) < 0)
		return bad_value(d, n, t, what);
	return true;
}

static bool check_scalar(struct diag *d, const struct ynode *n, const struct ty *t,
			 const char *what)
{
	if ((t->flags & TYF_OFF) && is_off(n))
		return true;
	if (!want_scalar(d, n, t, what))
		return false;
	const char *s = n->str;
	bool numeric = t->kind == TY_BOOL || t->kind == TY_INT || t->kind == TY_NUM ||
		       (t->kind == TY_FRAC && s[strlen(s) - 1] != '%');
	if (numeric && !n->plain) {
		struct strbuf e = {0};
		ty_describe(t, &e);
		diag_at(d, n, "%s is quoted text \"%s\"; expected an unquoted %s", what, s, e.buf);
		sb_free(&e);
		return false;
	}
	switch (t->kind) {
	case TY_BOOL: {
		bool b;
		return parse_bool(s, &b) || bad_value(d, n, t, what);
	}
	case TY_INT: {
		int64_t v;
		if (!parse_int(s, &v))
			return bad_value(d, n, t, what);
		if (v < t->imin || v > t->imax) {
			struct strbuf e = {0};
			ty_describe(t, &e);
			diag_at(d, n, "%s %lld is out of range; expected %s", what,
				(long long)v, e.buf);
			sb_free(&e);
			return false;
		}
		return true;
	}
	case TY_NUM:
	case TY_FRAC: {
		double v;
		bool ok = t->kind == TY_NUM ? parse_num(s, &v) : parse_frac(s, &v);
		if (!ok)
			return bad_value(d, n, t, what);
		double lo = t->nmin, hi = t->nmax;
		if (t->kind == TY_FRAC && lo == 0 && hi == 0)
			hi = 1;
		if (v < lo || v > hi) {
			diag_at(d, n, "%s %s is out of range; expected a value from %g to %g%s",
				what, s, lo, hi, t->kind == TY_FRAC ? " (or a percentage)" : "");
			return false;
		}
		return true;
	}
	case TY_DUR: {
		uint64_t ns;
		if (!parse_dur(s, &ns))
			return bad_value(d, n, t, what);
		if ((int64_t)ns < t->imin || (t->imax && (int64_t)ns > t->imax)) {
			char lo[32], hi[32];
			fmt_duration(lo, sizeof(lo), (uint64_t)t->imin);
			fmt_duration(hi, sizeof(hi), (uint64_t)t->imax);
			diag_at(d, n, "%s %s is out of range; expected a duration from %s to %s%s%s%s",
				what, s, lo, hi, t->range_why ? " (" : "", t->range_why ? t->range_why : "",
				t->range_why ? ")" : "");
			return false;
		}
		return true;
	}
	case TY_STR: {
		size_t max = t->imax ? (size_t)t->imax : 4096;
		if (!*s) {
			diag_at(d, n, "%s is empty; expected non-empty text", what);
			return false;
		}
		if (strlen(s) > max) {
			diag_at(d, n, "%s is %zu bytes long; expected at most %zu", what,
				strlen(s), max);
			return false;
		}
		return true;
	}
	case TY_NAME:
		if (parse_name(s, t->flags & TYF_SLASH))
			return true;
		diag_at(d, n, "%s '%s' is not a valid name; expected letters, digits, '_', '.', '-'%s ('.' and '..' are reserved)",
			what, s, t->flags & TYF_SLASH ? " and '/' between parts" : "");
		return false;
	default:
		return false;
	}
}

static void unknown_key(struct diag *d, const struct ynode *k, const struct ty *t,
			const char *what)
{
	const char *cands[128];
	size_t nc = 0;
	struct strbuf list = {0};
	for (const struct ty_field *f = t->fields; f->key && nc < ARRAY_SIZE(cands); f++) {
		cands[nc++] = f->key;
		sb_printf(&list, "%s%s", nc > 1 ? ", " : "", f->key);
	}
	const char *sugg = did_you_mean(k->str, cands, nc);
	if (sugg)
		diag_at(d, k, "unknown key '%s' in %s; expected '%s' (did you mean it?) or another of: %s",
			k->str, what, sugg, list.buf);
	else
		diag_at(d, k, "unknown key '%s' in %s; expected one of: %s", k->str,
			what, list.buf ? list.buf : "(none)");
	sb_free(&list);
}

static bool check_struct(struct diag *d, const struct ynode *n, const struct ty *t,
			 const char *what)
{
	if (n->kind == YN_SCALAR && !ynode_is_null(n)) {
		if (t->from_scalar) {
			char why[256] = "";
			if (t->from_scalar(n->str, why, sizeof(why)))
				return true;
			diag_at(d, n, "%s '%s' %s", what, n->str, why);
			return false;
		}
		if (t->shorthand) {
			const struct ty_field *f = ty_field(t, t->shorthand);
			return ty_check(d, n, f->ty, what);
		}
	}
	if (n->kind != YN_MAP) {
		diag_at(d, n, "%s is a %s; expected a mapping%s", what, ynode_kind_name(n),
			t->from_scalar ? " or the short text form" :
			t->shorthand ? " or a single value" : "");
		return false;
	}
	bool ok = true;
	for (size_t i = 0; i < n->n; i++) {
		const struct ty_field *f = ty_field(t, n->keys[i]->str);
		if (!f) {
			unknown_key(d, n->keys[i], t, t->id ? t->id : what);
			ok = false;
			continue;
		}
		ok &= ty_check(d, n->items[i], f->ty, f->key);
	}
	for (const struct ty_field *f = t->fields; f->key; f++) {
		if ((f->flags & TF_REQUIRED) && !ynode_key(n, f->key)) {
			diag_at(d, n, "%s is missing '%s'; expected '%s: <%s>'",
				t->id ? t->id : what, f->key, f->key,
				f->ty->id ? f->ty->id : "value");
			ok = false;
		}
	}
	return ok;
}

static void unknown_alt(struct diag *d, const struct ynode *at, const char *name,
			const struct ty *t, const char *what)
{
	const char *cands[128];
	size_t nc = 0;
	struct strbuf list = {0};
	for (const struct ty_alt *a = t->alts; a->name && nc < ARRAY_SIZE(cands); a++) {
		cands[nc++] = a->name;
		sb_printf(&list, "%s%s", nc > 1 ? ", " : "", a->name);
	}
	const char *sugg = did_you_mean(name, cands, nc);
	const char *kind = t->id ? t->id : what;
	if (sugg)
		diag_at(d, at, "unknown %s '%s'; expected '%s' (did you mean it?) or another of: %s",
			kind, name, sugg, list.buf);
	else
		diag_at(d, at, "unknown %s '%s'; expected one of: %s", kind, name, list.buf);
	sb_free(&list);
}

static bool check_variant(struct diag *d, const struct ynode *n, const struct ty *t,
			  const char *what)
{
	if (n->kind == YN_SCALAR && !ynode_is_null(n)) {
		const struct ty_alt *a = ty_alt(t, n->str);
		if (a) {
			if (a->ty && !(a->flags & ALT_BARE)) {
				diag_at(d, n, "%s '%s' needs a value; expected '%s: <%s>'",
					t->id ? t->id : what, a->name, a->name,
					a->ty->id ? a->ty->id : "value");
				return false;
			}
			return true;
		}
		if (t->scalar_alt) {
			const struct ty_alt *sa = ty_alt(t, t->scalar_alt);
			return ty_check(d, n, sa->ty, what);
		}
		unknown_alt(d, n, n->str, t, what);
		return false;
	}
	if (n->kind != YN_MAP || n->n != 1) {
		diag_at(d, n, "%s is a %s%s; expected a name or a mapping with exactly one key naming the %s",
			what, ynode_kind_name(n),
			n->kind == YN_MAP ? " with several keys" : "",
			t->id ? t->id : "kind");
		return false;
	}
	const struct ty_alt *a = ty_alt(t, n->keys[0]->str);
	if (!a) {
		unknown_alt(d, n->keys[0], n->keys[0]->str, t, what);
		return false;
	}
	if (!a->ty) {
		if (ynode_is_null(n->items[0]))
			return true;
		diag_at(d, n->items[0], "%s '%s' takes no value; expected just '%s'",
			t->id ? t->id : what, a->name, a->name);
		return false;
	}
	if (ynode_is_null(n->items[0]) && (a->flags & ALT_BARE))
		return true;
	return ty_check(d, n->items[0], a->ty, a->name);
}

bool ty_check(struct diag *d, const struct ynode *n, const struct ty *t,
	      const char *what)
{
	switch (t->kind) {
	case TY_CPUS:
		return check_cpus(d, n, t, what);
	case TY_LIST: {
		if (n->kind != YN_SEQ) {
			struct strbuf e = {0};
			ty_describe(t, &e);
			diag_at(d, n, "%s is a %s; expected a %s", what, ynode_kind_name(n), e.buf);
			sb_free(&e);
			return false;
		}
		if ((t->flags & TYF_NONEMPTY) && n->n == 0) {
			diag_at(d, n, "%s is empty; expected at least one item", what);
			return false;
		}
		if (t->imax && ((int64_t)n->n < t->imin || (int64_t)n->n > t->imax)) {
			if (t->imin == t->imax)
				diag_at(d, n, "%s has %zu items; expected exactly %lld", what,
					n->n, (long long)t->imin);
			else
				diag_at(d, n, "%s has %zu items; expected %lld to %lld", what,
					n->n, (long long)t->imin, (long long)t->imax);
			return false;
		}
		bool ok = true;
		for (size_t i = 0; i < n->n; i++)
			ok &= ty_check(d, n->items[i], t->elem, what);
		return ok;
	}
	case TY_STRUCT:
		return check_struct(d, n, t, what);
	case TY_DICT: {
		if (n->kind != YN_MAP) {
			diag_at(d, n, "%s is a %s; expected a mapping of names", what,
				ynode_kind_name(n));
			return false;
		}
		bool ok = true;
		for (size_t i = 0; i < n->n; i++) {
			if (!parse_name(n->keys[i]->str, t->flags & TYF_SLASH)) {
				diag_at(d, n->keys[i], "key '%s' in %s is not a valid name; expected letters, digits, '_', '.', '-'%s",
					n->keys[i]->str, what, t->flags & TYF_SLASH ? " and '/' between parts" : "");
				ok = false;
			}
			ok &= ty_check(d, n->items[i], t->elem, n->keys[i]->str);
		}
		return ok;
	}
	case TY_VARIANT:
		return check_variant(d, n, t, what);
	default:
		return check_scalar(d, n, t, what);
	}
}

const struct ty_field *ty_field(const struct ty *t, const char *key)
{
	if (!t->fields)
		return NULL;
	for (const struct ty_field *f = t->fields; f->key; f++)
		if (!strcmp(f->key, key))
			return f;
	return NULL;
}

const struct ty_alt *ty_alt(const struct ty *t, const char *name)
{
	if (!t->alts)
		return NULL;
	for (const struct ty_alt *a = t->alts; a->name; a++)
		if (!strcmp(a->name, name))
			return a;
	return NULL;
}

const struct ty_alt *ty_variant_of(const struct ty *t, const struct ynode *n,
				   const struct ynode **payload)
{
	*payload = NULL;
	if (!n)
		return NULL;
	if (n->kind == YN_SCALAR) {
		const struct ty_alt *a = ty_alt(t, n->str);
		if (a)
			return a;
		if (t->scalar_alt) {
			*payload = n;
			return ty_alt(t, t->scalar_alt);
		}
		return NULL;
	}
	if (n->kind != YN_MAP || n->n != 1)
		return NULL;
	if (!ynode_is_null(n->items[0]))
		*payload = n->items[0];
	return ty_alt(t, n->keys[0]->str);
}

/* ---- JSON Schema -------------------------------------------------------- */

#define DUR_PATTERN "^(0|[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))$"
#define PCT01_PATTERN "^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%$"
#define CPULIST_PATTERN "^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$"
#define NAME_PATTERN "^(?!\\.\\.?$)[A-Za-z0-9_.-]+$"
#define PATH_PATTERN "^(?!(.*/)?\\.\\.?(/|$))[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"

struct schema_ctx {
	cJSON *defs;
};

static cJSON *schema_of(struct schema_ctx *c, const struct ty *t, bool inline_def);

static cJSON *with_off(const struct ty *t, cJSON *s)
{
	if (!(t->flags & TYF_OFF))
		return s;
	cJSON *any = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(any, "anyOf");
	cJSON_AddItemToArray(arr, s);
	cJSON *off = cJSON_CreateObject();
	cJSON *e = cJSON_AddArrayToObject(off, "enum");
	cJSON_AddItemToArray(e, cJSON_CreateString("off"));
	cJSON_AddItemToArray(e, cJSON_CreateFalse());
	cJSON_AddItemToArray(arr, off);
	return any;
}

static cJSON *typed(const char *type)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", type);
	return o;
}

static cJSON *string_pattern(const char *pat)
{
	cJSON *o = typed("string");
	cJSON_AddStringToObject(o, "pattern", pat);
	return o;
}

static cJSON *any_of2(cJSON *a, cJSON *b)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "anyOf");
	cJSON_AddItemToArray(arr, a);
	cJSON_AddItemToArray(arr, b);
	return o;
}

static cJSON *schema_struct(struct schema_ctx *c, const struct ty *t)
{
	cJSON *o = typed("object");
	cJSON *props = cJSON_AddObjectToObject(o, "properties");
	cJSON *req = cJSON_CreateArray();
	for (const struct ty_field *f = t->fields; f->key; f++) {
		cJSON *p = schema_of(c, f->ty, false);
		if (f->doc)
			cJSON_AddStringToObject(p, "description", f->doc);
		cJSON_AddItemToObject(props, f->key, p);
		if (f->flags & TF_REQUIRED)
			cJSON_AddItemToArray(req, cJSON_CreateString(f->key));
	}
	if (cJSON_GetArraySize(req))
		cJSON_AddItemToObject(o, "required", req);
	else
		cJSON_Delete(req);
	cJSON_AddFalseToObject(o, "additionalProperties");
	if (t->from_scalar)
		return any_of2(string_pattern(t->scalar_pattern), o);
	if (t->shorthand)
		return any_of2(schema_of(c, ty_field(t, t->shorthand)->ty, false), o);
	return o;
}

static cJSON *schema_variant(struct schema_ctx *c, const struct ty *t)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "anyOf");
	cJSON *bare = cJSON_CreateArray();
	for (const struct ty_alt *a = t->alts; a->name; a++) {
		if (!a->ty || (a->flags & ALT_BARE))
			cJSON_AddItemToArray(bare, cJSON_CreateString(a->name));
		cJSON *m = typed("object");
		cJSON *props = cJSON_AddObjectToObject(m, "properties");
		cJSON *p = a->ty ? schema_of(c, a->ty, false) : typed("null");
		if (a->ty && (a->flags & ALT_BARE))
			p = any_of2(p, typed("null"));
		if (a->doc)
			cJSON_AddStringToObject(p, "description", a->doc);
		cJSON_AddItemToObject(props, a->name, p);
		cJSON *req = cJSON_AddArrayToObject(m, "required");
		cJSON_AddItemToArray(req, cJSON_CreateString(a->name));
		cJSON_AddFalseToObject(m, "additionalProperties");
		cJSON_AddItemToArray(arr, m);
	}
	if (cJSON_GetArraySize(bare)) {
		cJSON *e = cJSON_CreateObject();
		cJSON_AddItemToObject(e, "enum", bare);
		cJSON_AddItemToArray(arr, e);
	} else {
		cJSON_Delete(bare);
	}
	if (t->scalar_alt)
		cJSON_AddItemToArray(arr, schema_of(c, ty_alt(t, t->scalar_alt)->ty, false));
	return o;
}

static cJSON *schema_body(struct schema_ctx *c, const struct ty *t)
{
	cJSON *o;
	switch (t->kind) {
	case TY_BOOL:
		return typed("boolean");
	case TY_INT:
		o = typed("integer");
		if (t->imin != INT64_MIN)
			cJSON_AddNumberToObject(o, "minimum", (double)t->imin);
		if (t->imax != INT64_MAX)
			cJSON_AddNumberToObject(o, "maximum", (double)t->imax);
		return o;
	case TY_NUM:
		o = typed("number");
		if (t->nmin > -1e300)
			cJSON_AddNumberToObject(o, "minimum", t->nmin);
		if (t->nmax < 1e300)
			cJSON_AddNumberToObject(o, "maximum", t->nmax);
		return o;
	case TY_FRAC: {
		double hi = t->nmin == 0 && t->nmax == 0 ? 1 : t->nmax;
		o = typed("number");
		cJSON_AddNumberToObject(o, "minimum", t->nmin);
		cJSON_AddNumberToObject(o, "maximum", hi);
		return any_of2(o, string_pattern(hi <= 1 ? PCT01_PATTERN : "^[0-9]+(\\.[0-9]+)?%$"));
	}
	case TY_DUR:
		/* Ranges of durations are checked by ktstr only; text can't carry them. */
		if (t->imin > 0)
			return string_pattern(DUR_PATTERN);
		return any_of2(string_pattern(DUR_PATTERN), cJSON_CreateRaw("{\"const\":0}"));
	case TY_STR: {
		/* YAML turns `123` or `true` into non-strings; ktstr reads them as text. */
		o = cJSON_CreateObject();
		cJSON *types = cJSON_AddArrayToObject(o, "type");
		cJSON_AddItemToArray(types, cJSON_CreateString("string"));
		cJSON_AddItemToArray(types, cJSON_CreateString("number"));
		cJSON_AddItemToArray(types, cJSON_CreateString("boolean"));
		cJSON_AddNumberToObject(o, "minLength", 1);
		cJSON_AddNumberToObject(o, "maxLength", t->imax ? (double)t->imax : 4096);
		return o;
	}
	case TY_NAME:
		return any_of2(string_pattern(t->flags & TYF_SLASH ? PATH_PATTERN : NAME_PATTERN),
			       cJSON_CreateRaw("{\"type\":\"number\",\"minimum\":0}"));
	case TY_CPUS: {
		cJSON *arr = typed("array");
		cJSON *it = typed("integer");
		cJSON_AddNumberToObject(it, "minimum", 0);
		cJSON_AddItemToObject(arr, "items", it);
		cJSON_AddNumberToObject(arr, "minItems", 1);
		return any_of2(arr, string_pattern(CPULIST_PATTERN));
	}
	case TY_LIST:
		o = typed("array");
		cJSON_AddItemToObject(o, "items", schema_of(c, t->elem, false));
		if (t->flags & TYF_NONEMPTY)
			cJSON_AddNumberToObject(o, "minItems", 1);
		if (t->imax) {
			cJSON_AddNumberToObject(o, "minItems", (double)t->imin);
			cJSON_AddNumberToObject(o, "maxItems", (double)t->imax);
		}
		return o;
	case TY_STRUCT:
		return schema_struct(c, t);
	case TY_DICT:
		o = typed("object");
		cJSON_AddItemToObject(o, "additionalProperties", schema_of(c, t->elem, false));
		cJSON_AddItemToObject(o, "propertyNames",
				      string_pattern(t->flags & TYF_SLASH ? PATH_PATTERN : NAME_PATTERN));
		return o;
	case TY_VARIANT:
		return schema_variant(c, t);
	}
	return cJSON_CreateObject();
}

static cJSON *schema_of(struct schema_ctx *c, const struct ty *t, bool inline_def)
{
	if (t->id && !inline_def) {
		if (!cJSON_GetObjectItemCaseSensitive(c->defs, t->id)) {
			cJSON_AddItemToObject(c->defs, t->id, cJSON_CreateObject());
			cJSON *body = schema_of(c, t, true);
			cJSON_ReplaceItemInObjectCaseSensitive(c->defs, t->id, body);
		}
		char ref[128];
		snprintf(ref, sizeof(ref), "#/$defs/%s", t->id);
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "$ref", ref);
		return o;
	}
	cJSON *o = with_off(t, schema_body(c, t));
	if (t->doc && inline_def)
		cJSON_AddStringToObject(o, "description", t->doc);
	return o;
}

char *ty_json_schema(const struct ty *root, const char *title)
{
	struct schema_ctx c = {.defs = cJSON_CreateObject()};
	cJSON *body = schema_of(&c, root, true);
	cJSON *top = cJSON_CreateObject();
	cJSON_AddStringToObject(top, "$schema", "https://json-schema.org/draft/2020-12/schema");
	cJSON_AddStringToObject(top, "$id", "https://ktstr.dev/schema/scenario.schema.json");
	cJSON_AddStringToObject(top, "title", title);
	for (cJSON *it = body->child; it;) {
		cJSON *next = it->next;
		cJSON_AddItemToObject(top, it->string, cJSON_DetachItemViaPointer(body, it));
		it = next;
	}
	cJSON_Delete(body);
	cJSON_AddItemToObject(top, "$defs", c.defs);
	char *s = cJSON_Print(top);
	cJSON_Delete(top);
	return s;
}

/* ---- man page reference ------------------------------------------------- */

static void roff_text(struct strbuf *o, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			sb_puts(o, "\\e");
		else if (*s == '-')
			sb_puts(o, "\\-");
		else
			sb_putc(o, *s);
	}
}

struct seen {
	const struct ty *t[256];
	size_t n;
};

static bool seen_add(struct seen *s, const struct ty *t)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->t[i] == t)
			return false;
	if (s->n < ARRAY_SIZE(s->t))
		s->t[s->n++] = t;
	return true;
}

static void collect(struct seen *s, const struct ty *t)
{
	if (!t)
		return;
	if (t->id && !seen_add(s, t))
		return;
	if (t->elem)
		collect(s, t->elem);
	if (t->fields)
		for (const struct ty_field *f = t->fields; f->key; f++)
			collect(s, f->ty);
	if (t->alts)
		for (const struct ty_alt *a = t->alts; a->name; a++)
			collect(s, a->ty);
}

static void man_fields(struct strbuf *o, const struct ty *t);

static void man_entry(struct strbuf *o, const char *name, const struct ty *t,
		      const char *def, const char *doc, bool required)
{
	sb_puts(o, ".TP\n.B ");
	roff_text(o, name);
	sb_puts(o, "\n");
	if (t) {
		struct strbuf d = {0};
		ty_describe(t, &d);
		sb_puts(o, "\\fI");
		roff_text(o, d.buf);
		sb_puts(o, "\\fR");
		sb_free(&d);
		if (required)
			sb_puts(o, " (required)");
		if (def) {
			sb_puts(o, " (default ");
			roff_text(o, def);
			sb_puts(o, ")");
		}
		sb_puts(o, ". ");
	}
	roff_text(o, doc ? doc : "");
	sb_puts(o, "\n");
	/* Anonymous structures and variants are documented in place. */
	const struct ty *inner = t && t->kind == TY_LIST && !t->id ? t->elem : t;
	if (inner && !inner->id && (inner->kind == TY_STRUCT || inner->kind == TY_VARIANT)) {
		sb_puts(o, ".RS\n");
		man_fields(o, inner);
		sb_puts(o, ".RE\n");
	}
}

static void man_fields(struct strbuf *o, const struct ty *t)
{
	if (t->kind == TY_STRUCT) {
		for (const struct ty_field *f = t->fields; f->key; f++)
			man_entry(o, f->key, f->ty, f->def, f->doc, f->flags & TF_REQUIRED);
	} else if (t->kind == TY_VARIANT) {
		for (const struct ty_alt *a = t->alts; a->name; a++)
			man_entry(o, a->name, a->ty, NULL, a->doc ? a->doc : a->name, false);
	}
}

void ty_man_reference(const struct ty *const *roots, size_t nroots, struct strbuf *o)
{
	struct seen s = {0};
	for (size_t i = 0; i < nroots; i++)
		collect(&s, roots[i]);
	for (size_t i = 0; i < s.n; i++) {
		const struct ty *t = s.t[i];
		sb_puts(o, ".SS ");
		roff_text(o, t->id);
		sb_puts(o, "\n");
		if (t->doc) {
			roff_text(o, t->doc);
			sb_puts(o, "\n");
		}
		if (t->scalar_doc) {
			sb_puts(o, ".PP\n");
			roff_text(o, t->scalar_doc);
			sb_puts(o, "\n");
		}
		if (t->kind == TY_STRUCT || t->kind == TY_VARIANT) {
			man_fields(o, t);
		} else if (t->kind == TY_LIST && t->elem) {
			struct strbuf d = {0};
			ty_describe(t, &d);
			sb_puts(o, ".PP\nA ");
			roff_text(o, d.buf);
			sb_puts(o, ".\n");
			sb_free(&d);
		}
	}
}
