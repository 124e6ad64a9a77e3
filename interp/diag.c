/* diag: collects, orders and prints scenario errors (text and JSON). */
#include "diag.h"
#include "util.h"
#include "ynode.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void diag_vadd(struct diag *d, enum diag_level lvl, const char *file,
		      int line, int col, const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = xrealloc(d->items, d->cap * sizeof(*d->items));
	}
	struct strbuf sb = {0};
	sb_vprintf(&sb, fmt, ap);
	d->items[d->n++] = (struct diag_item){
		.level = lvl, .file = file, .line = line, .col = col,
		.msg = sb_detach(&sb),
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
