/* findings: named problems found in the kernel console with pcre2
 * patterns — panics, BUGs, WARNINGs, hung tasks, RCU stalls, lockups and
 * sched_ext disabling a scheduler.  Each match is a finding; findings
 * fail a run. */
#ifndef KTSTR_FINDINGS_H
#define KTSTR_FINDINGS_H

#include <stddef.h>

struct finding {
	const char *name;	/* from the pattern table */
	char line[256];		/* the console line that matched */
};

/* Scan text; returns the number of findings written to out (at most max). */
size_t findings_scan(const char *text, struct finding *out, size_t max);

#endif
