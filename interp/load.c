/* load: reading a scenario file and its includes, type checking each
 * against the format tables, merging definitions under the override
 * rules, and choosing the effective topology and scheduler. */
#include "scenario.h"
#include "vocab.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INCLUDE_DEPTH 16
#define MAX_SCENARIO_BYTES (4u << 20)

/* Files are told apart by their real path (realpath), never by the
 * spelling of the include: "x/../self.yaml" is self.yaml. */
struct loader {
	struct scenario *s;
	struct diag *d;
	const char *stack[MAX_INCLUDE_DEPTH + 1];	/* as spelt, for messages */
	const char *real[MAX_INCLUDE_DEPTH + 1];	/* real paths, for cycles */
	int depth;
	const char **loaded;	/* real paths of the files whose definitions are in */
	size_t nloaded;
};

/* The real path of path (in the arena), or path itself when it has none
 * (a missing file, which reading reports; a buffer's made-up name). */
static const char *real_path(struct loader *L, const char *path)
{
	char buf[PATH_MAX];
	return arena_strdup(&L->s->arena, realpath(path, buf) ? buf : path);
}

static bool was_loaded(const struct loader *L, const char *real)
{
	for (size_t i = 0; i < L->nloaded; i++)
		if (!strcmp(L->loaded[i], real))
			return true;
	return false;
}

static void mark_loaded(struct loader *L, const char *real)
{
	L->loaded = xrealloc(L->loaded, (L->nloaded + 1) * sizeof(*L->loaded));
	L->loaded[L->nloaded++] = real;
}

static void def_add(struct loader *L, struct def_list *l, const char *kind,
		    const struct ynode *node)
{
	const struct ynode *nm = ynode_get(node, "name");
	if (!nm || nm->kind != YN_SCALAR)
		return;
	const struct ynode *ov = ynode_get(node, "override");
	bool override = ov && ov->kind == YN_SCALAR && !strcmp(ov->str, "true");
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].name, nm->str))
			continue;
		if (override) {
			l->v[i].node = node;
			return;
		}
		diag_at(L->d, nm, "%s '%s' is already defined at %s:%d; expected a new name, or 'override: true' to replace it",
			kind, nm->str, l->v[i].node->file, l->v[i].node->line);
		return;
	}
	if (override)
		diag_at(L->d, ov, "%s '%s' has 'override: true' but no earlier definition; expected it only when an included file defines '%s'",
			kind, nm->str, nm->str);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct def){nm->str, node};
}

static void add_defs(struct loader *L, const struct ynode *root)
{
	const struct ynode *l = ynode_get(root, "schedulers");
	for (size_t i = 0; l && l->kind == YN_SEQ && i < l->n; i++)
		def_add(L, &L->s->scheds, "scheduler", l->items[i]);
	l = ynode_get(root, "payloads");
	for (size_t i = 0; l && l->kind == YN_SEQ && i < l->n; i++)
		def_add(L, &L->s->payloads, "payload", l->items[i]);
}

static void load_file(struct loader *L, const char *path, const struct ynode *from);

static void load_includes(struct loader *L, const struct ynode *root, const char *path)
{
	const struct ynode *inc = ynode_get(root, "include");
	if (!inc || inc->kind != YN_SEQ)
		return;
	char *dircopy = xstrdup(path);
	const char *dir = dirname(dircopy);
	const char *reals[64];
	const struct ynode *at[64];
	size_t nreals = 0;
	for (size_t i = 0; i < inc->n; i++) {
		const struct ynode *it = inc->items[i];
		if (it->kind != YN_SCALAR || !*it->str)
			continue;
		char *full = it->str[0] == '/' ? xstrdup(it->str)
					       : xasprintf("%s/%s", dir, it->str);
		const char *real = real_path(L, full);
		bool again = false;
		for (size_t k = 0; k < nreals && !again; k++) {
			if (strcmp(reals[k], real))
				continue;
			diag_at(L->d, it, "'%s' is the file already included as '%s' (line %d, column %d); expected each file included once",
				it->str, at[k]->str, at[k]->line, at[k]->col);
			again = true;
		}
		if (!again && nreals < ARRAY_SIZE(reals))
			reals[nreals] = real, at[nreals++] = it;
		if (!again)
			load_file(L, arena_strdup(&L->s->arena, full), it);
		free(full);
	}
	free(dircopy);
}

static struct ynode *parse_buf(struct loader *L, const char *path, const char *buf,
			       size_t len)
{
	return ynode_parse(&L->s->arena, path, buf, len, L->d);
}

static void load_file(struct loader *L, const char *path, const struct ynode *from)
{
	const char *real = real_path(L, path);
	for (int i = 0; i < L->depth; i++) {
		if (!strcmp(L->real[i], real)) {
			diag_at(L->d, from, "include cycle: '%s' is '%s', which is still being loaded; expected includes to form a tree",
				from && from->kind == YN_SCALAR ? from->str : path, L->stack[i]);
			return;
		}
	}
	/* Included again by another file (a diamond): its definitions are
	 * already in, and loading it twice would define them twice. */
	if (was_loaded(L, real))
		return;
	if (L->depth >= MAX_INCLUDE_DEPTH) {
		diag_at(L->d, from, "includes nest deeper than %d files; expected a shallower chain",
			MAX_INCLUDE_DEPTH);
		return;
	}
	size_t len;
	char *buf = read_file(path, &len, MAX_SCENARIO_BYTES);
	if (!buf) {
		diag_at(L->d, from, "cannot read '%s': %s; expected a readable YAML file",
			path, read_file_error(errno));
		return;
	}
	struct ynode *root = parse_buf(L, path, buf, len);
	free(buf);
	if (!root)
		return;
	ty_check(L->d, root, &ty_include_file, "included file");
	L->real[L->depth] = real;
	L->stack[L->depth++] = path;
	load_includes(L, root, path);
	L->depth--;
	mark_loaded(L, real);
	add_defs(L, root);
}

/* A scheduler or payload the scenario does not define, from a search
 * path: each file is read on its own (its other definitions are not
 * merged, so they cannot clash with the scenario's), and only the named
 * definition is kept, in want (L->s->scheds or L->s->payloads). */
static const struct def *search_path(struct loader *L, struct def_list *want, const char *name,
				     const char *const *path)
{
	struct def_list keep_s = L->s->scheds, keep_p = L->s->payloads;
	struct def_list *keep = want == &L->s->scheds ? &keep_s : &keep_p;
	const char **keep_loaded = L->loaded;
	size_t keep_nloaded = L->nloaded;
	bool found = false;
	for (size_t i = 0; path && path[i] && !found; i++) {
		size_t nfiles;
		char **files = dir_files(path[i], ".yaml", NULL, &nfiles);
		for (size_t k = 0; files && files[k] && !found; k++) {
			L->s->scheds = (struct def_list){0};
			L->s->payloads = (struct def_list){0};
			L->loaded = NULL, L->nloaded = 0;	/* each file on its own */
			struct diag scratch = {0};
			struct diag *real = L->d;
			L->d = &scratch;
			load_file(L, arena_strdup(&L->s->arena, files[k]), NULL);
			L->d = real;
			const struct def *d = scratch.errors ? NULL : def_find(want, name);
			if (d) {
				keep->v = xrealloc(keep->v, (keep->n + 1) * sizeof(*keep->v));
				keep->v[keep->n++] = *d;
				keep->cap = keep->n;
				found = true;
			}
			free(L->s->scheds.v);
			free(L->s->payloads.v);
			free(L->loaded);
			diag_free(&scratch);
		}
		dir_files_free(files);
	}
	L->s->scheds = keep_s;
	L->s->payloads = keep_p;
	L->loaded = keep_loaded, L->nloaded = keep_nloaded;
	return found ? &want->v[want->n - 1] : NULL;
}

/* Payload names the scenario runs (run_payload, backdrop payloads) but
 * does not define come from the payload path, like schedulers. */
static void payload_refs(struct loader *L, const struct ynode *n, const char *const *path)
{
	if (!n || n->kind == YN_SCALAR)
		return;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *v = n->items[i], *name = NULL;
		const char *key = n->kind == YN_MAP ? n->keys[i]->str : "";
		if (!strcmp(key, "run_payload"))
			name = v->kind == YN_SCALAR ? v : ynode_get(v, "payload");
		else if (!strcmp(key, "payloads") && n == ynode_get(L->s->root, "backdrop") && v->kind == YN_SEQ)
			for (size_t k = 0; k < v->n; k++) {
				const struct ynode *it = v->items[k];
				const struct ynode *nm = it->kind == YN_SCALAR ? it : ynode_get(it, "payload");
				if (nm && nm->kind == YN_SCALAR && !def_find(&L->s->payloads, nm->str))
					search_path(L, &L->s->payloads, nm->str, path);
			}
		if (name && name->kind == YN_SCALAR && !def_find(&L->s->payloads, name->str))
			search_path(L, &L->s->payloads, name->str, path);
		payload_refs(L, v, path);
	}
}

/* --scheduler BINARY [--sched-args ...]: a definition made on the spot. */
static const struct ynode *binary_def(struct loader *L, const char *bin, const char *args)
{
	struct strbuf y = {0};
	const char *base = strrchr(bin, '/') ? strrchr(bin, '/') + 1 : bin;
	sb_printf(&y, "schedulers:\n  - name: \"%s\"\n    binary: \"%s\"\n    args: [", base, bin);
	char *copy = xstrdup(args ? args : ""), *save = NULL;
	const char *sep = "";
	for (char *a = strtok_r(copy, " \t", &save); a; a = strtok_r(NULL, " \t", &save), sep = ", ") {
		sb_printf(&y, "%s\"", sep);
		for (const char *c = a; *c; c++)
			sb_printf(&y, *c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
		sb_printf(&y, "\"");
	}
	sb_printf(&y, "]\n");
	free(copy);
	struct ynode *root = ynode_parse(&L->s->arena, "--scheduler", y.buf, y.len, L->d);
	sb_free(&y);
	const struct ynode *l = ynode_get(root, "schedulers");
	return l && l->kind == YN_SEQ && l->n ? l->items[0] : NULL;
}

static void pick_scheduler(struct loader *L, const struct load_opts *o)
{
	struct scenario *s = L->s;
	struct diag *d = L->d;
	const struct ynode *ref = ynode_get(s->root, "scheduler");
	const char *name = "eevdf";
	const struct ynode *at = ref;
	if (ref && ref->kind == YN_SCALAR)
		name = ref->str;
	else if (ref && ref->kind == YN_MAP && ynode_get(ref, "name") &&
		 ynode_get(ref, "name")->kind == YN_SCALAR)
		name = ynode_get(ref, "name")->str, at = ynode_get(ref, "name");
	if (o && o->scheduler) {
		name = o->scheduler;
		at = NULL;
	}
	s->sched_name = name;
	s->flags = o ? o->flags : NULL;
	if (!strcmp(name, "eevdf")) {
		const struct ynode *fl = ynode_get(ref, "flags");
		if (fl && fl->kind == YN_SEQ && fl->n)
			diag_at(d, fl, "flags given for the eevdf scheduler; expected flags only with a scheduler definition that declares them");
		if (o && o->flags && o->flags[0])
			diag_add(d, DIAG_ERROR, s->path, 0, 0,
				 "--flags given with the eevdf scheduler; expected flags only with a scheduler definition that declares them");
		return;
	}
	const struct def *def = def_find(&s->scheds, name);
	if (!def && o && o->scheduler)
		def = search_path(L, &s->scheds, name, o->sched_path);
	if (def) {
		s->sched = def->node;
		return;
	}
	if (o && o->scheduler && o->sched_binary && o->sched_binary(name)) {
		s->sched = binary_def(L, name, o->sched_args);
		s->sched_name = s->sched ? ynode_get(s->sched, "name")->str : name;
		return;
	}
	const char *cands[64];
	size_t nc = 0;
	for (size_t i = 0; i < s->scheds.n && nc < 63; i++)
		cands[nc++] = s->scheds.v[i].name;
	cands[nc++] = "eevdf";
	const char *sugg = did_you_mean(name, cands, nc);
	if (at)
		diag_at(d, at, "scheduler '%s' is not defined; expected eevdf or a name from 'schedulers:'%s%s%s",
			name, sugg ? " (did you mean '" : "", sugg ? sugg : "", sugg ? "'?)" : "");
	else
		diag_add(d, DIAG_ERROR, s->path, 0, 0,
			 "scheduler '%s' (from --scheduler) is not defined here nor on the scheduler path, and is no scheduler binary; expected eevdf, a definition's name, or a binary (a path, a scheduler of the kernel cache, a name on PATH)",
			 name);
}

static void pick_topology(struct scenario *s, const struct load_opts *o, struct diag *d)
{
	if (o && o->topology) {
		s->topo = *o->topology;
		return;
	}
	const struct ynode *t = ynode_get(s->root, "topology");
	if (!t && s->sched)
		t = ynode_get(s->sched, "topology");
	s->topo = (struct topology){1, 1, 2, 1};
	if (!t)
		return;
	char why[256];
	if (t->kind == YN_SCALAR) {
		struct topology tp;
		if (topo_parse(t->str, &tp, why, sizeof(why)))
			s->topo = tp;
		return;
	}
	if (t->kind != YN_MAP)
		return;
	int64_t v;
	struct topology tp = s->topo;
	if (field_int(&ty_topology, t, "numa_nodes", &v)) tp.numa_nodes = (unsigned)v;
	if (field_int(&ty_topology, t, "llcs", &v)) tp.llcs = (unsigned)v;
	if (field_int(&ty_topology, t, "cores", &v)) tp.cores = (unsigned)v;
	if (field_int(&ty_topology, t, "threads", &v)) tp.threads = (unsigned)v;
	if (!topo_valid(&tp, why, sizeof(why))) {
		diag_at(d, t, "topology %s", why);
		return;
	}
	s->topo = tp;
}

static const char *base_name(struct arena *a, const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	const char *dot = strrchr(b, '.');
	return arena_strndup(a, b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
}

/* `requires:` against the effective topology. */
static void check_requires(struct scenario *s)
{
	const struct ynode *r = ynode_get(s->root, "requires");
	const struct topology *t = &s->topo;
	char topo[64], why[256] = "";
	topo_format(t, topo, sizeof(topo));
	const struct ynode *smt = ynode_get(r, "smt");
	int64_t v;
	if (smt && smt->kind == YN_SCALAR && !strcmp(smt->str, "true") && t->threads < 2)
		snprintf(why, sizeof(why), "needs SMT; topology %s has 1 thread per core", topo);
	else if (smt && smt->kind == YN_SCALAR && !strcmp(smt->str, "false") && t->threads > 1)
		snprintf(why, sizeof(why), "needs no SMT; topology %s has %u threads per core", topo, t->threads);
	else if (field_int(&ty_requires, r, "min_llcs", &v) && t->llcs < v)
		snprintf(why, sizeof(why), "needs at least %lld LLCs; topology %s has %u", (long long)v, topo, t->llcs);
	else if (field_int(&ty_requires, r, "min_numa_nodes", &v) && t->numa_nodes < v)
		snprintf(why, sizeof(why), "needs at least %lld NUMA nodes; topology %s has %u", (long long)v, topo,
			 t->numa_nodes);
	else if (field_int(&ty_requires, r, "min_cpus", &v) && topo_ncpus(t) < v)
		snprintf(why, sizeof(why), "needs at least %lld CPUs; topology %s has %u", (long long)v, topo, topo_ncpus(t));
	else if (field_int(&ty_requires, r, "max_cpus", &v) && topo_ncpus(t) > v)
		snprintf(why, sizeof(why), "needs at most %lld CPUs; topology %s has %u", (long long)v, topo, topo_ncpus(t));
	const struct ynode *sch = ynode_get(r, "scheduler");
	if (!*why && sch && sch->kind == YN_SCALAR && s->sched_name && strcmp(sch->str, s->sched_name))
		snprintf(why, sizeof(why), "runs only under scheduler %s; this run uses %s", sch->str, s->sched_name);
	if (*why)
		s->unfit = arena_strdup(&s->arena, why);
}

/* Errors that appear only on the topology given on the command line (a
 * cpuset on LLC 1 of a one-LLC machine) say the scenario does not fit
 * it: they become the skip reason, if the file is clean on its own
 * topology. */
static void explain_unfit(struct scenario *s, struct diag *d, size_t errors_before, size_t n_before)
{
	struct topology given = s->topo;
	struct diag own = {0};
	pick_topology(s, NULL, &own);
	scenario_validate(s, &own);
	bool clean = !own.errors;
	diag_free(&own);
	s->topo = given;
	if (!clean)
		return;
	char topo[64];
	topo_format(&given, topo, sizeof(topo));
	for (size_t i = n_before; i < d->n && !s->unfit; i++) {
		if (d->items[i].level != DIAG_ERROR)
			continue;
		char *why = xasprintf("does not fit topology %s: %s", topo, d->items[i].msg);
		s->unfit = arena_strdup(&s->arena, why);
		free(why);
	}
	diag_truncate(d, n_before);
	(void)errors_before;
}

bool scenario_load_buf(struct scenario *s, const char *path, const char *buf,
		       size_t len, const struct load_opts *opts, struct diag *d)
{
	memset(s, 0, sizeof(*s));
	struct loader L = {.s = s, .d = d};
	size_t before = d->errors;
	s->path = arena_strdup(&s->arena, path);
	s->root = parse_buf(&L, s->path, buf, len);
	if (!s->root)
		return false;
	ty_check(d, s->root, &ty_scenario, "scenario");
	L.real[L.depth] = real_path(&L, s->path);
	L.stack[L.depth++] = s->path;
	load_includes(&L, s->root, s->path);
	add_defs(&L, s->root);
	if (opts && opts->payload_path)
		payload_refs(&L, s->root, opts->payload_path);
	const struct ynode *nm = ynode_get(s->root, "name");
	s->name = nm && nm->kind == YN_SCALAR ? nm->str : base_name(&s->arena, path);
	pick_scheduler(&L, opts);
	pick_topology(s, opts, d);
	size_t nbefore = d->n;
	scenario_validate(s, d);
	if (opts && opts->topology && d->errors > before)
		explain_unfit(s, d, before, nbefore);
	if (!s->unfit && d->errors == before)
		check_requires(s);
	free(L.loaded);
	diag_sort(d);
	return d->errors == before;
}

bool scenario_load(struct scenario *s, const char *path,
		   const struct load_opts *opts, struct diag *d)
{
	size_t len;
	char *buf = read_file(path, &len, MAX_SCENARIO_BYTES);
	if (!buf) {
		memset(s, 0, sizeof(*s));
		diag_add(d, DIAG_ERROR, path, 1, 1, "cannot read the file: %s; expected a readable YAML scenario",
			 read_file_error(errno));
		return false;
	}
	char why[96];
	if (len && kb_taken_for_bytecode(path, (const uint8_t *)buf, len, why, sizeof(why))) {
		/* as dump and run would take it: not a YAML error about a byte */
		memset(s, 0, sizeof(*s));
		diag_add(d, DIAG_ERROR, path, 1, 1, "read as ktstr bytecode (%s), not a YAML scenario; expected YAML (ktstr dump reads bytecode)",
			 why);
		free(buf);
		return false;
	}
	bool ok = scenario_load_buf(s, path, buf, len, opts, d);
	free(buf);
	return ok;
}

void scenario_free(struct scenario *s)
{
	free(s->scheds.v);
	free(s->payloads.v);
	arena_free(&s->arena);
	memset(s, 0, sizeof(*s));
}

const struct def *def_find(const struct def_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

unsigned default_memory_mib(const struct topology *t)
{
	/* 256 MiB floor, plus 32 MiB per vCPU for worker stacks and buffers;
	 * the host adds the initramfs size at launch. */
	unsigned m = 256 + 32 * topo_ncpus(t);
	return (m + 63) / 64 * 64;
}
