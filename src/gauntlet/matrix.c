/* matrix: expansion, order and sharding of the gauntlet (see matrix.h). */
#include "matrix.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* The battery.  Sizes stay within what TCG can boot on a small CI host
 * (the largest, 64 CPUs, for KVM machines); man/ktstr.1 lists them. */
const struct preset presets[] = {
	{"own", NULL, "the scenario's own topology"},
	{"tiny", "1n1l2c1t", "2 CPUs, one LLC"},
	{"llc1", "1n1l4c1t", "4 CPUs, one LLC"},
	{"smt", "1n1l2c2t", "4 CPUs, one LLC, SMT pairs"},
	{"llc2", "1n2l2c1t", "4 CPUs, two LLCs"},
	{"llc3", "1n3l2c1t", "6 CPUs, an odd number of LLCs"},
	{"smt_llc2", "1n2l2c2t", "8 CPUs, two LLCs with SMT"},
	{"numa2", "2n2l2c1t", "4 CPUs, two NUMA nodes"},
	{"numa4", "4n4l2c1t", "8 CPUs, four NUMA nodes"},
	{"large", "1n4l4c2t", "32 CPUs, four LLCs with SMT"},
	{"wide", "2n8l4c1t", "32 CPUs, two NUMA nodes of four LLCs"},
	{"huge", "2n8l4c2t", "64 CPUs, two NUMA nodes, SMT (KVM hosts)"},
	{0},
};

const struct preset *preset_find(const char *name)
{
	for (const struct preset *p = presets; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

bool variant_parse(const char *s, struct variant *v)
{
	memset(v, 0, sizeof(*v));
	const char *colon = strchr(s, ':');
	size_t nl = colon ? (size_t)(colon - s) : strlen(s);
	if (!nl || nl >= sizeof(v->name) || (colon && !colon[1]))
		return false;
	memcpy(v->name, s, nl);
	if (!colon)
		return true;
	if (strlen(colon + 1) >= sizeof(v->flags))
		return false;
	snprintf(v->flags, sizeof(v->flags), "%s", colon + 1);
	for (char *c = v->flags; *c; c++)
		if (*c == '+')
			*c = ',';
	return v->flags[0] != ',' && !strstr(v->flags, ",,") && v->flags[strlen(v->flags) - 1] != ',';
}

void variant_format(const struct variant *v, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", v->name, *v->flags ? ":" : "", v->flags);
	for (char *c = out; *c; c++)
		if (*c == ',')
			*c = '+';
}

void scenario_stem(const char *path, char *out, size_t n)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t l = strlen(b);
	if (l > 5 && !strcmp(b + l - 5, ".yaml"))
		l -= 5;
	snprintf(out, n, "%.*s", (int)l, b);
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ 0xff) * 1099511628211ull;
}

static void cell_id(const struct matrix *m, struct cell *c)
{
	char stem[96], var[288];
	scenario_stem(m->scenarios[c->scenario], stem, sizeof(stem));
	variant_format(&m->variants[c->variant], var, sizeof(var));
	for (char *p = var; *p; p++)
		if (*p == ':')
			*p = '-';
	char kernel[24] = "";
	if (m->nkernels > 1)
		snprintf(kernel, sizeof(kernel), ".k%zu", c->kernel);
	snprintf(c->id, sizeof(c->id), "%s.%s.%s%s.r%d", stem, m->topologies[c->topology], var, kernel, c->rep);
}

void matrix_expand(struct matrix *m)
{
	size_t total = m->nscenarios * m->ntopologies * m->nvariants * m->nkernels * (size_t)(m->repeat > 0 ? m->repeat : 1);
	m->cells = xcalloc(total ? total : 1, sizeof(*m->cells));
	m->ncells = 0;
	m->hash = 1469598103934665603ull;
	for (int r = 0; r < (m->repeat > 0 ? m->repeat : 1); r++)
		for (size_t t = 0; t < m->ntopologies; t++)
			for (size_t s = 0; s < m->nscenarios; s++)
				for (size_t v = 0; v < m->nvariants; v++)
					for (size_t k = 0; k < m->nkernels; k++) {
						struct cell *c = &m->cells[m->ncells];
						*c = (struct cell){s, t, v, k, r, m->ncells, ""};
						cell_id(m, c);
						m->hash = fnv(m->hash, c->id);
						m->ncells++;
					}
}

/* Round robin over the run order: each shard gets a share of every
 * repeat and topology, so a budget cut hits all shards alike. */
void matrix_shard(struct matrix *m, unsigned i, unsigned n)
{
	size_t k = 0;
	for (size_t c = 0; c < m->ncells; c++)
		if (c % n == i)
			m->cells[k++] = m->cells[c];
	m->ncells = k;
}

void matrix_free(struct matrix *m)
{
	free(m->cells);
	m->cells = NULL;
	m->ncells = 0;
}
