/* resultio: loading saved result files (a file, or every *.json of a
 * directory) for report, check and compare. */
#ifndef KTSTR_RESULTIO_H
#define KTSTR_RESULTIO_H

#include <stddef.h>

struct cJSON;

/* Loads path (file or directory); returns the count, results in *out
 * (malloc'd array of cJSON objects), or -1 after printing why. */
int results_load(const char *path, struct cJSON ***out);
void results_free(struct cJSON **r, int n);

#endif
