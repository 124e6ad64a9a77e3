/* monitor: a host thread that reads the guest kernel's scheduler state
 * straight from guest RAM (kmem.h) while the VM runs — per CPU the
 * runqueue's task count, switch count, clock, current task and sched_ext
 * local DSQ depth; globally the sched_ext state, global DSQ depth and
 * watchdog — so it keeps reading when the guest's user space is stalled.
 * It also applies a scenario's watchdog timeout to sched_ext once a
 * scheduler is enabled.  Samples are kept as bounded per-CPU series
 * (decimated: at most MON_MAX_POINTS, every sample counted in the
 * summary) plus the last MON_LAST samples at full rate for a dump. */
#ifndef KTSTR_MONITOR_H
#define KTSTR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MON_MAX_POINTS 1024
#define MON_LAST 32
#define MON_DEFAULT_PERIOD_MS 10
#define MON_IMBALANCE_MS 500	/* window an imbalance must hold for */

struct cJSON;

struct monitor_cfg {
	const char *vmlinux;
	unsigned ncpus, nnodes;
	unsigned period_ms;	/* 0: MON_DEFAULT_PERIOD_MS */
	unsigned hz;		/* the guest's CONFIG_HZ */
	uint64_t watchdog_ms;	/* 0: keep the scheduler's own timeout */
	FILE *live;		/* print a per-CPU line here once a second (ktstr shell --monitor) */
};

struct monitor;

/* Start sampling the RAM files (node order).  Never NULL: a monitor that
 * cannot work records why and reports itself unavailable. */
struct monitor *monitor_start(const struct monitor_cfg *c, char *const *ram_paths, size_t n);
/* Stop the thread; the samples stay for monitor_json. */
void monitor_stop(struct monitor *m);
/* {"available", "reason" | "period_ms", "samples", "summary", "watchdog",
 * "series", "last"} (caller owns it). */
struct cJSON *monitor_json(struct monitor *m);
void monitor_free(struct monitor *m);

/* The monitor's summary as a record of the run (report.def: "monitor"),
 * what the checker's monitor claims read; from monitor_json's object. */
struct cJSON *monitor_record(const struct cJSON *monitor);

/* The guest's CONFIG_HZ from a kernel config file (0 when absent). */
unsigned kconfig_hz(const char *config_path);

#endif
