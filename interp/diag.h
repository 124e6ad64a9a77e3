/* diag: the error list of one validation run.  Every message a user sees
 * about a scenario goes through here so that all of them share one shape,
 * "file:line:col: error: what is wrong; what is expected", are all
 * reported in one run, and can also be emitted as JSON for tools. */
#ifndef KTSTR_DIAG_H
#define KTSTR_DIAG_H

#include <stdio.h>
#include <stddef.h>
#include <stdbool.h>

struct ynode;

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_item {
	enum diag_level level;
	const char *file;
	int line, col;
	char *msg;
};

struct diag {
	struct diag_item *items;
	size_t n, cap;
	size_t errors, warnings;
};

void diag_add(struct diag *d, enum diag_level lvl, const char *file, int line,
	      int col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Error located at a node (NULL node: no location). */
void diag_at(struct diag *d, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warn_at(struct diag *d, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Drop the items added after the first n (counts follow). */
void diag_truncate(struct diag *d, size_t n);
/* Sort by file, line, column; drop exact duplicates. */
void diag_sort(struct diag *d);
void diag_print(const struct diag *d, FILE *out);
/* Append JSON objects {file,line,col,level,message} to a cJSON array. */
void diag_to_json(const struct diag *d, void *cjson_array);
void diag_free(struct diag *d);

/* Closest candidate within a small edit distance, or NULL. */
const char *did_you_mean(const char *word, const char *const *cands, size_t n);

#endif
