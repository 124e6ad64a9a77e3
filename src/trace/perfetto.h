/* perfetto: the timeline as Chrome trace-event JSON, which Perfetto's UI
 * (ui.perfetto.dev) and chrome://tracing open: a track per CPU with who
 * ran, a track per worker grouped by cgroup, the steps as slices and
 * migrations as instant events. */
#ifndef KTSTR_PERFETTO_H
#define KTSTR_PERFETTO_H

#include <stdbool.h>
#include <stddef.h>

struct timeline;
struct cJSON;

/* Writes path; records are the run's (worker names, steps).  false with
 * why in err. */
bool perfetto_write(const struct timeline *tl, struct cJSON *records, const char *path, char *err, size_t n);

#endif
