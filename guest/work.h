/* work: the work-type registry of the executor.  Each work type lives in
 * its own file guest/work/<name>.c and registers one `struct work_type`
 * in the table in guest/work/registry.c; the names are exactly those of
 * the YAML vocabulary (interp/worktypes.c), which also holds the
 * parameters, their defaults and the group-size rule.  Lowering fills in
 * every default, so a work type reads its parameters with wp_int()/
 * wp_dur() and never needs a default of its own.
 *
 * A worker's loop runs until *w->stop becomes non-zero; it reports what
 * it did through the telemetry hooks (tm_work, tm_iter, tm_wake).  Every
 * blocking call must wake at least every WORK_POLL_NS so that stop is
 * noticed promptly (futex waits with a timeout, poll with a timeout). */
#ifndef KTSTR_WORK_H
#define KTSTR_WORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytecode.h"
#include "telemetry.h"

#define WORK_POLL_NS 100000000ull	/* 100 ms: longest wait before re-checking stop */
#define WORK_MAX_FDS 8

/* One group of workers that cooperate (a pipe pair, a messenger and its
 * receivers, ...).  Workers of a spawn are split into groups of the work
 * type's group size; each group has its own shared memory and fds, set
 * up before any worker starts. */
struct work_group {
	int index;		/* group number within the spawn */
	int size;		/* workers in the group */
	void *shm;		/* shm_size() bytes, zeroed, MAP_SHARED */
	size_t shm_bytes;
	int fds[WORK_MAX_FDS];	/* per-type use (pipes); -1 when unused */
};

struct worker {
	int index;		/* 0..workers-1 within the spawn */
	int pos;		/* position within its group, 0..group->size-1 */
	struct work_group *group;
	const struct work_type *type;
	const struct kb_program *prog;	/* the SPAWN instruction, for params */
	const struct kb_insn *insn;
	struct telemetry *tm;
	volatile uint32_t *stop;	/* non-zero: leave the loop */
	bool thread_mode;		/* clone: thread (shares fds/memory) */
	uint64_t seed;			/* per-worker PRNG seed */
	char error[256];		/* set by the work type on a fatal setup error */
};

struct work_type {
	const char *name;
	/* Shared bytes per group (may be NULL: none). */
	size_t (*shm_size)(const struct worker *proto, int group_size);
	/* Before any fork/thread of the group (may be NULL); -1 on error. */
	int (*group_setup)(struct work_group *g, const struct worker *proto);
	/* The loop. */
	void (*run)(struct worker *w);
	/* After all workers of the group ended (may be NULL): close fds. */
	void (*group_teardown)(struct work_group *g);
};

const struct work_type *work_type_find(const char *name);
extern const struct work_type *const work_types[];	/* NULL-terminated */

/* Parameters: the operand "work.<name>" of the SPAWN instruction. */
int64_t wp_int(const struct worker *w, const char *name, int64_t fallback);
uint64_t wp_dur(const struct worker *w, const char *name, uint64_t fallback);
bool wp_bool(const struct worker *w, const char *name, bool fallback);
const char *wp_str(const struct worker *w, const char *name, const char *fallback);

/* Helpers shared by work types. */
void spin_units(struct telemetry *t, uint64_t units);	/* burn CPU, count units */
uint64_t xorshift64(uint64_t *state);
/* futex wait on addr while *addr == val, at most WORK_POLL_NS; returns
 * the ns spent waiting. */
uint64_t futex_wait_bounded(volatile uint32_t *addr, uint32_t val);
void futex_wake_n(volatile uint32_t *addr, int n);

#endif
