/* json: a small streaming JSON writer for the guest, which is static and
 * cannot link Debian's cJSON (no static archive).  The host parses what
 * it writes with cJSON.  Commas and nesting are tracked for the caller. */
#ifndef KTSTR_JSON_H
#define KTSTR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw {
	char *buf;
	size_t len, cap;
	int depth;
	bool need_comma[32];
};

void jw_init(struct jw *j);
void jw_free(struct jw *j);
void jw_obj(struct jw *j);		/* { */
void jw_end_obj(struct jw *j);		/* } */
void jw_arr(struct jw *j);		/* [ */
void jw_end_arr(struct jw *j);		/* ] */
void jw_key(struct jw *j, const char *k);	/* "k": (the next value follows) */
void jw_str(struct jw *j, const char *s);
void jw_int(struct jw *j, int64_t v);
void jw_uint(struct jw *j, uint64_t v);
void jw_num(struct jw *j, double v);	/* NaN/inf become null */
void jw_bool(struct jw *j, bool v);
void jw_null(struct jw *j);
/* key + value shorthands */
void jw_kstr(struct jw *j, const char *k, const char *s);
void jw_kint(struct jw *j, const char *k, int64_t v);
void jw_kuint(struct jw *j, const char *k, uint64_t v);
void jw_knum(struct jw *j, const char *k, double v);
void jw_kbool(struct jw *j, const char *k, bool v);

#endif
