/* telemetry: what every worker measures about itself, cheaply enough to
 * leave on (goal: a SpinWait worker keeps >= 98% of a bare spin loop's
 * rate).  The hot path is tm_work(): it only adds to a counter, and every
 * TM_CHECKPOINT units takes a checkpoint — one clock read and one getcpu —
 * that updates the scheduling gap, CPUs used, migrations and the phase
 * (step) slice.  The stride (units between checkpoints) starts at
 * TM_CHECKPOINT and doubles while checkpoints come less than
 * TM_CHECKPOINT_NS/2 apart (halves when more than 4x apart), so a
 * checkpoint costs the same small fraction of the loop whatever the
 * speed of a work unit.  The spacing itself comes from the measured cost
 * of a checkpoint's clock and CPU reads (tm_spacing_ns): 100 us where a
 * clock read costs nanoseconds, up to TM_MAX_SPACING_NS where the clock
 * is emulated (QEMU TCG), so telemetry stays near 1% of the loop; the
 * report states the spacing as gap_resolution_ns.  Per-step slices are
 * cut from the executor's step windows (struct phase_clock), so a worker
 * that never ran in a step still has that step's slice.  Wake latencies
 * go to a capped reservoir (Algorithm R).
 * At the end the worker serialises itself as a JSON WorkerReport. */
#ifndef KTSTR_TELEMETRY_H
#define KTSTR_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jw;

#define TM_CHECKPOINT 1024		/* work units between checkpoints, at first */
#define TM_CHECKPOINT_NS 100000ull	/* least spacing the stride adapts towards */
#define TM_MAX_SPACING_NS 2000000ull	/* most: gaps stay resolved well below 10 ms */
#define TM_COST_FACTOR 100		/* spacing >= this many checkpoint costs */
#define TM_MAX_STRIDE (1ull << 22)	/* most work units between checkpoints */
#define TM_MAX_WAKE_SAMPLES 100000	/* whole-run reservoir cap */
#define TM_MAX_PHASE_SAMPLES 8192	/* per phase-slice reservoir cap */
#define TM_MAX_MIGRATIONS 4096		/* recorded migrations (count continues) */
#define TM_MAX_PHASES 64
#define TM_MAX_CPUS 256
#define TM_MAX_NODES 64			/* numa_pages per node */

/* The executor's step clock, in MAP_SHARED memory every worker reads:
 * epoch is the step now running (0: backdrop before step 1, k: step k).
 * Step k's window is [start_ns[k], end_ns[k]] (CLOCK_MONOTONIC): it
 * starts once its ops are done (start written before epoch moves to k)
 * and ends when its hold does (end_ns[k], 0 while it runs); the next
 * step's ops run between two windows and belong to neither. */
struct phase_clock {
	volatile uint32_t epoch;
	uint32_t nslots;		/* entries of start_ns and end_ns */
	volatile uint64_t *start_ns, *end_ns;
	uint64_t t0_ns;			/* the executor's start: base of reported times */
	volatile uint64_t times[];	/* both arrays */
};

/* A clock for epochs 0..max_epoch in fresh MAP_SHARED memory (NULL on
 * failure), its size; the executor's step start and the end of the
 * running step's window. */
struct phase_clock *phase_clock_new(uint32_t max_epoch, size_t *bytes);
void phase_clock_set(struct phase_clock *c, uint32_t epoch, uint64_t now_ns);
/* The running step's window ends (once: a second call changes nothing). */
void phase_clock_end(struct phase_clock *c, uint64_t now_ns);

struct tm_migration {
	uint64_t at_ns;			/* since the worker started */
	uint16_t from, to;
};

struct tm_reservoir {
	uint64_t *v;
	uint32_t n, cap;
	uint64_t total;			/* observations, including dropped */
	uint64_t rng;
};

/* Per-step slice: what happened in one step's window of the executor's
 * step clock (0 = backdrop before step 1, k = step k). */
struct tm_phase {
	uint32_t epoch;
	uint64_t wall_ns, cpu_ns, iterations, work_units, migrations;
	uint64_t max_gap_ns, max_gap_at_ns;
	uint16_t max_gap_cpu;
	uint64_t run_delay_ns, voluntary_csw, involuntary_csw;
	uint64_t cpus_used[TM_MAX_CPUS / 64];
	struct tm_reservoir wake;
	bool observed;			/* a checkpoint ran in it (else cut from the window) */
};

struct telemetry {
	/* hot */
	uint64_t work_units, iterations;
	uint64_t next_checkpoint;
	/* checkpoint state */
	uint64_t start_ns, last_ns;
	int cpu;
	uint64_t max_gap_ns, max_gap_at_ns;
	int max_gap_cpu;
	uint64_t cpus_used[TM_MAX_CPUS / 64];
	uint64_t migration_count;
	struct tm_migration *migrations;
	uint32_t nmigrations;
	struct tm_reservoir wake;
	/* run totals */
	uint64_t wall_ns, cpu_ns, cpu_start_ns;
	uint64_t run_delay_start, run_delay_ns, run_count_start, run_count;
	uint64_t vcsw_start, ivcsw_start, voluntary_csw, involuntary_csw;
	uint64_t vmstat_migrated_start, vmstat_migrated;
	bool track_numa;		/* report page placement: a mem policy, or a measured region */
	/* phases */
	const struct phase_clock *clock;	/* NULL: no phase tracking */
	struct tm_phase phases[TM_MAX_PHASES];
	uint32_t nphases;
	/* extra counters some work types fill */
	uint64_t forks;
	bool finished;
	/* private to telemetry.c */
	int tid;
	uint32_t cur_epoch;		/* epoch of the last slice */
	bool slice_open;		/* that slice's window is still running */
	uint64_t blocked_ns;		/* voluntary blocking since the last checkpoint */
	uint64_t stride;		/* work units between checkpoints */
	uint64_t spacing_ns;		/* checkpoint spacing aimed at */
	struct {			/* open phase's baselines */
		uint64_t start_ns, cpu_ns, iterations, work_units;
		uint64_t run_delay, vcsw, ivcsw;
	} pbase;
	uint64_t numa_pages[TM_MAX_NODES];
	bool numa_read;			/* numa_pages were read (numa_maps or the region query) */
	bool numa_region;		/* numa_pages counts a work region (tm_numa_region) */
	uint64_t numa_queried;		/* region pages asked about */
	int numa_errno;			/* the region query failed (0: it did not) */
	uint64_t local_nodes;		/* nodes local to the worker (bit n = node n) */
	int local_source;		/* enum numa_local_source */
};

/* Call once in the worker after the start barrier.  clock may be NULL. */
void tm_start(struct telemetry *t, const struct phase_clock *clock, bool track_numa);
/* Checkpoint spacing for this process, from the measured cost of a
 * clock and CPU read (measured once, then cached). */
uint64_t tm_spacing_ns(void);
void tm_checkpoint(struct telemetry *t);
/* Page placement of the region the work type touched, measured now,
 * while it is still mapped (numa_region_pages): replaces what
 * numa_pages held and turns NUMA reporting on.  Call before munmap. */
void tm_numa_region(struct telemetry *t, const void *addr, size_t len);

/* Add work units; takes a checkpoint every TM_CHECKPOINT units. */
static inline void tm_work(struct telemetry *t, uint64_t units)
{
	t->work_units += units;
	if (t->work_units >= t->next_checkpoint)
		tm_checkpoint(t);
}

/* One outer-loop iteration completed.  A changed step epoch takes a
 * checkpoint at once, so a phase boundary is seen within one iteration
 * even by work types that do few work units per iteration. */
static inline void tm_iter(struct telemetry *t)
{
	/* An iteration that ends after the change counts in the new phase. */
	if (t->clock && __builtin_expect(t->clock->epoch != t->cur_epoch, 0))
		tm_checkpoint(t);
	t->iterations++;
}

/* One wake/resume latency observation in ns (whole run and phase).  The
 * time is also treated as voluntary blocking (see tm_blocked): a worker
 * measures its wait and reports it, and that wait is not a scheduling
 * gap. */
void tm_wake(struct telemetry *t, uint64_t ns);
/* The same sample without the blocking: for a latency that includes
 * time the worker ran (a request's service time, a cgroup attach spent
 * in the kernel), so it must not hide a scheduling gap. */
void tm_sample(struct telemetry *t, uint64_t ns);
/* ns of voluntary blocking (sleep, wait) since the last checkpoint that
 * must not count as a scheduling gap; no wake sample is recorded. */
void tm_blocked(struct telemetry *t, uint64_t ns);
/* Stop measuring (end of loop): totals, schedstat, csw, last phase. */
void tm_finish(struct telemetry *t);
/* Append this worker's report fields (inside an open JSON object). */
void tm_report_json(const struct telemetry *t, struct jw *j);
void tm_free(struct telemetry *t);

/* Monotonic clock in ns. */
uint64_t tm_now_ns(void);

#endif
