/* work_util: helpers private to the work types (not part of work.h):
 * stop-aware sleeps and spins, unlinked temp files, pipe pairs with a
 * timestamp exchange, scheduling-policy changes of the calling thread,
 * and the first-error-wins setter for worker->error. */
#ifndef KTSTR_WORK_UTIL_H
#define KTSTR_WORK_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "work.h"

#ifndef SCHED_EXT
#define SCHED_EXT 7
#endif

static inline bool wu_stopped(const struct worker *w)
{
	return __atomic_load_n(w->stop, __ATOMIC_RELAXED) != 0;
}

/* Record a setup/runtime error; the first one wins. */
void wu_error(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fail unless the group has at least n members; true when it has. */
bool wu_need_group(struct worker *w, int n);

pid_t wu_gettid(void);

/* Sleep ns (in slices of at most WORK_POLL_NS, leaving early on stop).
 * Returns the ns actually slept. */
uint64_t wu_sleep(const struct worker *w, uint64_t ns);
/* Sleep until the CLOCK_MONOTONIC time deadline (same slicing).
 * Returns the time at wake-up. */
uint64_t wu_sleep_until(const struct worker *w, uint64_t deadline);
/* Report a wait of `blocked` ns, `wake` of which is its wake latency:
 * the whole wait is voluntary blocking (not a scheduling gap), the wake
 * part is also a wake sample. */
void wu_waited(struct telemetry *t, uint64_t blocked, uint64_t wake);
/* Sleep ns (as wu_sleep), report it as blocking and its oversleep as a
 * wake sample.  false when stop cut the sleep short (no sample then). */
bool wu_sleep_wake(struct worker *w, uint64_t ns);
/* Sleep ns (as wu_sleep) and report it as blocking, without a sample. */
void wu_nap(struct worker *w, uint64_t ns);
/* Burn CPU in spin_units for ns (or until stop). */
void wu_spin_for(struct worker *w, uint64_t ns);
/* sched_yield and record its duration as a wake sample. */
void wu_yield_wake(struct worker *w);

/* An unlinked temporary file in $TMPDIR (default /tmp), opened O_RDWR
 * plus extra_flags.  -1 with w->error set on failure. */
int wu_tmpfile(struct worker *w, const char *tag, int extra_flags);

/* Wait until fd is readable, polling WORK_POLL_NS at a time: 1 readable,
 * 0 stopped, -1 error. */
int wu_wait_readable(const struct worker *w, int fd);

/* Two pipes for a pair (pos 0 <-> pos 1), in g->fds[0..3]; non-blocking,
 * close-on-exec (fork children inherit them anyway). */
int wu_pipe_pair_setup(struct work_group *g, const struct worker *proto);
void wu_close_fds(struct work_group *g);
/* Write the current time to the partner, wait for the partner's time,
 * record the wake latency (now - max(partner's write, start of wait)).
 * false when the pipes are unusable (w->error set) or on stop. */
bool wu_pipe_exchange(struct worker *w);

/* Tell the partner this worker left its loop (a zero time), so a
 * partner waiting in wu_pipe_exchange rechecks stop at once. */
void wu_pipe_bye(struct worker *w);

/* Scheduling policy of the calling thread; 0 or -errno. */
int wu_set_policy(int policy, int prio);
/* Policy named as in the YAML (normal, batch, idle, fifo, rr, ext). */
int wu_policy_by_name(const char *name);

/* Strided volatile read-modify-write over buf[len], iters touches from
 * *idx; one work unit per touch. */
void wu_cache_rmw(struct telemetry *t, volatile uint8_t *buf, size_t len, size_t stride,
		  uint64_t iters, size_t *idx);

/* The cgroup v2 mount point and the calling process's cgroup path
 * relative to it ("/" for the root).  false when cgroup v2 is absent. */
bool wu_cgroup_self(char *mnt, size_t mntlen, char *rel, size_t rellen);

/* Futex mutex: 0 free, 1 held, 2 held with waiters.  wu_mutex_lock
 * returns false on stop; *waited is the ns spent waiting. */
bool wu_mutex_lock(struct worker *w, volatile uint32_t *m, uint64_t *waited);
void wu_mutex_unlock(volatile uint32_t *m);

#endif
