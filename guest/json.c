/* json: the guest's streaming JSON writer.  Output is always valid JSON
 * as long as the caller balances obj/arr and puts a key before every
 * value inside an object: strings are escaped (control characters as
 * \u00XX, invalid UTF-8 replaced by U+FFFD so the host's parser never
 * rejects a report because of a stray byte in an error message), and
 * non-finite numbers become null.  Allocation failure truncates the
 * output instead of aborting (a worker must still exit cleanly); the host
 * then fails to parse that report and names the worker. */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JW_MAX_DEPTH ((int)(sizeof(((struct jw *)0)->need_comma) / sizeof(bool)))

void jw_init(struct jw *j)
{
	memset(j, 0, sizeof(*j));
}

void jw_free(struct jw *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

static bool reserve(struct jw *j, size_t extra)
{
	if (j->len + extra + 1 <= j->cap)
		return true;
	size_t cap = j->cap ? j->cap : 256;
	while (cap < j->len + extra + 1)
		cap *= 2;
	char *b = realloc(j->buf, cap);
	if (!b)
		return false;
	j->buf = b;
	j->cap = cap;
	return true;
}

static void put(struct jw *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = 0;
}

static void putc_(struct jw *j, char c)
{
	put(j, &c, 1);
}

/* Before a value or a key: a comma when something precedes it at this
 * level.  After a key the value follows without a comma. */
static void sep(struct jw *j)
{
	int d = j->depth < JW_MAX_DEPTH ? j->depth : JW_MAX_DEPTH - 1;
	if (j->need_comma[d])
		putc_(j, ',');
	j->need_comma[d] = true;
}

static void open_(struct jw *j, char c)
{
	sep(j);
	putc_(j, c);
	j->depth++;
	if (j->depth < JW_MAX_DEPTH)
		j->need_comma[j->depth] = false;
}

static void close_(struct jw *j, char c)
{
	putc_(j, c);
	if (j->depth > 0)
		j->depth--;
}

void jw_obj(struct jw *j) { open_(j, '{'); }
void jw_end_obj(struct jw *j) { close_(j, '}'); }
void jw_arr(struct jw *j) { open_(j, '['); }
void jw_end_arr(struct jw *j) { close_(j, ']'); }

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static int utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	int n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		n = 2, min = 0x80, c &= 0x1F;
	else if ((c & 0xF0) == 0xE0)
		n = 3, min = 0x800, c &= 0x0F;
	else if ((c & 0xF8) == 0xF0)
		n = 4, min = 0x10000, c &= 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	return n;
}

static void put_string(struct jw *j, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	putc_(j, '"');
	while (*s) {
		const unsigned char *run = s;
		while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		if (s > run)
			put(j, (const char *)run, (size_t)(s - run));
		if (!*s)
			break;
		char esc[8];
		switch (*s) {
		case '"': put(j, "\\\"", 2); s++; continue;
		case '\\': put(j, "\\\\", 2); s++; continue;
		case '\n': put(j, "\\n", 2); s++; continue;
		case '\r': put(j, "\\r", 2); s++; continue;
		case '\t': put(j, "\\t", 2); s++; continue;
		case '\b': put(j, "\\b", 2); s++; continue;
		case '\f': put(j, "\\f", 2); s++; continue;
		default: break;
		}
		if (*s < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
			put(j, esc, 6);
			s++;
			continue;
		}
		int n = utf8_len(s);
		if (n > 0) {
			put(j, (const char *)s, (size_t)n);
			s += n;
		} else {
			put(j, "\\ufffd", 6);
			s++;
		}
	}
	putc_(j, '"');
}

void jw_key(struct jw *j, const char *k)
{
	sep(j);
	put_string(j, k);
	putc_(j, ':');
	/* the value that follows must not add a comma; it sets the flag
	 * again for the next key */
	int d = j->depth < JW_MAX_DEPTH ? j->depth : JW_MAX_DEPTH - 1;
	j->need_comma[d] = false;
}

void jw_str(struct jw *j, const char *s)
{
	sep(j);
	put_string(j, s);
}

void jw_int(struct jw *j, int64_t v)
{
	char b[32];
	sep(j);
	put(j, b, (size_t)snprintf(b, sizeof(b), "%lld", (long long)v));
}

void jw_uint(struct jw *j, uint64_t v)
{
	char b[32];
	sep(j);
	put(j, b, (size_t)snprintf(b, sizeof(b), "%llu", (unsigned long long)v));
}

void jw_num(struct jw *j, double v)
{
	char b[40];
	sep(j);
	if (!isfinite(v)) {
		put(j, "null", 4);
		return;
	}
	int n = snprintf(b, sizeof(b), "%.17g", v);
	/* %.17g never yields "inf"/"nan" here and always yields a JSON
	 * number (digits, '.', 'e', sign). */
	put(j, b, (size_t)n);
}

void jw_bool(struct jw *j, bool v)
{
	sep(j);
	put(j, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *j)
{
	sep(j);
	put(j, "null", 4);
}

void jw_kstr(struct jw *j, const char *k, const char *s)
{
	jw_key(j, k);
	if (s)
		jw_str(j, s);
	else
		jw_null(j);
}

void jw_kint(struct jw *j, const char *k, int64_t v) { jw_key(j, k); jw_int(j, v); }
void jw_kuint(struct jw *j, const char *k, uint64_t v) { jw_key(j, k); jw_uint(j, v); }
void jw_knum(struct jw *j, const char *k, double v) { jw_key(j, k); jw_num(j, v); }
void jw_kbool(struct jw *j, const char *k, bool v) { jw_key(j, k); jw_bool(j, v); }
