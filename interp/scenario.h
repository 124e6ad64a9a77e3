/* scenario: a loaded scenario — its YAML tree, the files it included and
 * the merged scheduler and payload definitions — and the front-end entry
 * points: load (parse + include + type check + semantic validation) and
 * lower (to bytecode).  This is the interface src/ uses; it never touches
 * the system beyond reading the files named. */
#ifndef KTSTR_SCENARIO_H
#define KTSTR_SCENARIO_H

#include "bytecode.h"
#include "diag.h"
#include "topology.h"
#include "util.h"
#include "ynode.h"

struct def {
	const char *name;
	const struct ynode *node;
};

struct def_list {
	struct def *v;
	size_t n, cap;
};

struct scenario {
	struct arena arena;
	const char *path;
	const char *name;		/* name: or the file's base name */
	struct ynode *root;
	struct def_list scheds, payloads;
	struct topology topo;		/* effective */
	const struct ynode *sched;	/* chosen definition; NULL = eevdf */
	const char *sched_name;
	const char *const *flags;	/* --flags override (NULL-terminated) */
	/* Why the scenario cannot run on the topology it was given (its
	 * `requires:`, or a cpuset it names that the topology lacks): the run
	 * is a skip with this reason, not an error.  NULL when it fits. */
	const char *unfit;
};

struct load_opts {
	const char *scheduler;		/* --scheduler NAME, a definition or a binary */
	const char *const *flags;	/* --flags a,b */
	/* Directories whose *.yaml define schedulers, searched in order for
	 * a --scheduler the file does not define (NULL-terminated). */
	const char *const *sched_path;
	/* Whether a name is a scheduler binary the host can run (a path, a
	 * scheduler of the kernel cache, a name on PATH): a --scheduler that
	 * no definition names runs as that binary with sched_args. */
	bool (*sched_binary)(const char *name);
	const char *sched_args;		/* --sched-args "...", split on spaces */
	/* Directories whose *.yaml define payloads, searched in order for a
	 * payload the scenario runs but does not define (NULL-terminated). */
	const char *const *payload_path;
	const struct topology *topology;	/* --topology override */
};

/* Load and fully validate path.  Errors go to d; returns false if any. */
bool scenario_load(struct scenario *s, const char *path,
		   const struct load_opts *opts, struct diag *d);
/* Same from a buffer (fuzzing, tests); includes resolve against cwd. */
bool scenario_load_buf(struct scenario *s, const char *path, const char *buf,
		       size_t len, const struct load_opts *opts, struct diag *d);
void scenario_free(struct scenario *s);

/* Semantic validation (validate.c), run by scenario_load. */
void scenario_validate(struct scenario *s, struct diag *d);
/* Lower a valid scenario to a program (lower.c). */
void scenario_lower(const struct scenario *s, struct kb_program *p);
/* Append a TRACE instruction recording these event groups (names of
 * ty_trace_group; unknown ones are skipped) with a buffer sized from the
 * program's duration; for `ktstr run --trace` on a program without one. */
void kb_add_trace(struct kb_program *p, const char *const *groups, size_t n);
bool kb_has_trace(const struct kb_program *p);

const struct def *def_find(const struct def_list *l, const char *name);
/* Calls fn with every flag combination ("a,b"; "" for none) of a
 * scheduler definition whose `requires` hold; the count, or -1 when it
 * has more than SCHED_PROFILE_MAX_FLAGS flags (too many to enumerate). */
#define SCHED_PROFILE_MAX_FLAGS 12
int sched_profiles(const struct ynode *sched, void (*fn)(const char *csv, void *ctx), void *ctx);
/* Resolve a cpuset spec node against t; false with a reason if it cannot. */
bool spec_resolve(const struct topology *t, const struct ynode *spec,
		  struct cpuset *out, char *why, size_t whylen);
/* Memory sizing rule: guest MiB for a topology (without initramfs). */
unsigned default_memory_mib(const struct topology *t);

#endif
