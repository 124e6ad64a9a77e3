/* matrix: the gauntlet's cells — scenarios x topologies x schedulers
 * (with flag profiles) x kernels x repeats — in the order they run (most
 * informative first), and the deterministic slice of them a shard runs.
 * Pure: no files, no processes; the runner and the summary build on it. */
#ifndef KTSTR_MATRIX_H
#define KTSTR_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A named topology of the battery; "own" is each scenario's own. */
struct preset {
	const char *name, *topology, *what;
};
extern const struct preset presets[];
const struct preset *preset_find(const char *name);

/* One scheduler variant: a name and its flags ("qmap:slice_1ms+fifo"). */
struct variant {
	char name[64];
	char flags[192];	/* comma-separated, as run --flags takes; "" none */
};

struct cell {
	size_t scenario, topology, variant, kernel;	/* indexes into the axes */
	int rep;
	size_t index;		/* position in the run order of the whole matrix */
	char id[448];		/* file-system-safe name of the cell */
};

struct matrix {
	const char **scenarios;		/* paths */
	size_t nscenarios;
	const char **topologies;	/* preset names */
	size_t ntopologies;
	struct variant *variants;
	size_t nvariants;
	const char **kernels;		/* kernel specs; "" the default */
	size_t nkernels;
	int repeat;
	struct cell *cells;
	size_t ncells;
	uint64_t hash;			/* identity of the whole matrix (merge checks it) */
};

/* "qmap:slice_1ms+fifo" -> variant; false if malformed. */
bool variant_parse(const char *s, struct variant *v);
void variant_format(const struct variant *v, char *out, size_t n);
/* Expands the axes into m->cells: every repeat 0 cell before any repeat
 * 1, and within a repeat topology by topology, each scenario under every
 * variant before the next scenario. */
void matrix_expand(struct matrix *m);
/* Keeps the cells of shard i of n (0-based): every cell of the matrix is
 * in exactly one shard, counts differ by at most one. */
void matrix_shard(struct matrix *m, unsigned i, unsigned n);
void matrix_free(struct matrix *m);

/* The base name of a scenario path without .yaml. */
void scenario_stem(const char *path, char *out, size_t n);

#endif
