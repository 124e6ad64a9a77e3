/* timeline: a trace.dat recorded in the guest (trace-cmd, CLOCK_MONOTONIC)
 * read with libtracecmd into what ktstr draws and checks: per-CPU run
 * slices, per-task runnable waits, migrations and event counts.  Times are
 * executor time: ns since the guest executor started (the "t0_mono_ns" of
 * the result's trace object), the same base as step_start/at_ns records. */
#ifndef KTSTR_TIMELINE_H
#define KTSTR_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The events ktstr interprets; the rest are only counted by name. */
#define TL_EVENTS(X) \
	X(SWITCH, "sched_switch") \
	X(WAKEUP, "sched_wakeup") \
	X(WAKEUP_NEW, "sched_wakeup_new") \
	X(MIGRATE, "sched_migrate_task") \
	X(EXIT, "sched_process_exit")

enum tl_event {
#define X(e, n) TL_##e,
	TL_EVENTS(X)
#undef X
	TL__COUNT
};

/* A task on a CPU from one sched_switch to the next (idle not stored). */
struct tl_slice {
	int64_t start_ns, end_ns;
	int32_t pid;
};

struct tl_cpu {
	struct tl_slice *slice;
	size_t nslice, cap;
};

struct tl_task {
	int32_t pid;
	char comm[16];
	uint64_t run_ns;		/* time on a CPU */
	uint64_t switches_in;
	/* longest runnable-but-not-running interval: from its wakeup (or
	 * being switched out still runnable) until it next ran */
	uint64_t max_wait_ns;
	int64_t max_wait_end_ns;	/* when it finally ran */
	int max_wait_cpu;		/* where it then ran */
	uint64_t migrations;
	int64_t runnable_since;		/* -1: not waiting (while loading) */
};

struct tl_migration {
	int64_t at_ns;
	int32_t pid;
	int16_t from, to;
};

/* One runnable-but-not-running interval of a task, ended by its
 * switch-in on cpu. */
struct tl_wait {
	int64_t start_ns, end_ns;
	int32_t pid;
	int32_t cpu;
};

/* A named event count ("sched:sched_switch" -> n). */
struct tl_count {
	char name[64];
	uint64_t n;
};

struct timeline {
	int ncpus;
	struct tl_cpu *cpu;
	struct tl_task *task;
	size_t ntask, taskcap;
	struct tl_migration *mig;
	size_t nmig, migcap;
	struct tl_wait *wait;
	size_t nwait, waitcap;
	struct tl_count *count;
	size_t ncount, countcap;
	uint64_t events;		/* all records read */
	uint64_t missed;		/* events the buffers reported missing between pages */
	int64_t first_ns, last_ns;	/* executor time of the first and last record */
};

/* Reads path (a trace.dat).  t0_mono_ns is the executor's start on the
 * trace clock.  On error: false, why in err (naming the file), nothing
 * to free. */
bool timeline_load(const char *path, uint64_t t0_mono_ns, struct timeline *tl, char *err, size_t n);
void timeline_free(struct timeline *tl);
/* The task with that pid (thread id), or NULL. */
const struct tl_task *timeline_task(const struct timeline *tl, int32_t pid);
uint64_t timeline_count(const struct timeline *tl, const char *name);
/* The longest wait of pid that ended within [from_ns, to_ns]; 0 if none. */
uint64_t timeline_max_wait(const struct timeline *tl, int32_t pid, int64_t from_ns, int64_t to_ns);

#endif
