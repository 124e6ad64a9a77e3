/* workers: the worker records of a run by thread id (see workers.h). */
#include "workers.h"
#include "report.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <string.h>

void worker_index_build(struct worker_index *wi, cJSON *records)
{
	memset(wi, 0, sizeof(*wi));
	cJSON *r;
	cJSON_ArrayForEach(r, records) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, RK(TYPE)));
		const cJSON *tid = cJSON_GetObjectItemCaseSensitive(r, RK(TID));
		if (!type || strcmp(type, RT(WORKER)) || !cJSON_IsNumber(tid))
			continue;
		const cJSON *idx = cJSON_GetObjectItemCaseSensitive(r, RK(INDEX));
		wi->w = xrealloc(wi->w, (wi->n + 1) * sizeof(*wi->w));
		wi->w[wi->n++] = (struct worker_ref){
			.tid = tid->valueint,
			.cgroup = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, RK(CGROUP))),
			.work = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, RK(WORK))),
			.index = cJSON_IsNumber(idx) ? idx->valueint : 0,
			.rec = r,
		};
	}
}

void worker_index_free(struct worker_index *wi)
{
	free(wi->w);
	memset(wi, 0, sizeof(*wi));
}

const struct worker_ref *worker_index_find(const struct worker_index *wi, int32_t tid)
{
	for (size_t i = 0; i < wi->n; i++)
		if (wi->w[i].tid == tid)
			return &wi->w[i];
	return NULL;
}
