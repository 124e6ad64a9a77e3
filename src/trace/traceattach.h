/* traceattach: what a run's trace.dat measured, put where the checker and
 * the reports read it (see traceattach.c). */
#ifndef KTSTR_TRACEATTACH_H
#define KTSTR_TRACEATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct timeline;

/* The trace record of records, or NULL. */
struct cJSON *trace_record(struct cJSON *records);
/* Saves the guest's trace.dat (data, len) as stem.trace.dat, reads it,
 * writes stem.perfetto.json, and annotates records: the trace record
 * (files, crc, event counts, longest waits), every worker record and
 * step slice (max_runnable_wait_ns, when the trace is complete).  On
 * failure the trace record says why (available: false) and false is
 * returned with why in err. */
bool trace_attach(struct cJSON *records, const void *data, size_t len, const char *stem, char *err, size_t n);
/* Loads the trace.dat a saved result names (resolved next to
 * result_path), after checking its size and crc against the result: a
 * truncated or changed file is an error naming it.  Returns 1 loaded,
 * 0 the result has no trace, -1 error (why in err). */
int trace_load_for(const struct cJSON *result, const char *result_path, struct timeline *tl, char *err, size_t n);

#endif
