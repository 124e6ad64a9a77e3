/* spawn_int: what the spawn files share and nothing outside them
 * includes: the control region's layout, the state of a spawn and of each
 * of its workers, and the helpers that cross from one file to another.
 * spawn.h stays the executor's whole view of a spawn. */
#ifndef KTSTR_SPAWN_INT_H
#define KTSTR_SPAWN_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "settings.h"
#include "spawn.h"

struct jw;

#define START_TIMEOUT_NS 30000000000ull
#define REAP_DEADLINE_NS 3000000000ull
#define THREAD_STACK (2u << 20)
#define REPORT_PIPE_SIZE (8 << 20)
#define GOLDEN_RATIO_64 0x9E3779B97F4A7C15ull

struct ctl_slot {
	volatile int32_t tid;		/* published by the worker */
	volatile uint32_t state;	/* 0 created, 1 at the barrier, 2 running, 3 reported */
	char placement_error[192];	/* written by the executor before start */
	char op_error[320];		/* set_affinity failures, appended */
	char create_error[192];		/* clone=thread: written by the container */
};

struct spawn_ctl {
	volatile uint32_t start, stop;
	struct ctl_slot w[];
};

enum { AFF_NONE, AFF_FIXED, AFF_LLC_ALIGNED };

struct sworker {
	struct worker w;
	struct telemetry *tm;
	int aff_mode;
	struct cpuset aff;
	char aff_error[256];		/* resolution error (parent) */
	char setup_error[256];		/* could not create / group setup failed */
	bool created;
	pid_t pid;			/* fork worker */
	pthread_t th;
	int rfd, wfd;			/* report pipe */
	char *buf;
	size_t len, cap;
	bool complete, eof;
	bool reaped, status_known;
	int wstatus;
};

struct spawn_group {
	const struct kb_program *prog;
	const struct kb_insn *insn;
	const struct work_type *type;
	struct worker_settings set;
	char set_error[256];		/* st_parse failure */
	char *cgroup, *cgroup_dir, *cpuset_cpus;
	int step;
	const struct phase_clock *clock;
	bool thread_mode;		/* workers are threads of one container process */
	pid_t container;		/* that process (clone: thread) */
	bool container_reaped, container_status_known;
	int container_wstatus;
	int nworkers, group_size, ngroups;
	struct work_group *groups;
	bool *group_ok;
	struct spawn_ctl *ctl;
	size_t ctl_bytes;
	struct sworker *w;
	pid_t parent;
	bool started, stopped;
};

struct worker_errs {
	char affinity[256], policy[256], nice[256], mempolicy[256], setup[512];
};

/* spawn.c */
void spawn_append_err(char *dst, size_t n, const char *msg);
void spawn_free_group(struct spawn_group *g);

/* spawn_affinity.c */
bool spawn_llc_of_cpu(int cpu, struct cpuset *out);
uint64_t spawn_splitmix(uint64_t *s);
int spawn_resolve_affinity(const struct spawn_group *g, const struct kb_program *p,
			   const struct kb_insn *in, int idx, int grp, uint64_t *rng,
			   struct cpuset *out, char *err, size_t errlen);

/* spawn_worker.c: neither returns. */
void spawn_fork_child(struct spawn_group *g, struct sworker *sw);
void spawn_container_main(struct spawn_group *g);

/* spawn_collect.c */
void spawn_report_head(struct jw *j, const struct spawn_group *g, const struct sworker *sw,
		       pid_t pid, int tid);
void spawn_report_errors(struct jw *j, const struct spawn_group *g, const struct sworker *sw,
			 const struct worker_errs *e);

#endif
