/* typeman: the man page reference of the format (ktstr-scenario(5)'s
 * generated part) from the ty tables. */
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
