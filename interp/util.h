/* util: small building blocks shared by every module — an arena allocator
 * (one free for a whole parse), a growable string buffer, and checked
 * allocation that exits on out-of-memory instead of returning NULL. */
#ifndef KTSTR_UTIL_H
#define KTSTR_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Arena: bump allocation from chained blocks; freed all at once. */
struct arena {
	struct arena_block *head;
};
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

/* Growable byte/string buffer; always NUL-terminated when len > 0. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_grow(struct strbuf *sb, size_t extra);
void sb_add(struct strbuf *sb, const void *data, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
void sb_free(struct strbuf *sb);
char *sb_detach(struct strbuf *sb);


/* The paths dir/NAME of the entries whose NAME ends in suffix and not in
 * but (NULL: no exclusion), sorted; malloc'd, NULL-terminated (NULL when
 * the directory cannot be read or holds none); *n their count. */
char **dir_files(const char *dir, const char *suffix, const char *but, size_t *n);
void dir_files_free(char **v);

/* s escaped for XML text and attributes (control characters dropped). */
void xml_text(FILE *out, const char *s);

/* Read a whole file; returns NULL and sets errno on failure. */
char *read_file(const char *path, size_t *len, size_t max);
/* Why read_file failed, from its errno: a FIFO, device or directory is
 * refused at once (never a blocking open), a file over max says so. */
const char *read_file_error(int e);

/* Edit distance, used for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);

/* Format a duration in ns the way a user would write it: 500ms, 2s, 1m30s. */
void fmt_duration(char *out, size_t n, uint64_t ns);

#endif
