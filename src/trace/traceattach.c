/* traceattach: a run's trace.dat, read once on the host, becomes facts in
 * its records.  The checker never opens the trace: a claim on
 * max_runnable_wait_ms reads the key added here to each worker record
 * and step slice, so `ktstr check` on a saved result gives the same
 * verdict.  A trace that lost events adds no such key (the claim then
 * has no data and cannot hold); the record says how many were lost. */
#include "traceattach.h"
#include "perfetto.h"
#include "record.h"
#include "report.h"
#include "timeline.h"
#include "util.h"
#include "workers.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define TOP_TASKS 16

static const char *type_of(const cJSON *r)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, RK(TYPE)));
}

cJSON *trace_record(cJSON *records)
{
	cJSON *r;
	cJSON_ArrayForEach(r, records)
		if (type_of(r) && !strcmp(type_of(r), RT(TRACE)))
			return r;
	return NULL;
}

static double num(const cJSON *o, enum rep_key k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, rep_keys[k].name);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void set_num(cJSON *o, const char *key, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddNumberToObject(o, key, v);
}

static void set_str(cJSON *o, const char *key, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddStringToObject(o, key, v);
}

static bool unavailable(cJSON *tr, const char *why, char *err, size_t n)
{
	cJSON_DeleteItemFromObjectCaseSensitive(tr, RK(AVAILABLE));
	cJSON_AddBoolToObject(tr, RK(AVAILABLE), false);
	set_str(tr, RK(REASON), why);
	snprintf(err, n, "%s", why);
	return false;
}

static bool save(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = fd >= 0 && write_full(fd, data, len);
	ok = fd >= 0 && !close(fd) && ok;
	if (!ok)
		unlink(path);
	return ok;
}

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* ---- what goes into the records ----------------------------------------------- */

static void add_counts(cJSON *tr, const struct timeline *tl)
{
	cJSON_DeleteItemFromObjectCaseSensitive(tr, RK(EVENT_COUNTS));
	cJSON *c = cJSON_AddObjectToObject(tr, RK(EVENT_COUNTS));
	for (size_t i = 0; i < tl->ncount; i++)
		cJSON_AddNumberToObject(c, tl->count[i].name, (double)tl->count[i].n);
}

static int by_wait(const void *a, const void *b)
{
	const struct tl_task *x = *(const struct tl_task *const *)a, *y = *(const struct tl_task *const *)b;
	return x->max_wait_ns < y->max_wait_ns ? 1 : x->max_wait_ns > y->max_wait_ns ? -1 : 0;
}

static void add_tasks(cJSON *tr, const struct timeline *tl)
{
	const struct tl_task **t = xcalloc(tl->ntask ? tl->ntask : 1, sizeof(*t));
	for (size_t i = 0; i < tl->ntask; i++)
		t[i] = &tl->task[i];
	qsort(t, tl->ntask, sizeof(*t), by_wait);
	cJSON_DeleteItemFromObjectCaseSensitive(tr, RK(TASKS));
	cJSON *arr = cJSON_AddArrayToObject(tr, RK(TASKS));
	for (size_t i = 0; i < tl->ntask && i < TOP_TASKS && t[i]->max_wait_ns; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "pid", t[i]->pid);
		cJSON_AddStringToObject(o, "comm", t[i]->comm);
		cJSON_AddNumberToObject(o, "max_runnable_wait_ms", (double)t[i]->max_wait_ns / 1e6);
		cJSON_AddNumberToObject(o, "at_ms", (double)t[i]->max_wait_end_ns / 1e6);
		cJSON_AddNumberToObject(o, "cpu", t[i]->max_wait_cpu);
		cJSON_AddNumberToObject(o, "run_ms", (double)t[i]->run_ns / 1e6);
		cJSON_AddItemToArray(arr, o);
	}
	free(t);
}

/* Step k's slice covers [step_start k, step_end k]; the backdrop's (0)
 * the time before step 1 (the whole run without steps).  A wait counts
 * in the window it ended in. */
static void window_of(cJSON *records, int epoch, int64_t *from, int64_t *to)
{
	*from = 0;
	*to = INT64_MAX;
	cJSON *r;
	cJSON_ArrayForEach(r, records) {
		const char *t = type_of(r);
		int step = (int)num(r, RK_STEP);
		int64_t at = (int64_t)num(r, RK_AT_NS);
		if (!t || at < 0)
			continue;
		if (epoch == 0 && !strcmp(t, RT(STEP_START)) && at < *to)
			*to = at;
		else if (epoch > 0 && step == epoch && !strcmp(t, RT(STEP_START)))
			*from = at;
		else if (epoch > 0 && step == epoch && !strcmp(t, RT(STEP_END)))
			*to = at;
	}
}

static void annotate_workers(cJSON *records, const struct timeline *tl)
{
	struct worker_index wi;
	worker_index_build(&wi, records);
	for (size_t i = 0; i < wi.n; i++) {
		const struct tl_task *t = timeline_task(tl, wi.w[i].tid);
		if (!t)
			continue;	/* never ran while traced: no data, not zero */
		set_num(wi.w[i].rec, RK(MAX_RUNNABLE_WAIT_NS), (double)t->max_wait_ns);
		cJSON *ph;
		cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(wi.w[i].rec, RK(PHASES))) {
			int64_t from, to;
			window_of(records, (int)num(ph, RK_EPOCH), &from, &to);
			set_num(ph, RK(MAX_RUNNABLE_WAIT_NS), (double)timeline_max_wait(tl, t->pid, from, to));
		}
	}
	worker_index_free(&wi);
}

bool trace_attach(cJSON *records, const void *data, size_t len, const char *stem, char *err, size_t n)
{
	cJSON *tr = trace_record(records);
	if (!tr)
		return true;
	if (!len) {
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tr, RK(REASON)));
		if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(tr, RK(AVAILABLE))) || !why)
			return unavailable(tr, "the guest sent no trace.dat", err, n);
		snprintf(err, n, "%s", why);
		return false;
	}
	char dat[4200], pf[4200], why[4600];
	snprintf(dat, sizeof(dat), "%s.trace.dat", stem);
	snprintf(pf, sizeof(pf), "%s.perfetto.json", stem);
	if (num(tr, RK_BYTES) != (double)len) {
		snprintf(why, sizeof(why), "trace.dat arrived cut short: %zu of %.0f bytes", len, num(tr, RK_BYTES));
		return unavailable(tr, why, err, n);
	}
	if (!save(dat, data, len)) {
		snprintf(why, sizeof(why), "cannot write %s: %s", dat, strerror(errno));
		return unavailable(tr, why, err, n);
	}
	set_str(tr, RK(FILE), base(dat));
	set_num(tr, RK(CRC32), (double)crc32(0, data, (uInt)len));
	struct timeline tl;
	if (!timeline_load(dat, (uint64_t)num(tr, RK_T0_MONO_NS), &tl, why, sizeof(why)))
		return unavailable(tr, why, err, n);
	add_counts(tr, &tl);
	add_tasks(tr, &tl);
	double lost = num(tr, RK_LOST_EVENTS) + (double)tl.missed;
	set_num(tr, RK(LOST_EVENTS), lost);
	if (lost > 0) {
		snprintf(why, sizeof(why), "the ring buffers lost %.0f events: runnable waits are not reported", lost);
		set_str(tr, RK(REASON), why);
	} else {
		annotate_workers(records, &tl);
	}
	bool ok = perfetto_write(&tl, records, pf, why, sizeof(why));
	if (ok)
		set_str(tr, RK(PERFETTO), base(pf));
	else
		snprintf(err, n, "%s", why);
	timeline_free(&tl);
	return ok;
}

/* ---- reading it back ------------------------------------------------------------ */

static uint32_t file_crc(const char *path, uint64_t *size, bool *ok)
{
	uint32_t crc = 0;
	*size = 0;
	FILE *f = fopen(path, "rb");
	*ok = f != NULL;
	unsigned char buf[65536];
	size_t r;
	while (f && (r = fread(buf, 1, sizeof(buf), f)) > 0) {
		crc = (uint32_t)crc32(crc, buf, (uInt)r);
		*size += r;
	}
	if (f)
		*ok = !ferror(f), fclose(f);
	return crc;
}

int trace_load_for(const cJSON *result, const char *result_path, struct timeline *tl, char *err, size_t n)
{
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(result, "trace");
	const char *file = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tr, RK(FILE)));
	if (!file || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tr, RK(AVAILABLE))))
		return 0;
	char path[4200];
	const char *slash = strrchr(result_path, '/');
	if (strchr(file, '/'))
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%.*s%s", slash ? (int)(slash - result_path + 1) : 0, result_path, file);
	uint64_t size;
	bool ok;
	uint32_t crc = file_crc(path, &size, &ok);
	if (!ok) {
		snprintf(err, n, "%s: cannot read the run's trace: %s", path, strerror(errno));
		return -1;
	}
	double want = num(tr, RK_BYTES), want_crc = num(tr, RK_CRC32);
	if (want >= 0 && (double)size != want) {
		snprintf(err, n, "%s: truncated or grown: %llu bytes, the run saved %.0f", path,
			 (unsigned long long)size, want);
		return -1;
	}
	if (want_crc >= 0 && (double)crc != want_crc) {
		snprintf(err, n, "%s: corrupted: its crc32 is %u, the run saved %.0f", path, crc, want_crc);
		return -1;
	}
	return timeline_load(path, (uint64_t)num(tr, RK_T0_MONO_NS), tl, err, n) ? 1 : -1;
}
