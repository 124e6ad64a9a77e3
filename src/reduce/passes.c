/* passes: candidate reductions of a scenario tree (see passes.h).  They
 * edit the tree as data, knowing only where the format keeps steps,
 * cgroups, ops, claims and counts; whether a candidate is still a valid
 * scenario is the loader's call, so a pass may propose freely (a cgroup
 * is dropped with every op and claim that names it, and anything else
 * left dangling makes the candidate invalid, never run). */
#include "passes.h"
#include "topology.h"
#include "types.h"
#include "util.h"
#include "ydom.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define OPTIONAL_SETTINGS "policy nice affinity mem_policy mpol_flags cpu_max weight comm uid gid clone cpuset"

struct out {
	struct candidate *c;
	size_t n, cap;
};

static cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void push(struct out *o, cJSON *doc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void push(struct out *o, cJSON *doc, const char *fmt, ...)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 32;
		o->c = xrealloc(o->c, o->cap * sizeof(*o->c));
	}
	struct candidate *c = &o->c[o->n++];
	c->doc = doc;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
}

/* Every block that holds cgroups and ops: the backdrop and each step. */
static size_t blocks(cJSON *doc, cJSON **out, size_t max)
{
	size_t n = 0;
	if (get(doc, "backdrop") && n < max)
		out[n++] = get(doc, "backdrop");
	cJSON *s;
	cJSON_ArrayForEach(s, get(doc, "steps"))
		if (n < max)
			out[n++] = s;
	return n;
}

static bool mentions(const cJSON *n, const char *name)
{
	const char *t = ydom_text(n);
	if (t) {
		size_t l = strlen(name);
		return !strcmp(t, name) || (!strncmp(t, name, l) && t[l] == '/');
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, n)
		if (mentions(c, name))
			return true;
	return false;
}

static void drop_mentions(cJSON *arr, const char *name)
{
	for (cJSON *c = arr ? arr->child : NULL, *next; c; c = next) {
		next = c->next;
		if (mentions(c, name))
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, c));
	}
}

/* Claims of a scope (scenario or step) that name a cgroup. */
static void drop_cgroup_claims(cJSON *claims, const char *name)
{
	cJSON *cgs = get(claims, "cgroups");
	for (cJSON *c = cgs ? cgs->child : NULL, *next; c; c = next) {
		next = c->next;
		size_t l = strlen(name);
		if (!strcmp(c->string, name) || (!strncmp(c->string, name, l) && c->string[l] == '/'))
			cJSON_Delete(cJSON_DetachItemViaPointer(cgs, c));
	}
	drop_mentions(get(claims, "metrics"), name);
}

/* ---- coarse: steps, cgroups, ops, payloads -------------------------------------- */

static void renumber_step_claims(cJSON *claims, int dropped)
{
	cJSON *m = get(claims, "metrics");
	for (cJSON *c = m ? m->child : NULL, *next; c; c = next) {
		next = c->next;
		const char *t = ydom_text(get(c, "step"));
		int k = t ? atoi(t) : 0;
		if (k == dropped) {
			cJSON_Delete(cJSON_DetachItemViaPointer(m, c));
		} else if (k > dropped) {
			char v[16];
			snprintf(v, sizeof(v), "%d", k - 1);
			cJSON_ReplaceItemInObjectCaseSensitive(c, "step", ydom_scalar(v));
		}
	}
}

static void pass_steps(const cJSON *doc, struct out *o)
{
	int n = cJSON_GetArraySize(get(doc, "steps"));
	for (int i = 0; i < n; i++) {
		cJSON *d = cJSON_Duplicate(doc, 1);
		cJSON *steps = get(d, "steps");
		const char *name = ydom_text(get(cJSON_GetArrayItem(steps, i), "name"));
		char label[96];
		snprintf(label, sizeof(label), "%s%s%s", name ? " (" : "", name ? name : "", name ? ")" : "");
		cJSON_DeleteItemFromArray(steps, i);
		if (!cJSON_GetArraySize(steps))
			cJSON_DeleteItemFromObjectCaseSensitive(d, "steps");
		renumber_step_claims(get(d, "claims"), i + 1);
		push(o, d, "drop step %d%s", i + 1, label);
	}
}

/* Cgroups defined in a block, and those an add_cgroup op makes. */
static void cgroup_names(const cJSON *doc, char names[][128], size_t *n, size_t max)
{
	cJSON *b[70];
	size_t nb = blocks((cJSON *)doc, b, 70);
	*n = 0;
	for (size_t i = 0; i < nb; i++) {
		const cJSON *c;
		cJSON_ArrayForEach(c, get(b[i], "cgroups")) {
			const char *nm = ydom_text(get(c, "name"));
			if (nm && *n < max)
				snprintf(names[(*n)++], 128, "%s", nm);
		}
		cJSON_ArrayForEach(c, get(b[i], "ops")) {
			const cJSON *add = get(c, "add_cgroup");
			const char *nm = ydom_text(add) ? ydom_text(add) : ydom_text(get(add, "name"));
			bool seen = false;
			for (size_t k = 0; nm && k < *n; k++)
				seen |= !strcmp(names[k], nm);
			if (nm && !seen && *n < max)
				snprintf(names[(*n)++], 128, "%s", nm);
		}
	}
}

static void pass_cgroups(const cJSON *doc, struct out *o)
{
	char names[64][128];
	size_t n;
	cgroup_names(doc, names, &n, 64);
	for (size_t k = 0; k < n; k++) {
		cJSON *d = cJSON_Duplicate(doc, 1);
		cJSON *b[70];
		size_t nb = blocks(d, b, 70);
		for (size_t i = 0; i < nb; i++) {
			cJSON *cgs = get(b[i], "cgroups");
			for (cJSON *c = cgs ? cgs->child : NULL, *next; c; c = next) {
				next = c->next;
				if (mentions(get(c, "name"), names[k]))
					cJSON_Delete(cJSON_DetachItemViaPointer(cgs, c));
			}
			drop_mentions(get(b[i], "ops"), names[k]);
			drop_cgroup_claims(get(b[i], "claims"), names[k]);
		}
		drop_cgroup_claims(get(d, "claims"), names[k]);
		push(o, d, "drop cgroup %s with the ops and claims that name it", names[k]);
	}
}

static void pass_list_items(const cJSON *doc, struct out *o, const char *list, const char *what)
{
	cJSON *b[70];
	size_t nb = blocks((cJSON *)doc, b, 70);
	for (size_t i = 0; i < nb; i++) {
		int n = cJSON_GetArraySize(get(b[i], list));
		for (int k = 0; k < n; k++) {
			/* an add_cgroup goes with its cgroup (pass_cgroups), not alone */
			if (get(cJSON_GetArrayItem(get(b[i], list), k), "add_cgroup"))
				continue;
			cJSON *d = cJSON_Duplicate(doc, 1);
			cJSON *db[70];
			blocks(d, db, 70);
			cJSON_DeleteItemFromArray(get(db[i], list), k);
			push(o, d, "drop %s %d of %s", what, k + 1, i == 0 && get(doc, "backdrop") ? "the backdrop" : "a step");
		}
	}
}

static void pass_payloads(const cJSON *doc, struct out *o)
{
	int n = cJSON_GetArraySize(get(doc, "payloads"));
	for (int i = 0; i < n; i++) {
		cJSON *d = cJSON_Duplicate(doc, 1);
		const char *nm = ydom_text(get(cJSON_GetArrayItem(get(d, "payloads"), i), "name"));
		char name[128];
		snprintf(name, sizeof(name), "%s", nm ? nm : "?");
		cJSON_DeleteItemFromArray(get(d, "payloads"), i);
		cJSON *b[70];
		size_t nb = blocks(d, b, 70);
		for (size_t k = 0; k < nb; k++)
			drop_mentions(get(b[k], "ops"), name);
		push(o, d, "drop payload %s and its ops", name);
	}
}

/* ---- work groups and claims --------------------------------------------------------- */

static void pass_works(const cJSON *doc, struct out *o)
{
	cJSON *b[70];
	size_t nb = blocks((cJSON *)doc, b, 70);
	for (size_t i = 0; i < nb; i++) {
		int ncg = cJSON_GetArraySize(get(b[i], "cgroups"));
		for (int c = 0; c < ncg; c++) {
			int nw = cJSON_GetArraySize(get(cJSON_GetArrayItem(get(b[i], "cgroups"), c), "works"));
			for (int w = 0; nw > 1 && w < nw; w++) {
				cJSON *d = cJSON_Duplicate(doc, 1);
				cJSON *db[70];
				blocks(d, db, 70);
				cJSON *cg = cJSON_GetArrayItem(get(db[i], "cgroups"), c);
				cJSON_DeleteItemFromArray(get(cg, "works"), w);
				push(o, d, "drop work group %d of cgroup %s", w + 1, ydom_text(get(cg, "name")));
			}
		}
	}
}

/* The failing claim is never dropped: its name, on its cgroup (or at
 * scenario level when keep_cgroup is NULL). */
static bool kept(const char *claim, const char *cgroup, const char *keep, const char *keep_cgroup)
{
	if (!keep || strcmp(claim, keep))
		return false;
	return keep_cgroup ? cgroup && !strcmp(cgroup, keep_cgroup) : !cgroup;
}

static void claims_of(cJSON *claims, const char *keep, const char *keep_cgroup, const char *where, const cJSON *doc,
		      struct out *o, cJSON *(*locate)(cJSON *d, const char *where))
{
	const cJSON *c;
	int k = 0;
	cJSON_ArrayForEach(c, get(claims, "metrics")) {
		const char *metric = ydom_text(get(c, "metric"));
		if (metric && kept(metric, ydom_text(get(c, "cgroup")), keep, keep_cgroup)) {
			k++;
			continue;
		}
		cJSON *d = cJSON_Duplicate(doc, 1);
		cJSON_DeleteItemFromArray(get(locate(d, where), "metrics"), k++);
		push(o, d, "drop metric claim %d (%s) of %s", k, metric ? metric : "?", where);
	}
	cJSON_ArrayForEach(c, claims) {
		if (!strcmp(c->string, "metrics") || kept(c->string, NULL, keep, keep_cgroup))
			continue;
		if (!strcmp(c->string, "cgroups")) {
			const cJSON *cg, *key;
			cJSON_ArrayForEach(cg, c)
				cJSON_ArrayForEach(key, cg) {
					if (kept(key->string, cg->string, keep, keep_cgroup))
						continue;
					cJSON *d = cJSON_Duplicate(doc, 1);
					cJSON *dcg = get(get(locate(d, where), "cgroups"), cg->string);
					cJSON_DeleteItemFromObjectCaseSensitive(dcg, key->string);
					if (!dcg->child)
						cJSON_DeleteItemFromObjectCaseSensitive(get(locate(d, where), "cgroups"), cg->string);
					push(o, d, "drop claim %s of cgroup %s in %s", key->string, cg->string, where);
				}
			continue;
		}
		cJSON *d = cJSON_Duplicate(doc, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(locate(d, where), c->string);
		push(o, d, "drop claim %s of %s (back to its default)", c->string, where);
	}
}

static cJSON *scenario_claims(cJSON *d, const char *where)
{
	(void)where;
	return get(d, "claims");
}

static void pass_claims(const cJSON *doc, const char *keep, const char *keep_cgroup, struct out *o)
{
	claims_of(get(doc, "claims"), keep, keep_cgroup, "the scenario", doc, o, scenario_claims);
}

/* ---- sizes ----------------------------------------------------------------------------- */

/* Every object holding key, anywhere in the tree. */
static void holders(cJSON *n, const char *key, cJSON **out, size_t *k, size_t max)
{
	if (cJSON_IsObject(n) && get(n, key) && *k < max)
		out[(*k)++] = n;
	cJSON *c;
	cJSON_ArrayForEach(c, n)
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			holders(c, key, out, k, max);
}

static void pass_workers(const cJSON *doc, struct out *o)
{
	cJSON *h[256];
	size_t n = 0;
	holders((cJSON *)doc, "workers", h, &n, 256);
	for (size_t i = 0; i < n; i++) {
		const char *t = ydom_text(get(h[i], "workers"));
		int w = t ? atoi(t) : 0;
		if (w < 2)
			continue;
		cJSON *d = cJSON_Duplicate(doc, 1);
		cJSON *dh[256];
		size_t dn = 0;
		holders(d, "workers", dh, &dn, 256);
		char v[16];
		snprintf(v, sizeof(v), "%d", w / 2);
		cJSON_ReplaceItemInObjectCaseSensitive(dh[i], "workers", ydom_scalar(v));
		push(o, d, "halve workers %d -> %d%s%s", w, w / 2, ydom_text(get(h[i], "name")) ? " in " : "",
		     ydom_text(get(h[i], "name")) ? ydom_text(get(h[i], "name")) : "");
	}
}

static void halve_duration(const cJSON *doc, struct out *o)
{
	uint64_t ns;
	const char *t = ydom_text(get(doc, "duration"));
	if (!parse_dur(t ? t : "2s", &ns) || ns / 2 < 500000000ull)
		return;
	cJSON *d = cJSON_Duplicate(doc, 1);
	char v[32];
	snprintf(v, sizeof(v), "%llums", (unsigned long long)(ns / 2 / 1000000));
	if (get(d, "duration"))
		cJSON_ReplaceItemInObjectCaseSensitive(d, "duration", ydom_scalar(v));
	else
		cJSON_AddItemToObject(d, "duration", ydom_scalar(v));
	push(o, d, "halve the duration to %s", v);
}

static void set_topology(cJSON *d, const struct topology *t)
{
	char v[64];
	topo_format(t, v, sizeof(v));
	if (get(d, "topology"))
		cJSON_ReplaceItemInObjectCaseSensitive(d, "topology", ydom_scalar(v));
	else
		cJSON_AddItemToObject(d, "topology", ydom_scalar(v));
}

static void shrink_topology(const cJSON *doc, struct out *o)
{
	struct topology t = {1, 1, 2, 1};
	const char *s = ydom_text(get(doc, "topology"));
	char why[128];
	if (get(doc, "topology") && (!s || !topo_parse(s, &t, why, sizeof(why))))
		return;	/* the long form: left as written */
	struct topology smaller[4] = {t, t, t, t};
	smaller[0].numa_nodes--, smaller[0].llcs -= t.llcs / t.numa_nodes;
	smaller[1].llcs -= t.numa_nodes;
	smaller[2].cores--;
	smaller[3].threads--;
	static const char *const what[] = {"a NUMA node", "an LLC per node", "a core per LLC", "SMT"};
	for (int i = 0; i < 4; i++) {
		if (!topo_valid(&smaller[i], why, sizeof(why)))
			continue;
		cJSON *d = cJSON_Duplicate(doc, 1);
		set_topology(d, &smaller[i]);
		char v[64];
		topo_format(&smaller[i], v, sizeof(v));
		push(o, d, "topology without %s: %s", what[i], v);
	}
}

/* work: {type: params} -> work: type (the parameters' defaults). */
static void default_params(const cJSON *doc, struct out *o)
{
	cJSON *h[256];
	size_t n = 0;
	holders((cJSON *)doc, "work", h, &n, 256);
	for (size_t i = 0; i < n; i++) {
		const cJSON *w = get(h[i], "work");
		if (!cJSON_IsObject(w) || !w->child || w->child->next)
			continue;
		cJSON *d = cJSON_Duplicate(doc, 1);
		cJSON *dh[256];
		size_t dn = 0;
		holders(d, "work", dh, &dn, 256);
		cJSON_ReplaceItemInObjectCaseSensitive(dh[i], "work", ydom_scalar(w->child->string));
		push(o, d, "default parameters for work %s", w->child->string);
	}
}

static void drop_settings(const cJSON *doc, struct out *o)
{
	char keys[] = OPTIONAL_SETTINGS;
	for (char *save = NULL, *k = strtok_r(keys, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
		cJSON *h[256];
		size_t n = 0;
		holders((cJSON *)doc, k, h, &n, 256);
		for (size_t i = 0; i < n; i++) {
			cJSON *d = cJSON_Duplicate(doc, 1);
			cJSON *dh[256];
			size_t dn = 0;
			holders(d, k, dh, &dn, 256);
			cJSON_DeleteItemFromObjectCaseSensitive(dh[i], k);
			const char *nm = ydom_text(get(h[i], "name"));
			push(o, d, "drop %s%s%s", k, nm ? " of " : "", nm ? nm : "");
		}
	}
	if (get(doc, "sysctls")) {
		cJSON *d = cJSON_Duplicate(doc, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(d, "sysctls");
		push(o, d, "drop the sysctls");
	}
}

/* An emptied list or map (the last claim of `metrics:` gone) goes too. */
static void prune(cJSON *n)
{
	for (cJSON *c = n->child, *next; c; c = next) {
		next = c->next;
		if (!cJSON_IsObject(c) && !cJSON_IsArray(c))
			continue;
		prune(c);
		if (!c->child && cJSON_IsObject(n))
			cJSON_Delete(cJSON_DetachItemViaPointer(n, c));
	}
}

size_t reduce_candidates(const cJSON *doc, const char *keep_claim, const char *keep_cgroup, struct candidate **out)
{
	struct out o = {0};
	pass_steps(doc, &o);
	pass_cgroups(doc, &o);
	pass_payloads(doc, &o);
	pass_list_items(doc, &o, "ops", "op");
	pass_works(doc, &o);
	pass_claims(doc, keep_claim, keep_cgroup, &o);
	pass_workers(doc, &o);
	halve_duration(doc, &o);
	shrink_topology(doc, &o);
	default_params(doc, &o);
	drop_settings(doc, &o);
	for (size_t i = 0; i < o.n; i++)
		prune(o.c[i].doc);
	*out = o.c;
	return o.n;
}

void candidates_free(struct candidate *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(c[i].doc);
	free(c);
}

struct scenario_size scenario_measure(const cJSON *doc)
{
	struct scenario_size z = {0};
	cJSON *b[70];
	size_t nb = blocks((cJSON *)doc, b, 70);
	for (size_t i = 0; i < nb; i++) {
		z.ops += cJSON_GetArraySize(get(b[i], "ops"));
		z.cgroups += cJSON_GetArraySize(get(b[i], "cgroups"));
	}
	z.steps = cJSON_GetArraySize(get(doc, "steps"));
	cJSON *h[256];
	size_t n = 0;
	holders((cJSON *)doc, "workers", h, &n, 256);
	for (size_t i = 0; i < n; i++)
		z.workers += atoi(ydom_text(get(h[i], "workers")) ? ydom_text(get(h[i], "workers")) : "0");
	struct topology t = {1, 1, 2, 1};
	char why[64];
	const char *s = ydom_text(get(doc, "topology"));
	if (s)
		topo_parse(s, &t, why, sizeof(why));
	z.cpus = (int)topo_ncpus(&t);
	uint64_t ns = 0;
	const char *dur = ydom_text(get(doc, "duration"));
	z.duration_s = parse_dur(dur ? dur : "2s", &ns) ? (double)ns / 1e9 : 0;
	struct strbuf sb = {0};
	ydom_emit(doc, &sb);
	for (size_t i = 0; i < sb.len; i++)
		z.lines += sb.buf[i] == '\n';
	sb_free(&sb);
	return z;
}
