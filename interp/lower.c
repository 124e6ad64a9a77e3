/* lower: a validated scenario -> bytecode program.  Most of the work is
 * generic: a YAML value is flattened into named operands by its ty table
 * (struct fields become key.field, a variant becomes key="alt" plus its
 * payload, lists of scalars repeat the key), with table defaults filled
 * in, so the executor never needs to know a default.  Only topology
 * resolution (cpusets, affinity CPUs) and claim layering are special. */
#include "scenario.h"
#include "vocab.h"

#include <string.h>

struct lctx {
	const struct scenario *s;
	struct kb_program *p;
};

static void lower_value(struct lctx *c, const char *key, const struct ty *t,
			const struct ynode *n);

static bool is_off(const struct ynode *n)
{
	return n->kind == YN_SCALAR && (!strcmp(n->str, "off") || !strcmp(n->str, "false"));
}

static char *join(const char *prefix, const char *key)
{
	return *prefix ? xasprintf("%s.%s", prefix, key) : xstrdup(key);
}

/* A default from a table row, as a node, if it is a real value of its
 * type (docs-only defaults such as "derived" are skipped). */
static const struct ynode *default_node(struct ynode *tmp, const struct ty_field *f)
{
	if (!f->def)
		return NULL;
	*tmp = (struct ynode){.kind = YN_SCALAR, .str = (char *)f->def, .plain = true};
	struct diag d = {0};
	bool ok = ty_check(&d, tmp, f->ty, f->key);
	diag_free(&d);
	return ok ? tmp : NULL;
}

static void lower_scalar(struct lctx *c, const char *key, const struct ty *t,
			 const struct ynode *n)
{
	int64_t i;
	double f;
	uint64_t ns;
	bool b;
	if ((t->flags & TYF_OFF) && is_off(n)) {
		kb_str(c->p, key, "off");
		return;
	}
	switch (t->kind) {
	case TY_BOOL:
		parse_bool(n->str, &b);
		kb_bool(c->p, key, b);
		break;
	case TY_INT:
		parse_int(n->str, &i);
		kb_int(c->p, key, i);
		break;
	case TY_NUM:
	case TY_FRAC:
		parse_frac(n->str, &f);
		kb_num(c->p, key, f);
		break;
	case TY_DUR:
		parse_dur(n->str, &ns);
		kb_dur(c->p, key, ns);
		break;
	default:
		kb_str(c->p, key, n->str);
		break;
	}
}

static void lower_cpus(struct lctx *c, const char *key, const struct ynode *n)
{
	struct cpuset cs;
	cpuset_clear(&cs);
	if (n->kind == YN_SCALAR) {
		cpuset_parse(n->str, &cs);
	} else {
		for (size_t i = 0; i < n->n; i++) {
			int64_t x;
			if (parse_int(n->items[i]->str, &x))
				cpuset_set(&cs, (unsigned)x);
		}
	}
	kb_cpus(c->p, key, &cs);
}

static void lower_struct(struct lctx *c, const char *key, const struct ty *t,
			 const struct ynode *n)
{
	if (n && n->kind == YN_SCALAR && t->from_scalar) {
		kb_str(c->p, key, n->str);
		return;
	}
	for (const struct ty_field *f = t->fields; f->key; f++) {
		struct ynode tmp;
		const struct ynode *v = NULL;
		if (n && n->kind == YN_SCALAR && t->shorthand && !strcmp(f->key, t->shorthand))
			v = n;
		else if (n && n->kind == YN_MAP)
			v = ynode_get(n, f->key);
		if (!v || ynode_is_null(v))
			v = default_node(&tmp, f);
		if (!v)
			continue;
		char *k = join(key, f->key);
		lower_value(c, k, f->ty, v);
		free(k);
	}
}

/* Resolved CPUs next to the spec, so the executor needs no topology math. */
static void lower_resolved(struct lctx *c, const char *key, const struct ty *t,
			   const struct ty_alt *a, const struct ynode *n, const struct ynode *p)
{
	struct cpuset cs;
	char why[256];
	if (t == &ty_cpuset_spec && spec_resolve(&c->s->topo, n, &cs, why, sizeof(why))) {
		char *k = join(key, "cpus");
		if (strcmp(a->name, "cpus"))
			kb_cpus(c->p, k, &cs);
		free(k);
		int64_t node;
		if (!strcmp(a->name, "numa") && parse_int(p->str, &node)) {
			k = join(key, "mems");
			kb_int(c->p, k, node);
			free(k);
		}
	} else if (t == &ty_affinity && (!strcmp(a->name, "llc") || !strcmp(a->name, "numa")) &&
		   spec_resolve(&c->s->topo, n, &cs, why, sizeof(why))) {
		char *k = join(key, "cpus");
		kb_cpus(c->p, k, &cs);
		free(k);
	}
}

static void lower_variant(struct lctx *c, const char *key, const struct ty *t,
			  const struct ynode *n)
{
	const struct ynode *p;
	const struct ty_alt *a = ty_variant_of(t, n, &p);
	if (!a)
		return;
	kb_str(c->p, key, a->name);
	if (a->ty) {
		if (a->ty->kind == TY_STRUCT) {
			lower_struct(c, key, a->ty, p);
		} else if (p) {
			char *k = join(key, a->name);
			lower_value(c, k, a->ty, p);
			free(k);
		}
	}
	lower_resolved(c, key, t, a, n, p);
}

static void lower_value(struct lctx *c, const char *key, const struct ty *t,
			const struct ynode *n)
{
	switch (t->kind) {
	case TY_CPUS:
		lower_cpus(c, key, n);
		break;
	case TY_LIST: {
		bool scalar = t->elem->kind <= TY_NAME;
		for (size_t i = 0; i < n->n; i++) {
			if (scalar) {
				lower_value(c, key, t->elem, n->items[i]);
			} else {
				char *k = xasprintf("%s.%zu", key, i);
				lower_value(c, k, t->elem, n->items[i]);
				free(k);
			}
		}
		break;
	}
	case TY_STRUCT:
		lower_struct(c, key, t, n);
		break;
	case TY_DICT:
		for (size_t i = 0; i < n->n; i++) {
			char *k = join(key, n->keys[i]->str);
			lower_value(c, k, t->elem, n->items[i]);
			free(k);
		}
		break;
	case TY_VARIANT:
		lower_variant(c, key, t, n);
		break;
	default:
		lower_scalar(c, key, t, n);
		break;
	}
}

/* ---- program sections ------------------------------------------------------- */

static void lower_scheduler(struct lctx *c)
{
	const struct scenario *s = c->s;
	kb_emit(c->p, OPC_SCHEDULER);
	kb_str(c->p, "name", s->sched_name);
	if (!s->sched)
		return;
	const struct ynode *d = s->sched;
	kb_str(c->p, "binary", ynode_get(d, "binary")->str);
	const struct ynode *args = ynode_get(d, "args");
	for (size_t i = 0; args && i < args->n; i++)
		kb_str(c->p, "args", args->items[i]->str);
	const struct ynode *ref = ynode_get(s->root, "scheduler");
	const struct ynode *sel = ynode_get(ref, "flags");
	const struct ynode *flags = ynode_get(d, "flags");
	for (size_t i = 0; flags && i < flags->n; i++) {
		const char *fname = ynode_get(flags->items[i], "name")->str;
		bool on = false;
		if (s->flags) {
			for (size_t k = 0; s->flags[k]; k++)
				on |= !strcmp(s->flags[k], fname);
		} else {
			for (size_t k = 0; sel && sel->kind == YN_SEQ && k < sel->n; k++)
				on |= !strcmp(sel->items[k]->str, fname);
		}
		if (!on)
			continue;
		kb_str(c->p, "flag", fname);
		const struct ynode *fa = ynode_get(flags->items[i], "args");
		for (size_t k = 0; fa && k < fa->n; k++)
			kb_str(c->p, "args", fa->items[k]->str);
	}
	const struct ynode *extra = ynode_get(ref, "args");
	for (size_t i = 0; extra && extra->kind == YN_SEQ && i < extra->n; i++)
		kb_str(c->p, "args", extra->items[i]->str);
	uint64_t ns = 0;
	field_dur(ty_field(&ty_scenario, "schedulers")->ty->elem, d, "attach_timeout", &ns);
	kb_dur(c->p, "attach_timeout", ns);
}

static void lower_sysctls(struct lctx *c, const struct ynode *map)
{
	for (size_t i = 0; map && i < map->n; i++) {
		kb_emit(c->p, OPC_SYSCTL);
		kb_str(c->p, "key", map->keys[i]->str);
		kb_str(c->p, "value", map->items[i]->str);
	}
}

/* A payload's include_files, relative to the file that defines it (a
 * catalog payload ships its own data files next to it). */
static void lower_include_files(struct lctx *c, const struct ynode *l)
{
	for (size_t i = 0; l && i < l->n; i++) {
		const struct ynode *f = l->items[i];
		if (f->str[0] == '/' || !f->file || !strchr(f->file, '/')) {
			kb_str(c->p, "include_files", f->str);
			continue;
		}
		char *path = xasprintf("%.*s/%s", (int)(strrchr(f->file, '/') - f->file), f->file, f->str);
		kb_str(c->p, "include_files", path);
		free(path);
	}
}

static void lower_payloads(struct lctx *c)
{
	const struct ty *pt = ty_field(&ty_scenario, "payloads")->ty->elem;
	for (size_t i = 0; i < c->s->payloads.n; i++) {
		const struct ynode *d = c->s->payloads.v[i].node;
		kb_emit(c->p, OPC_PAYLOAD);
		for (const struct ty_field *f = pt->fields; f->key; f++) {
			if (!strcmp(f->key, "checks") || !strcmp(f->key, "override"))
				continue;
			if (!strcmp(f->key, "include_files")) {
				lower_include_files(c, ynode_get(d, f->key));
				continue;
			}
			struct ynode tmp;
			const struct ynode *v = ynode_get(d, f->key);
			if (!v)
				v = default_node(&tmp, f);
			if (v)
				lower_value(c, f->key, f->ty, v);
		}
		const struct ynode *checks = ynode_get(d, "checks");
		for (size_t k = 0; checks && k < checks->n; k++) {
			kb_emit(c->p, OPC_PAYLOAD_CHECK);
			kb_str(c->p, "payload", c->s->payloads.v[i].name);
			lower_value(c, "check", ty_field(pt, "checks")->ty->elem, checks->items[k]);
		}
	}
}

/* Effective value of a check: defaults, then scheduler, then scenario. */
static const struct ynode *layered(const struct ynode *const *layers, size_t n,
				   const char *key)
{
	const struct ynode *v = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *x = ynode_get(layers[i], key);
		if (x)
			v = x;
	}
	return v;
}

static void emit_check_rows(struct lctx *c, const struct ty_field *rows, const struct ynode *const *layers,
			    size_t n, bool with_defaults, const char *cgroup, int64_t step)
{
	for (const struct ty_field *f = rows; f->key; f++) {
		struct ynode tmp;
		const struct ynode *v = layered(layers, n, f->key);
		if (!v && with_defaults)
			v = default_node(&tmp, f);
		/* `off` at scenario scope means no check; at a cgroup or step
		 * scope it must be emitted to override the scenario's. */
		if (!v || (v->kind == YN_SCALAR && is_off(v) && f->ty->kind != TY_BOOL && with_defaults))
			continue;
		kb_emit(c->p, OPC_CHECK);
		kb_str(c->p, "name", f->key);
		if (cgroup)
			kb_str(c->p, "cgroup", cgroup);
		if (step)
			kb_int(c->p, "step", step);
		if (v->kind == YN_SCALAR && is_off(v) && f->ty->kind == TY_BOOL)
			kb_bool(c->p, "value", false);
		else if (v->kind == YN_SCALAR && is_off(v))
			kb_str(c->p, "value", "off");
		else
			lower_scalar(c, "value", f->ty, v);
	}
}

static void emit_checks(struct lctx *c, const struct ynode *const *layers, size_t n,
			bool with_defaults, const char *cgroup, int64_t step)
{
	emit_check_rows(c, ty_checks.fields, layers, n, with_defaults, cgroup, step);
	if (!cgroup && !step)	/* the monitor's checks are whole-run */
		emit_check_rows(c, monitor_check_fields, layers, n, with_defaults, NULL, 0);
}

static void emit_metric_claims(struct lctx *c, const struct ynode *claims, int64_t step)
{
	const struct ynode *ms = ynode_get(claims, "metrics");
	for (size_t i = 0; ms && i < ms->n; i++) {
		kb_emit(c->p, OPC_CLAIM);
		lower_struct(c, "", &ty_pointwise, ms->items[i]);
		if (step && !ynode_get(ms->items[i], "step"))
			kb_int(c->p, "step", step);
	}
}

static void emit_cgroup_checks(struct lctx *c, const struct ynode *const *layers,
			       size_t n, int64_t step)
{
	/* Per-cgroup overrides, layered the same way, for every cgroup named
	 * by any layer. */
	for (size_t l = 0; l < n; l++) {
		const struct ynode *cgs = ynode_get(layers[l], "cgroups");
		for (size_t i = 0; cgs && i < cgs->n; i++) {
			const char *name = cgs->keys[i]->str;
			bool seen = false;
			for (size_t e = 0; e < l && !seen; e++)
				seen = ynode_get(ynode_get(layers[e], "cgroups"), name) != NULL;
			if (seen)
				continue;
			const struct ynode *per[4];
			size_t np = 0;
			for (size_t e = 0; e < n; e++) {
				const struct ynode *x = ynode_get(ynode_get(layers[e], "cgroups"), name);
				if (x)
					per[np++] = x;
			}
			emit_checks(c, per, np, false, name, step);
		}
	}
}

static void lower_claims(struct lctx *c)
{
	const struct ynode *layers[2] = {0};
	size_t n = 0;
	if (c->s->sched && ynode_get(c->s->sched, "claims"))
		layers[n++] = ynode_get(c->s->sched, "claims");
	if (ynode_get(c->s->root, "claims"))
		layers[n++] = ynode_get(c->s->root, "claims");
	emit_checks(c, layers, n, true, NULL, 0);
	emit_cgroup_checks(c, layers, n, 0);
	for (size_t i = 0; i < n; i++)
		emit_metric_claims(c, layers[i], 0);
	const struct ynode *steps = ynode_get(c->s->root, "steps");
	for (size_t i = 0; steps && i < steps->n; i++) {
		const struct ynode *sc = ynode_get(steps->items[i], "claims");
		if (!sc)
			continue;
		emit_checks(c, &sc, 1, false, NULL, (int64_t)i + 1);
		emit_cgroup_checks(c, &sc, 1, (int64_t)i + 1);
		emit_metric_claims(c, sc, (int64_t)i + 1);
	}
}

/* The executor splits workers into groups of the work type's size. */
static void lower_group_size(struct lctx *c, const struct ynode *spec)
{
	const struct ynode *work = ynode_get(spec, "work"), *params = NULL;
	const struct ty_alt *wt = work ? ty_variant_of(&ty_work, work, &params)
				       : ty_alt(&ty_work, "spin_wait");
	kb_int(c->p, "group_size", wt ? worktype_group_size(wt, params) : 1);
}

static void lower_spawns(struct lctx *c, const char *cgroup, const struct ynode *spec,
			 const struct ty *t)
{
	kb_emit(c->p, OPC_SPAWN);
	kb_str(c->p, "cgroup", cgroup);
	lower_group_size(c, spec);
	for (const struct ty_field *f = ty_workspec.fields; f->key; f++) {
		struct ynode tmp;
		const struct ynode *v = ynode_get(spec, f->key);
		if (!v)
			v = default_node(&tmp, ty_field(t, f->key));
		if (v)
			lower_value(c, f->key, f->ty, v);
	}
}

static void lower_cgroup_def(struct lctx *c, const struct ynode *def)
{
	const char *name = ynode_get(def, "name")->str;
	kb_emit(c->p, OPC_CGROUP);
	kb_str(c->p, "name", name);
	static const char *const ctl[] = {"cpuset", "weight", "cpu_max"};
	for (size_t i = 0; i < ARRAY_SIZE(ctl); i++) {
		const struct ynode *v = ynode_get(def, ctl[i]);
		if (v)
			lower_value(c, ctl[i], ty_field(&ty_cgroup_def, ctl[i])->ty, v);
	}
	const struct ynode *works = ynode_get(def, "works");
	if (works) {
		for (size_t i = 0; i < works->n; i++)
			lower_spawns(c, name, works->items[i], &ty_workspec);
	} else {
		lower_spawns(c, name, def, &ty_cgroup_def);
	}
}

static void lower_ops(struct lctx *c, const struct ynode *ops)
{
	for (size_t i = 0; ops && i < ops->n; i++) {
		const struct ynode *p;
		const struct ty_alt *a = ty_variant_of(&ty_op, ops->items[i], &p);
		kb_emit(c->p, (enum kb_opcode)a->code);
		if (a->code == OPC_SPAWN || a->code == OPC_SPAWN_HOST)
			lower_group_size(c, p);
		if (a->ty)
			lower_struct(c, "", a->ty, p);
	}
}

static void lower_backdrop(struct lctx *c)
{
	const struct ynode *bd = ynode_get(c->s->root, "backdrop");
	kb_emit(c->p, OPC_BACKDROP);
	const struct ynode *cgs = ynode_get(bd, "cgroups");
	for (size_t i = 0; cgs && i < cgs->n; i++)
		lower_cgroup_def(c, cgs->items[i]);
	lower_ops(c, ynode_get(bd, "ops"));
	const struct ynode *ps = ynode_get(bd, "payloads");
	const struct ty *rt = ty_field(ty_field(&ty_scenario, "backdrop")->ty, "payloads")->ty->elem;
	for (size_t i = 0; ps && i < ps->n; i++) {
		kb_emit(c->p, OPC_RUN_PAYLOAD);
		lower_struct(c, "", rt, ps->items[i]);
	}
	kb_emit(c->p, OPC_END);
}

static void lower_steps(struct lctx *c)
{
	const struct ynode *steps = ynode_get(c->s->root, "steps");
	const struct ty *st = ty_field(&ty_scenario, "steps")->ty->elem;
	for (size_t i = 0; steps && i < steps->n; i++) {
		const struct ynode *step = steps->items[i];
		kb_emit(c->p, OPC_STEP);
		kb_int(c->p, "index", (int64_t)i + 1);
		const struct ynode *nm = ynode_get(step, "name");
		if (nm)
			kb_str(c->p, "name", nm->str);
		struct ynode tmp;
		const struct ynode *hold = ynode_get(step, "hold");
		if (!hold)
			hold = default_node(&tmp, ty_field(st, "hold"));
		lower_value(c, "hold", &ty_hold, hold);
		lower_ops(c, ynode_get(step, "ops"));
		const struct ynode *cgs = ynode_get(step, "cgroups");
		for (size_t k = 0; cgs && k < cgs->n; k++)
			lower_cgroup_def(c, cgs->items[k]);
		kb_emit(c->p, OPC_END);
	}
}

/* A claim on a trace metric (a check that is not `off`, or a pointwise
 * claim) needs the run to record one. */
static bool claims_need_trace(const struct kb_program *p)
{
	for (uint32_t i = 0; i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		const char *metric = NULL;
		if (in->op == OPC_CHECK) {
			const struct kb_operand *v = kb_get(p, in, "value");
			const struct ty_field *f = ty_field(&ty_scenario_claims, kb_get_str(p, in, "name"));
			const struct check_info *ci = f ? f->ext : NULL;
			if (ci && v && v->type != KB_STR)
				metric = ci->metric;
		} else if (in->op == OPC_CLAIM) {
			metric = kb_get_str(p, in, "metric");
		}
		if (metric_from_trace(metric))
			return true;
	}
	return false;
}

/* Per-CPU ring buffer: about 1 MiB per second of run per CPU, with room
 * for the scheduler's load before the scenario starts; measured rates
 * are in docs/thresholds.md. */
static int64_t trace_buffer_kb(const struct kb_program *p)
{
	int64_t kb = 1024 * ((int64_t)(p->duration_ns / NS_S) + 8);
	return kb < 4096 ? 4096 : kb > 65536 ? 65536 : kb;
}

bool kb_has_trace(const struct kb_program *p)
{
	for (uint32_t i = 0; i < p->ninsn; i++)
		if (p->insn[i].op == OPC_TRACE)
			return true;
	return false;
}

void kb_add_trace(struct kb_program *p, const char *const *groups, size_t n)
{
	kb_emit(p, OPC_TRACE);
	kb_int(p, "buffer_kb", trace_buffer_kb(p));
	for (size_t i = 0; i < n; i++) {
		const struct ty_alt *g = ty_alt(&ty_trace_group, groups[i]);
		if (!g)
			continue;
		kb_str(p, "group", g->name);
		char *events = xstrdup(g->ext), *save = NULL;
		for (char *e = strtok_r(events, " ", &save); e; e = strtok_r(NULL, " ", &save))
			kb_str(p, "event", e);
		free(events);
	}
}

static void lower_trace(struct lctx *c)
{
	const struct ynode *t = ynode_get(c->s->root, "trace");
	const char *groups[16];
	size_t n = 0;
	for (size_t i = 0; t && i < t->n && n < ARRAY_SIZE(groups); i++)
		groups[n++] = t->items[i]->str;
	if (!n && claims_need_trace(c->p))
		groups[n++] = "sched";
	if (n)
		kb_add_trace(c->p, groups, n);
}

static void lower_disk(struct lctx *c)
{
	const struct ynode *d = ynode_get(c->s->root, "disk");
	if (!d)
		return;
	kb_emit(c->p, OPC_DISK);
	lower_struct(c, "", ty_field(&ty_scenario, "disk")->ty, d);
}

void scenario_lower(const struct scenario *s, struct kb_program *p)
{
	struct lctx c = {s, p};
	kb_init(p);
	p->topo = s->topo;
	int64_t mem;
	p->memory_mib = field_int(&ty_scenario, s->root, "memory_mib", &mem)
				? (uint32_t)mem : default_memory_mib(&s->topo);
	field_dur(&ty_scenario, s->root, "duration", &p->duration_ns);
	field_dur(&ty_scenario, s->root, "watchdog", &p->watchdog_ns);

	kb_emit(p, OPC_SCENARIO);
	kb_str(p, "name", s->name);
	const struct ynode *desc = ynode_get(s->root, "description");
	if (desc)
		kb_str(p, "description", desc->str);
	kb_str(p, "source", s->path);
	const struct ynode *ef = ynode_get(s->root, "expect_findings");
	for (size_t i = 0; ef && i < ef->n; i++)
		kb_str(p, "expect_finding", ef->items[i]->str);
	lower_scheduler(&c);
	if (s->sched)
		lower_sysctls(&c, ynode_get(s->sched, "sysctls"));
	lower_sysctls(&c, ynode_get(s->root, "sysctls"));
	lower_payloads(&c);
	lower_claims(&c);
	lower_trace(&c);
	lower_disk(&c);
	lower_backdrop(&c);
	lower_steps(&c);
}
