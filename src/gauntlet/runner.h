/* runner: the gauntlet's cells run as `ktstr run` child processes, up to
 * -j at once and within the host's memory, until the budget is spent or
 * SIGINT; each cell's result lands in its own directory. */
#ifndef KTSTR_RUNNER_H
#define KTSTR_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "matrix.h"

enum cell_state { CELL_NOT_RUN, CELL_DONE, CELL_NO_RESULT };

struct cell_result {
	enum cell_state state;
	char verdict[8];	/* pass fail skip error */
	char reason[512];
	char path[4200];	/* the cell's result JSON */
	double wall_s;
	int exit;		/* the run's exit status */
};

struct runner_opts {
	int jobs;
	double budget_s;	/* 0: none */
	const char *out_dir;	/* cells go to out_dir/cells/<id>/ */
	const char *max_duration;	/* run --max-duration (smoke), or NULL */
	/* run --attach-timeout (given to the sched_ext cells only: eevdf
	 * has nothing to attach) and --watchdog, or NULL */
	const char *attach_timeout, *watchdog;
	const char *self;	/* the ktstr executable */
	unsigned *cell_mib;	/* guest MiB per cell (index into m->cells) */
	bool progress;		/* a status line on stderr */
	void (*on_done)(const struct matrix *m, const struct cell *c, const struct cell_result *r, void *ctx);
	void *ctx;
};

/* Runs m's cells in order; res has m->ncells entries.  Returns the
 * number of cells not run (budget or interrupt). */
size_t runner_run(const struct matrix *m, const struct runner_opts *o, struct cell_result *res);
/* Host memory the runner may give VMs: 80% of MemAvailable, MiB. */
unsigned runner_memory_mib(void);
/* Set once SIGINT/SIGTERM reached the gauntlet. */
extern volatile sig_atomic_t runner_stop;

#endif
