/* validate: the semantic checks that the type tables cannot express —
 * cross references (cgroups, payloads, schedulers, flags), cpuset specs
 * against the topology, worker group sizes, clone-mode rules, deadline
 * parameter order and claim scopes.  Cgroup references are checked by
 * walking the scenario in execution order with the set of live cgroups,
 * so "used before created" and "used after removed" are caught too.
 * Every reader here tolerates malformed nodes: the type checker has
 * already reported them, and all errors of a file are wanted at once. */
#include "scenario.h"
#include "textregex.h"
#include "vocab.h"

#include <stdio.h>
#include <string.h>

#define MAX_CGROUPS 512

struct live_cg {
	const char *name;
	bool backdrop;
	const struct ynode *procs;	/* where it was given workers (NULL: none now) */
	bool procs_in_step;		/* those workers end with the step */
};

struct vctx {
	struct scenario *s;
	struct diag *d;
	struct live_cg live[MAX_CGROUPS];
	size_t nlive;
	const char *ever[MAX_CGROUPS];	/* every cgroup name defined anywhere */
	size_t never;
	const char *running[64];	/* payloads started (backdrop ones first) */
	size_t nrunning, nbackdrop_running;
	bool in_step;
	size_t nsteps;
	size_t cur_step;		/* 0-based, while in_step */
	struct name_set {		/* per step: every cgroup that exists in it */
		const char **v;
		size_t n;
	} *step_cgs;
};

static const char *sval(const struct ynode *n)
{
	return n && n->kind == YN_SCALAR && !ynode_is_null(n) ? n->str : NULL;
}

static const struct ynode *seq(const struct ynode *n)
{
	return n && n->kind == YN_SEQ ? n : NULL;
}

static struct live_cg *live_find(struct vctx *v, const char *name)
{
	for (size_t i = 0; i < v->nlive; i++)
		if (!strcmp(v->live[i].name, name))
			return &v->live[i];
	return NULL;
}

static bool ever_has(struct vctx *v, const char *name)
{
	for (size_t i = 0; i < v->never; i++)
		if (!strcmp(v->ever[i], name))
			return true;
	return false;
}

/* a is a proper ancestor of b ("x" of "x/y"). */
static bool is_ancestor(const char *a, const char *b)
{
	size_t n = strlen(a);
	return !strncmp(a, b, n) && b[n] == '/';
}

/* cgroup v2's no-internal-process rule: once a cgroup has children with
 * controllers (every ktstr cgroup gets cpu and cpuset), it can hold no
 * processes, so the kernel refuses to place workers in it (EOPNOTSUPP)
 * or to enable controllers below it.  Refused here, before any boot. */
static void interior_conflict(struct vctx *v, const struct ynode *at, const struct live_cg *with_procs,
			      const char *child)
{
	diag_at(v->d, at, "cgroup '%s' would hold workers (given at line %d) while its child '%s' exists; cgroup v2 allows processes only in leaf cgroups once controllers are enabled below them; expected %s's workers in a child cgroup of their own (e.g. '%s/self') and '%s' created with add_cgroup",
		with_procs->name, with_procs->procs->line, child, with_procs->name, with_procs->name,
		with_procs->name);
}

/* Workers (or a payload) go into cgroup n now. */
static void cg_procs(struct vctx *v, const struct ynode *n)
{
	const char *name = sval(n);
	struct live_cg *c = name ? live_find(v, name) : NULL;
	if (!c)
		return;
	if (!c->procs) {
		c->procs = n;
		c->procs_in_step = v->in_step;
	}
	for (size_t i = 0; i < v->nlive; i++)
		if (is_ancestor(name, v->live[i].name)) {
			interior_conflict(v, n, c, v->live[i].name);
			return;
		}
}

/* Reference to an existing cgroup; n is the scalar naming it. */
static void cg_ref(struct vctx *v, const struct ynode *n, const char *use)
{
	const char *name = sval(n);
	if (!name || live_find(v, name))
		return;
	diag_at(v->d, n, "%s names cgroup '%s', which does not exist at this point; expected a cgroup created earlier by a cgroups entry or add_cgroup%s",
		use, name, ever_has(v, name) ? " (it is created later or was removed before)" : "");
}

static void set_add(struct name_set *set, const char *name)
{
	set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
	set->v[set->n++] = name;
}

static bool set_has(const struct name_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->v[i], name))
			return true;
	return false;
}

static void cg_add(struct vctx *v, const struct ynode *n)
{
	const char *name = sval(n);
	if (!name || !parse_name(name, true))
		return;
	if (live_find(v, name)) {
		diag_at(v->d, n, "cgroup '%s' already exists here; expected a new name", name);
		return;
	}
	const char *slash = strrchr(name, '/');
	if (slash) {
		char parent[256];
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - name), name);
		if (!live_find(v, parent))
			diag_at(v->d, n, "cgroup '%s' nests under '%s', which does not exist here; expected the parent to be created first",
				name, parent);
	}
	for (size_t i = 0; i < v->nlive; i++)
		if (v->live[i].procs && is_ancestor(v->live[i].name, name)) {
			interior_conflict(v, n, &v->live[i], name);
			break;
		}
	if (v->nlive < MAX_CGROUPS)
		v->live[v->nlive++] = (struct live_cg){name, !v->in_step, NULL, false};
	if (v->in_step)
		set_add(&v->step_cgs[v->cur_step], name);
	if (!ever_has(v, name) && v->never < MAX_CGROUPS)
		v->ever[v->never++] = name;
}

static void cg_remove(struct vctx *v, const struct ynode *n)
{
	const char *name = sval(n);
	struct live_cg *c = name ? live_find(v, name) : NULL;
	if (!name)
		return;
	if (!c) {
		cg_ref(v, n, "remove_cgroup");
		return;
	}
	size_t len = strlen(name);
	for (size_t i = 0; i < v->nlive; i++) {
		if (!strncmp(v->live[i].name, name, len) && v->live[i].name[len] == '/') {
			diag_at(v->d, n, "remove_cgroup '%s' while its child '%s' exists; expected the child removed first",
				name, v->live[i].name);
			return;
		}
	}
	*c = v->live[--v->nlive];
}

static void end_step(struct vctx *v)
{
	for (size_t i = 0; i < v->nlive;) {
		if (!v->live[i].backdrop) {
			v->live[i] = v->live[--v->nlive];
			continue;
		}
		if (v->live[i].procs_in_step)
			v->live[i].procs = NULL;	/* the step's workers stop with it */
		i++;
	}
}

/* ---- cpusets and placement ---------------------------------------------- */

static void check_cpuset(struct vctx *v, const struct ynode *spec)
{
	if (!spec)
		return;
	struct cpuset cs;
	char why[256];
	if (!spec_resolve(&v->s->topo, spec, &cs, why, sizeof(why)) && *why) {
		char topo[64];
		topo_format(&v->s->topo, topo, sizeof(topo));
		diag_at(v->d, spec, "cpuset %s (topology %s)", why, topo);
	}
}

static void check_affinity(struct vctx *v, const struct ynode *n)
{
	const struct ynode *payload;
	const struct ty_alt *a = ty_variant_of(&ty_affinity, n, &payload);
	if (!a)
		return;
	const struct topology *t = &v->s->topo;
	char why[256];
	struct cpuset cs;
	if (!strcmp(a->name, "cpus") || !strcmp(a->name, "llc") || !strcmp(a->name, "numa")) {
		if (!spec_resolve(t, n, &cs, why, sizeof(why)) && *why)
			diag_at(v->d, n, "affinity %s", why);
	} else if (!strcmp(a->name, "random")) {
		int64_t count;
		const struct ynode *from = ynode_get(payload, "from");
		unsigned pool = topo_ncpus(t);
		if (from) {
			struct ynode fake = {.kind = YN_MAP};
			(void)fake;
			uint64_t mask[4] = {0};
			if (from->kind == YN_SCALAR) {
				int c = parse_cpulist(from->str, mask, 256);
				if (c > 0)
					pool = (unsigned)c;
			} else if (from->kind == YN_SEQ) {
				pool = (unsigned)from->n;
			}
		}
		if (field_int(a->ty, payload, "count", &count) && count > pool)
			diag_at(v->d, n, "affinity random draws %lld CPUs from a pool of %u; expected count <= %u",
				(long long)count, pool, pool);
	} else if (!strcmp(a->name, "smt_pair") && t->threads < 2) {
		diag_at(v->d, n, "affinity smt_pair needs SMT but the topology has 1 thread per core; expected threads >= 2");
	} else if (!strcmp(a->name, "cross_cgroup")) {
		/* resolved at run time against the cgroup's cpuset */
	}
}

static void check_nodes(struct vctx *v, const struct ynode *n)
{
	const struct ynode *payload;
	const struct ty_alt *a = ty_variant_of(&ty_mem_policy, n, &payload);
	if (!a || !payload)
		return;
	unsigned nodes = v->s->topo.numa_nodes;
	const struct ynode *items[64];
	size_t ni = 0;
	if (payload->kind == YN_SEQ)
		for (size_t i = 0; i < payload->n && ni < 64; i++)
			items[ni++] = payload->items[i];
	else
		items[ni++] = payload;
	for (size_t i = 0; i < ni; i++) {
		int64_t node;
		if (sval(items[i]) && parse_int(items[i]->str, &node) && node >= nodes)
			diag_at(v->d, items[i], "mem_policy names NUMA node %lld but the topology has %u NUMA node%s; expected nodes 0 to %u",
				(long long)node, nodes, nodes == 1 ? "" : "s", nodes - 1);
	}
}

static void check_policy(struct vctx *v, const struct ynode *n)
{
	const struct ynode *p;
	const struct ty_alt *a = ty_variant_of(&ty_sched_policy, n, &p);
	if (!a || strcmp(a->name, "deadline") || !p)
		return;
	uint64_t rt, dl, per;
	if (!field_dur(a->ty, p, "runtime", &rt) || !field_dur(a->ty, p, "deadline", &dl))
		return;
	if (rt > dl)
		diag_at(v->d, p, "deadline runtime exceeds deadline; expected runtime <= deadline");
	const struct ynode *pn = ynode_get(p, "period");
	if (pn && field_dur(a->ty, p, "period", &per) && per && dl > per)
		diag_at(v->d, pn, "deadline period is shorter than the deadline; expected deadline <= period (or period 0)");
}

/* mpol_flags the kernel refuses (mm/mempolicy.c: sanitize_mpol_flags,
 * mpol_new) or would ignore.  With mem_policy default none (absent: no
 * syscall; given: MPOL_DEFAULT drops them); static_nodes with
 * relative_nodes never; local with neither; numa_balancing only with
 * bind or preferred_many. */
static void check_mpol_flags(struct vctx *v, const struct ynode *spec)
{
	const struct ynode *fl = seq(ynode_get(spec, "mpol_flags"));
	if (!fl || !fl->n)
		return;
	const struct ynode *mp = ynode_get(spec, "mem_policy"), *nodes;
	const struct ty_alt *a = mp ? ty_variant_of(&ty_mem_policy, mp, &nodes) : ty_alt(&ty_mem_policy, "default");
	if (!a)
		return;
	const struct ynode *st = NULL, *rel = NULL;
	for (size_t i = 0; i < fl->n; i++) {
		const char *f = sval(fl->items[i]);
		if (!f)
			continue;
		if (!strcmp(a->name, "default")) {
			diag_at(v->d, fl->items[i], "mpol_flags '%s' with mem_policy default, which takes no mode flags (they would be ignored); expected a mem_policy such as bind or interleave, or no mpol_flags",
				f);
			return;
		}
		if (!strcmp(f, "static_nodes"))
			st = fl->items[i];
		else if (!strcmp(f, "relative_nodes"))
			rel = fl->items[i];
		if (!strcmp(a->name, "local") && strcmp(f, "numa_balancing"))
			diag_at(v->d, fl->items[i], "mpol_flags '%s' with mem_policy local, which the kernel refuses (EINVAL); expected a mem_policy with nodes",
				f);
		if (!strcmp(f, "numa_balancing") && strcmp(a->name, "bind") && strcmp(a->name, "preferred_many"))
			diag_at(v->d, fl->items[i], "mpol_flags numa_balancing with mem_policy %s, which the kernel refuses (EINVAL); expected mem_policy bind or preferred_many",
				a->name);
	}
	if (st && rel)
		diag_at(v->d, st->line < rel->line || (st->line == rel->line && st->col < rel->col) ? rel : st,
			"mpol_flags static_nodes and relative_nodes together, which the kernel refuses (EINVAL); expected at most one of them");
}

/* ---- workspecs ------------------------------------------------------------ */

static void check_work(struct vctx *v, const struct ynode *spec, const struct ty *t)
{
	const struct ynode *work = ynode_get(spec, "work");
	const struct ynode *params = NULL;
	const struct ty_alt *wt = work ? ty_variant_of(&ty_work, work, &params)
				       : ty_alt(&ty_work, "spin_wait");
	if (!wt)
		return;
	int64_t workers = 1;
	const struct ynode *wn = ynode_get(spec, "workers");
	if (!field_int(t, spec, "workers", &workers))
		return;
	long gs = worktype_group_size(wt, params);
	if (gs > 1 && workers % gs)
		diag_at(v->d, wn ? wn : spec, "%s needs workers in groups of %ld but workers is %lld; expected a multiple of %ld",
			wt->name, gs, (long long)workers, gs);
	const struct worktype_info *wi = wt->ext;
	const struct ynode *clone = ynode_get(spec, "clone");
	bool thread = sval(clone) && !strcmp(clone->str, "thread");
	if (wi && (wi->flags & WT_FORK_ONLY) && thread)
		diag_at(v->d, clone, "%s cannot run in thread clone mode; expected clone: fork", wt->name);
	if (wi && (wi->flags & WT_THREAD_ONLY) && !thread)
		diag_at(v->d, clone ? clone : spec, "%s runs only in thread clone mode; expected clone: thread", wt->name);
	unsigned nodes = v->s->topo.numa_nodes;
	if (wi && wi->min_numa_nodes && nodes < wi->min_numa_nodes)
		diag_at(v->d, work, "%s needs at least %u NUMA nodes but the topology has %u; expected topology numa_nodes >= %u",
			wt->name, wi->min_numa_nodes, nodes, wi->min_numa_nodes);
	if (!strcmp(wt->name, "wake_chain")) {
		const struct ynode *wake = ynode_get(params, "wake");
		int64_t depth = 4;
		field_int(wt->ty, params, "depth", &depth);
		if (sval(wake) && !strcmp(wake->str, "pipe") && depth < 2)
			diag_at(v->d, wake, "wake_chain over pipes needs depth >= 2; expected a larger depth");
	}
	if (!strcmp(wt->name, "smt_sibling_spin") && v->s->topo.threads < 2)
		diag_warn_at(v->d, work, "smt_sibling_spin on a topology without SMT measures plain spinning");
}

static void check_workspec(struct vctx *v, const struct ynode *spec, const struct ty *t)
{
	if (!spec || spec->kind != YN_MAP)
		return;
	check_work(v, spec, t);
	check_affinity(v, ynode_get(spec, "affinity"));
	check_nodes(v, ynode_get(spec, "mem_policy"));
	check_mpol_flags(v, spec);
	check_policy(v, ynode_get(spec, "policy"));
}

static void check_cgroup_def(struct vctx *v, const struct ynode *def)
{
	if (!def || def->kind != YN_MAP)
		return;
	cg_add(v, ynode_get(def, "name"));
	cg_procs(v, ynode_get(def, "name"));
	check_cpuset(v, ynode_get(def, "cpuset"));
	const struct ynode *works = seq(ynode_get(def, "works"));
	if (works) {
		for (const struct ty_field *f = ty_workspec.fields; f->key; f++) {
			const struct ynode *k = ynode_key(def, f->key);
			if (k)
				diag_at(v->d, k, "'%s' given inline and a 'works' list in the same cgroup; expected workspec keys either inline or inside works",
					f->key);
		}
		for (size_t i = 0; i < works->n; i++)
			check_workspec(v, works->items[i], &ty_workspec);
	} else {
		check_workspec(v, def, &ty_cgroup_def);
	}
}

/* ---- ops ------------------------------------------------------------------ */

static const struct ynode *arg(const struct ynode *payload, const char *key,
			       const struct ty_alt *a)
{
	if (!payload)
		return NULL;
	if (payload->kind == YN_SCALAR && a->ty && a->ty->shorthand &&
	    !strcmp(a->ty->shorthand, key))
		return payload;
	return ynode_get(payload, key);
}

static void payload_ref(struct vctx *v, const struct ynode *n)
{
	const char *name = sval(n);
	if (name && !def_find(&v->s->payloads, name))
		diag_at(v->d, n, "payload '%s' is not defined; expected a name from 'payloads:'", name);
}

/* known_flags: a payload that lists them takes no other --long-flag,
 * in its own args or a run's; a misspelt flag would otherwise reach
 * the program in the guest, to be ignored or to fail the run there.
 * Arguments after a bare "--" are not flags. */
static void check_known_flags(struct vctx *v, const char *payload, const struct ynode *args)
{
	const struct def *def = payload ? def_find(&v->s->payloads, payload) : NULL;
	const struct ynode *known = seq(ynode_get(def ? def->node : NULL, "known_flags"));
	if (!known || !seq(args))
		return;
	const char *cands[64];
	size_t nc = 0;
	for (size_t i = 0; i < known->n && nc < ARRAY_SIZE(cands); i++)
		if (sval(known->items[i]))
			cands[nc++] = known->items[i]->str;
	for (size_t i = 0; i < args->n; i++) {
		const char *a = sval(args->items[i]);
		if (!a || strncmp(a, "--", 2))
			continue;
		if (!a[2])
			return;
		char flag[128];
		snprintf(flag, sizeof(flag), "%.*s", (int)strcspn(a + 2, "="), a + 2);
		bool ok = false;
		for (size_t k = 0; k < nc && !ok; k++)
			ok = !strcmp(cands[k], flag);
		if (ok)
			continue;
		const char *sugg = did_you_mean(flag, cands, nc);
		struct strbuf list = {0};
		for (size_t k = 0; k < nc; k++)
			sb_printf(&list, "%s--%s", k ? ", " : "", cands[k]);
		diag_at(v->d, args->items[i], "payload '%s' has no flag '--%s' in its known_flags; expected %s%s%s%s",
			payload, flag, sugg ? "'--" : "", sugg ? sugg : "", sugg ? "' (did you mean it?) or another of: " : "one of: ",
			list.buf ? list.buf : "(none)");
		sb_free(&list);
	}
}

static void payload_started(struct vctx *v, const char *name)
{
	if (name && v->nrunning < ARRAY_SIZE(v->running))
		v->running[v->nrunning++] = name;
}

static void payload_used(struct vctx *v, const struct ynode *n, const char *op)
{
	const char *name = sval(n);
	if (!name || !def_find(&v->s->payloads, name))
		return;
	for (size_t i = 0; i < v->nrunning; i++)
		if (!strcmp(v->running[i], name))
			return;
	diag_at(v->d, n, "%s of payload '%s', which is not running here; expected a run_payload of it earlier",
		op, name);
}

static void check_op(struct vctx *v, const struct ynode *op)
{
	const struct ynode *p;
	const struct ty_alt *a = ty_variant_of(&ty_op, op, &p);
	if (!a)
		return;
	switch (a->code) {
	case OPC_ADD_CGROUP:
		cg_add(v, arg(p, "name", a));
		break;
	case OPC_REMOVE_CGROUP:
		cg_remove(v, arg(p, "name", a));
		break;
	case OPC_SET_CPUSET:
		cg_ref(v, arg(p, "cgroup", a), a->name);
		check_cpuset(v, arg(p, "cpuset", a));
		break;
	case OPC_STOP_CGROUP:
		cg_ref(v, arg(p, "name", a), a->name);
		if (sval(arg(p, "name", a)) && live_find(v, sval(arg(p, "name", a))))
			live_find(v, sval(arg(p, "name", a)))->procs = NULL;
		break;
	case OPC_CLEAR_CPUSET:
	case OPC_FREEZE:
	case OPC_THAW:
		cg_ref(v, arg(p, "name", a), a->name);
		break;
	case OPC_SWAP_CPUSETS:
		cg_ref(v, arg(p, "a", a), a->name);
		cg_ref(v, arg(p, "b", a), a->name);
		break;
	case OPC_MOVE_ALL_TASKS:
		cg_ref(v, arg(p, "from", a), a->name);
		cg_ref(v, arg(p, "to", a), a->name);
		cg_procs(v, arg(p, "to", a));
		break;
	case OPC_SPAWN:
		cg_ref(v, arg(p, "cgroup", a), a->name);
		cg_procs(v, arg(p, "cgroup", a));
		check_workspec(v, p, a->ty);
		break;
	case OPC_SPAWN_HOST:
		check_workspec(v, p, a->ty);
		break;
	case OPC_SET_AFFINITY:
		cg_ref(v, arg(p, "cgroup", a), a->name);
		check_affinity(v, arg(p, "affinity", a));
		break;
	case OPC_SET_WEIGHT:
	case OPC_SET_CPU_MAX:
	case OPC_CAPTURE_CGROUP_PROCS:
		cg_ref(v, arg(p, "cgroup", a), a->name);
		break;
	case OPC_RUN_PAYLOAD:
		payload_ref(v, arg(p, "payload", a));
		check_known_flags(v, sval(arg(p, "payload", a)), ynode_get(p, "args"));
		cg_ref(v, arg(p, "cgroup", a), a->name);
		cg_procs(v, arg(p, "cgroup", a));
		payload_started(v, sval(arg(p, "payload", a)));
		break;
	case OPC_WAIT_PAYLOAD:
	case OPC_KILL_PAYLOAD:
		payload_ref(v, arg(p, "payload", a));
		payload_used(v, arg(p, "payload", a), a->name);
		break;
	case OPC_DETACH_SCHEDULER:
	case OPC_ATTACH_SCHEDULER:
		if (!v->s->sched)
			diag_at(v->d, op, "%s with the eevdf scheduler; expected a sched_ext scheduler under test",
				a->name);
		break;
	}
}

static void check_ops(struct vctx *v, const struct ynode *ops)
{
	for (size_t i = 0; ops && ops->kind == YN_SEQ && i < ops->n; i++)
		check_op(v, ops->items[i]);
}

/* ---- definitions ------------------------------------------------------------ */

/* A pattern that compiles and has the groups its use needs; NULL when a
 * diagnostic was given. */
static pcre2_code *output_regex(struct vctx *v, const struct ynode *n, const char *const *need)
{
	char err[256];
	pcre2_code *re = textregex_compile(n->str, err, sizeof(err));
	if (!re) {
		diag_at(v->d, n, "regex does not compile: %s; expected a PCRE2 pattern", err);
		return NULL;
	}
	for (size_t i = 0; need && need[i]; i++) {
		if (textregex_group(re, need[i]) < 0) {
			diag_at(v->d, n, "regex has no group named '%s'; expected (?<%s>...) in it", need[i], need[i]);
			pcre2_code_free(re);
			return NULL;
		}
	}
	return re;
}

/* Text output: every pattern compiles and names its metrics, no metric
 * is named twice (which one would a check read?). */
static void check_text_output(struct vctx *v, const struct ynode *text)
{
	const char *seen[256];
	size_t nseen = 0;
	const struct ynode *pats = seq(ynode_get(text, "patterns"));
	for (size_t i = 0; pats && i < pats->n; i++) {
		const struct ynode *p = pats->items[i];
		const struct ynode *rn = p->kind == YN_SCALAR ? p : ynode_get(p, "regex");
		if (!sval(rn))
			continue;
		pcre2_code *re = output_regex(v, rn, NULL);
		if (!re)
			continue;
		const char *names[64];
		int nums[64];
		size_t ng = textregex_groups(re, names, nums, 64);
		if (!ng)
			diag_at(v->d, rn, "regex names no metric; expected a named group such as (?<latency_us>[0-9.]+)");
		for (size_t g = 0; g < ng; g++) {
			for (size_t k = 0; k < nseen; k++)
				if (!strcmp(seen[k], names[g]))
					diag_at(v->d, rn, "metric '%s' is named by an earlier pattern too; expected each metric from one pattern",
						names[g]);
			if (nseen < ARRAY_SIZE(seen))
				seen[nseen++] = arena_strdup(&v->s->arena, names[g]);
		}
		pcre2_code_free(re);
	}
	const struct ynode *hists = seq(ynode_get(text, "histograms"));
	for (size_t i = 0; hists && i < hists->n; i++) {
		static const char *const line[] = {"value", "count", NULL}, *const over[] = {"count", NULL};
		const struct ynode *rn = ynode_get(hists->items[i], "regex"), *on = ynode_get(hists->items[i], "overflow");
		pcre2_code *re;
		if (sval(rn) && (re = output_regex(v, rn, line)))
			pcre2_code_free(re);
		if (sval(on) && (re = output_regex(v, on, over)))
			pcre2_code_free(re);
	}
}

static void check_payload_defs(struct vctx *v)
{
	for (size_t i = 0; i < v->s->payloads.n; i++) {
		const struct ynode *def = v->s->payloads.v[i].node, *out = ynode_get(def, "output");
		const struct ynode *checks = seq(ynode_get(def, "checks"));
		check_known_flags(v, v->s->payloads.v[i].name, ynode_get(def, "args"));
		if (out && out->kind == YN_MAP && ynode_get(out, "text"))
			check_text_output(v, ynode_get(out, "text"));
		bool metrics = out && !(out->kind == YN_SCALAR && !strcmp(out->str, "exit_code"));
		for (size_t k = 0; checks && k < checks->n; k++) {
			const struct ynode *c = checks->items[k];
			if (!metrics && c->kind == YN_MAP && c->n && strcmp(c->keys[0]->str, "exit_code_eq"))
				diag_at(v->d, c, "a %s check on payload '%s', whose output is exit_code and has no metrics; expected 'output: json|yaml|ktap|text' on the payload, or an exit_code_eq check",
					c->keys[0]->str, v->s->payloads.v[i].name);
			const struct ynode *r = ynode_get(c, "range");
			double lo, hi;
			const struct ynode *ln = ynode_get(r, "lo"), *hn = ynode_get(r, "hi");
			if (sval(ln) && sval(hn) && parse_num(ln->str, &lo) &&
			    parse_num(hn->str, &hi) && lo > hi)
				diag_at(v->d, ln, "range check has lo %g > hi %g, but lo must be <= hi; expected the smaller bound first", lo, hi);
		}
	}
}

static const struct ynode *flag_def(const struct ynode *sched, const char *name)
{
	const struct ynode *flags = seq(ynode_get(sched, "flags"));
	for (size_t i = 0; flags && i < flags->n; i++) {
		const char *n = sval(ynode_get(flags->items[i], "name"));
		if (n && !strcmp(n, name))
			return flags->items[i];
	}
	return NULL;
}

static void check_sched_def(struct vctx *v, const struct ynode *sched)
{
	const struct ynode *flags = seq(ynode_get(sched, "flags"));
	for (size_t i = 0; flags && i < flags->n; i++) {
		/* flag_def finds the first: a second of the same name would be
		 * silently unselectable. */
		const struct ynode *nm = ynode_get(flags->items[i], "name");
		const struct ynode *first = sval(nm) ? flag_def(sched, nm->str) : NULL;
		if (first && first != flags->items[i])
			diag_at(v->d, nm, "flag '%s' is defined twice in scheduler '%s' (first at line %d); expected each flag name once",
				nm->str, sval(ynode_get(sched, "name")) ? sval(ynode_get(sched, "name")) : "?",
				first->line);
		const struct ynode *req = seq(ynode_get(flags->items[i], "requires"));
		for (size_t k = 0; req && k < req->n; k++)
			if (sval(req->items[k]) && !flag_def(sched, req->items[k]->str))
				diag_at(v->d, req->items[k], "flag requires '%s', which this scheduler does not define; expected one of its flags",
					req->items[k]->str);
	}
	const struct ynode *topo = ynode_get(sched, "topology");
	if (topo && topo->kind == YN_MAP) {
		struct topology t = {1, 1, 2, 1};
		int64_t x;
		if (field_int(&ty_topology, topo, "numa_nodes", &x)) t.numa_nodes = (unsigned)x;
		if (field_int(&ty_topology, topo, "llcs", &x)) t.llcs = (unsigned)x;
		if (field_int(&ty_topology, topo, "cores", &x)) t.cores = (unsigned)x;
		if (field_int(&ty_topology, topo, "threads", &x)) t.threads = (unsigned)x;
		char why[256];
		if (topo != ynode_get(v->s->root, "topology") && !topo_valid(&t, why, sizeof(why)))
			diag_at(v->d, topo, "topology %s", why);
	}
}

static void check_selected_flags(struct vctx *v)
{
	if (!v->s->sched)
		return;
	const struct ynode *ref = ynode_get(v->s->root, "scheduler");
	const struct ynode *sel = seq(ynode_get(ref, "flags"));
	const char *names[64];
	const struct ynode *at[64];
	size_t n = 0;
	if (v->s->flags) {
		for (size_t i = 0; v->s->flags[i] && n < 64; i++)
			names[n] = v->s->flags[i], at[n++] = NULL;
	} else {
		for (size_t i = 0; sel && i < sel->n && n < 64; i++)
			if (sval(sel->items[i]))
				names[n] = sel->items[i]->str, at[n++] = sel->items[i];
	}
	for (size_t i = 0; i < n; i++) {
		const struct ynode *fd = flag_def(v->s->sched, names[i]);
		if (!fd) {
			if (at[i])
				diag_at(v->d, at[i], "scheduler '%s' has no flag '%s'; expected one of its defined flags",
					v->s->sched_name, names[i]);
			else
				diag_add(v->d, DIAG_ERROR, v->s->path, 0, 0,
					 "scheduler '%s' has no flag '%s' (from --flags); expected one of its defined flags",
					 v->s->sched_name, names[i]);
			continue;
		}
		const struct ynode *req = seq(ynode_get(fd, "requires"));
		for (size_t k = 0; req && k < req->n; k++) {
			const char *r = sval(req->items[k]);
			bool found = false;
			for (size_t j = 0; r && j < n; j++)
				found |= !strcmp(names[j], r);
			if (r && !found) {
				if (at[i])
					diag_at(v->d, at[i], "flag '%s' requires flag '%s', which is not selected; expected both in flags",
						names[i], r);
				else
					diag_add(v->d, DIAG_ERROR, v->s->path, 0, 0,
						 "flag '%s' requires flag '%s', which is not selected; expected both in --flags",
						 names[i], r);
			}
		}
	}
}

/* ---- claims ------------------------------------------------------------------ */

/* A claim's cgroup scope: a cgroup the scenario creates (did you mean
 * one?) and, when the claim is on one step, one that exists during that
 * step: elsewhere it would have no workers and never be judged. */
static void claim_cgroup(struct vctx *v, const struct ynode *n, int64_t step, const char *what)
{
	const char *name = n->str;
	if (!ever_has(v, name)) {
		const char *sugg = did_you_mean(name, v->ever, v->never);
		diag_at(v->d, n, "%s '%s', which the scenario never creates; expected a cgroup name it defines%s%s%s",
			what, name, sugg ? " (did you mean '" : "", sugg ? sugg : "", sugg ? "'?)" : "");
		return;
	}
	if (step > 0 && (size_t)step <= v->nsteps && !set_has(&v->step_cgs[step - 1], name))
		diag_at(v->d, n, "%s '%s' in step %lld, where it does not exist; expected a cgroup of the backdrop or one the step creates",
			what, name, (long long)step);
}

/* step: 1-based when claims are a step's, 0 for the scenario's. */
static void check_claims(struct vctx *v, const struct ynode *claims, int64_t step)
{
	if (!claims || claims->kind != YN_MAP)
		return;
	const struct ynode *cgs = ynode_get(claims, "cgroups");
	for (size_t i = 0; cgs && cgs->kind == YN_MAP && i < cgs->n; i++)
		claim_cgroup(v, cgs->keys[i], step, "claims for cgroup");
	const struct ynode *ms = seq(ynode_get(claims, "metrics"));
	for (size_t i = 0; ms && i < ms->n; i++) {
		const struct ynode *m = ms->items[i];
		if (m->kind != YN_MAP)
			continue;
		int cmp = 0;
		static const char *const cmps[] = {"at_least", "at_most", "between", "is_finite"};
		for (size_t k = 0; k < ARRAY_SIZE(cmps); k++)
			cmp += ynode_key(m, cmps[k]) != NULL;
		if (cmp != 1)
			diag_at(v->d, m, "metric claim has %d comparisons; expected exactly one of at_least, at_most, between, is_finite",
				cmp);
		const struct ynode *st = ynode_get(m, "step");
		int64_t si = step;
		if (step > 0 && sval(st) && parse_int(st->str, &si) && si != step) {
			/* A step's claims judge that step; another step's
			 * claim belongs in that step or the scenario's. */
			diag_at(v->d, st, "metric claim on step %lld inside step %lld; expected no 'step' here, or the claim in step %lld's claims or the scenario's",
				(long long)si, (long long)step, (long long)si);
			si = step;
		} else if (sval(st) && parse_int(st->str, &si) && (size_t)si > v->nsteps) {
			if (v->nsteps)
				diag_at(v->d, st, "metric claim on step %lld but the scenario has %zu step%s; expected 1 to %zu",
					(long long)si, v->nsteps, v->nsteps == 1 ? "" : "s", v->nsteps);
			else
				diag_at(v->d, st, "metric claim on step %lld but the scenario has no steps; expected no 'step' scope",
					(long long)si);
		}
		const struct ynode *cg = ynode_get(m, "cgroup");
		if (sval(cg))
			claim_cgroup(v, cg, si, "metric claim on cgroup");
		const struct ynode *bt = seq(ynode_get(m, "between"));
		double lo, hi;
		if (bt && bt->n == 2 && sval(bt->items[0]) && sval(bt->items[1]) &&
		    parse_num(bt->items[0]->str, &lo) && parse_num(bt->items[1]->str, &hi) && lo > hi)
			diag_at(v->d, bt, "between [%g, %g] is empty; expected lo <= hi", lo, hi);
	}
}

static void check_hold(struct vctx *v, const struct ynode *step)
{
	const struct ynode *hold = ynode_get(step, "hold"), *p;
	const struct ty_alt *a = ty_variant_of(&ty_hold, hold, &p);
	const struct ynode *ops = seq(ynode_get(step, "ops"));
	if (a && !strcmp(a->name, "loop") && (!ops || !ops->n))
		diag_at(v->d, hold, "loop hold on a step without ops; expected ops to repeat");
}

void scenario_validate(struct scenario *s, struct diag *d)
{
	struct vctx *v = xcalloc(1, sizeof(*v));
	v->s = s;
	v->d = d;
	const struct ynode *root = s->root;
	const struct ynode *steps = seq(ynode_get(root, "steps"));
	v->nsteps = steps ? steps->n : 0;

	check_payload_defs(v);
	for (size_t i = 0; i < s->scheds.n; i++)
		check_sched_def(v, s->scheds.v[i].node);
	check_selected_flags(v);

	const struct ynode *bd = ynode_get(root, "backdrop");
	const struct ynode *cgs = seq(ynode_get(bd, "cgroups"));
	for (size_t i = 0; cgs && i < cgs->n; i++)
		check_cgroup_def(v, cgs->items[i]);
	check_ops(v, ynode_get(bd, "ops"));
	const struct ynode *bp = seq(ynode_get(bd, "payloads"));
	for (size_t i = 0; bp && i < bp->n; i++) {
		const struct ynode *it = bp->items[i];
		const struct ynode *pn = it->kind == YN_SCALAR ? it : ynode_get(it, "payload");
		payload_ref(v, pn);
		check_known_flags(v, sval(pn), ynode_get(it, "args"));
		cg_ref(v, ynode_get(it, "cgroup"), "backdrop payload");
		payload_started(v, sval(pn));
	}
	v->nbackdrop_running = v->nrunning;
	v->in_step = true;
	v->step_cgs = xcalloc(v->nsteps + 1, sizeof(*v->step_cgs));
	for (size_t i = 0; steps && i < steps->n; i++) {
		const struct ynode *st = steps->items[i];
		v->cur_step = i;
		for (size_t k = 0; k < v->nlive; k++)
			set_add(&v->step_cgs[i], v->live[k].name);
		check_ops(v, ynode_get(st, "ops"));
		const struct ynode *scg = seq(ynode_get(st, "cgroups"));
		for (size_t k = 0; scg && k < scg->n; k++)
			check_cgroup_def(v, scg->items[k]);
		check_hold(v, st);
		end_step(v);
		v->nrunning = v->nbackdrop_running;	/* step payloads end with it */
	}
	for (size_t i = 0; steps && i < steps->n; i++)
		check_claims(v, ynode_get(steps->items[i], "claims"), (int64_t)i + 1);
	check_claims(v, ynode_get(root, "claims"), 0);
	if (s->sched)
		check_claims(v, ynode_get(s->sched, "claims"), 0);
	for (size_t i = 0; i < v->nsteps; i++)
		free(v->step_cgs[i].v);
	free(v->step_cgs);
	free(v);
}

/* ---- shared with lowering -------------------------------------------------- */

bool spec_resolve(const struct topology *t, const struct ynode *spec,
		  struct cpuset *out, char *why, size_t whylen)
{
	const struct ynode *p;
	const struct ty_alt *a = ty_variant_of(&ty_cpuset_spec, spec, &p);
	struct cpuset_spec cs = {0};
	why[0] = 0;
	if (!a) {
		/* affinity kinds reuse llc/numa/cpus */
		a = ty_variant_of(&ty_affinity, spec, &p);
		if (!a)
			return false;
	}
	int64_t x;
	if (!strcmp(a->name, "all")) {
		cs.kind = CS_ALL;
	} else if (!strcmp(a->name, "llc") || !strcmp(a->name, "numa")) {
		if (!sval(p) || !parse_int(p->str, &x))
			return false;
		cs.kind = a->name[0] == 'l' ? CS_LLC : CS_NUMA;
		cs.index = x;
	} else if (!strcmp(a->name, "range")) {
		if (!seq(p) || p->n != 2 || !sval(p->items[0]) || !sval(p->items[1]) ||
		    !parse_frac(p->items[0]->str, &cs.from) || !parse_frac(p->items[1]->str, &cs.to))
			return false;
		cs.kind = CS_RANGE;
		if (!(cs.from >= 0 && cs.to <= 1))
			return false;	/* out-of-range fraction: the type check said so */
	} else if (!strcmp(a->name, "disjoint") || !strcmp(a->name, "overlap")) {
		cs.kind = a->name[0] == 'd' ? CS_DISJOINT : CS_OVERLAP;
		if (!field_int(a->ty, p, "index", &cs.index) || !field_int(a->ty, p, "of", &cs.of))
			return false;
		if (cs.kind == CS_OVERLAP && (!field_num(a->ty, p, "frac", &cs.frac) ||
					       !(cs.frac >= 0 && cs.frac <= 1)))
			return false;
	} else if (!strcmp(a->name, "cpus")) {
		cs.kind = CS_CPUS;
		if (sval(p)) {
			uint64_t mask[4096 / 64] = {0};
			if (parse_cpulist(p->str, mask, 4096) < 0)
				return false;	/* malformed: the type check said so */
			for (unsigned cpu = 0; cpu < 4096; cpu++) {
				if (!(mask[cpu / 64] >> (cpu % 64) & 1))
					continue;
				if (cpu >= topo_ncpus(t)) {
					snprintf(why, whylen, "names CPU %u but the topology has %u CPUs; expected CPUs 0 to %u",
						 cpu, topo_ncpus(t), topo_ncpus(t) - 1);
					return false;
				}
				cpuset_set(&cs.cpus, cpu);
			}
		} else if (seq(p)) {
			for (size_t i = 0; i < p->n; i++) {
				if (!sval(p->items[i]) || !parse_int(p->items[i]->str, &x) || x < 0)
					return false;
				if (x >= topo_ncpus(t)) {
					snprintf(why, whylen, "names CPU %lld but the topology has %u CPUs; expected CPUs 0 to %u",
						 (long long)x, topo_ncpus(t), topo_ncpus(t) - 1);
					return false;
				}
				cpuset_set(&cs.cpus, (unsigned)x);
			}
		} else {
			return false;
		}
	} else {
		return false;
	}
	return cpuset_resolve(t, &cs, out, why, whylen);
}
