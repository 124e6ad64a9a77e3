/* diag: collects, orders and prints scenario errors (text and JSON). */
#include "diag.h"
#include "util.h"
#include "ynode.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Echoes of user input longer than this many bytes keep their start and
 * end around a "...": a 10 KB scalar must not bury the message, and the
 * end of a long path (the file name) is as telling as its start. */
#define ECHO_MAX 60
#define ECHO_TAIL 20

static size_t utf8_back(const char *s, size_t i)
{
	while (i && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

static void put_echo(struct strbuf *sb, const char *s, size_t n)
{
	if (n <= ECHO_MAX) {
		sb_add(sb, s, n);
		return;
	}
	size_t head = utf8_back(s, ECHO_MAX - ECHO_TAIL - 3);
	size_t tail = utf8_back(s, n - ECHO_TAIL);
	sb_add(sb, s, head);
	sb_puts(sb, "...");
	sb_add(sb, s + tail, n - tail);
}

/* One conversion of spec (stars already replaced by numbers), taking its
 * argument from ap by the type the length modifier and conversion name. */
#define PUT(T) sb_printf(sb, spec, va_arg(*ap, T))
static bool put_conv(struct strbuf *sb, const char *spec, const char *len,
		     char conv, va_list *ap)
{
	bool l = !strcmp(len, "l"), ll = !strcmp(len, "ll");
	bool z = !strcmp(len, "z"), j = !strcmp(len, "j"), t = !strcmp(len, "t");
	switch (conv) {
	case 'd': case 'i':
		l ? PUT(long) : ll ? PUT(long long) : z ? PUT(ptrdiff_t)
			: j ? PUT(intmax_t) : t ? PUT(ptrdiff_t) : PUT(int);
		return true;
	case 'u': case 'x': case 'X': case 'o':
		l ? PUT(unsigned long) : ll ? PUT(unsigned long long)
			: z ? PUT(size_t) : j ? PUT(uintmax_t) : t ? PUT(size_t)
			: PUT(unsigned);
		return true;
	case 'c':
		PUT(int);
		return true;
	case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': case 'a': case 'A':
		*len == 'L' ? PUT(long double) : PUT(double);
		return true;
	case 's':
		PUT(const char *);
		return true;
	case 'p':
		PUT(void *);
		return true;
	}
	return false;
}
#undef PUT

/* vprintf, except that a string written quoted in the format ('%s' or
 * "%s"), which by convention echoes user input, is shortened (put_echo). */
static void format_msg(struct strbuf *sb, const char *fmt, va_list ap0)
{
	va_list ap;
	va_copy(ap, ap0);
	const char *p = fmt;
	for (const char *pct; (pct = strchr(p, '%')); ) {
		sb_add(sb, p, (size_t)(pct - p));
		char spec[48] = "%", len[3] = "";
		size_t sn = 1;
		p = pct + 1;
		while (*p && strchr("-+ #0.123456789*", *p) && sn < 32) {
			if (*p == '*')
				sn += (size_t)snprintf(spec + sn, 12, "%d", va_arg(ap, int));
			else
				spec[sn++] = *p;
			p++;
		}
		for (size_t k = 0; *p && strchr("hlzjtL", *p) && k < 2; k++)
			len[k] = spec[sn++] = *p++;
		char conv = *p ? *p++ : 0;
		spec[sn++] = conv;
		spec[sn] = 0;
		if (conv == '%') {
			sb_putc(sb, '%');
			continue;
		}
		bool quoted = conv == 's' && pct > fmt && strchr("'\"", pct[-1]) &&
			      *p == pct[-1];
		struct strbuf one = {0};
		if (!put_conv(quoted ? &one : sb, spec, len, conv, &ap))
			sb_puts(sb, spec);	/* unknown: shown, not guessed at */
		if (quoted)
			put_echo(sb, one.buf ? one.buf : "", one.len);
		sb_free(&one);
	}
	sb_puts(sb, p);
	va_end(ap);
}

/* Control characters in a message can only come from echoed input (a
 * "\x1b" escape in a quoted value, a block scalar's newline); raw, they
 * would break the one-line format or drive the terminal. */
static char *escape_controls(char *msg)
{
	struct strbuf sb = {0};
	const unsigned char *s = (const unsigned char *)msg;
	for (size_t i = 0; s[i]; i++) {
		static const char named[] = "\\a\\b\\t\\n\\v\\f\\r";
		if (s[i] >= 7 && s[i] <= 13) {
			sb_add(&sb, named + 2 * (s[i] - 7), 2);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			sb_printf(&sb, "\\x%02x", s[i]);
		} else if (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f) {
			sb_printf(&sb, "\\u%04x", s[++i]);	/* C1 control */
		} else {
			sb_putc(&sb, (char)s[i]);
		}
	}
	free(msg);
	return sb_detach(&sb);
}

static void diag_vadd(struct diag *d, enum diag_level lvl, const char *file,
		      int line, int col, const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = xrealloc(d->items, d->cap * sizeof(*d->items));
	}
	struct strbuf sb = {0};
	format_msg(&sb, fmt, ap);
	char *msg = escape_controls(sb_detach(&sb));
	d->items[d->n++] = (struct diag_item){
		.level = lvl, .file = file, .line = line, .col = col,
		.msg = msg,
	};
	if (lvl == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void diag_add(struct diag *d, enum diag_level lvl, const char *file, int line,
	      int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, lvl, file, line, col, fmt, ap);
	va_end(ap);
}

static void diag_vat(struct diag *d, enum diag_level lvl, const struct ynode *n, const char *fmt,
		     va_list ap)
{
	diag_vadd(d, lvl, n ? n->file : NULL, n ? n->line : 0, n ? n->col : 0, fmt, ap);
}

void diag_at(struct diag *d, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(d, DIAG_ERROR, n, fmt, ap);
	va_end(ap);
}

void diag_warn_at(struct diag *d, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vat(d, DIAG_WARNING, n, fmt, ap);
	va_end(ap);
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct diag_item *a = pa, *b = pb;
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return strcmp(a->msg, b->msg);
}

void diag_sort(struct diag *d)
{
	if (d->n < 2)
		return;
	qsort(d->items, d->n, sizeof(*d->items), cmp_item);
	size_t w = 1;
	for (size_t r = 1; r < d->n; r++) {
		if (cmp_item(&d->items[w - 1], &d->items[r]) == 0 &&
		    d->items[w - 1].level == d->items[r].level) {
			if (d->items[r].level == DIAG_ERROR)
				d->errors--;
			else
				d->warnings--;
			free(d->items[r].msg);
			continue;
		}
		d->items[w++] = d->items[r];
	}
	d->n = w;
}

void diag_print(const struct diag *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->items[i];
		const char *lvl = it->level == DIAG_ERROR ? "error" : "warning";
		if (it->file && it->line)
			fprintf(out, "%s:%d:%d: %s: %s\n", it->file, it->line,
				it->col, lvl, it->msg);
		else if (it->file)
			fprintf(out, "%s: %s: %s\n", it->file, lvl, it->msg);
		else
			fprintf(out, "ktstr: %s: %s\n", lvl, it->msg);
	}
}

void diag_to_json(const struct diag *d, void *array)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_item *it = &d->items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "file", it->file ? it->file : "");
		cJSON_AddNumberToObject(o, "line", it->line);
		cJSON_AddNumberToObject(o, "col", it->col);
		cJSON_AddStringToObject(o, "level",
					it->level == DIAG_ERROR ? "error" : "warning");
		cJSON_AddStringToObject(o, "message", it->msg);
		cJSON_AddItemToArray(array, o);
	}
}

void diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->items[i].msg);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

const char *did_you_mean(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t wl = strlen(word);
	for (size_t i = 0; i < n; i++) {
		size_t dist = edit_distance(word, cands[i]);
		if (dist < best_d) {
			best_d = dist;
			best = cands[i];
		}
	}
	/* Allow roughly one typo per three characters, at least two. */
	size_t limit = wl / 3 > 2 ? wl / 3 : 2;
	return best_d <= limit ? best : NULL;
}

void diag_truncate(struct diag *d, size_t n)
{
	while (d->n > n) {
		struct diag_item *it = &d->items[--d->n];
		if (it->level == DIAG_ERROR)
			d->errors--;
		else
			d->warnings--;
		free(it->msg);
	}
}
