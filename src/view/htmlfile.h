/* htmlfile: an HTML report written to a file for saved results — each
 * result's trace loaded from next to it and checked first, the page
 * written to a temp file and renamed, so an error leaves no partial page
 * behind (report --html, run --html, compare --html). */
#ifndef KTSTR_HTMLFILE_H
#define KTSTR_HTMLFILE_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* results[i] was loaded from paths[i] (its trace.dat is looked up next to
 * it); n is 1 (report) or 2 (A and B).  Writes out_path; false with why
 * in err (naming the file at fault). */
bool html_report_file(struct cJSON *const *results, const char *const *paths, const char *const *labels, int n,
		      const char *out_path, char *err, size_t errn);
/* out: path with its .json suffix replaced by .html. */
void html_path_for(const char *result_path, char *out, size_t n);

#endif
