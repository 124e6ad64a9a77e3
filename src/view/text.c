/* text: escaping, number and time formatting, CPU lists and tolerant
 * JSON reading for the HTML renderer. */
#include "view.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd"

void *v_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		fputs("ktstr: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *v_grow(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fputs("ktstr: out of memory\n", stderr);
		abort();
	}
	return q;
}

void v_buf_printf(struct v_buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if (b->p && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		b->cap = b->cap * 2 + (size_t)k + 64;
		b->p = v_grow(b->p, b->cap);
		b->p[b->n] = 0;
	}
}

/* Length of the valid UTF-8 sequence at s, 0 when it is not one: a
 * kernel log line may carry any bytes, and the page must stay valid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
	if (s[0] >= 0xf5)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
		return 0;
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
		return 0;
	return n;
}

/* Writes one character of s; returns the bytes it took. */
static size_t esc_char(FILE *f, const unsigned char *s)
{
	switch (s[0]) {
	case '&': fputs("&amp;", f); return 1;
	case '<': fputs("&lt;", f); return 1;
	case '>': fputs("&gt;", f); return 1;
	case '"': fputs("&quot;", f); return 1;
	case '\'': fputs("&#39;", f); return 1;
	case '\t': case '\n': case '\r': fputc(s[0], f); return 1;
	default: break;
	}
	if (s[0] < 0x20 || s[0] == 0x7f) {
		fputs(REPLACEMENT, f);
		return 1;
	}
	if (s[0] < 0x80) {
		fputc(s[0], f);
		return 1;
	}
	size_t n = utf8_len(s);
	if (!n) {
		fputs(REPLACEMENT, f);
		return 1;
	}
	fwrite(s, 1, n, f);
	return n;
}

void v_esc_max(FILE *f, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (size_t k = 0; *p; k++) {
		if (k == max_chars) {
			fputs("\xe2\x80\xa6", f);	/* ellipsis */
			return;
		}
		p += esc_char(f, p);
	}
}

void v_esc(FILE *f, const char *s)
{
	v_esc_max(f, s, SIZE_MAX);
}

/* A duration in the unit a scheduler developer reads it in. */
const char *v_dur(char *buf, size_t n, double ns)
{
	double a = fabs(ns);
	if (!isfinite(ns))
		snprintf(buf, n, "?");
	else if (a >= 1e9)
		snprintf(buf, n, "%.3g s", ns / 1e9);
	else if (a >= 1e6)
		snprintf(buf, n, "%.4g ms", ns / 1e6);
	else if (a >= 1e3)
		snprintf(buf, n, "%.4g \xc2\xb5s", ns / 1e3);
	else
		snprintf(buf, n, "%.0f ns", ns);
	return buf;
}

/* A time on an axis whose ticks are step_ns apart: just enough decimals. */
const char *v_secs(char *buf, size_t n, double ns, double step_ns)
{
	int dec = 0;
	for (double s = step_ns / 1e9; s < 0.999 && dec < 6; s *= 10)
		dec++;
	snprintf(buf, n, "%.*f s", dec, ns / 1e9);
	return buf;
}

/* 1, 2 or 5 times a power of ten, giving at most max_ticks ticks. */
double v_nice_step(double span, int max_ticks)
{
	if (!(span > 0) || max_ticks < 1)
		return 1;
	double raw = span / max_ticks, p = pow(10, floor(log10(raw)));
	for (int i = 0; i < 3; i++) {
		double m = (double[]){1, 2, 5}[i];
		if (m * p >= raw)
			return m * p;
	}
	return 10 * p;
}

const cJSON *v_jget(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

const char *v_jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(v_jget(o, k));
}

bool v_is_type(const cJSON *rec, const char *type)
{
	const char *t = v_jstr(rec, "type");
	return t && !strcmp(t, type);
}

bool v_jnum(const cJSON *o, const char *k, double *out)
{
	const cJSON *it = v_jget(o, k);
	if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
		return false;
	*out = it->valuedouble;
	return true;
}

int64_t v_ji64(const cJSON *o, const char *k, int64_t dflt)
{
	double d;
	if (!v_jnum(o, k, &d) || d < -9.2e18 || d > 9.2e18)
		return dflt;
	return (int64_t)d;
}

int64_t v_jtime(const cJSON *o, const char *k, int64_t dflt)
{
	double d;
	return v_jnum(o, k, &d) && d >= -V_MAX_TIME && d <= V_MAX_TIME ? (int64_t)d : dflt;
}

int v_jint(const cJSON *o, const char *k, int dflt)
{
	double d;
	return v_jnum(o, k, &d) && d >= INT32_MIN && d <= INT32_MAX ? (int)d : dflt;
}

bool v_cpus_has(const struct v_cpus *s, int cpu)
{
	return cpu >= 0 && cpu < V_MAX_CPUS && (s->bits[cpu / 64] >> (cpu % 64) & 1);
}

void v_cpus_set(struct v_cpus *s, int cpu)
{
	if (cpu >= 0 && cpu < V_MAX_CPUS)
		s->bits[cpu / 64] |= 1ull << (cpu % 64);
}

bool v_cpus_any(const struct v_cpus *s)
{
	for (size_t i = 0; i < V_MAX_CPUS / 64; i++)
		if (s->bits[i])
			return true;
	return false;
}

/* "0-3,8": the kernel's cpulist format. */
bool v_cpus_parse(const char *text, struct v_cpus *s)
{
	memset(s, 0, sizeof(*s));
	const char *p = text;
	if (!p)
		return false;
	while (*p) {
		char *end;
		errno = 0;
		long a = strtol(p, &end, 10), b = a;
		if (end == p || errno || a < 0)
			return false;
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a)
				return false;
			p = end;
		}
		for (long c = a; c <= b && c < V_MAX_CPUS; c++)
			v_cpus_set(s, (int)c);
		while (*p == ',' || *p == ' ' || *p == '\n')
			p++;
	}
	return true;
}

void v_cpus_from_json(const cJSON *arr, struct v_cpus *s)
{
	const cJSON *it;
	memset(s, 0, sizeof(*s));
	if (!cJSON_IsArray(arr))
		return;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble < V_MAX_CPUS)
			v_cpus_set(s, (int)it->valuedouble);
}

void v_cpus_format(const struct v_cpus *s, char *out, size_t n)
{
	size_t len = 0;
	out[0] = 0;
	for (int c = 0; c < V_MAX_CPUS && len + 1 < n; c++) {
		if (!v_cpus_has(s, c))
			continue;
		int e = c;
		while (e + 1 < V_MAX_CPUS && v_cpus_has(s, e + 1))
			e++;
		int k = e > c ? snprintf(out + len, n - len, "%s%d-%d", len ? "," : "", c, e)
			      : snprintf(out + len, n - len, "%s%d", len ? "," : "", c);
		len += k > 0 ? (size_t)k : 0;
		if (len >= n)
			out[n - 1] = 0;
		c = e;
	}
}
