/* findings: named problems found in the kernel console with pcre2
 * patterns — panics, BUGs, WARNINGs, hung tasks, RCU stalls, lockups and
 * sched_ext disabling a scheduler.  Each match is a finding; findings
 * fail a run unless the scenario expects them (expect_findings; the
 * names are the language's ty_finding). */
#ifndef KTSTR_FINDINGS_H
#define KTSTR_FINDINGS_H

#include <stddef.h>

struct finding {
	const char *name;	/* from the pattern table */
	char line[256];		/* the console line that matched */
};

/* The i-th pattern's name (NULL past the end). */
const char *findings_name(size_t i);

/* Scan text; returns the number of findings written to out (at most max). */
size_t findings_scan(const char *text, struct finding *out, size_t max);

#endif
