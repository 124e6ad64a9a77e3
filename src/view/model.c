/* model: one run read out of its result JSON for drawing — cgroups,
 * workers, steps, scheduler events, the trace's pid -> cgroup map, and
 * the evidence of failed claims (which gap, which CPUs) located once.
 * Every field may be missing or ill-typed (older results): then the
 * thing is left out and said so, never guessed. */
#include "view.h"
#include "html.h"
#include "timeline.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define arr_of(o, k) (cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL)

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

static bool is_type(const cJSON *rec, const char *type)
{
	const char *t = v_jstr(rec, "type");
	return t && !strcmp(t, type);
}

static void read_worker(struct v_run *r, const cJSON *rec)
{
	const char *cg = v_jstr(rec, "cgroup");
	struct v_worker w = {.rec = rec, .cg = cg_add(r, cg ? cg : "")};
	w.pid = (int32_t)v_ji64(rec, "pid", -1);
	w.tid = (int32_t)v_ji64(rec, "tid", w.pid);
	w.step = (int)v_ji64(rec, "step", 0);
	w.index = (int)v_ji64(rec, "index", 0);
	w.sentinel = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "sentinel"));
	w.start_ns = v_ji64(rec, "start_at_ns", V_UNKNOWN);
	w.wall_ns = v_ji64(rec, "wall_ns", 0);
	w.cpu_ns = v_ji64(rec, "cpu_ns", 0);
	w.max_gap_ns = v_ji64(rec, "max_gap_ns", 0);
	w.max_gap_at_ns = v_ji64(rec, "max_gap_at_ns", V_UNKNOWN);
	w.max_gap_cpu = (int)v_ji64(rec, "max_gap_cpu", -1);
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
	int64_t at = v_ji64(rec, "at_ns", V_UNKNOWN);
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
	int64_t at = v_ji64(rec, "at_ns", V_UNKNOWN);
	if (!ev || at == V_UNKNOWN)
		return;
	r->ev = v_grow(r->ev, (size_t)(r->nev + 1) * sizeof(*r->ev));
	r->ev[r->nev++] = (struct v_event){at, ev, v_jstr(rec, "name"), is_failure_event(ev)};
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
	cJSON_ArrayForEach(rec, arr_of(r->r, "records")) {
		if (is_type(rec, "worker"))
			read_worker(r, rec);
		else if (is_type(rec, "step_start") || is_type(rec, "step_end"))
			read_step(r, rec, is_type(rec, "step_start"));
		else if (is_type(rec, "scheduler"))
			read_event(r, rec);
		else if (is_type(rec, "backdrop_start"))
			r->backdrop_ns = v_ji64(rec, "at_ns", V_UNKNOWN);
		else if (is_type(rec, "end"))
			r->end_ns = v_ji64(rec, "at_ns", V_UNKNOWN);
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

static void find_span(struct v_run *r)
{
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
	if (r->tl && r->tl->last_ns > r->tl->first_ns)
		extend(r, r->tl->first_ns), extend(r, r->tl->last_ns);
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
	if (v_jnum(arr_of(r->r, "monitor"), "cpus", &m) && m >= 1 && m <= V_MAX_CPUS)
		return (int)m;
	return topology_cpus(v_jstr(r->r, "topology"));
}

/* ---- evidence of failed claims ------------------------------------------------- */

struct scope {
	bool is_cgroup;
	char cgroup[256];
	int step;			/* 0: the whole run */
};

/* "scenario", "step 2", "cgroup X", "cgroup X, step 2" (checker.c). */
static struct scope parse_scope(const char *text)
{
	struct scope s = {0};
	const char *t = text ? text : "";
	if (!strncmp(t, "cgroup ", 7)) {
		s.is_cgroup = true;
		snprintf(s.cgroup, sizeof(s.cgroup), "%s", t + 7);
		char *comma = strstr(s.cgroup, ", step ");
		if (comma) {
			s.step = atoi(comma + 7);
			*comma = 0;
		}
		if (!strcmp(s.cgroup, "(host workers)"))
			s.cgroup[0] = 0;
	} else if (!strncmp(t, "step ", 5)) {
		s.step = atoi(t + 5);
	}
	return s;
}

static const cJSON *phase_of(const struct v_worker *w, int step)
{
	const cJSON *ph;
	cJSON_ArrayForEach(ph, arr_of(w->rec, "phases"))
		if (v_ji64(ph, "epoch", -1) == step)
			return ph;
	return NULL;
}

/* The worker's gap that a claim of scope s judges. */
static bool gap_in_scope(const struct v_worker *w, const struct scope *s, int64_t *gap, int64_t *at)
{
	if (!s->step) {
		*gap = w->max_gap_ns, *at = w->max_gap_at_ns;
		return true;
	}
	const cJSON *ph = phase_of(w, s->step);
	*gap = v_ji64(ph, "max_gap_ns", 0), *at = v_ji64(ph, "max_gap_at_ns", V_UNKNOWN);
	return ph != NULL;
}

static void note(struct v_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct v_run *r, const char *fmt, ...)
{
	r->note = v_grow(r->note, (size_t)(r->nnote + 1) * sizeof(*r->note));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->note[r->nnote++].text, sizeof(r->note->text), fmt, ap);
	va_end(ap);
}

static void claim_words(const cJSON *c, char *out, size_t n)
{
	const char *name = v_jstr(c, "name"), *scope = v_jstr(c, "scope");
	snprintf(out, n, "%s (%s)", name ? name : "?", scope ? scope : "?");
}

static void mark_gap(struct v_run *r, const cJSON *claim, const struct scope *s)
{
	int best = -1;
	int64_t best_gap = -1, best_at = V_UNKNOWN;
	for (int i = 0; i < r->nw; i++) {
		int64_t gap, at;
		if (s->is_cgroup && strcmp(r->cg[r->w[i].cg], s->cgroup))
			continue;
		if (gap_in_scope(&r->w[i], s, &gap, &at) && gap > best_gap)
			best = i, best_gap = gap, best_at = at;
	}
	char what[300], d[32], a[32], b[32];
	claim_words(claim, what, sizeof(what));
	if (best < 0 || best_gap <= 0)
		return;
	struct v_worker *w = &r->w[best];
	size_t len = strlen(w->mark_claim);
	snprintf(w->mark_claim + len, sizeof(w->mark_claim) - len, "%s%s", len ? "; " : "", what);
	if (w->marked)
		return;
	w->marked = true, w->mark_gap_ns = best_gap, w->mark_gap_at_ns = best_at;
	v_dur(d, sizeof(d), (double)best_gap);
	if (w->start_ns == V_UNKNOWN || best_at == V_UNKNOWN) {
		note(r, "%s failed: pid %d (%s) went %s without running, but this result has no start_at_ns "
		     "for it (an older ktstr), so that gap cannot be placed in time.",
		     what, w->tid, v_cg_display(r->cg[w->cg]), d);
		return;
	}
	int64_t end = w->start_ns + best_at;
	char cpu[48] = "";
	if (w->max_gap_cpu >= 0 && !s->step)
		snprintf(cpu, sizeof(cpu), ", after running on CPU %d", w->max_gap_cpu);
	note(r, "%s failed: pid %d (%s) went %s without running, from %s to %s%s; marked on its worker row.",
	     what, w->tid, v_cg_display(r->cg[w->cg]), d, v_secs(a, sizeof(a), (double)(end - best_gap), 1e6),
	     v_secs(b, sizeof(b), (double)end, 1e6), cpu);
}

/* The CPUs cgroup cg may use in step k, as the checker judges them: its
 * cpusets written in step k and the last one before (checker.c). */
static bool allowed_cpus(const struct v_run *r, const char *cg, int step, struct v_cpus *out)
{
	const cJSON *rec, *last_before = NULL;
	bool constrained = false;
	struct v_cpus one;
	memset(out, 0, sizeof(*out));
	cJSON_ArrayForEach(rec, arr_of(r->r, "records")) {
		const char *rc = v_jstr(rec, "cgroup"), *eff = v_jstr(rec, "effective");
		if (!is_type(rec, "cpuset") || !rc || strcmp(rc, cg) || !eff || !*eff)
			continue;
		int rs = (int)v_ji64(rec, "step", 0);
		if (rs < step)
			last_before = rec;
		if ((rs == step || step < 0) && v_cpus_parse(eff, &one)) {
			for (size_t i = 0; i < V_MAX_CPUS / 64; i++)
				out->bits[i] |= one.bits[i];
			constrained = true;
		}
	}
	if (last_before && v_cpus_parse(v_jstr(last_before, "effective"), &one)) {
		for (size_t i = 0; i < V_MAX_CPUS / 64; i++)
			out->bits[i] |= one.bits[i];
		constrained = true;
	}
	return constrained;
}

static void outside_of(const struct v_run *r, const struct v_worker *w, const cJSON *used, int step,
		       struct v_cpus *out, struct v_cpus *allowed_all)
{
	struct v_cpus ok, u;
	if (!allowed_cpus(r, r->cg[w->cg], step, &ok))
		return;
	v_cpus_from_json(used, &u);
	for (size_t i = 0; i < V_MAX_CPUS / 64; i++) {
		out->bits[i] |= u.bits[i] & ~ok.bits[i];
		allowed_all->bits[i] |= ok.bits[i];
	}
}

static void mark_isolation(struct v_run *r, const cJSON *claim, const struct scope *s)
{
	char what[300], bad[200], ok[200];
	claim_words(claim, what, sizeof(what));
	for (int i = 0; i < r->nw; i++) {
		struct v_worker *w = &r->w[i];
		struct v_cpus allowed = {0};
		const cJSON *phases = arr_of(w->rec, "phases"), *ph;
		if (strcmp(r->cg[w->cg], s->cgroup))
			continue;
		if (s->step || !cJSON_GetArraySize(phases))
			outside_of(r, w, arr_of(w->rec, "cpus_used"), s->step ? s->step : -1, &w->outside, &allowed);
		else
			cJSON_ArrayForEach(ph, phases)
				outside_of(r, w, arr_of(ph, "cpus_used"), (int)v_ji64(ph, "epoch", 0), &w->outside,
					   &allowed);
		if (!v_cpus_any(&w->outside) || w->has_outside)
			continue;
		w->has_outside = true;
		for (size_t k = 0; k < V_MAX_CPUS / 64; k++)
			r->iso.bits[k] |= w->outside.bits[k];
		v_cpus_format(&w->outside, bad, sizeof(bad));
		v_cpus_format(&allowed, ok, sizeof(ok));
		note(r, "%s failed: pid %d ran on CPU %s, outside its cpuset %s%s", what, w->tid, bad, ok,
		     r->tl ? "; those CPU rows are marked." : " (the per-CPU rows need a trace).");
	}
}

static void find_evidence(struct v_run *r)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, arr_of(r->r, "claims")) {
		const char *st = v_jstr(c, "status"), *name = v_jstr(c, "name");
		if (!st || strcmp(st, "failed") || !name)
			continue;
		struct scope s = parse_scope(v_jstr(c, "scope"));
		if (!strcmp(name, "isolation") && s.is_cgroup)
			mark_isolation(r, c, &s);
		else if (s.is_cgroup || !strcmp(name, "max_gap_ms"))
			mark_gap(r, c, &s);
	}
	char at[32];
	for (int i = 0; i < r->nev; i++)
		if (r->ev[i].failure)
			note(r, "The scheduler %s: %s at %s (red line).", r->ev[i].name ? r->ev[i].name : "",
			     r->ev[i].event, v_secs(at, sizeof(at), (double)r->ev[i].at_ns, 1e6));
}

void v_run_read(struct v_run *r, const struct html_run *in)
{
	memset(r, 0, sizeof(*r));
	r->r = in->result;
	r->tl = in->tl;
	r->label = in->label;
	const cJSON *cg;
	cJSON_ArrayForEach(cg, arr_of(r->r, "cgroups"))
		if (v_jstr(cg, "name"))
			cg_add(r, v_jstr(cg, "name"));
	read_records(r);
	map_pids(r);
	find_span(r);
	r->ncpus = count_cpus(r);
	find_evidence(r);
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
