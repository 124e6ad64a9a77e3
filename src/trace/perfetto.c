/* perfetto: Chrome trace-event JSON from a timeline (see perfetto.h).
 * Timestamps are executor time in microseconds, so steps, records and
 * the trace share one axis.  pid 1 holds the CPU tracks, pid 2 the steps,
 * and each cgroup's workers are threads of a process of their own. */
#include "perfetto.h"
#include "report.h"
#include "timeline.h"
#include "util.h"
#include "workers.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PID_CPUS 1
#define PID_STEPS 2
#define PID_CGROUP0 10

struct out {
	FILE *f;
	bool first;
	const char **cgroups;
	size_t ncg;
};

static void sep(struct out *o)
{
	fputs(o->first ? "\n" : ",\n", o->f);
	o->first = false;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void meta(struct out *o, const char *what, int pid, int tid, const char *name)
{
	sep(o);
	fprintf(o->f, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":", what, pid, tid);
	json_str(o->f, name);
	fputs("}}", o->f);
}

static int cgroup_pid(struct out *o, const char *cg)
{
	for (size_t i = 0; i < o->ncg; i++)
		if (!strcmp(o->cgroups[i], cg))
			return PID_CGROUP0 + (int)i;
	o->cgroups = xrealloc(o->cgroups, (o->ncg + 1) * sizeof(*o->cgroups));
	o->cgroups[o->ncg] = cg;
	char name[300];
	snprintf(name, sizeof(name), "cgroup %s", *cg ? cg : "(executor)");
	meta(o, "process_name", PID_CGROUP0 + (int)o->ncg, 0, name);
	return PID_CGROUP0 + (int)o->ncg++;
}

static void label(const struct timeline *tl, const struct worker_index *wi, int32_t pid, char *out, size_t n)
{
	const struct worker_ref *w = worker_index_find(wi, pid);
	const struct tl_task *t = timeline_task(tl, pid);
	if (w)
		snprintf(out, n, "%s/%s#%d (%d)", w->cgroup ? w->cgroup : "", w->work ? w->work : "worker", w->index, pid);
	else
		snprintf(out, n, "%s (%d)", t && t->comm[0] ? t->comm : "task", pid);
}

static void slice(struct out *o, int pid, int tid, const char *name, int64_t start, int64_t end, const char *cat)
{
	sep(o);
	fprintf(o->f, "{\"ph\":\"X\",\"cat\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f,\"name\":", cat, pid,
		tid, (double)start / 1e3, (double)(end - start) / 1e3);
	json_str(o->f, name);
	fputc('}', o->f);
}

static void cpu_tracks(struct out *o, const struct timeline *tl, const struct worker_index *wi)
{
	meta(o, "process_name", PID_CPUS, 0, "CPUs");
	for (int c = 0; c < tl->ncpus; c++) {
		char name[32];
		snprintf(name, sizeof(name), "CPU %d", c);
		meta(o, "thread_name", PID_CPUS, c, name);
		for (size_t k = 0; k < tl->cpu[c].nslice; k++) {
			const struct tl_slice *s = &tl->cpu[c].slice[k];
			char who[320];
			label(tl, wi, s->pid, who, sizeof(who));
			slice(o, PID_CPUS, c, who, s->start_ns, s->end_ns, "sched");
		}
	}
}

/* Each worker's own track: when it ran, and on which CPU. */
static void worker_tracks(struct out *o, const struct timeline *tl, const struct worker_index *wi)
{
	for (size_t i = 0; i < wi->n; i++) {
		const struct worker_ref *w = &wi->w[i];
		int pid = cgroup_pid(o, w->cgroup ? w->cgroup : "");
		char name[320];
		label(tl, wi, w->tid, name, sizeof(name));
		meta(o, "thread_name", pid, w->tid, name);
	}
	for (int c = 0; c < tl->ncpus; c++)
		for (size_t k = 0; k < tl->cpu[c].nslice; k++) {
			const struct tl_slice *s = &tl->cpu[c].slice[k];
			const struct worker_ref *w = worker_index_find(wi, s->pid);
			if (!w)
				continue;
			char name[32];
			snprintf(name, sizeof(name), "on CPU %d", c);
			slice(o, cgroup_pid(o, w->cgroup ? w->cgroup : ""), w->tid, name, s->start_ns, s->end_ns, "worker");
		}
	for (size_t i = 0; i < tl->nmig; i++) {
		const struct tl_migration *m = &tl->mig[i];
		const struct worker_ref *w = worker_index_find(wi, m->pid);
		if (!w)
			continue;
		sep(o);
		fprintf(o->f, "{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"migration\",\"pid\":%d,\"tid\":%d,\"ts\":%.3f,"
			"\"name\":\"migrate %d->%d\"}", cgroup_pid(o, w->cgroup ? w->cgroup : ""), w->tid,
			(double)m->at_ns / 1e3, m->from, m->to);
	}
}

static double rec_at(const cJSON *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, RK(AT_NS));
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void step_track(struct out *o, cJSON *records)
{
	meta(o, "process_name", PID_STEPS, 0, "Steps");
	const cJSON *r, *s;
	cJSON_ArrayForEach(r, records) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, RK(TYPE)));
		if (!type || strcmp(type, RT(STEP_START)))
			continue;
		const cJSON *step = cJSON_GetObjectItemCaseSensitive(r, RK(STEP));
		double end = -1;
		cJSON_ArrayForEach(s, records) {
			const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, RK(TYPE)));
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(s, RK(STEP));
			if (t && !strcmp(t, RT(STEP_END)) && cJSON_IsNumber(k) && cJSON_IsNumber(step) &&
			    k->valueint == step->valueint)
				end = rec_at(s);
		}
		if (rec_at(r) < 0 || end < rec_at(r))
			continue;
		const char *nm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, RK(NAME)));
		char name[300];
		snprintf(name, sizeof(name), "step %d%s%s", cJSON_IsNumber(step) ? step->valueint : 0, nm ? " " : "",
			 nm ? nm : "");
		slice(o, PID_STEPS, 0, name, (int64_t)rec_at(r), (int64_t)end, "step");
	}
}

bool perfetto_write(const struct timeline *tl, cJSON *records, const char *path, char *err, size_t n)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, n, "cannot write %s: %s", tmp, strerror(errno));
		return false;
	}
	struct worker_index wi;
	worker_index_build(&wi, records);
	struct out o = {.f = f, .first = true};
	fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", f);
	cpu_tracks(&o, tl, &wi);
	step_track(&o, records);
	worker_tracks(&o, tl, &wi);
	fputs("\n]}\n", f);
	free(o.cgroups);
	worker_index_free(&wi);
	bool ok = !ferror(f);
	ok = !fclose(f) && ok && !rename(tmp, path);
	if (!ok) {
		snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return ok;
}
