/* executor: runs a bytecode program — backdrop, then each step's ops,
 * cgroups and hold — against cgroup v2, and sends every report, capture,
 * payload result and op error to the host as JSON records.  The same code
 * runs as PID 1 in the VM and, with ktstr run --host, on the host. */
#ifndef KTSTR_EXECUTOR_H
#define KTSTR_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bytecode.h"
#include "cgroup.h"
#include "scheduler.h"
#include "spawn.h"

#define EXEC_MAX_GROUPS 256
#define EXEC_MAX_CGROUPS 256
#define EXEC_MAX_PAYLOADS 64

struct exec_group {
	struct spawn_group *g;
	char cgroup[256];	/* "" = runner / host */
	int step;		/* 0 = backdrop */
};

struct exec_cgroup {
	char name[256];
	int step;
};

struct payload_run;

struct exec {
	struct kb_program prog;
	struct cgroups cg;
	struct topology topo;
	struct phase_clock *clock;	/* shared with workers: 0 backdrop, k step */
	size_t clock_bytes;
	int step;
	uint64_t t0, duration_ns;	/* t0: executor start, for record times */
	uint64_t start_ns;		/* scenario start (scheduler attached): base of durations */
	struct exec_group groups[EXEC_MAX_GROUPS];
	size_t ngroups;
	struct exec_cgroup cgroups[EXEC_MAX_CGROUPS];
	size_t ncgroups;
	struct payload_run *payloads[EXEC_MAX_PAYLOADS];
	size_t npayloads;
	unsigned op_errors;
	bool first_op_sent;
	struct sched *sched;
	bool aborted;		/* the scheduler died: skip to collection */
	bool on_host;		/* ktstr run --host: the host's kernel, not a VM's */
	bool tracing;		/* the program's trace is recording */
	/* Output: one JSON document per call (reports, errors, ...). */
	void (*emit)(const char *json, void *ctx);
	void *emit_ctx;
};

/* Run the whole program; returns 0 when it ran to the end (op errors are
 * reported, not fatal), non-zero when it could not run at all. */
int exec_program(struct exec *x);

/* ops.c */
int exec_op(struct exec *x, const struct kb_insn *in);
void exec_op_error(struct exec *x, const struct kb_insn *in, const char *cgroup, int err,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void exec_stop_groups(struct exec *x, const char *cgroup, int step);
/* Wait until deadline (monotonic ns) while servicing payloads. */
void exec_wait_until(struct exec *x, uint64_t deadline);

/* payload.c */
int payload_run(struct exec *x, const struct kb_insn *in);
int payload_wait(struct exec *x, const struct kb_insn *in);
int payload_kill(struct exec *x, const struct kb_insn *in);
void payload_service(struct exec *x, int timeout_ms);
void payload_end_step(struct exec *x, int step);	/* kill + report what the step started */
bool payload_owns(const struct exec *x, pid_t pid);

#endif
