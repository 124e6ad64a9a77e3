/* textregex: PCRE2 patterns of payload text output — compiled once for
 * the loader's check (a bad pattern is an error at its file:line:col)
 * and for the host's metric extraction, so both read a pattern alike. */
#ifndef KTSTR_TEXTREGEX_H
#define KTSTR_TEXTREGEX_H

#include <stdbool.h>
#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Compile re multi-line, without UTF checks (output may be any bytes).
 * NULL on error, with PCRE2's message and offset in err. */
pcre2_code *textregex_compile(const char *re, char *err, size_t n);

/* Its named groups, in name order: names[i] is group number nums[i].
 * Returns the count (at most max). */
size_t textregex_groups(const pcre2_code *re, const char **names, int *nums, size_t max);

/* The group number of name, or -1. */
int textregex_group(const pcre2_code *re, const char *name);

#endif
