/* checker: evaluates the program's checks and claims over the records. */
#include "checker.h"
#include "report.h"
#include "topology.h"
#include "util.h"
#include "vocab.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct ctx {
	const struct kb_program *p;
	const cJSON *records;
	const cJSON **workers;
	size_t nworkers;
	const char **cgroups;
	size_t ncgroups;
	int nsteps;
	struct check_output *out;
};

static const char *jstr(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static double jnum(const cJSON *o, const char *k, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* A number from a record as an int: a value that is not a number, not
 * finite or out of int's range (hostile result files) reads as def. */
static int clamp_int(double v, int def)
{
	return v >= -2147483648.0 && v <= 2147483647.0 ? (int)v : def;
}

static int jint(const cJSON *o, const char *k, int def)
{
	return clamp_int(jnum(o, k, def), def);
}

static struct claim_result *add(struct ctx *c)
{
	struct check_output *o = c->out;
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 32;
		o->claims = xrealloc(o->claims, o->cap * sizeof(*o->claims));
	}
	struct claim_result *r = &o->claims[o->n++];
	memset(r, 0, sizeof(*r));
	r->actual = NAN;
	return r;
}

static const char *const status_names[] = {[CS_HELD] = "held", [CS_FAILED] = "failed", [CS_NA] = "n/a"};

const char *claim_status_name(enum claim_status s)
{
	return status_names[s];
}

enum claim_status claim_status_of(const cJSON *claim)
{
	const char *s = jstr(claim, "status");
	for (int i = 0; s && i < 3; i++)
		if (!strcmp(s, status_names[i]))
			return (enum claim_status)i;
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(claim, "passed")) ? CS_HELD : CS_FAILED;
}

/* The unit a metric is measured in, for the actual value's text. */
static const char *unit_of(const char *metric)
{
	const struct ty_alt *a = metric ? ty_alt(&ty_metric, metric) : NULL;
	const struct metric_info *mi = a ? a->ext : NULL;
	return mi && mi->unit ? mi->unit : "";
}

/* `passed` is what the evaluator decided; status refines it: n/a only
 * when the evaluator said so. */
static void finish(struct ctx *c, struct claim_result *r, const char *metric)
{
	if (r->status != CS_NA)
		r->status = r->passed ? CS_HELD : CS_FAILED;
	else
		r->passed = false;
	if (r->status == CS_FAILED)
		c->out->failed++;
	if (!r->actual_text[0]) {
		const char *u = unit_of(metric);
		if (isnan(r->actual))
			snprintf(r->actual_text, sizeof(r->actual_text), "undefined (no data)");
		else
			snprintf(r->actual_text, sizeof(r->actual_text), "%.6g%s%s", r->actual, *u ? " " : "", u);
	}
}

static void scope_text(char *out, size_t n, const struct scope *s)
{
	if (s->cgroup && !*s->cgroup) {
		struct scope t = {"(host workers)", s->step};
		scope_text(out, n, &t);
		return;
	}
	if (s->cgroup && s->step)
		snprintf(out, n, "cgroup %s, step %d", s->cgroup, s->step);
	else if (s->cgroup)
		snprintf(out, n, "cgroup %s", s->cgroup);
	else if (s->step)
		snprintf(out, n, "step %d", s->step);
	else
		snprintf(out, n, "scenario");
}

/* The phase slice of report rep for step (NULL when it did not run then). */
static const cJSON *phase_of(const cJSON *rep, int step)
{
	const cJSON *ph;
	cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(rep, RK(PHASES)))
		if (jint(ph, RK(EPOCH), -1) == step)
			return ph;
	return NULL;
}

/* Workers of a scope; returns the count, views in *out (caller frees). */
static size_t select_workers(struct ctx *c, const struct scope *s, struct wview **out)
{
	struct wview *v = xcalloc(c->nworkers ? c->nworkers : 1, sizeof(*v));
	size_t n = 0;
	for (size_t i = 0; i < c->nworkers; i++) {
		const cJSON *rep = c->workers[i];
		const char *cg = jstr(rep, RK(CGROUP));
		if (s->cgroup && (!cg || strcmp(cg, s->cgroup)))
			continue;
		const cJSON *ph = NULL;
		if (s->step) {
			ph = phase_of(rep, s->step);
			if (!ph)
				continue;
		}
		v[n++] = (struct wview){rep, ph, cg ? cg : ""};
	}
	*out = v;
	return n;
}

/* ---- checks -------------------------------------------------------------------- */

static void check_starved(struct ctx *c, const struct scope *s, const struct wview *w, size_t n,
			  const struct check_info *ci, double limit, struct claim_result *r)
{
	(void)c, (void)s, (void)ci, (void)limit;
	size_t starved = 0;
	char who[200] = "";
	for (size_t i = 0; i < n; i++) {
		bool sentinel = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w[i].rep, RK(SENTINEL)));
		if (rep_num(&w[i], RK_WORK_UNITS) > 0 && !sentinel)
			continue;
		if (!starved++)
			snprintf(who, sizeof(who), "pid %d%s", clamp_int(rep_id_num(&w[i], RK_PID), -1),
				 sentinel ? " never reported" : " did no work");
	}
	r->actual = (double)starved;
	snprintf(r->expected, sizeof(r->expected), "every worker did work");
	snprintf(r->actual_text, sizeof(r->actual_text), "%zu of %zu starved", starved, n);
	/* No worker in scope is not "nobody starved": nothing was judged. */
	r->passed = n && !starved;
	if (!n)
		snprintf(r->detail, sizeof(r->detail), "no workers in scope");
	else if (starved)
		snprintf(r->detail, sizeof(r->detail), "%s", who);
}

/* CPUs a cgroup may use during phase k: every cpuset it had from the last
 * change before step k through the changes made during step k (its ops
 * and a loop hold's).  Step k's window ends with its hold, so the next
 * step's cpuset writes fall outside it.  False when it never had a
 * cpuset. */
#define WHOLE_RUN (-1)

static void add_set(struct cpuset *out, const char *text)
{
	struct cpuset s;
	if (text && cpuset_parse(text, &s))
		for (size_t i = 0; i < KT_MAX_CPUS / 64; i++)
			out->bits[i] |= s.bits[i];
}

static bool is_cpuset_of(const cJSON *rec, const char *cg)
{
	const char *rc = jstr(rec, RK(CGROUP));
	return rec_kind_of(jstr(rec, RK(TYPE))) == RT_CPUSET && rc && !strcmp(rc, cg);
}

static bool allowed_cpus(struct ctx *c, const char *cg, int step, struct cpuset *out)
{
	cpuset_clear(out);
	bool constrained = false;
	const cJSON *last_before = NULL, *rec;
	cJSON_ArrayForEach(rec, c->records) {
		if (!is_cpuset_of(rec, cg))
			continue;
		const char *eff = jstr(rec, RK(EFFECTIVE));
		if (!eff || !*eff)
			continue;
		int rs = jint(rec, RK(STEP), 0);
		if (rs < step)
			last_before = rec;
		if (rs == step || step == WHOLE_RUN) {
			add_set(out, eff);
			constrained = true;
		}
	}
	if (last_before) {
		add_set(out, jstr(last_before, RK(EFFECTIVE)));
		constrained = true;
	}
	return constrained;
}

static bool cpus_within(const cJSON *list, const struct cpuset *allowed, int *bad)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, list)
		if (cJSON_IsNumber(it) && !cpuset_has(allowed, (unsigned)it->valueint)) {
			*bad = it->valueint;
			return false;
		}
	return true;
}

/* One worker against its cpusets: false with *bad and *ok set on the
 * first CPU outside.  *judged: some phase of it had a cpuset. */
static bool worker_isolated(struct ctx *c, const struct scope *s, const struct wview *w,
			    struct cpuset *ok, int *bad, bool *judged)
{
	const cJSON *phases = cJSON_GetObjectItemCaseSensitive(w->rep, RK(PHASES)), *ph;
	if (s->step || !cJSON_GetArraySize(phases)) {
		int step = s->step ? s->step : WHOLE_RUN;
		if (!allowed_cpus(c, w->cgroup, step, ok))
			return true;
		*judged = true;
		return cpus_within(rep_item(w, RK_CPUS_USED), ok, bad);
	}
	cJSON_ArrayForEach(ph, phases) {
		if (!allowed_cpus(c, w->cgroup, jint(ph, RK(EPOCH), 0), ok))
			continue;
		*judged = true;
		if (!cpus_within(cJSON_GetObjectItemCaseSensitive(ph, RK(CPUS_USED)), ok, bad))
			return false;
	}
	return true;
}

static void check_isolation(struct ctx *c, const struct scope *s, const struct wview *w, size_t n,
			    const struct check_info *ci, double limit, struct claim_result *r)
{
	(void)ci, (void)limit;
	size_t broke = 0;
	bool judged = false;
	snprintf(r->expected, sizeof(r->expected), "only the cgroup's cpuset CPUs");
	for (size_t i = 0; i < n && !broke; i++) {
		struct cpuset ok;
		int bad = -1;
		if (worker_isolated(c, s, &w[i], &ok, &bad, &judged))
			continue;
		broke++;
		char allowed[160];
		cpuset_format(&ok, allowed, sizeof(allowed));
		snprintf(r->detail, sizeof(r->detail), "pid %d ran on CPU %d outside %s",
			 clamp_int(rep_id_num(&w[i], RK_PID), -1), bad, allowed);
	}
	r->actual = (double)broke;
	r->passed = n && broke == 0;
	if (!n) {
		snprintf(r->detail, sizeof(r->detail), "no workers in scope");
	} else if (!judged) {
		r->status = CS_NA;
		snprintf(r->actual_text, sizeof(r->actual_text), "no cpuset");
		snprintf(r->detail, sizeof(r->detail), "the cgroup had no cpuset while its workers ran");
	}
	if (!r->actual_text[0])
		snprintf(r->actual_text, sizeof(r->actual_text), broke ? "a worker ran outside" : "held");
}

static void check_threshold(struct ctx *c, const struct scope *s, const struct wview *w, size_t n,
			    const struct check_info *ci, double limit, struct claim_result *r)
{
	(void)c, (void)s;
	double v;
	enum metric_state st = metric_eval(ci->metric, w, n, &v);
	bool max = ci->eval == EV_AT_MOST;
	r->actual = v;
	snprintf(r->expected, sizeof(r->expected), "%s %.6g", max ? "<=" : ">=", limit);
	switch (st) {
	case MS_OK:
		r->passed = max ? v <= limit : v >= limit;
		if (!r->passed)
			snprintf(r->detail, sizeof(r->detail), "%s = %.6g", ci->metric, v);
		break;
	case MS_NOT_APPLICABLE:
		r->status = CS_NA;
		snprintf(r->actual_text, sizeof(r->actual_text), "not applicable");
		snprintf(r->detail, sizeof(r->detail), "%s needs two comparable workers (one spawn, non-blocking work)",
			 ci->metric);
		break;
	default:	/* no data is not a pass: the check could not be made */
		r->passed = false;
		if (!n || !metric_why(ci->metric, w, n, r->detail, sizeof(r->detail)))
			snprintf(r->detail, sizeof(r->detail), n ? "%s undefined for these %zu workers" : "no workers in scope",
				 ci->metric, n);
	}
}

/* A check on the host monitor's summary (the run's "monitor" record).
 * No monitor, or one that could not read the guest kernel, is "not
 * evaluated" (n/a, with the reason), never held. */
static void check_monitor(struct ctx *c, const struct scope *s, const struct wview *w, size_t n,
			  const struct check_info *ci, double limit, struct claim_result *r)
{
	(void)s, (void)w, (void)n;
	const cJSON *rec, *mon = NULL;
	cJSON_ArrayForEach(rec, c->records)
		if (rec_kind_of(jstr(rec, RK(TYPE))) == RT_MONITOR)
			mon = rec;
	snprintf(r->expected, sizeof(r->expected), "<= %.6g", limit);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(mon, ci->metric);
	if (!mon || !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mon, RK(AVAILABLE))) || !cJSON_IsNumber(v)) {
		r->status = CS_NA;
		snprintf(r->actual_text, sizeof(r->actual_text), "not evaluated");
		if (!mon)
			snprintf(r->detail, sizeof(r->detail), "this run had no host monitor");
		else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mon, RK(AVAILABLE))))
			snprintf(r->detail, sizeof(r->detail), "monitor unavailable: %s",
				 jstr(mon, RK(REASON)) ? jstr(mon, RK(REASON)) : "?");
		else
			snprintf(r->detail, sizeof(r->detail), "the monitor has no %s for this run%s", ci->metric,
				 strstr(ci->metric, "scx") || strstr(ci->metric, "dsq")
					 ? " (no sched_ext scheduler was enabled)" : "");
		return;
	}
	r->actual = v->valuedouble;
	r->passed = r->actual <= limit;
	if (!r->passed && !strcmp(ci->metric, RK(MAX_CPU_STALL_MS)))
		snprintf(r->detail, sizeof(r->detail), "CPU %d did not switch for %.0f ms with runnable tasks waiting (at %.1f s)",
			 jint(mon, RK(STALL_CPU), -1), r->actual, jnum(mon, RK(STALL_AT_MS), 0) / 1e3);
	else if (!r->passed && !strcmp(ci->metric, RK(MAX_SCX_WAIT_MS)))
		snprintf(r->detail, sizeof(r->detail), "%s[%d] waited %.0f ms runnable on CPU %d (at %.1f s)",
			 jstr(mon, RK(WAIT_COMM)) ? jstr(mon, RK(WAIT_COMM)) : "?", jint(mon, RK(WAIT_PID), -1),
			 r->actual, jint(mon, RK(WAIT_CPU), -1), jnum(mon, RK(WAIT_AT_MS), 0) / 1e3);
	else if (!r->passed)
		snprintf(r->detail, sizeof(r->detail), "%s = %.6g", ci->metric, r->actual);
}

/* An evaluator gets the scope's workers (selected once, by eval_check). */
typedef void (*check_evaluator)(struct ctx *c, const struct scope *s, const struct wview *w, size_t n,
				const struct check_info *ci, double limit, struct claim_result *r);

static const check_evaluator evaluators[EV__COUNT] = {
	[EV_NOT_STARVED] = check_starved,
	[EV_ISOLATION] = check_isolation,
	[EV_AT_MOST] = check_threshold,
	[EV_AT_LEAST] = check_threshold,
	[EV_MONITOR_AT_MOST] = check_monitor,
};

bool check_evaluator_exists(enum check_eval e)
{
	return (unsigned)e < EV__COUNT && evaluators[e];
}

/* Effective value of check `name` for a cgroup at step: the most
 * specific CHECK instruction wins (cgroup+step, step, cgroup, scenario). */
static const struct kb_operand *check_value(struct ctx *c, const char *name, const char *cg,
					    int step, int *specificity)
{
	const struct kb_operand *best = NULL;
	int bs = -1;
	for (uint32_t i = 0; i < c->p->ninsn; i++) {
		const struct kb_insn *in = &c->p->insn[i];
		if (in->op != OPC_CHECK || strcmp(kb_get_str(c->p, in, "name"), name))
			continue;
		const char *icg = kb_get_str(c->p, in, "cgroup");
		int64_t istep = 0;
		kb_get_int(c->p, in, "step", &istep);
		if ((icg && (!cg || strcmp(icg, cg))) || (istep && istep != step))
			continue;
		int sp = (icg ? 1 : 0) + (istep ? 2 : 0);
		if (sp >= bs) {
			bs = sp;
			best = kb_get(c->p, in, "value");
		}
	}
	if (specificity)
		*specificity = bs;
	return best;
}

static bool is_off(const struct kb_program *p, const struct kb_operand *v)
{
	return !v || (v->type == KB_STR && !strcmp(p->str[v->s], "off")) ||
	       (v->type == KB_BOOL && !v->i);
}

static void eval_check(struct ctx *c, const struct ty_field *f, const struct scope *s)
{
	const struct check_info *ci = f->ext;
	int sp;
	const struct kb_operand *v = check_value(c, f->key, s->cgroup, s->step, &sp);
	/* A step scope is evaluated only where a step-level CHECK exists. */
	if (is_off(c->p, v) || (s->step && sp < 2))
		return;
	struct claim_result *r = add(c);
	snprintf(r->name, sizeof(r->name), "%s", f->key);
	scope_text(r->scope, sizeof(r->scope), s);
	if (!check_evaluator_exists(ci->eval)) {
		snprintf(r->detail, sizeof(r->detail), "no evaluator for this check in this build");
	} else {
		double limit = v->type == KB_NUM ? v->f : (double)v->i;
		struct wview *w;
		size_t n = select_workers(c, s, &w);
		evaluators[ci->eval](c, s, w, n, ci, limit, r);
		free(w);
	}
	finish(c, r, ci->eval == EV_AT_MOST || ci->eval == EV_AT_LEAST ? ci->metric : NULL);
	if (ci->eval == EV_MONITOR_AT_MOST && !isnan(r->actual) && strstr(ci->metric, "_ms"))
		snprintf(r->actual_text, sizeof(r->actual_text), "%.6g ms", r->actual);
}

/* ---- pointwise claims -------------------------------------------------------------- */

static void eval_claim(struct ctx *c, const struct kb_insn *in)
{
	const char *metric = kb_get_str(c->p, in, "metric");
	int64_t step = 0;
	kb_get_int(c->p, in, "step", &step);
	struct scope s = {kb_get_str(c->p, in, "cgroup"), (int)step};
	struct wview *w;
	size_t n = select_workers(c, &s, &w);
	double v = NAN;
	struct claim_result *r = add(c);
	snprintf(r->name, sizeof(r->name), "%s", metric);
	scope_text(r->scope, sizeof(r->scope), &s);
	enum metric_state st = metric_eval(metric, w, n, &v);
	r->actual = v;
	const struct kb_operand *o;
	if ((o = kb_get(c->p, in, "at_least"))) {
		snprintf(r->expected, sizeof(r->expected), ">= %.6g", o->f);
		r->passed = !isnan(v) && v >= o->f;
	} else if ((o = kb_get(c->p, in, "at_most"))) {
		snprintf(r->expected, sizeof(r->expected), "<= %.6g", o->f);
		r->passed = !isnan(v) && v <= o->f;
	} else if ((o = kb_get(c->p, in, "is_finite"))) {
		snprintf(r->expected, sizeof(r->expected), o->i ? "finite" : "not finite");
		r->passed = (bool)isfinite(v) == (bool)o->i;
	} else {
		double lo = NAN, hi = NAN;
		int k = 0;
		for (uint32_t i = 0; i < in->nops; i++) {
			const struct kb_operand *b = &c->p->opnd[in->first + i];
			if (!strcmp(c->p->str[b->key], "between")) {
				if (k++)
					hi = b->f;
				else
					lo = b->f;
			}
		}
		snprintf(r->expected, sizeof(r->expected), "in [%.6g, %.6g]", lo, hi);
		r->passed = !isnan(v) && v >= lo && v <= hi;
	}
	if (st == MS_NOT_APPLICABLE)
		snprintf(r->detail, sizeof(r->detail), "%s does not apply to these %zu workers", metric, n);
	else if (isnan(v) && (!n || !metric_why(metric, w, n, r->detail, sizeof(r->detail))))
		snprintf(r->detail, sizeof(r->detail), n ? "undefined for these %zu workers" : "no workers in scope", n);
	finish(c, r, metric);
	free(w);
}

/* ---- payload checks -------------------------------------------------------------------- */

/* A metric the host extracted from the payload's output (payloadout.c). */
static bool payload_metric(const cJSON *rec, const char *name, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, RK(METRICS)), name);
	if (!name || !cJSON_IsNumber(v))
		return false;
	*out = v->valuedouble;
	return true;
}

/* Why a metric is absent: the extraction's first note, if any. */
static void absent_detail(const cJSON *rec, const char *metric, char *out, size_t n)
{
	const cJSON *notes = cJSON_GetObjectItemCaseSensitive(rec, RK(METRIC_NOTES));
	const char *first = cJSON_GetStringValue(cJSON_GetArrayItem(notes, 0));
	snprintf(out, n, "metric '%s' absent from the payload's output%s%.300s", metric ? metric : "?",
		 first ? ": " : "", first ? first : "");
}

/* output: ktap — every subtest passed or skipped, and there was one. */
static void ktap_claim(struct ctx *c, const char *name, const cJSON *rec)
{
	struct claim_result *r = add(c);
	snprintf(r->name, sizeof(r->name), "payload %s: subtests", name);
	snprintf(r->scope, sizeof(r->scope), "payload %s", name);
	snprintf(r->expected, sizeof(r->expected), "no failing subtest, at least one run");
	double fail = 0, total = 0, missing = 0, bailed = 0;
	payload_metric(rec, "ktap_fail", &fail);
	payload_metric(rec, "ktap_total", &total);
	payload_metric(rec, "ktap_missing", &missing);
	payload_metric(rec, "ktap_bailed", &bailed);
	r->actual = fail + missing;
	snprintf(r->actual_text, sizeof(r->actual_text), "%.0f of %.0f failed%s", fail, total,
		 missing ? ", some never reported" : "");
	r->passed = total > 0 && !fail && !missing && !bailed;
	size_t len = 0;
	const cJSON *row;
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(rec, RK(SUBTESTS))) {
		const char *res = jstr(row, "result");
		if (res && !strcmp(res, "fail") && len < sizeof(r->detail) - 1)
			len += (size_t)snprintf(r->detail + len, sizeof(r->detail) - len, "%s%s",
						len ? ", " : "failed: ", jstr(row, "name") ? jstr(row, "name") : "?");
	}
	if (!total)
		absent_detail(rec, "ktap_total", r->detail, sizeof(r->detail));
	finish(c, r, NULL);
}

static void payload_check(struct ctx *c, const struct kb_insn *in, const char *name, const cJSON *rec)
{
	const char *kind = kb_get_str(c->p, in, "check");
	const char *err = jstr(rec, RK(STDERR));
	int code = jint(rec, RK(EXIT_CODE), -1);
	struct claim_result *r = add(c);
	snprintf(r->name, sizeof(r->name), "payload %s: %s", name, kind);
	snprintf(r->scope, sizeof(r->scope), "payload %s", name);
	int64_t want;
	double v = NAN, lo = NAN, hi = NAN;
	const char *metric = kb_get_str(c->p, in, "check.metric");
	const struct kb_operand *o;
	if (kb_get_int(c->p, in, "check.exit_code_eq", &want)) {
		snprintf(r->expected, sizeof(r->expected), "exit code %lld", (long long)want);
		r->actual = code;
		r->passed = code == want;
		if (!r->passed && err && *err)
			snprintf(r->detail, sizeof(r->detail), "stderr: %.200s", err);
	} else if (!strcmp(kind, "exists")) {
		metric = kb_get_str(c->p, in, "check.exists");
		snprintf(r->expected, sizeof(r->expected), "metric %s present", metric);
		r->passed = payload_metric(rec, metric, &v);
		r->actual = r->passed ? v : NAN;
		if (!r->passed)
			absent_detail(rec, metric, r->detail, sizeof(r->detail));
	} else {
		bool have = payload_metric(rec, metric, &v);
		if ((o = kb_get(c->p, in, "check.value")))
			lo = hi = o->f;
		if ((o = kb_get(c->p, in, "check.lo")))
			lo = o->f;
		if ((o = kb_get(c->p, in, "check.hi")))
			hi = o->f;
		if (!strcmp(kind, "min"))
			snprintf(r->expected, sizeof(r->expected), "%s >= %.6g", metric, lo);
		else if (!strcmp(kind, "max"))
			snprintf(r->expected, sizeof(r->expected), "%s <= %.6g", metric, hi);
		else
			snprintf(r->expected, sizeof(r->expected), "%s in [%.6g, %.6g]", metric, lo, hi);
		r->actual = v;
		r->passed = have && !isnan(v) && (strcmp(kind, "max") ? v >= lo : true) &&
			    (strcmp(kind, "min") ? v <= hi : true);
		if (!have)
			absent_detail(rec, metric, r->detail, sizeof(r->detail));
	}
	finish(c, r, NULL);
}

/* A payload still running at its wait_payload's timeout hung (or was too
 * slow for the scenario): the executor killed it, and the run fails. */
static void timeout_claim(struct ctx *c, const char *name, const cJSON *rec)
{
	struct claim_result *r = add(c);
	snprintf(r->name, sizeof(r->name), "payload %s: finished", name);
	snprintf(r->scope, sizeof(r->scope), "payload %s", name);
	snprintf(r->expected, sizeof(r->expected), "exit before its wait timeout");
	r->actual = 1;
	snprintf(r->actual_text, sizeof(r->actual_text), "killed after %.2f s", jnum(rec, RK(WALL_NS), 0) / 1e9);
	r->passed = false;
	snprintf(r->detail, sizeof(r->detail), "still running at wait_payload's timeout; its output so far is in the record");
	finish(c, r, NULL);
}

/* Every payload_check of the program against every run of its payload,
 * on the metrics the host extracted from its output (payloadout.c), plus
 * the subtests claim of a ktap payload and the timeout of a hung one. */
static void eval_payload_checks(struct ctx *c)
{
	const cJSON *rec;
	cJSON_ArrayForEach(rec, c->records) {
		const char *name = jstr(rec, RK(NAME));
		if (rec_kind_of(jstr(rec, RK(TYPE))) != RT_PAYLOAD || !name)
			continue;
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, RK(TIMED_OUT))))
			timeout_claim(c, name, rec);
		for (uint32_t i = 0; i < c->p->ninsn; i++) {
			const struct kb_insn *in = &c->p->insn[i];
			const char *pn = in->op == OPC_PAYLOAD || in->op == OPC_PAYLOAD_CHECK
						 ? kb_get_str(c->p, in, in->op == OPC_PAYLOAD ? "name" : "payload") : NULL;
			if (!pn || strcmp(pn, name))
				continue;
			const char *fmt = in->op == OPC_PAYLOAD ? kb_get_str(c->p, in, "output") : NULL;
			if (fmt && !strcmp(fmt, "ktap"))
				ktap_claim(c, name, rec);
			else if (in->op == OPC_PAYLOAD_CHECK)
				payload_check(c, in, name, rec);
		}
	}
}

/* ---- run-level facts ------------------------------------------------------------------ */

static void run_fact(struct ctx *c, const char *name, const char *expected, size_t bad,
		     const char *what, const char *detail)
{
	struct claim_result *r = add(c);
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->scope, sizeof(r->scope), "scenario");
	snprintf(r->expected, sizeof(r->expected), "%s", expected);
	r->actual = (double)bad;
	snprintf(r->actual_text, sizeof(r->actual_text), "%zu %s", bad, what);
	r->passed = !bad;
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	finish(c, r, NULL);
}

/* A worker whose settings the kernel refused (policy, affinity, mem
 * policy, nice, cgroup placement, ...) did not run the scenario that was
 * asked for, so the run cannot pass: every key the contract marks as a
 * settings error is looked at. */
static size_t misconfigured(const cJSON *rep, char *first, size_t n)
{
	size_t bad = 0;
	for (int k = 0; k < RK__COUNT; k++) {
		if (!(rep_keys[k].flags & RKF_ERR))
			continue;
		const char *e = jstr(rep, rep_keys[k].name);
		if (!e || !*e)
			continue;
		if (!bad++ && !*first)
			snprintf(first, n, "pid %d (cgroup %s) %s: %s", jint(rep, RK(PID), 0),
				 jstr(rep, RK(CGROUP)) && *jstr(rep, RK(CGROUP)) ? jstr(rep, RK(CGROUP)) : "(host)",
				 rep_keys[k].name, e);
	}
	return bad;
}

static void eval_run_facts(struct ctx *c)
{
	const cJSON *rec;
	size_t sentinels = 0, op_errors = 0, wrong = 0;
	char first_op[256] = "", first_missing[200] = "", first_wrong[256] = "";
	cJSON_ArrayForEach(rec, c->records) {
		enum rec_kind k = rec_kind_of(jstr(rec, RK(TYPE)));
		if (k == RT_WORKER && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, RK(SENTINEL)))) {
			if (!sentinels++)
				snprintf(first_missing, sizeof(first_missing), "%s",
					 jstr(rec, RK(ERROR)) ? jstr(rec, RK(ERROR)) : "");
		} else if (k == RT_WORKER) {
			wrong += misconfigured(rec, first_wrong, sizeof(first_wrong)) > 0;
		}
		if (k == RT_OP_ERROR && !op_errors++)
			snprintf(first_op, sizeof(first_op), "%s on %s: %s", jstr(rec, RK(OP)),
				 jstr(rec, RK(CGROUP)), jstr(rec, RK(MESSAGE)));
	}
	run_fact(c, "all_workers_reported", "0 missing", sentinels, "missing", first_missing);
	run_fact(c, "ops_succeeded", "0 failed ops", op_errors, "failed", first_op);
	run_fact(c, "workers_configured", "every worker as specified", wrong,
		 "workers with refused settings", first_wrong);
}

static void collect(struct ctx *c)
{
	const cJSON *rec;
	size_t cap = 0, gcap = 0;
	cJSON_ArrayForEach(rec, c->records) {
		if (rec_kind_of(jstr(rec, RK(TYPE))) != RT_WORKER)
			continue;
		if (c->nworkers == cap) {
			cap = cap ? cap * 2 : 64;
			c->workers = xrealloc(c->workers, cap * sizeof(*c->workers));
		}
		c->workers[c->nworkers++] = rec;
		const char *cg = jstr(rec, RK(CGROUP));
		bool seen = false;
		for (size_t i = 0; cg && i < c->ncgroups && !seen; i++)
			seen = !strcmp(c->cgroups[i], cg);
		if (!cg || seen)
			continue;
		if (c->ncgroups == gcap) {
			gcap = gcap ? gcap * 2 : 16;
			c->cgroups = xrealloc(c->cgroups, gcap * sizeof(*c->cgroups));
		}
		c->cgroups[c->ncgroups++] = cg;
	}
	for (uint32_t i = 0; i < c->p->ninsn; i++)
		c->nsteps += c->p->insn[i].op == OPC_STEP;
}

void check_run(const struct kb_program *p, const cJSON *records, struct check_output *out)
{
	memset(out, 0, sizeof(*out));
	struct ctx c = {.p = p, .records = records, .out = out};
	collect(&c);
	eval_run_facts(&c);
	/* Checks are per cgroup, as a scheduler developer reads them. */
	for (const struct ty_field *f = ty_checks.fields; f->key; f++) {
		for (size_t g = 0; g < c.ncgroups; g++) {
			for (int step = 0; step <= c.nsteps; step++) {
				struct scope s = {c.cgroups[g], step};
				eval_check(&c, f, &s);
			}
		}
	}
	for (const struct ty_field *f = monitor_check_fields; f->key; f++) {
		struct scope s = {NULL, 0};
		eval_check(&c, f, &s);
	}
	for (uint32_t i = 0; i < p->ninsn; i++)
		if (p->insn[i].op == OPC_CLAIM)
			eval_claim(&c, &p->insn[i]);
	eval_payload_checks(&c);
	free(c.workers);
	free(c.cgroups);
}

void check_output_free(struct check_output *o)
{
	free(o->claims);
	memset(o, 0, sizeof(*o));
}
