/* model: one run read out of its result JSON for drawing — cgroups,
 * workers, steps, scheduler events, its span and size, and the trace's
 * pid -> cgroup map.
 * Every field may be missing or ill-typed (older results): then the
 * thing is left out and said so, never guessed. */
#include "view.h"
#include "html.h"
#include "timeline.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

const char *v_cg_display(const char *name)
{
	return name && *name ? name : "(host workers)";
}

static int cg_index(const struct v_run *r, const char *name)
{
	for (int i = 0; i < r->ncg; i++)
		if (!strcmp(r->cg[i], name))
			return i;
	return -1;
}

static int cg_add(struct v_run *r, const char *name)
{
	int i = cg_index(r, name);
	if (i >= 0)
		return i;
	r->cg = v_grow(r->cg, (size_t)(r->ncg + 1) * sizeof(*r->cg));
	r->cg[r->ncg] = name;
	return r->ncg++;
}

static void read_worker(struct v_run *r, const cJSON *rec)
{
	const char *cg = v_jstr(rec, "cgroup");
	struct v_worker w = {.rec = rec, .cg = cg_add(r, cg ? cg : "")};
	w.pid = v_jint(rec, "pid", -1);
	w.tid = v_jint(rec, "tid", w.pid);
	w.step = v_jint(rec, "step", 0);
	w.index = v_jint(rec, "index", 0);
	w.sentinel = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "sentinel"));
	w.start_ns = v_jtime(rec, "start_at_ns", V_UNKNOWN);
	w.wall_ns = v_jtime(rec, "wall_ns", 0);
	w.cpu_ns = v_jtime(rec, "cpu_ns", 0);
	w.max_gap_ns = v_jtime(rec, "max_gap_ns", 0);
	w.max_gap_at_ns = v_jtime(rec, "max_gap_at_ns", V_UNKNOWN);
	w.max_gap_cpu = v_jint(rec, "max_gap_cpu", -1);
	r->w = v_grow(r->w, (size_t)(r->nw + 1) * sizeof(*r->w));
	r->w[r->nw++] = w;
}

static struct v_step *step_slot(struct v_run *r, int step)
{
	for (int i = 0; i < r->nstep; i++)
		if (r->step[i].step == step)
			return &r->step[i];
	r->step = v_grow(r->step, (size_t)(r->nstep + 1) * sizeof(*r->step));
	r->step[r->nstep] = (struct v_step){step, NULL, V_UNKNOWN, V_UNKNOWN};
	return &r->step[r->nstep++];
}

static void read_step(struct v_run *r, const cJSON *rec, bool start)
{
	int64_t at = v_jtime(rec, "at_ns", V_UNKNOWN);
	double step;
	if (!v_jnum(rec, "step", &step) || step < 0 || step > 1e6)
		return;
	struct v_step *s = step_slot(r, (int)step);
	if (!s->name)
		s->name = v_jstr(rec, "name");
	*(start ? &s->start_ns : &s->end_ns) = at;
}

static bool is_failure_event(const char *ev)
{
	static const char *const bad[] = {"ejected", "exited", "error", "attach_timeout", "detach_failed",
					  "stop_timeout"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (!strcmp(ev, bad[i]))
			return true;
	return false;
}

static void read_event(struct v_run *r, const cJSON *rec)
{
	const char *ev = v_jstr(rec, "event");
	int64_t at = v_jtime(rec, "at_ns", V_UNKNOWN);
	if (!ev || at == V_UNKNOWN)
		return;
	r->ev = v_grow(r->ev, (size_t)(r->nev + 1) * sizeof(*r->ev));
	r->ev[r->nev++] = (struct v_event){at, ev, v_jstr(rec, "name"), v_jstr(rec, "reason"), is_failure_event(ev)};
}

static int step_cmp(const void *a, const void *b)
{
	const struct v_step *x = a, *y = b;
	return (x->step > y->step) - (x->step < y->step);
}

static void read_records(struct v_run *r)
{
	const cJSON *rec;
	r->backdrop_ns = r->end_ns = V_UNKNOWN;
	cJSON_ArrayForEach(rec, v_jget(r->r, "records")) {
		if (v_is_type(rec, "worker"))
			read_worker(r, rec);
		else if (v_is_type(rec, "step_start") || v_is_type(rec, "step_end"))
			read_step(r, rec, v_is_type(rec, "step_start"));
		else if (v_is_type(rec, "scheduler"))
			read_event(r, rec);
		else if (v_is_type(rec, "backdrop_start"))
			r->backdrop_ns = v_jtime(rec, "at_ns", V_UNKNOWN);
		else if (v_is_type(rec, "end"))
			r->end_ns = v_jtime(rec, "at_ns", V_UNKNOWN);
	}
	if (r->nstep)
		qsort(r->step, (size_t)r->nstep, sizeof(*r->step), step_cmp);
}

bool v_step_window(const struct v_run *r, int epoch, int64_t *from, int64_t *to)
{
	int64_t a = V_UNKNOWN, b = V_UNKNOWN;
	if (epoch == 0) {
		a = r->backdrop_ns != V_UNKNOWN ? r->backdrop_ns : 0;
		b = r->end_ns;
		for (int i = 0; i < r->nstep; i++)
			if (r->step[i].step > 0 && r->step[i].start_ns != V_UNKNOWN) {
				b = r->step[i].start_ns;
				break;
			}
	} else {
		for (int i = 0; i < r->nstep; i++)
			if (r->step[i].step == epoch)
				a = r->step[i].start_ns, b = r->step[i].end_ns;
		if (b == V_UNKNOWN && a != V_UNKNOWN)
			b = r->end_ns;
	}
	if (a == V_UNKNOWN || b == V_UNKNOWN || b <= a)
		return false;
	*from = a, *to = b;
	return true;
}

/* ---- the trace's tasks -------------------------------------------------------- */

static int pid_cmp(const void *a, const void *b)
{
	const struct v_pid *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void pid_add(struct v_run *r, int32_t pid, int cls, int worker)
{
	for (int i = 0; i < r->npid; i++)
		if (r->pid[i].pid == pid) {
			if (worker >= 0 && r->pid[i].worker < 0)
				r->pid[i] = (struct v_pid){pid, cls, worker};
			return;
		}
	r->pid = v_grow(r->pid, (size_t)(r->npid + 1) * sizeof(*r->pid));
	r->pid[r->npid++] = (struct v_pid){pid, cls, worker};
}

static void map_pids(struct v_run *r)
{
	for (int i = 0; i < r->nw; i++) {
		if (r->w[i].tid > 0)
			pid_add(r, r->w[i].tid, r->w[i].cg, i);
		/* a thread worker's container process is of its cgroup too */
		if (r->w[i].pid > 0 && r->w[i].pid != r->w[i].tid)
			pid_add(r, r->w[i].pid, r->w[i].cg, -1);
	}
	if (r->npid)
		qsort(r->pid, (size_t)r->npid, sizeof(*r->pid), pid_cmp);
}

int v_class_of(const struct v_run *r, int32_t pid, int *worker)
{
	struct v_pid key = {.pid = pid};
	const struct v_pid *p = r->npid ? bsearch(&key, r->pid, (size_t)r->npid, sizeof(*r->pid), pid_cmp) : NULL;
	*worker = p ? p->worker : -1;
	return p ? p->cls : r->ncg;
}

/* ---- span and size ------------------------------------------------------------ */

static void extend(struct v_run *r, int64_t t)
{
	if (t == V_UNKNOWN)
		return;
	if (t < r->lo)
		r->lo = t;
	if (t > r->hi)
		r->hi = t;
}

bool v_trace_span(const struct timeline *tl, int64_t *first, int64_t *last)
{
	if (!tl || tl->last_ns <= tl->first_ns || tl->first_ns < -V_MAX_TIME || tl->last_ns > V_MAX_TIME)
		return false;
	*first = tl->first_ns, *last = tl->last_ns;
	return true;
}

static void find_span(struct v_run *r)
{
	int64_t first, last;
	r->lo = 0, r->hi = 0;
	extend(r, r->backdrop_ns);
	extend(r, r->end_ns);
	for (int i = 0; i < r->nstep; i++)
		extend(r, r->step[i].start_ns), extend(r, r->step[i].end_ns);
	for (int i = 0; i < r->nev; i++)
		extend(r, r->ev[i].at_ns);
	for (int i = 0; i < r->nw; i++)
		if (r->w[i].start_ns != V_UNKNOWN)
			extend(r, r->w[i].start_ns + (r->w[i].wall_ns > 0 ? r->w[i].wall_ns : 0));
	if (v_trace_span(r->tl, &first, &last))
		extend(r, first), extend(r, last);
	double ms;
	if (r->hi <= r->lo)
		r->hi = r->lo + (v_jnum(r->r, "duration_ms", &ms) && ms > 0 && ms < 1e9 ? (int64_t)(ms * 1e6) : 1000000000);
}

static int topology_cpus(const char *t)
{
	int product = 1, n = 0;
	for (const char *p = t ? t : ""; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			n = n * 10 + (*p - '0');
			if (n > V_MAX_CPUS)
				return 0;
		} else if (n) {
			product *= n, n = 0;
			if (product > V_MAX_CPUS)
				return 0;
		} else {
			return 0;
		}
	}
	return t && *t && !n ? product : 0;
}

static int count_cpus(const struct v_run *r)
{
	double m;
	if (r->tl && r->tl->ncpus > 0)
		return r->tl->ncpus;
	if (v_jnum(v_jget(r->r, "monitor"), "cpus", &m) && m >= 1 && m <= V_MAX_CPUS)
		return (int)m;
	return topology_cpus(v_jstr(r->r, "topology"));
}

const struct tl_task *v_trace_task(const struct v_run *r, int32_t pid)
{
	for (size_t i = 0; r->tl && r->tl->task && i < r->tl->ntask; i++)
		if (r->tl->task[i].pid == pid)
			return &r->tl->task[i];
	return NULL;
}

static double sum_of(const cJSON *arr, const char *k1, const char *k2)
{
	const cJSON *it;
	double sum = 0, v;
	if (!cJSON_IsArray(arr))
		return 0;
	cJSON_ArrayForEach(it, arr) {
		if (v_jnum(it, k1, &v) && v > 0)
			sum += v;
		if (k2 && v_jnum(it, k2, &v) && v > 0)
			sum += v;
	}
	return sum;
}

double v_trace_lost(const cJSON *trace)
{
	double lost;
	if (v_jnum(trace, "lost_events", &lost))
		return lost;
	return sum_of(v_jget(trace, "cpus"), "lost", NULL) + sum_of(v_jget(trace, "per_cpu"), "dropped", "overrun");
}

/* A claim on runnable waits is judged from the trace, so its evidence is
 * the trace's longest wait of the worker, not a telemetry gap. */

void v_run_read(struct v_run *r, const struct html_run *in)
{
	memset(r, 0, sizeof(*r));
	r->r = in->result;
	r->tl = in->tl;
	r->label = in->label;
	const cJSON *cg;
	cJSON_ArrayForEach(cg, v_jget(r->r, "cgroups"))
		if (v_jstr(cg, "name"))
			cg_add(r, v_jstr(cg, "name"));
	read_records(r);
	map_pids(r);
	find_span(r);
	r->ncpus = count_cpus(r);
	v_find_evidence(r);
	r->color = v_alloc((size_t)(r->ncg + 1) * sizeof(*r->color));
}

void v_run_free(struct v_run *r)
{
	free(r->cg);
	free(r->color);
	free(r->w);
	free(r->step);
	free(r->ev);
	free(r->pid);
	free(r->note);
	for (int i = 0; r->share && i < r->ncg; i++)
		free(r->share[i].seg);
	free(r->share);
	memset(r, 0, sizeof(*r));
}
