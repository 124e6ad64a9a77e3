/* ydom: scenario YAML <-> an editable cJSON tree (see ydom.h). */
#include "ydom.h"
#include "diag.h"
#include "util.h"
#include "ynode.h"

#include <cjson/cJSON.h>
#include <string.h>

cJSON *ydom_from_ynode(const struct ynode *n)
{
	if (!n)
		return NULL;
	if (n->kind == YN_SCALAR)
		return n->plain ? cJSON_CreateRaw(n->str) : cJSON_CreateString(n->str);
	cJSON *o = n->kind == YN_SEQ ? cJSON_CreateArray() : cJSON_CreateObject();
	for (size_t i = 0; i < n->n; i++) {
		cJSON *v = ydom_from_ynode(n->items[i]);
		if (n->kind == YN_SEQ)
			cJSON_AddItemToArray(o, v);
		else
			cJSON_AddItemToObject(o, n->keys[i]->str, v);
	}
	return o;
}

cJSON *ydom_parse(const char *path, const char *text, size_t len)
{
	struct arena a = {0};
	struct diag d = {0};
	struct ynode *root = ynode_parse(&a, path, text, len, &d);
	diag_print(&d, stderr);
	cJSON *doc = root ? ydom_from_ynode(root) : NULL;
	diag_free(&d);
	arena_free(&a);
	return doc;
}

const char *ydom_text(const cJSON *n)
{
	return cJSON_IsRaw(n) || cJSON_IsString(n) ? n->valuestring : NULL;
}

cJSON *ydom_scalar(const char *text)
{
	return cJSON_CreateRaw(text);
}

/* ---- writing ------------------------------------------------------------------ */

/* A plain scalar is written as it was unless YAML would read it as
 * something else where it now stands (a leading indicator, ": ", " #"). */
static bool plain_ok(const char *s)
{
	bool negative = s[0] == '-' && s[1] && s[1] != ' ';	/* -5, not a list dash */
	if (!*s || (strchr("-?:,[]{}#&*!|>'\"%@`", *s) && !negative))
		return false;
	if (strstr(s, ": ") || strstr(s, " #") || strchr(s, '\n') || s[strlen(s) - 1] == ':' || s[strlen(s) - 1] == ' ')
		return false;
	return true;
}

static void quoted(struct strbuf *o, const char *s)
{
	sb_putc(o, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_printf(o, "\\%c", *s);
		else if (*s == '\n')
			sb_printf(o, "\\n");
		else if ((unsigned char)*s < 0x20)
			sb_printf(o, "\\x%02x", (unsigned char)*s);
		else
			sb_putc(o, *s);
	}
	sb_putc(o, '"');
}

static void scalar(struct strbuf *o, const cJSON *n)
{
	if (cJSON_IsRaw(n) && plain_ok(n->valuestring))
		sb_printf(o, "%s", n->valuestring);
	else
		quoted(o, n->valuestring ? n->valuestring : "");
}

static bool is_scalar(const cJSON *n)
{
	return cJSON_IsRaw(n) || cJSON_IsString(n);
}

static bool empty(const cJSON *n)
{
	return (cJSON_IsArray(n) || cJSON_IsObject(n)) && !n->child;
}

/* Short collections of scalars stay on one line, as people write them. */
static bool flow_ok(const cJSON *n)
{
	size_t len = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, n) {
		if (!is_scalar(c))
			return false;
		len += strlen(c->valuestring) + (c->string ? strlen(c->string) + 2 : 0) + 2;
	}
	return len < 60;
}

static void flow(struct strbuf *o, const cJSON *n)
{
	bool map = cJSON_IsObject(n);
	sb_putc(o, map ? '{' : '[');
	const cJSON *c;
	cJSON_ArrayForEach(c, n) {
		if (c != n->child)
			sb_printf(o, ", ");
		if (map)
			sb_printf(o, "%s: ", c->string);
		scalar(o, c);
	}
	sb_putc(o, map ? '}' : ']');
}

static void node(struct strbuf *o, const cJSON *n, int indent);

static void value_after_key(struct strbuf *o, const cJSON *v, int indent)
{
	if (is_scalar(v)) {
		sb_putc(o, ' ');
		scalar(o, v);
		sb_putc(o, '\n');
	} else if (empty(v)) {
		sb_printf(o, " %s\n", cJSON_IsArray(v) ? "[]" : "{}");
	} else if (flow_ok(v)) {
		sb_putc(o, ' ');
		flow(o, v);
		sb_putc(o, '\n');
	} else {
		sb_putc(o, '\n');
		node(o, v, indent + 2);
	}
}

static void node(struct strbuf *o, const cJSON *n, int indent)
{
	const cJSON *c;
	if (cJSON_IsObject(n)) {
		cJSON_ArrayForEach(c, n) {
			sb_printf(o, "%*s%s:", indent, "", c->string);
			value_after_key(o, c, indent);
		}
		return;
	}
	cJSON_ArrayForEach(c, n) {
		sb_printf(o, "%*s-", indent, "");
		if (cJSON_IsObject(c) && c->child && !flow_ok(c)) {
			/* first key on the dash's line, the rest under it */
			const cJSON *k = c->child;
			sb_printf(o, " %s:", k->string);
			value_after_key(o, k, indent + 2);
			for (k = k->next; k; k = k->next) {
				sb_printf(o, "%*s%s:", indent + 2, "", k->string);
				value_after_key(o, k, indent + 2);
			}
		} else {
			value_after_key(o, c, indent);
		}
	}
}

void ydom_emit(const cJSON *doc, struct strbuf *out)
{
	node(out, doc, 0);
}
