/* settings: what a worker applies to itself before its loop — CPU
 * affinity, scheduling policy, nice, NUMA memory policy, task name and
 * credentials.  Every function acts on the CALLING thread only (raw
 * syscalls where glibc would act on the whole process, e.g. setresuid),
 * so thread-mode workers do not change the executor.  Each returns NULL
 * on success or, on failure, the error text written into err; nothing
 * aborts: the worker records the text in its report and carries on. */
#ifndef KTSTR_SETTINGS_H
#define KTSTR_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bytecode.h"
#include "topology.h"

#define ST_SCHED_EXT 7
#define ST_MAX_NODES 64

/* Kernel mempolicy modes and mode flags (not all in libc headers). */
#define ST_MPOL_NONE -1			/* mem_policy: default — no syscall */
#define ST_MPOL_DEFAULT 0
#define ST_MPOL_PREFERRED 1
#define ST_MPOL_BIND 2
#define ST_MPOL_INTERLEAVE 3
#define ST_MPOL_LOCAL 4
#define ST_MPOL_PREFERRED_MANY 5
#define ST_MPOL_WEIGHTED_INTERLEAVE 6
#define ST_MPOL_F_STATIC_NODES (1u << 15)
#define ST_MPOL_F_RELATIVE_NODES (1u << 14)
#define ST_MPOL_F_NUMA_BALANCING (1u << 13)

enum st_policy {
	ST_POL_NORMAL,		/* no syscall */
	ST_POL_BATCH, ST_POL_IDLE, ST_POL_EXT,
	ST_POL_FIFO, ST_POL_RR, ST_POL_DEADLINE,
};

struct worker_settings {
	enum st_policy policy;
	int prio;				/* fifo/rr */
	uint64_t dl_runtime, dl_deadline, dl_period;	/* ns; period 0 = deadline */
	bool has_nice;
	int nice;
	int mpol_mode;				/* ST_MPOL_NONE or a kernel mode */
	unsigned mpol_flags;
	int nodes[ST_MAX_NODES];
	int nnodes;
	char comm[16];				/* "" = keep */
	bool has_uid, has_gid;
	uint32_t uid, gid;
};

/* Read policy, nice, mem_policy(+.bind/.interleave/...), mpol_flags,
 * comm, uid and gid from a SPAWN instruction.  Affinity is resolved per
 * worker by spawn_affinity.c.  false with err on an unknown value. */
bool st_parse(const struct kb_program *p, const struct kb_insn *in,
	      struct worker_settings *s, char *err, size_t errlen);

/* sched_setaffinity for the calling thread (tid 0) or for tid. */
const char *st_affinity(const struct cpuset *cpus, char *err, size_t errlen);
const char *st_affinity_tid(pid_t tid, const struct cpuset *cpus, char *err, size_t errlen);
/* sched_setscheduler / raw sched_setattr (SCHED_DEADLINE, SCHED_EXT). */
const char *st_policy(const struct worker_settings *s, char *err, size_t errlen);
/* setpriority(PRIO_PROCESS, 0, nice): per thread on Linux. */
const char *st_nice(const struct worker_settings *s, char *err, size_t errlen);
/* raw set_mempolicy(mode | flags, nodemask, maxnode). */
const char *st_mempolicy(const struct worker_settings *s, char *err, size_t errlen);
/* prctl(PR_SET_NAME). */
const char *st_comm(const struct worker_settings *s, char *err, size_t errlen);
/* raw setresgid then setresuid (per thread; glibc's would change every
 * thread of the process). */
const char *st_creds(const struct worker_settings *s, char *err, size_t errlen);

/* Nodemask for set_mempolicy/mbind: maxnode = max(node) + 2 (the kernel
 * pre-decrements it), words = ceil(maxnode / bits-per-long); bit n%BPL of
 * word n/BPL per node.  Returns the words used (0 for no nodes, or when
 * maxwords is too small). */
size_t st_build_nodemask(const int *nodes, size_t n, unsigned long *mask,
			 size_t maxwords, unsigned long *maxnode);

/* Helpers shared with spawn_affinity.c. */
bool st_online_cpus(struct cpuset *out);	/* /sys/devices/system/cpu/online */
bool st_read_cpulist(const char *path, struct cpuset *out);

#endif
