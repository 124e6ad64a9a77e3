/* evidence: what each failed claim points at, located once — the gap
 * (or trace wait) of the worst worker in its scope, the CPUs a cgroup
 * ran on outside its cpuset, a scheduler's failure — marked on the model
 * and said in words for the page. */
#include "view.h"
#include "timeline.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

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
	cJSON_ArrayForEach(ph, v_jget(w->rec, "phases"))
		if (v_ji64(ph, "epoch", -1) == step)
			return ph;
	return NULL;
}

/* An interval a worker did not run, as evidence. */
struct evidence {
	int64_t len, from, to;		/* from and to V_UNKNOWN: cannot be placed */
	int cpu;			/* -1: not known */
	bool wait;			/* the trace's runnable wait, else a telemetry gap */
};

/* The worker's gap that a claim of scope s judges, from its telemetry. */
static bool telemetry_gap(const struct v_worker *w, const struct scope *s, struct evidence *e)
{
	const cJSON *ph = s->step ? phase_of(w, s->step) : NULL;
	int64_t at = s->step ? v_jtime(ph, "max_gap_at_ns", V_UNKNOWN) : w->max_gap_at_ns;
	*e = (struct evidence){s->step ? v_jtime(ph, "max_gap_ns", 0) : w->max_gap_ns, V_UNKNOWN, V_UNKNOWN,
			       s->step ? -1 : w->max_gap_cpu, false};
	if (w->start_ns != V_UNKNOWN && at != V_UNKNOWN)
		e->to = w->start_ns + at, e->from = e->to - e->len;
	return !s->step || ph;
}

static bool trace_wait(const struct v_run *r, const struct v_worker *w, struct evidence *e)
{
	const struct tl_task *t = v_trace_task(r, w->tid);
	if (!t || !t->max_wait_ns || t->max_wait_ns > V_MAX_TIME || t->max_wait_end_ns > V_MAX_TIME ||
	    t->max_wait_end_ns < -V_MAX_TIME)
		return false;
	*e = (struct evidence){(int64_t)t->max_wait_ns, t->max_wait_end_ns - (int64_t)t->max_wait_ns,
			       t->max_wait_end_ns, t->max_wait_cpu, true};
	return true;
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

static void gap_note(struct v_run *r, const struct v_worker *w, const char *what, const struct evidence *e)
{
	char d[32], a[32], b[32], cpu[48] = "";
	v_dur(d, sizeof(d), (double)e->len);
	if (e->from == V_UNKNOWN) {
		note(r, "%s failed: pid %d (%s) went %s without running, but this result has no start_at_ns "
		     "for it (an older ktstr), so that gap cannot be placed in time.",
		     what, w->tid, v_cg_display(r->cg[w->cg]), d);
		return;
	}
	v_secs(a, sizeof(a), (double)e->from, 1e6);
	v_secs(b, sizeof(b), (double)e->to, 1e6);
	if (e->wait) {
		note(r, "%s failed: the trace shows pid %d (%s) runnable for %s without running, from %s until it ran "
		     "on CPU %d at %s; marked on its worker row.", what, w->tid, v_cg_display(r->cg[w->cg]), d, a,
		     e->cpu, b);
		return;
	}
	if (e->cpu >= 0)
		snprintf(cpu, sizeof(cpu), ", after running on CPU %d", e->cpu);
	note(r, "%s failed: pid %d (%s) went %s without running, from %s to %s%s; marked on its worker row.",
	     what, w->tid, v_cg_display(r->cg[w->cg]), d, a, b, cpu);
}

/* Marks the worker in the claim's scope that went longest without
 * running, and says so. */
static void mark_gap(struct v_run *r, const cJSON *claim, const struct scope *s)
{
	bool waits = r->tl && strstr(v_jstr(claim, "name"), "runnable_wait");
	struct evidence best = {0}, e;
	int bi = -1;
	for (int i = 0; i < r->nw; i++) {
		if (s->is_cgroup && strcmp(r->cg[r->w[i].cg], s->cgroup))
			continue;
		if ((waits ? trace_wait(r, &r->w[i], &e) : telemetry_gap(&r->w[i], s, &e)) && e.len > best.len)
			bi = i, best = e;
	}
	if (bi < 0)
		return;
	char what[300];
	claim_words(claim, what, sizeof(what));
	struct v_worker *w = &r->w[bi];
	size_t len = strlen(w->mark_claim);
	snprintf(w->mark_claim + len, sizeof(w->mark_claim) - len, "%s%s", len ? "; " : "", what);
	if (w->marked)
		return;
	w->marked = true, w->mark_is_wait = best.wait;
	w->mark_len_ns = best.len, w->mark_from_ns = best.from, w->mark_to_ns = best.to;
	gap_note(r, w, what, &best);
}

/* The CPUs cgroup cg may use in step k, as the checker judges them: its
 * cpusets written in step k and the last one before (checker.c). */
static bool allowed_cpus(const struct v_run *r, const char *cg, int step, struct v_cpus *out)
{
	const cJSON *rec, *last_before = NULL;
	bool constrained = false;
	struct v_cpus one;
	memset(out, 0, sizeof(*out));
	cJSON_ArrayForEach(rec, v_jget(r->r, "records")) {
		const char *rc = v_jstr(rec, "cgroup"), *eff = v_jstr(rec, "effective");
		if (!v_is_type(rec, "cpuset") || !rc || strcmp(rc, cg) || !eff || !*eff)
			continue;
		int rs = v_jint(rec, "step", 0);
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
		const cJSON *phases = v_jget(w->rec, "phases"), *ph;
		if (strcmp(r->cg[w->cg], s->cgroup))
			continue;
		if (s->step || !cJSON_GetArraySize(phases))
			outside_of(r, w, v_jget(w->rec, "cpus_used"), s->step ? s->step : -1, &w->outside, &allowed);
		else
			cJSON_ArrayForEach(ph, phases)
				outside_of(r, w, v_jget(ph, "cpus_used"), v_jint(ph, "epoch", 0), &w->outside,
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

void v_find_evidence(struct v_run *r)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, v_jget(r->r, "claims")) {
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
	for (int i = 0; i < r->nev; i++) {
		const struct v_event *e = &r->ev[i];
		if (e->failure)
			note(r, "The scheduler %s: %s at %s%s%s (red line).", e->name ? e->name : "", e->event,
			     v_secs(at, sizeof(at), (double)e->at_ns, 1e6), e->why ? ": " : "", e->why ? e->why : "");
	}
}
