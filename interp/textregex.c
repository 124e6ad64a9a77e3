/* textregex: compiling payload output patterns and listing their named
 * groups (see textregex.h). */
#include "textregex.h"

#include <stdio.h>
#include <string.h>

pcre2_code *textregex_compile(const char *re, char *err, size_t n)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_MULTILINE, &code, &off, NULL);
	if (!c) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, n, "%s at offset %zu", (const char *)msg, (size_t)off);
	}
	return c;
}

size_t textregex_groups(const pcre2_code *re, const char **names, int *nums, size_t max)
{
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table = NULL;
	pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
	size_t n = 0;
	for (uint32_t i = 0; i < count && n < max; i++) {
		PCRE2_SPTR e = table + (size_t)i * size;
		nums[n] = (e[0] << 8) | e[1];
		names[n++] = (const char *)(e + 2);
	}
	return n;
}

int textregex_group(const pcre2_code *re, const char *name)
{
	int num = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
	return num > 0 ? num : -1;
}
