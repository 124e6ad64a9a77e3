/* reduce: shrinking a failing scenario to a minimal reproducer, the way
 * delta debugging does — try the candidates of passes.c in order, in
 * batches (parallel runs), keep the first that still fails the same way,
 * and start over from it, until no candidate does (a fixpoint) or the
 * caller says stop.  The driver knows nothing of VMs: validating and
 * running candidates are the caller's, so it is tested with a fake. */
#ifndef KTSTR_REDUCE_H
#define KTSTR_REDUCE_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

struct reduce_io {
	/* Whether the text is a valid scenario (never run otherwise). */
	bool (*valid)(const char *text, void *ctx);
	/* Runs n candidate texts (in parallel where it can); repro[i] says
	 * whether text i failed with the signature. */
	void (*run)(char *const *texts, size_t n, bool *repro, void *ctx);
	/* An accepted reduction, in words. */
	void (*accepted)(const char *what, const struct cJSON *doc, void *ctx);
	/* Budget spent or interrupted. */
	bool (*stop)(void *ctx);
	void *ctx;
	int batch;		/* candidates per run call (-j) */
};

struct reduce_stats {
	int accepted, runs, invalid, rounds;
};

/* The smallest tree reached from doc (a new tree; doc is not changed).
 * keep_claim on keep_cgroup: the failing claim, never dropped. */
struct cJSON *reduce_run(const struct cJSON *doc, const char *keep_claim, const char *keep_cgroup,
			 const struct reduce_io *io, struct reduce_stats *st);

#endif
