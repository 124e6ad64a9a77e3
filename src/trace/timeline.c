/* timeline: trace.dat -> struct timeline, with libtracecmd (the library
 * trace-cmd and KernelShark read the format with).  Events come in
 * timestamp order across CPUs; a task's runnable wait starts at its
 * wakeup, or when sched_switch takes it off a CPU still runnable
 * (preempted: prev_state has no sleep bit), and ends at its next
 * switch-in. */
#include "timeline.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <trace-cmd.h>

/* sched_switch's prev_state: the task-state bits below TASK_REPORT_MAX
 * (0x100 in 6.12; the preemption mark is that bit itself).  None set:
 * the task was still runnable. */
#define SLEEP_BITS 0xff

struct field_set {
	int id;
	struct tep_event *ev;
	struct tep_format_field *f[4];
};

struct loader {
	struct timeline *tl;
	uint64_t t0;
	struct field_set ev[TL__COUNT];
	int32_t *running;		/* per CPU: pid on it, -1 unknown */
	int64_t *since;			/* per CPU: when it got on */
	uint32_t *idx;			/* pid hash -> task index + 1 */
	size_t idxcap;
};

static const char *const event_names[TL__COUNT] = {
#define X(e, n) n,
	TL_EVENTS(X)
#undef X
};

static const char *const event_fields[TL__COUNT][4] = {
	[TL_SWITCH] = {"prev_pid", "prev_state", "next_pid", "next_comm"},
	[TL_WAKEUP] = {"pid", "comm"},
	[TL_WAKEUP_NEW] = {"pid", "comm"},
	[TL_MIGRATE] = {"pid", "orig_cpu", "dest_cpu", "comm"},
	[TL_EXIT] = {"pid"},
};

static unsigned long long num(const struct field_set *fs, int k, const struct tep_record *r)
{
	unsigned long long v = 0;
	if (fs->f[k])
		tep_read_number_field(fs->f[k], r->data, &v);
	return v;
}

static void comm_of(const struct field_set *fs, int k, const struct tep_record *r, char out[16])
{
	const struct tep_format_field *f = fs->f[k];
	if (!f || f->offset + 16 > r->size)
		return;
	memcpy(out, (const char *)r->data + f->offset, 15);
	out[15] = 0;
}

/* ---- tasks --------------------------------------------------------------- */

static size_t slot(const struct loader *l, int32_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (l->idxcap - 1);
}

static void rehash(struct loader *l)
{
	free(l->idx);
	l->idxcap = l->idxcap ? l->idxcap * 2 : 1024;
	l->idx = xcalloc(l->idxcap, sizeof(*l->idx));
	for (size_t i = 0; i < l->tl->ntask; i++) {
		size_t s = slot(l, l->tl->task[i].pid);
		while (l->idx[s])
			s = (s + 1) & (l->idxcap - 1);
		l->idx[s] = (uint32_t)i + 1;
	}
}

static struct tl_task *task(struct loader *l, int32_t pid)
{
	struct timeline *tl = l->tl;
	if (tl->ntask * 2 >= l->idxcap)
		rehash(l);
	size_t s = slot(l, pid);
	for (; l->idx[s]; s = (s + 1) & (l->idxcap - 1))
		if (tl->task[l->idx[s] - 1].pid == pid)
			return &tl->task[l->idx[s] - 1];
	if (tl->ntask == tl->taskcap) {
		tl->taskcap = tl->taskcap ? tl->taskcap * 2 : 256;
		tl->task = xrealloc(tl->task, tl->taskcap * sizeof(*tl->task));
	}
	struct tl_task *t = &tl->task[tl->ntask];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->runnable_since = -1;
	t->max_wait_cpu = -1;
	l->idx[s] = (uint32_t)++tl->ntask;
	return t;
}

#define PUSH(arr, n, cap, v) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? (cap) * 2 : 256; \
		(arr) = xrealloc((arr), (cap) * sizeof(*(arr))); \
	} \
	(arr)[(n)++] = (v); \
} while (0)

/* ---- events -------------------------------------------------------------- */

static void close_slice(struct loader *l, int cpu, int64_t now)
{
	int32_t pid = l->running[cpu];
	if (pid > 0 && now > l->since[cpu]) {
		struct tl_cpu *c = &l->tl->cpu[cpu];
		PUSH(c->slice, c->nslice, c->cap, ((struct tl_slice){l->since[cpu], now, pid}));
		task(l, pid)->run_ns += (uint64_t)(now - l->since[cpu]);
	}
}

static void on_switch(struct loader *l, const struct field_set *fs, const struct tep_record *r, int64_t now)
{
	int cpu = r->cpu;
	int32_t prev = (int32_t)num(fs, 0, r), next = (int32_t)num(fs, 2, r);
	if (l->running[cpu] < 0)	/* first event on this CPU: prev ran since the trace began */
		l->running[cpu] = prev, l->since[cpu] = l->tl->first_ns;
	close_slice(l, cpu, now);
	if (prev > 0)
		task(l, prev)->runnable_since = (num(fs, 1, r) & SLEEP_BITS) ? -1 : now;
	l->running[cpu] = next;
	l->since[cpu] = now;
	if (next <= 0)
		return;
	struct tl_task *t = task(l, next);
	comm_of(fs, 3, r, t->comm);
	t->switches_in++;
	if (t->runnable_since >= 0) {
		uint64_t w = (uint64_t)(now - t->runnable_since);
		struct timeline *tl = l->tl;
		PUSH(tl->wait, tl->nwait, tl->waitcap, ((struct tl_wait){t->runnable_since, now, next, cpu}));
		if (w > t->max_wait_ns)
			t->max_wait_ns = w, t->max_wait_end_ns = now, t->max_wait_cpu = cpu;
		t->runnable_since = -1;
	}
}

static bool running_anywhere(const struct loader *l, int32_t pid)
{
	for (int c = 0; c < l->tl->ncpus; c++)
		if (l->running[c] == pid)
			return true;
	return false;
}

static void on_event(struct loader *l, enum tl_event e, const struct tep_record *r, int64_t now)
{
	const struct field_set *fs = &l->ev[e];
	if (e == TL_SWITCH) {
		on_switch(l, fs, r, now);
		return;
	}
	int32_t pid = (int32_t)num(fs, 0, r);
	if (pid <= 0)
		return;
	struct tl_task *t = task(l, pid);
	if (e == TL_WAKEUP || e == TL_WAKEUP_NEW) {
		comm_of(fs, 1, r, t->comm);
		if (t->runnable_since < 0 && !running_anywhere(l, pid))
			t->runnable_since = now;
	} else if (e == TL_MIGRATE) {
		comm_of(fs, 3, r, t->comm);
		t->migrations++;
		struct timeline *tl = l->tl;
		PUSH(tl->mig, tl->nmig, tl->migcap,
		     ((struct tl_migration){now, pid, (int16_t)num(fs, 1, r), (int16_t)num(fs, 2, r)}));
	} else if (e == TL_EXIT) {
		t->runnable_since = -1;
	}
}

static void count(struct timeline *tl, const struct tep_event *ev)
{
	for (size_t i = 0; i < tl->ncount; i++)
		if (!strcmp(tl->count[i].name, ev->name)) {
			tl->count[i].n++;
			return;
		}
	struct tl_count c = {.n = 1};
	snprintf(c.name, sizeof(c.name), "%s", ev->name);
	PUSH(tl->count, tl->ncount, tl->countcap, c);
}

static int on_record(struct tracecmd_input *h, struct tep_record *r, int cpu, void *data)
{
	(void)cpu;
	struct loader *l = data;
	struct timeline *tl = l->tl;
	struct tep_handle *tep = tracecmd_get_tep(h);
	int64_t now = (int64_t)(r->ts - l->t0);
	if (!tl->events++)
		tl->first_ns = now;
	tl->last_ns = now;
	if (r->missed_events > 0)
		tl->missed += (uint64_t)r->missed_events;
	if (r->cpu < 0 || r->cpu >= tl->ncpus)
		return 0;
	int id = tep_data_type(tep, r);
	const struct tep_event *ev = tep_find_event(tep, id);
	if (!ev)
		return 0;
	count(tl, ev);
	for (int e = 0; e < TL__COUNT; e++)
		if (l->ev[e].ev && l->ev[e].id == id)
			on_event(l, (enum tl_event)e, r, now);
	return 0;
}

static void find_fields(struct loader *l, struct tep_handle *tep)
{
	for (int e = 0; e < TL__COUNT; e++) {
		struct field_set *fs = &l->ev[e];
		fs->ev = tep_find_event_by_name(tep, "sched", event_names[e]);
		if (!fs->ev)
			continue;
		fs->id = fs->ev->id;
		for (int k = 0; k < 4 && event_fields[e][k]; k++)
			fs->f[k] = tep_find_field(fs->ev, event_fields[e][k]);
	}
}

bool timeline_load(const char *path, uint64_t t0_mono_ns, struct timeline *tl, char *err, size_t n)
{
	memset(tl, 0, sizeof(*tl));
	tracecmd_set_loglevel(TEP_LOG_NONE);
	struct tracecmd_input *h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h) {
		snprintf(err, n, "%s: not a readable trace.dat (truncated or corrupted?)", path);
		return false;
	}
	struct tep_handle *tep = tracecmd_get_tep(h);
	tl->ncpus = tep_get_cpus(tep);
	if (tl->ncpus <= 0 || tl->ncpus > 4096) {
		snprintf(err, n, "%s: trace.dat names %d CPUs", path, tl->ncpus);
		tracecmd_close(h);
		return false;
	}
	tl->cpu = xcalloc((size_t)tl->ncpus, sizeof(*tl->cpu));
	struct loader l = {.tl = tl, .t0 = t0_mono_ns};
	l.running = xcalloc((size_t)tl->ncpus, sizeof(*l.running));
	l.since = xcalloc((size_t)tl->ncpus, sizeof(*l.since));
	for (int c = 0; c < tl->ncpus; c++)
		l.running[c] = -1;
	find_fields(&l, tep);
	int rc = tracecmd_iterate_events(h, NULL, 0, on_record, &l);
	for (int c = 0; c < tl->ncpus; c++)
		close_slice(&l, c, tl->last_ns);
	free(l.running);
	free(l.since);
	free(l.idx);
	tracecmd_close(h);
	if (rc < 0) {
		snprintf(err, n, "%s: reading the events failed", path);
		timeline_free(tl);
		return false;
	}
	return true;
}

void timeline_free(struct timeline *tl)
{
	for (int c = 0; tl->cpu && c < tl->ncpus; c++)
		free(tl->cpu[c].slice);
	free(tl->cpu);
	free(tl->task);
	free(tl->mig);
	free(tl->wait);
	free(tl->count);
	memset(tl, 0, sizeof(*tl));
}

const struct tl_task *timeline_task(const struct timeline *tl, int32_t pid)
{
	for (size_t i = 0; i < tl->ntask; i++)
		if (tl->task[i].pid == pid)
			return &tl->task[i];
	return NULL;
}

uint64_t timeline_count(const struct timeline *tl, const char *name)
{
	for (size_t i = 0; i < tl->ncount; i++)
		if (!strcmp(tl->count[i].name, name))
			return tl->count[i].n;
	return 0;
}

uint64_t timeline_max_wait(const struct timeline *tl, int32_t pid, int64_t from_ns, int64_t to_ns)
{
	uint64_t best = 0;
	for (size_t i = 0; i < tl->nwait; i++) {
		const struct tl_wait *w = &tl->wait[i];
		if (w->pid == pid && w->end_ns >= from_ns && w->end_ns <= to_ns &&
		    (uint64_t)(w->end_ns - w->start_ns) > best)
			best = (uint64_t)(w->end_ns - w->start_ns);
	}
	return best;
}
