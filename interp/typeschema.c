/* typeschema: the JSON Schema of a ty table (`ktstr schema`), so editors
 * check scenarios by the same tables the loader does. */
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

#define DUR_PATTERN "^(0|[0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))$"
#define PCT01_PATTERN "^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%$"
#define CPULIST_PATTERN "^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$"
#define NAME_PATTERN "^(?!\\.\\.?$)[A-Za-z0-9_.-]+$"
#define PATH_PATTERN "^(?!(.*/)?\\.\\.?(/|$))[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"
#define DOTTED_PATTERN "^[A-Za-z0-9_-]+([./][A-Za-z0-9_-]+)*$"

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
				      string_pattern(t->flags & TYF_DOTTED ? DOTTED_PATTERN
						     : t->flags & TYF_SLASH ? PATH_PATTERN : NAME_PATTERN));
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

