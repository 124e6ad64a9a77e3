/* checker: evaluates the program's checks and claims over the records. */
#include "checker.h"
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
	const char *cgroups[256];
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

static void finish(struct ctx *c, struct claim_result *r)
{
	if (!r->passed)
		c->out->failed++;
	if (!r->actual_text[0]) {
		if (isnan(r->actual))
			snprintf(r->actual_text, sizeof(r->actual_text), "undefined (no data)");
		else
			snprintf(r->actual_text, sizeof(r->actual_text), "%.6g", r->actual);
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

/* Work types whose workers sleep or wait by design: their off-CPU share
 * is the workload, not the scheduler (vocabulary flag WT_BLOCKING). */
static bool blocking_work(const char *name)
{
	const struct ty_alt *a = name ? ty_alt(&ty_work, name) : NULL;
	const struct worktype_info *wi = a ? a->ext : NULL;
	return wi && (wi->flags & WT_BLOCKING);
}

/* The phase slice of report rep for step (NULL when it did not run then). */
static const cJSON *phase_of(const cJSON *rep, int step)
{
	const cJSON *ph;
	cJSON_ArrayForEach(ph, cJSON_GetObjectItemCaseSensitive(rep, "phases"))
		if ((int)jnum(ph, "epoch", -1) == step)
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
		const char *cg = jstr(rep, "cgroup");
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

static void check_starved(struct ctx *c, const struct scope *s, struct claim_result *r)
{
	struct wview *w;
	size_t n = select_workers(c, s, &w), starved = 0;
	char who[200] = "";
	for (size_t i = 0; i < n; i++) {
		bool sentinel = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w[i].rep, "sentinel"));
		if (rep_num(&w[i], "work_units") > 0 && !sentinel)
			continue;
		if (!starved++)
			snprintf(who, sizeof(who), "pid %d%s", (int)jnum(w[i].rep, "pid", 0),
				 sentinel ? " never reported" : " did no work");
	}
	r->actual = (double)starved;
	snprintf(r->expected, sizeof(r->expected), "every worker did work");
	snprintf(r->actual_text, sizeof(r->actual_text), "%zu of %zu starved", starved, n);
	r->passed = starved == 0;
	if (starved)
		snprintf(r->detail, sizeof(r->detail), "%s", who);
	free(w);
}

/* CPUs a cgroup may use during phase k: every cpuset it had from the last
 * change before step k through the changes made by step k's ops and by
 * step k+1's ops — the executor moves the phase word only after a step's
 * ops, so the next step's cpuset writes land while phase k is still
 * current.  False when it never had a cpuset. */
#define WHOLE_RUN (-1)

static void add_set(struct cpuset *out, const char *text)
{
	struct cpuset s;
	if (text && cpuset_parse(text, &s))
		for (size_t i = 0; i < KT_MAX_CPUS / 64; i++)
			out->bits[i] |= s.bits[i];
}

static bool allowed_cpus(struct ctx *c, const char *cg, int step, struct cpuset *out)
{
	cpuset_clear(out);
	bool constrained = false;
	const cJSON *last_before = NULL, *rec;
	cJSON_ArrayForEach(rec, c->records) {
		const char *t = jstr(rec, "type"), *rc = jstr(rec, "cgroup");
		if (!t || strcmp(t, "cpuset") || !rc || strcmp(rc, cg))
			continue;
		const char *eff = jstr(rec, "effective");
		if (!eff || !*eff)
			continue;
		int rs = (int)jnum(rec, "step", 0);
		if (rs < step)
			last_before = rec;
		if (rs == step || step == WHOLE_RUN) {
			add_set(out, eff);
			constrained = true;
		}
	}
	if (last_before) {
		add_set(out, jstr(last_before, "effective"));
		constrained = true;
	}
	/* Unconstrained during the phase: nothing to check, even if the next
	 * step confines it. */
	if (!constrained || step == WHOLE_RUN)
		return constrained;
	cJSON_ArrayForEach(rec, c->records) {
		const char *t = jstr(rec, "type"), *rc = jstr(rec, "cgroup");
		if (t && !strcmp(t, "cpuset") && rc && !strcmp(rc, cg) && (int)jnum(rec, "step", 0) == step + 1)
			add_set(out, jstr(rec, "effective"));
	}
	return true;
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

static void check_isolation(struct ctx *c, const struct scope *s, struct claim_result *r)
{
	struct wview *w;
	size_t n = select_workers(c, s, &w), broke = 0;
	snprintf(r->expected, sizeof(r->expected), "only the cgroup's cpuset CPUs");
	for (size_t i = 0; i < n && !broke; i++) {
		const cJSON *phases = cJSON_GetObjectItemCaseSensitive(w[i].rep, "phases"), *ph;
		struct cpuset ok;
		int bad = -1;
		if (s->step || !cJSON_GetArraySize(phases)) {
			int step = s->step ? s->step : WHOLE_RUN;
			if (allowed_cpus(c, w[i].cgroup, step, &ok) &&
			    !cpus_within(rep_item(&w[i], "cpus_used"), &ok, &bad))
				broke++;
		} else {
			cJSON_ArrayForEach(ph, phases) {
				int step = (int)jnum(ph, "epoch", 0);
				if (allowed_cpus(c, w[i].cgroup, step, &ok) &&
				    !cpus_within(cJSON_GetObjectItemCaseSensitive(ph, "cpus_used"), &ok, &bad)) {
					broke++;
					break;
				}
			}
		}
		if (broke) {
			char allowed[160];
			cpuset_format(&ok, allowed, sizeof(allowed));
			snprintf(r->detail, sizeof(r->detail), "pid %d ran on CPU %d outside %s",
				 (int)jnum(w[i].rep, "pid", 0), bad, allowed);
		}
	}
	r->actual = (double)broke;
	snprintf(r->actual_text, sizeof(r->actual_text), broke ? "a worker ran outside" : "held");
	r->passed = broke == 0;
	free(w);
}

/* Fairness is judged among identical workers: the spread is taken within
 * each spawn (same work type, policy, nice, affinity) and the worst spawn
 * counts.  Comparing a fan-out messenger's off-CPU share with its
 * receivers', or a SCHED_IDLE worker's with a normal one's, measures the
 * scenario's design rather than the scheduler. */
static double spread_within_spawns(const struct wview *w, size_t n)
{
	double worst = NAN;
	for (size_t i = 0; i < n; i++) {
		double id = rep_num(&w[i], "spawn");
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = rep_num(&w[k], "spawn") != id || strcmp(w[k].cgroup, w[i].cgroup);
		if (!first)
			continue;
		struct wview *same = xcalloc(n, sizeof(*same));
		size_t m = 0;
		for (size_t k = i; k < n; k++)
			if (rep_num(&w[k], "spawn") == id && !strcmp(w[k].cgroup, w[i].cgroup) &&
			    !blocking_work(cJSON_GetStringValue(rep_item(&w[k], "work"))))
				same[m++] = w[k];
		double v;
		metric_compute("spread_pct", same, m, &v);
		if (m >= 2 && !isnan(v) && (isnan(worst) || v > worst))
			worst = v;
		free(same);
	}
	return isnan(worst) ? 0 : worst;
}

static void check_threshold(struct ctx *c, const struct scope *s, const struct check_info *ci,
			    double limit, struct claim_result *r)
{
	struct wview *w;
	size_t n = select_workers(c, s, &w);
	double v;
	if (!strcmp(ci->metric, "spread_pct"))
		v = spread_within_spawns(w, n);
	else
		metric_compute(ci->metric, w, n, &v);
	r->actual = v;
	bool max = ci->kind == CK_MAX;
	snprintf(r->expected, sizeof(r->expected), "%s %.6g", max ? "<=" : ">=", limit);
	if (isnan(v)) {
		/* No data is not a pass: the check could not be made. */
		r->passed = n == 0;
		snprintf(r->detail, sizeof(r->detail), n ? "%s undefined for these workers" : "no workers in scope",
			 ci->metric);
	} else {
		r->passed = max ? v <= limit : v >= limit;
		if (!r->passed)
			snprintf(r->detail, sizeof(r->detail), "%s = %.6g", ci->metric, v);
	}
	free(w);
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
	if (ci->kind == CK_BOOL && !strcmp(f->key, "not_starved"))
		check_starved(c, s, r);
	else if (ci->kind == CK_BOOL)
		check_isolation(c, s, r);
	else
		check_threshold(c, s, ci, v->type == KB_NUM ? v->f : (double)v->i, r);
	finish(c, r);
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
	metric_compute(metric, w, n, &v);
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
	if (isnan(v))
		snprintf(r->detail, sizeof(r->detail), n ? "undefined for these %zu workers" : "no workers in scope", n);
	finish(c, r);
	free(w);
}

/* ---- payload checks -------------------------------------------------------------------- */

/* A numeric leaf of a JSON document by dotted path ("jobs.0.read.iops"). */
static bool json_metric(const cJSON *doc, const char *path, double *out)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	const cJSON *cur = doc;
	for (char *save = NULL, *part = strtok_r(buf, ".", &save); part && cur;
	     part = strtok_r(NULL, ".", &save))
		cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, atoi(part))
					 : cJSON_GetObjectItemCaseSensitive(cur, part);
	if (!cJSON_IsNumber(cur))
		return false;
	*out = cur->valuedouble;
	return true;
}

/* Every payload_check of the program against every run of its payload:
 * exit code first (a mismatch makes the metric checks moot), then each
 * metric, read from stdout (else stderr) parsed as JSON. */
static void eval_payload_checks(struct ctx *c)
{
	const cJSON *rec;
	cJSON_ArrayForEach(rec, c->records) {
		const char *t = jstr(rec, "type"), *name = jstr(rec, "name");
		if (!t || strcmp(t, "payload") || !name)
			continue;
		cJSON *doc = cJSON_Parse(jstr(rec, "stdout") ? jstr(rec, "stdout") : "");
		if (!doc)
			doc = cJSON_Parse(jstr(rec, "stderr") ? jstr(rec, "stderr") : "");
		int code = (int)jnum(rec, "exit_code", -1);
		for (uint32_t i = 0; i < c->p->ninsn; i++) {
			const struct kb_insn *in = &c->p->insn[i];
			if (in->op != OPC_PAYLOAD_CHECK || strcmp(kb_get_str(c->p, in, "payload"), name))
				continue;
			const char *kind = kb_get_str(c->p, in, "check");
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
				if (!r->passed && jstr(rec, "stderr") && *jstr(rec, "stderr"))
					snprintf(r->detail, sizeof(r->detail), "stderr: %.200s", jstr(rec, "stderr"));
			} else if (!strcmp(kind, "exists")) {
				metric = kb_get_str(c->p, in, "check.exists");
				snprintf(r->expected, sizeof(r->expected), "metric %s present", metric);
				r->passed = doc && json_metric(doc, metric, &v);
				r->actual = r->passed ? v : NAN;
			} else {
				bool have = doc && metric && json_metric(doc, metric, &v);
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
					snprintf(r->detail, sizeof(r->detail), "metric '%s' not found in payload output", metric);
			}
			finish(c, r);
		}
		cJSON_Delete(doc);
	}
}

/* ---- run-level facts ------------------------------------------------------------------ */

static void eval_run_facts(struct ctx *c)
{
	const cJSON *rec;
	size_t sentinels = 0, op_errors = 0;
	char first_op[256] = "", first_missing[200] = "";
	cJSON_ArrayForEach(rec, c->records) {
		const char *t = jstr(rec, "type");
		if (!t)
			continue;
		if (!strcmp(t, "worker") && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "sentinel"))) {
			if (!sentinels++)
				snprintf(first_missing, sizeof(first_missing), "%s", jstr(rec, "error") ? jstr(rec, "error") : "");
		}
		if (!strcmp(t, "op_error") && !op_errors++)
			snprintf(first_op, sizeof(first_op), "%s on %s: %s", jstr(rec, "op"), jstr(rec, "cgroup"),
				 jstr(rec, "message"));
	}
	struct claim_result *r = add(c);
	snprintf(r->name, sizeof(r->name), "all_workers_reported");
	snprintf(r->scope, sizeof(r->scope), "scenario");
	snprintf(r->expected, sizeof(r->expected), "0 missing");
	r->actual = (double)sentinels;
	snprintf(r->actual_text, sizeof(r->actual_text), "%zu missing", sentinels);
	r->passed = !sentinels;
	snprintf(r->detail, sizeof(r->detail), "%s", first_missing);
	finish(c, r);
	r = add(c);
	snprintf(r->name, sizeof(r->name), "ops_succeeded");
	snprintf(r->scope, sizeof(r->scope), "scenario");
	snprintf(r->expected, sizeof(r->expected), "0 failed ops");
	r->actual = (double)op_errors;
	snprintf(r->actual_text, sizeof(r->actual_text), "%zu failed", op_errors);
	r->passed = !op_errors;
	snprintf(r->detail, sizeof(r->detail), "%s", first_op);
	finish(c, r);
}

static void collect(struct ctx *c)
{
	const cJSON *rec;
	size_t cap = 0;
	cJSON_ArrayForEach(rec, c->records) {
		const char *t = jstr(rec, "type");
		if (!t || strcmp(t, "worker"))
			continue;
		if (c->nworkers == cap) {
			cap = cap ? cap * 2 : 64;
			c->workers = xrealloc(c->workers, cap * sizeof(*c->workers));
		}
		c->workers[c->nworkers++] = rec;
		const char *cg = jstr(rec, "cgroup");
		bool seen = false;
		for (size_t i = 0; cg && i < c->ncgroups && !seen; i++)
			seen = !strcmp(c->cgroups[i], cg);
		if (cg && !seen && c->ncgroups < ARRAY_SIZE(c->cgroups))
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
	for (uint32_t i = 0; i < p->ninsn; i++)
		if (p->insn[i].op == OPC_CLAIM)
			eval_claim(&c, &p->insn[i]);
	eval_payload_checks(&c);
	free(c.workers);
}

void check_output_free(struct check_output *o)
{
	free(o->claims);
	memset(o, 0, sizeof(*o));
}
