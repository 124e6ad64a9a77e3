/* types: the generic checker that walks a ynode tree against a ty table
 * (every error at its node), the table lookups, and the one-line
 * description of a type that errors and the docs share.  The scalar
 * parsers are scalars.c; the JSON Schema and man generators, typeschema.c
 * and typeman.c. */
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

/* "kernel.x" or "net/ipv4/x", not "kernel.", ".x" or "a..b": the guest
 * would write to a directory or a file that is not the one meant. */
static bool dotted_parts(const char *s)
{
	for (const char *p = s;; p++) {
		bool sep = *p == '.' || *p == '/' || !*p;
		if (sep && (p == s || p[-1] == '.' || p[-1] == '/'))
			return false;
		if (!*p)
			return true;
	}
}

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
			} else if ((t->flags & TYF_DOTTED) && !dotted_parts(n->keys[i]->str)) {
				diag_at(d, n->keys[i], "key '%s' in %s has an empty part; expected parts joined by '.' or '/', such as kernel.sched_child_runs_first",
					n->keys[i]->str, what);
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

