/* spawn: turning a SPAWN instruction into running workers and back into
 * reports.  Workers are forked (default) or started as threads; each
 * applies its own settings (affinity, policy, nice, mem policy, comm,
 * uid/gid) and records any failure in its report instead of dying.  Start
 * is two-phase: every worker is created and placed in its cgroup before
 * any of them begins its loop.  Stopping sets the stop word, waits with
 * one shared deadline for the reports, then kills the process groups so
 * grandchildren die too; a worker that never reported gets a sentinel
 * report that names it. */
#ifndef KTSTR_SPAWN_H
#define KTSTR_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bytecode.h"
#include "telemetry.h"
#include "work.h"

#define SPAWN_COLLECT_DEADLINE_NS 5000000000ull	/* shared by all workers */

struct spawn_req {
	const struct kb_program *prog;
	const struct kb_insn *insn;	/* SPAWN or SPAWN_HOST */
	const char *cgroup;		/* name for reports ("" = runner) */
	const char *cgroup_dir;		/* absolute dir to place workers (NULL: none) */
	int step;			/* 0 = backdrop, k = step k */
	const struct phase_clock *clock;	/* step clock in MAP_SHARED memory: fork workers read it */
	const struct topology *topo;
	const char *cpuset_cpus;	/* effective cpuset of the cgroup (for single_cpu etc.) */
};

struct spawn_group;	/* opaque: the workers of one SPAWN */

/* Create the workers (blocked at the start barrier) and place them.
 * Returns NULL with err set when nothing could be spawned.  Returns the
 * group with err non-empty when only some workers could be created (the
 * others get sentinel reports at spawn_stop).  Fork workers die with the
 * thread that called this (PR_SET_PDEATHSIG). */
struct spawn_group *spawn_create(const struct spawn_req *req, char *err, size_t errlen);
/* Release the start barrier. */
void spawn_start(struct spawn_group *g);
/* Pids of fork workers (for capture, moves, affinity ops). */
int spawn_pids(const struct spawn_group *g, pid_t *out, int max);
/* Change the affinity of every worker (set_affinity op); failures are
 * recorded per worker (report key set_affinity_error).  kind/cpus as
 * lowered ("cpus", "llc", ...); inherit resets to every online CPU.
 * Returns the number of workers that failed (-1 without a group). */
int spawn_set_affinity(struct spawn_group *g, const struct kb_program *p,
		       const struct kb_insn *in);
/* Stop, collect and free.  Each report is one JSON object string passed
 * to emit (the executor sends it to the host). */
void spawn_stop(struct spawn_group *g, void (*emit)(const char *json, void *ctx), void *ctx);

#endif
