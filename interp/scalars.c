/* scalars: the parsers of the format's scalar syntax — integers,
 * numbers, fractions and percentages, durations, booleans, names and CPU
 * lists — shared by the checker, lowering and the command line. */
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

bool parse_int(const char *s, int64_t *out)
{
	if (!*s || isspace((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool parse_num(const char *s, double *out)
{
	if (!*s || isspace((unsigned char)*s))
		return false;
	/* strtod accepts hex floats, inf and nan; a scenario never means those. */
	for (const char *p = s; *p; p++)
		if (!strchr("0123456789+-.eE", *p))
			return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool parse_frac(const char *s, double *out)
{
	size_t n = strlen(s);
	if (n > 1 && s[n - 1] == '%') {
		char buf[64];
		if (n >= sizeof(buf))
			return false;
		memcpy(buf, s, n - 1);
		buf[n - 1] = 0;
		double v;
		if (!parse_num(buf, &v))
			return false;
		*out = v / 100.0;
		return true;
	}
	return parse_num(s, out);
}

bool parse_dur(const char *s, uint64_t *ns)
{
	static const struct { const char *u; double mul; } units[] = {
		{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
	};
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return true;
	}
	const char *p = s;
	while (isdigit((unsigned char)*p))
		p++;
	if (p == s)
		return false;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return false;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if (!*p)
		return false;
	char num[64];
	if ((size_t)(p - s) >= sizeof(num))
		return false;
	memcpy(num, s, (size_t)(p - s));
	num[p - s] = 0;
	double v;
	if (!parse_num(num, &v) || v < 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(p, units[i].u) == 0) {
			double t = v * units[i].mul;
			if (t > 9.2e18 || t != floor(t))
				return false;
			*ns = (uint64_t)t;
			return true;
		}
	}
	return false;
}

bool parse_bool(const char *s, bool *out)
{
	/* YAML 1.2 core schema spellings, as editors and js-yaml read them. */
	if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
		*out = false;
		return true;
	}
	return false;
}

bool parse_name(const char *s, bool slash)
{
	if (!*s || strlen(s) > 255)
		return false;
	const char *seg = s;
	for (const char *p = s;; p++) {
		if (*p == '/' || !*p) {
			size_t len = (size_t)(p - seg);
			if (len == 0 || (len == 1 && seg[0] == '.') ||
			    (len == 2 && seg[0] == '.' && seg[1] == '.'))
				return false;
			if (!*p)
				return true;
			if (!slash)
				return false;
			seg = p + 1;
			continue;
		}
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	}
}

int parse_cpulist(const char *s, uint64_t *mask, int max_cpu)
{
	int count = 0;
	const char *p = s;
	if (!*p)
		return -1;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return -1;
		long a = strtol(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			b = strtol(p, &end, 10);
			p = end;
		}
		if (a > b || b >= max_cpu || a < 0)
			return -1;
		for (long c = a; c <= b; c++) {
			if (!(mask[c / 64] & (1ull << (c % 64))))
				count++;
			mask[c / 64] |= 1ull << (c % 64);
		}
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return -1;
	}
	return count;
}

