/* resultio: loading saved result files (a file, or every *.json of a
 * directory) for report, check and compare. */
#ifndef KTSTR_RESULTIO_H
#define KTSTR_RESULTIO_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* Loads path (file or directory); returns the count, results in *out
 * (malloc'd array of cJSON objects), or -1 after printing why.  Files
 * that are not well-formed results are named with the field that is
 * wrong and counted in *broken (a directory's others still load); a
 * directory without any *.json is -1 (named), never an empty set. */
int results_load(const char *path, struct cJSON ***out, int *broken);
/* Whether r has the shape report, check and compare rely on (types of
 * every field they read); false with the first wrong field in why. */
bool result_shape_ok(const struct cJSON *r, char *why, size_t n);
void results_free(struct cJSON **r, int n);

#endif
