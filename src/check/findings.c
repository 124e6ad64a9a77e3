/* findings: the console pattern table and the scanner. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "findings.h"
#include "util.h"

#include <pcre2.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	const char *pattern;
} patterns[] = {
	{"kernel_panic", "Kernel panic - not syncing"},
	{"bug", "(^|\\] )BUG: (?!soft lockup)"},
	{"oops", "(^|\\] )Oops: "},
	{"warning", "(^|\\] )WARNING: (CPU: \\d+ PID: \\d+|.* at )"},
	{"hung_task", "INFO: task .+ blocked for more than \\d+ seconds"},
	{"rcu_stall", "rcu: INFO: rcu_\\w+ (self-)?detected stall"},
	{"soft_lockup", "watchdog: BUG: soft lockup"},
	{"hard_lockup", "Watchdog detected hard LOCKUP"},
	{"sched_ext_disabled", "sched_ext: BPF scheduler \"[^\"]*\" (disabled|errored)"},
	{"sched_ext_stall", "sched_ext: .*(runnable task stall|watchdog failed)"},
};

const char *findings_name(size_t i)
{
	return i < ARRAY_SIZE(patterns) ? patterns[i].name : NULL;
}

size_t findings_scan(const char *text, struct finding *out, size_t max)
{
	size_t n = 0;
	if (!text)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(patterns) && n < max; i++) {
		int err;
		PCRE2_SIZE off;
		pcre2_code *re = pcre2_compile((PCRE2_SPTR)patterns[i].pattern, PCRE2_ZERO_TERMINATED,
					       PCRE2_MULTILINE, &err, &off, NULL);
		if (!re)
			continue;
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
		if (pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL) >= 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			const char *start = text + ov[0];
			while (start > text && start[-1] != '\n')
				start--;
			size_t len = strcspn(start, "\r\n");
			out[n].name = patterns[i].name;
			snprintf(out[n].line, sizeof(out[n].line), "%.*s", (int)len, start);
			n++;
		}
		pcre2_match_data_free(md);
		pcre2_code_free(re);
	}
	return n;
}
