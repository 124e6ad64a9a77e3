/* workers: who a traced task is — the worker records of a run indexed by
 * thread id, for the trace's consumers (labels, colours, claims). */
#ifndef KTSTR_TRACE_WORKERS_H
#define KTSTR_TRACE_WORKERS_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

struct worker_ref {
	int32_t tid;
	const char *cgroup, *work;
	int index;
	struct cJSON *rec;	/* the worker record */
};

struct worker_index {
	struct worker_ref *w;
	size_t n;
};

/* Every worker record of records (a cJSON array) with a tid. */
void worker_index_build(struct worker_index *wi, struct cJSON *records);
void worker_index_free(struct worker_index *wi);
const struct worker_ref *worker_index_find(const struct worker_index *wi, int32_t tid);

#endif
