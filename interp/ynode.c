/* ynode: libyaml events -> marked tree, with duplicate-key detection,
 * YAML merge keys and a bound on alias expansion. */
#include "ynode.h"
#include "diag.h"

#include <stdint.h>
#include <string.h>
#include <yaml.h>

struct anchor {
	char *name;
	struct ynode *node;
	size_t weight;
	struct anchor *next;
};

struct builder {
	struct arena *a;
	const char *file;
	struct diag *d;
	yaml_parser_t p;
	struct anchor *anchors;
	size_t weight;		/* nodes visited counting alias expansion */
	int depth;
	bool failed;
};

#define YNODE_MAX_DEPTH 64

static struct ynode *new_node(struct builder *b, enum ynode_kind k,
			      yaml_mark_t m)
{
	struct ynode *n = arena_alloc(b->a, sizeof(*n));
	n->kind = k;
	n->file = b->file;
	n->line = (int)m.line + 1;
	n->col = (int)m.column + 1;
	return n;
}

static void push(struct builder *b, struct ynode ***arr, size_t *n,
		 size_t *cap, struct ynode *x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct ynode **na = arena_alloc(b->a, nc * sizeof(*na));
		if (*n)
			memcpy(na, *arr, *n * sizeof(*na));
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = x;
}

/* An unclosed quote is found only where scanning gives up: at the end of
 * the file or at the next '---' line.  Where the quote opened is what the
 * user has to find, so report it there.  True when reported. */
static bool unclosed_quote(struct builder *b)
{
	const yaml_parser_t *p = &b->p;
	if (!p->context || !p->problem ||
	    strcmp(p->context, "while scanning a quoted scalar") != 0)
		return false;
	bool eof = strstr(p->problem, "end of stream") != NULL;
	if (!eof && !strstr(p->problem, "document indicator"))
		return false;
	int line = (int)p->context_mark.line + 1;
	int col = (int)p->context_mark.column + 1;
	if (eof)
		diag_add(b->d, DIAG_ERROR, b->file, line, col,
			 "YAML syntax error: quoted text opened here is still open at the end of the file; expected a matching closing quote");
	else
		diag_add(b->d, DIAG_ERROR, b->file, line, col,
			 "YAML syntax error: quoted text opened here is still open at the document marker on line %d; expected a matching closing quote",
			 (int)p->problem_mark.line + 1);
	return true;
}

static bool next_event(struct builder *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->p, ev)) {
		const char *ctx = b->p.context ? b->p.context : "";
		if (!unclosed_quote(b))
			diag_add(b->d, DIAG_ERROR, b->file,
				 (int)b->p.problem_mark.line + 1,
				 (int)b->p.problem_mark.column + 1,
				 "YAML syntax error: %s%s%s; expected well-formed YAML",
				 b->p.problem ? b->p.problem : "unknown problem",
				 *ctx ? " " : "", ctx);
		b->failed = true;
		return false;
	}
	return true;
}

static void remember_anchor(struct builder *b, const yaml_char_t *anchor,
			    struct ynode *n, size_t weight)
{
	if (!anchor)
		return;
	struct anchor *an = arena_alloc(b->a, sizeof(*an));
	an->name = arena_strdup(b->a, (const char *)anchor);
	an->node = n;
	an->weight = weight;
	an->next = b->anchors;
	b->anchors = an;
}

static struct ynode *build(struct builder *b, yaml_event_t *ev, size_t *weight);

static bool add_weight(struct builder *b, size_t w, yaml_mark_t m)
{
	b->weight += w;
	if (b->weight > YNODE_MAX_WEIGHT) {
		if (!b->failed)
			diag_add(b->d, DIAG_ERROR, b->file, (int)m.line + 1,
				 (int)m.column + 1,
				 "document expands to more than %d nodes through aliases; expected a scenario of reasonable size",
				 YNODE_MAX_WEIGHT);
		b->failed = true;
		return false;
	}
	return true;
}

/* Merge key: copy pairs of src (a map) not already present in dst.
 * A key given both explicitly and through '<<' is not a duplicate: the
 * explicit one wins wherever it stands in the mapping, and of several
 * merged maps the first that has the key wins (YAML's merge-key rules,
 * which js-yaml and editors follow too, so the schema check agrees).
 * Merges are applied after the mapping's own pairs for that reason. */
static void merge_into(struct builder *b, struct ynode *dst, size_t *cap,
		       struct ynode *src, struct ynode *at)
{
	if (src->kind == YN_SEQ) {
		for (size_t i = 0; i < src->n; i++)
			merge_into(b, dst, cap, src->items[i], at);
		return;
	}
	if (src->kind != YN_MAP) {
		diag_at(b->d, at, "merge key '<<' needs a mapping or a list of mappings; expected '<<: *anchor'");
		return;
	}
	for (size_t i = 0; i < src->n; i++) {
		if (ynode_key(dst, src->keys[i]->str))
			continue;
		size_t kcap = *cap, vcap = *cap, kn = dst->n, vn = dst->n;
		push(b, &dst->keys, &kn, &kcap, src->keys[i]);
		push(b, &dst->items, &vn, &vcap, src->items[i]);
		dst->n = kn;
		*cap = kcap;
	}
}

static struct ynode *build_seq(struct builder *b, yaml_event_t *start, size_t *weight)
{
	struct ynode *n = new_node(b, YN_SEQ, start->start_mark);
	yaml_char_t *anchor = start->data.sequence_start.anchor;
	char *aname = anchor ? arena_strdup(b->a, (char *)anchor) : NULL;
	size_t cap = 0, w = 1;
	for (;;) {
		yaml_event_t ev;
		if (!next_event(b, &ev))
			return NULL;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		size_t cw = 0;
		struct ynode *c = build(b, &ev, &cw);
		yaml_event_delete(&ev);
		if (!c)
			return NULL;
		w += cw;
		push(b, &n->items, &n->n, &cap, c);
	}
	remember_anchor(b, (yaml_char_t *)aname, n, w);
	*weight = w;
	return n;
}

static struct ynode *build_map(struct builder *b, yaml_event_t *start, size_t *weight)
{
	struct ynode *n = new_node(b, YN_MAP, start->start_mark);
	yaml_char_t *anchor = start->data.mapping_start.anchor;
	char *aname = anchor ? arena_strdup(b->a, (char *)anchor) : NULL;
	size_t cap = 0, w = 1;
	struct ynode *merge = NULL, *merge_key = NULL;
	for (;;) {
		yaml_event_t ev;
		if (!next_event(b, &ev))
			return NULL;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		size_t kw = 0, vw = 0;
		struct ynode *k = build(b, &ev, &kw);
		yaml_event_delete(&ev);
		if (!k)
			return NULL;
		if (!next_event(b, &ev))
			return NULL;
		struct ynode *v = build(b, &ev, &vw);
		yaml_event_delete(&ev);
		if (!v)
			return NULL;
		w += kw + vw;
		if (k->kind != YN_SCALAR) {
			diag_at(b->d, k, "mapping key is a %s; expected a plain text key",
				ynode_kind_name(k));
			continue;
		}
		if (k->plain && strcmp(k->str, "<<") == 0) {
			/* A key twice, as YAML has it; which merge wins would
			 * otherwise depend on the reader. */
			if (merge_key)
				diag_at(b->d, k, "duplicate merge key '<<' (first at line %d); expected one, with a list to merge several: '<<: [*a, *b]'",
					merge_key->line);
			else
				merge = v, merge_key = k;
			continue;
		}
		struct ynode *prev = ynode_key(n, k->str);
		if (prev) {
			diag_at(b->d, k, "duplicate key '%s' (first at line %d); expected each key once per mapping",
				k->str, prev->line);
			continue;
		}
		size_t kcap = cap, vcap = cap, kn = n->n, vn = n->n;
		push(b, &n->keys, &kn, &kcap, k);
		push(b, &n->items, &vn, &vcap, v);
		n->n = kn;
		cap = kcap;
	}
	if (merge)
		merge_into(b, n, &cap, merge, merge);
	remember_anchor(b, (yaml_char_t *)aname, n, w);
	*weight = w;
	return n;
}

/* A '*name' use: a shallow copy of the anchored node (children shared)
 * marked where the alias stands, so that an error about the value as used
 * there -- a duplicate key, a wrong type -- points at the use, not at the
 * anchor. */
static struct ynode *alias_at(struct builder *b, const struct ynode *target,
			      yaml_mark_t m)
{
	struct ynode *n = arena_alloc(b->a, sizeof(*n));
	*n = *target;
	n->line = (int)m.line + 1;
	n->col = (int)m.column + 1;
	return n;
}

static struct ynode *build(struct builder *b, yaml_event_t *ev, size_t *weight)
{
	if (!add_weight(b, 1, ev->start_mark))
		return NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		struct ynode *n = new_node(b, YN_SCALAR, ev->start_mark);
		n->str = arena_strndup(b->a, (const char *)ev->data.scalar.value,
				       ev->data.scalar.length);
		if (strlen(n->str) != ev->data.scalar.length) {
			diag_at(b->d, n, "text contains a NUL character; expected printable text");
			n->str[0] = 0;
		}
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		remember_anchor(b, ev->data.scalar.anchor, n, 1);
		*weight = 1;
		return n;
	}
	case YAML_ALIAS_EVENT: {
		for (struct anchor *an = b->anchors; an; an = an->next) {
			if (strcmp(an->name, (char *)ev->data.alias.anchor) == 0) {
				if (!add_weight(b, an->weight, ev->start_mark))
					return NULL;
				*weight = an->weight;
				return alias_at(b, an->node, ev->start_mark);
			}
		}
		diag_add(b->d, DIAG_ERROR, b->file, (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 "alias '*%s' refers to no anchor defined before it; expected '&%s' earlier in the file",
			 ev->data.alias.anchor, ev->data.alias.anchor);
		b->failed = true;
		return NULL;
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		if (++b->depth > YNODE_MAX_DEPTH) {
			diag_add(b->d, DIAG_ERROR, b->file, (int)ev->start_mark.line + 1,
				 (int)ev->start_mark.column + 1,
				 "nesting deeper than %d levels; expected a shallower document",
				 YNODE_MAX_DEPTH);
			b->failed = true;
			return NULL;
		}
		struct ynode *n = ev->type == YAML_SEQUENCE_START_EVENT
					  ? build_seq(b, ev, weight)
					  : build_map(b, ev, weight);
		b->depth--;
		return n;
	}
	default:
		diag_add(b->d, DIAG_ERROR, b->file, (int)ev->start_mark.line + 1,
			 (int)ev->start_mark.column + 1,
			 "unexpected YAML structure; expected a value");
		b->failed = true;
		return NULL;
	}
}

/* Width of the well-formed UTF-8 character at s (n bytes left) and its
 * code point, or 0 when the bytes there are not UTF-8. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t w = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
		   : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (!w || w > n)
		return 0;
	uint32_t c = w == 1 ? s[0] : s[0] & (0x7fu >> w);
	for (size_t k = 1; k < w; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	if ((w > 1 && c < least[w]) || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return w;
}

/* The characters libyaml's reader accepts (YAML 1.1 printable). */
static bool printable(uint32_t c)
{
	return c == 0x09 || c == 0x0a || c == 0x0d || (c >= 0x20 && c <= 0x7e) ||
	       c == 0x85 || (c >= 0xa0 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;
}

/* libyaml's reader decodes ahead of its scanner and reports bad bytes
 * (NUL, broken UTF-8, control characters) at 1:1 with no mark, so check
 * the text first and point at the byte.  Lines and columns count
 * characters as libyaml's marks do.  False after reporting the first. */
static bool check_text(const char *file, const char *buf, size_t len,
		       struct diag *d)
{
	const unsigned char *s = (const unsigned char *)buf;
	/* libyaml would decode UTF-16; scenarios (and the schema check) are
	 * UTF-8, so say which encoding the file is in rather than "NUL". */
	if (len >= 2 && (!memcmp(s, "\xff\xfe", 2) || !memcmp(s, "\xfe\xff", 2))) {
		diag_add(d, DIAG_ERROR, file, 1, 1,
			 "UTF-16 text (a UTF-16 byte order mark); expected UTF-8 text");
		return false;
	}
	size_t i = len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	int line = 1, col = 1;
	while (i < len) {
		uint32_t c;
		size_t w = utf8_char(s + i, len - i, &c);
		if (!w || !c || !printable(c)) {
			if (!w)
				diag_add(d, DIAG_ERROR, file, line, col,
					 "invalid UTF-8 (byte 0x%02X); expected UTF-8 text", s[i]);
			else if (!c)
				diag_add(d, DIAG_ERROR, file, line, col,
					 "NUL byte; expected UTF-8 text");
			else
				diag_add(d, DIAG_ERROR, file, line, col,
					 "control character U+%04X; expected printable text (tabs and line breaks are fine)",
					 (unsigned)c);
			return false;
		}
		i += w;
		/* CR LF is one break; so are CR, NEL, LS and PS alone. */
		bool br = c == 0x0a || c == 0x85 || c == 0x2028 || c == 0x2029 ||
			  (c == 0x0d && (i == len || s[i] != 0x0a));
		line += br;
		col = br ? 1 : col + (c != 0x0d);
	}
	return true;
}

struct ynode *ynode_parse(struct arena *a, const char *file, const char *buf,
			  size_t len, struct diag *d)
{
	if (!check_text(file, buf, len, d))
		return NULL;

	struct builder b = {.a = a, .file = file, .d = d};
	struct ynode *root = NULL;
	yaml_event_t ev;
	size_t before = d->errors;

	yaml_parser_initialize(&b.p);
	yaml_parser_set_input_string(&b.p, (const unsigned char *)buf, len);
	bool in_doc = false, done = false;
	while (!done && next_event(&b, &ev)) {
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (root) {
				diag_add(d, DIAG_ERROR, file, (int)ev.start_mark.line + 1,
					 (int)ev.start_mark.column + 1,
					 "a second YAML document; expected one scenario per file");
				done = true;
			}
			in_doc = true;
			break;
		case YAML_DOCUMENT_END_EVENT:
			in_doc = false;
			break;
		case YAML_STREAM_START_EVENT:
			break;
		default:
			if (in_doc && !root) {
				size_t w = 0;
				root = build(&b, &ev, &w);
				if (!root)
					done = true;
			}
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&b.p);
	if (d->errors > before)
		return NULL;
	if (!root)
		diag_add(d, DIAG_ERROR, file, 1, 1, "empty document; expected a mapping with the scenario's keys");
	return root;
}

struct ynode *ynode_key(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->keys[i];
	return NULL;
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->items[i];
	return NULL;
}

bool ynode_is_null(const struct ynode *n)
{
	return n && n->kind == YN_SCALAR && n->plain &&
	       (!*n->str || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		!strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YN_SCALAR:
		return ynode_is_null(n) ? "null" : "scalar";
	case YN_SEQ:
		return "list";
	case YN_MAP:
		return "mapping";
	}
	return "?";
}
