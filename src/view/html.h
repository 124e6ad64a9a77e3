/* html: the HTML report of one saved run (ktstr report --html, run --html)
 * or of two side by side (compare --html): one self-contained page, no
 * network, no external resources. */
#ifndef KTSTR_HTML_H
#define KTSTR_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cJSON;
struct timeline;

struct html_run {
	const struct cJSON *result;	/* a saved ktstr result */
	const struct timeline *tl;	/* from src/trace/timeline.h; NULL when the run had no trace */
	const char *label;		/* "A", "B", or the file name */
};

/* Writes one self-contained HTML page: nruns == 1 a report, nruns == 2 A
 * and B side by side (compare).  Returns false with why in err on a write
 * error. */
bool html_write(FILE *out, const struct html_run *runs, int nruns, char *err, size_t n);

#endif
