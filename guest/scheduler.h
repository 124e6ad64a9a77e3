/* scheduler: the lifecycle of the sched_ext scheduler under test inside
 * the guest — start it before the backdrop, verify it attached
 * (/sys/kernel/sched_ext/state is "enabled" and root/ops names it) within
 * the attach timeout, watch it through every step (process alive, still
 * enabled), record why it went away (its exit status, the kernel's
 * sched_ext messages from /dev/kmsg, its own output), read the BPF
 * statistics of its programs, and stop it at the end (SIGINT, bounded
 * wait, SIGKILL) verifying the detach.  Every transition is a JSON
 * "scheduler" record for the host. */
#ifndef KTSTR_SCHEDULER_H
#define KTSTR_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct exec;

struct sched {
	bool present;		/* a sched_ext scheduler is under test */
	char name[64];
	pid_t pid;
	int out_fd;		/* its stdout+stderr, drained into out */
	char out[16384];
	size_t out_len, out_total;
	int kmsg_fd;
	bool attached, gone;
	bool detached;		/* stopped on purpose (detach_scheduler op) */
	char ops[64];
};

/* Set sysctls, start and verify.  Returns false when it did not attach
 * (the event was reported; the scenario should not run). */
bool sched_start(struct exec *x);
/* Cheap liveness check for the wait loop; false once it is gone. */
bool sched_alive(struct exec *x);
/* BPF program statistics (struct_ops callbacks) as a record. */
void sched_bpf_stats(struct exec *x);
/* Stop it and verify the detach. */
void sched_stop(struct exec *x, const char *why);
/* Apply SYSCTL instructions (and bpf_stats_enabled with a scheduler). */
void sched_sysctls(struct exec *x);

#endif
