/* signal: signal_storm — pairs bombard each other with SIGUSR2.  Each
 * worker installs a counting SA_RESTART handler (process-wide, the same
 * for every worker, never removed: a late signal must not find the
 * default action, which would kill the process), then publishes its
 * tgid/tid in the group's shared memory; a worker only signals a partner
 * whose tid is published, and unpublishes its own before it returns.
 * An iteration: spin work_iters, then tgkill the partner
 * signals_per_iter times.  Signals received are counted per thread
 * (the report has no field for them). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sig_peer {
	int32_t tgid;
	int32_t tid;		/* 0: not (or no longer) accepting signals */
};

static __thread volatile sig_atomic_t sig_received;

static void on_sigusr2(int sig)
{
	(void)sig;
	sig_received = sig_received + 1;
}

static bool install_handler(struct worker *w)
{
	static int installed;
	if (__atomic_load_n(&installed, __ATOMIC_ACQUIRE))
		return true;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr2;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL)) {
		wu_error(w, "signal_storm: sigaction: %s", strerror(errno));
		return false;
	}
	__atomic_store_n(&installed, 1, __ATOMIC_RELEASE);
	return true;
}

static size_t shm_peers(const struct worker *proto, int group_size)
{
	(void)proto;
	return (size_t)(group_size > 2 ? group_size : 2) * sizeof(struct sig_peer);
}

static void run_signal_storm(struct worker *w)
{
	if (!wu_need_group(w, 2) || !install_handler(w))
		return;
	/* make sure this thread can take SIGUSR2 */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	struct sig_peer *peers = w->group->shm;
	struct sig_peer *me = &peers[w->pos], *partner = &peers[w->pos ^ 1];
	if ((w->pos ^ 1) >= w->group->size)
		partner = &peers[0];
	uint64_t per_iter = (uint64_t)wp_int(w, "signals_per_iter", 16);
	uint64_t work = (uint64_t)wp_int(w, "work_iters", 1024);
	__atomic_store_n(&me->tgid, (int32_t)getpid(), __ATOMIC_RELAXED);
	__atomic_store_n(&me->tid, (int32_t)wu_gettid(), __ATOMIC_RELEASE);
	bool warned = false;
	while (!wu_stopped(w)) {
		spin_units(w->tm, work);
		for (uint64_t i = 0; i < per_iter && !wu_stopped(w); i++) {
			int32_t tid = __atomic_load_n(&partner->tid, __ATOMIC_ACQUIRE);
			int32_t tgid = __atomic_load_n(&partner->tgid, __ATOMIC_RELAXED);
			if (tid <= 0 || tgid <= 0)
				break;	/* partner not (yet / any more) there */
			if (syscall(SYS_tgkill, tgid, tid, SIGUSR2) && errno != EAGAIN) {
				if (!warned && errno != ESRCH)
					wu_error(w, "signal_storm: tgkill: %s", strerror(errno));
				warned = true;
				break;
			}
		}
		tm_iter(w->tm);
	}
	__atomic_store_n(&me->tid, 0, __ATOMIC_RELEASE);
}

const struct work_type work_signal_storm = {
	.name = "signal_storm", .shm_size = shm_peers, .run = run_signal_storm,
};
