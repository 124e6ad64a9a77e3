/* spawn: one SPAWN instruction's workers, from creation to reports.
 *
 * Shared state lives in one MAP_SHARED anonymous control region: the
 * start word, the stop word and one slot per worker (its tid, and error
 * texts the executor learns about a worker after it was forked — cgroup
 * placement, set_affinity ops — which the worker copies into its report).
 * Each group of cooperating workers gets its own MAP_SHARED region of the
 * work type's shm_size() and its group_setup() before any worker exists.
 *
 * Every worker, fork or thread, writes its report as one line of JSON
 * ('\n' ends it; the writer escapes every newline inside) into its own
 * pipe.  The line, not EOF, frames the report, so a grandchild that
 * inherited the write end cannot hold collection hostage.
 *
 * Worker life: publish tid; wait (futex, 30 s at most) for the start word;
 * apply its settings (after start, so it is already in its cgroup when
 * it sets affinity or SCHED_DEADLINE — a DL task would fail cpuset
 * admission on a later cgroup move, and llc_aligned means the LLC of the
 * CPU it starts on inside its cpuset); measure the work type's loop; write
 * the report; exit.  Settings failures are reported, never fatal. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "spawn.h"
#include "json.h"
#include "record.h"
#include "report.h"
#include "settings.h"
#include "telemetry.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static void append_err(char *dst, size_t n, const char *msg)
{
	size_t l = strlen(dst);
	if (l && l + 2 < n) {
		dst[l++] = ';';
		dst[l++] = ' ';
		dst[l] = 0;
	}
	if (l < n)
		snprintf(dst + l, n - l, "%s", msg);
}

/* ---- affinity resolution --------------------------------------------------- */

static bool pool_cpus(const struct spawn_group *g, struct cpuset *out)
{
	if (g->cpuset_cpus && cpuset_parse(g->cpuset_cpus, out) && cpuset_count(out))
		return true;
	return st_online_cpus(out);
}

static int nth_cpu(const struct cpuset *s, unsigned n)
{
	for (unsigned c = 0; c < KT_MAX_CPUS; c++)
		if (cpuset_has(s, c) && n-- == 0)
			return (int)c;
	return -1;
}

/* The shared_cpu_list of the highest cache level of cpu (index3 = LLC). */
static bool llc_of_cpu(int cpu, struct cpuset *out)
{
	char path[128];
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index3/shared_cpu_list", cpu);
	if (st_read_cpulist(path, out))
		return true;
	int best = -1, best_level = -1;
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu, i);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		int lvl;
		if (fscanf(f, "%d", &lvl) == 1 && lvl > best_level)
			best_level = lvl, best = i;
		fclose(f);
	}
	if (best < 0)
		return false;
	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, best);
	return st_read_cpulist(path, out);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += GOLDEN_RATIO_64);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Resolve an affinity kind (operands "affinity", "affinity.*" of in) for
 * worker idx of group grp.  Returns AFF_NONE / AFF_FIXED (out set) /
 * AFF_LLC_ALIGNED, or -1 with err. */
static int resolve_affinity(const struct spawn_group *g, const struct kb_program *p,
			    const struct kb_insn *in, int idx, int grp, uint64_t *rng,
			    struct cpuset *out, char *err, size_t errlen)
{
	const char *kind = kb_get_str(p, in, "affinity");
	const char *list = kb_get_str(p, in, "affinity.cpus");
	struct cpuset pool;
	cpuset_clear(out);
	if (!kind || !strcmp(kind, "inherit"))
		return AFF_NONE;
	if (!strcmp(kind, "cpus") || !strcmp(kind, "llc") || !strcmp(kind, "numa")) {
		if (!list || !cpuset_parse(list, out) || !cpuset_count(out)) {
			snprintf(err, errlen, "affinity %s: no resolved CPU list (affinity.cpus=%s)",
				 kind, list ? list : "absent");
			return -1;
		}
		return AFF_FIXED;
	}
	if (!strcmp(kind, "random")) {
		int64_t count = 1;
		kb_get_int(p, in, "affinity.count", &count);
		const char *from = kb_get_str(p, in, "affinity.from");
		if (from) {
			if (!cpuset_parse(from, &pool) || !cpuset_count(&pool)) {
				snprintf(err, errlen, "affinity random: empty or invalid pool '%s'", from);
				return -1;
			}
		} else {
			pool_cpus(g, &pool);
		}
		unsigned n = cpuset_count(&pool);
		if (count < 1) {
			snprintf(err, errlen, "affinity random: count=%lld", (long long)count);
			return -1;
		}
		if ((uint64_t)count > n)
			count = n;
		/* partial Fisher-Yates over the pool */
		int cpus[KT_MAX_CPUS];
		for (unsigned i = 0; i < n; i++)
			cpus[i] = nth_cpu(&pool, i);
		for (unsigned i = 0; i < (unsigned)count; i++) {
			unsigned j = i + (unsigned)(splitmix(rng) % (n - i));
			int t = cpus[i];
			cpus[i] = cpus[j];
			cpus[j] = t;
			cpuset_set(out, (unsigned)cpus[i]);
		}
		return AFF_FIXED;
	}
	if (!strcmp(kind, "single_cpu")) {
		pool_cpus(g, &pool);
		unsigned n = cpuset_count(&pool);
		cpuset_set(out, (unsigned)nth_cpu(&pool, (unsigned)idx % n));
		return AFF_FIXED;
	}
	if (!strcmp(kind, "llc_aligned"))
		return AFF_LLC_ALIGNED;
	if (!strcmp(kind, "smt_pair")) {
		/* Cores of the pool in CPU order; group k gets core k (mod the
		 * core count), so a group of two shares one core's siblings. */
		pool_cpus(g, &pool);
		struct cpuset seen;
		cpuset_clear(&seen);
		int ncores = 0;
		struct cpuset core;
		for (unsigned c = 0; c < KT_MAX_CPUS; c++) {
			if (!cpuset_has(&pool, c) || cpuset_has(&seen, c))
				continue;
			char path[128];
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c);
			struct cpuset sib;
			if (!st_read_cpulist(path, &sib)) {
				cpuset_clear(&sib);
				cpuset_set(&sib, c);
			}
			for (unsigned s = 0; s < KT_MAX_CPUS; s++)
				if (cpuset_has(&sib, s))
					cpuset_set(&seen, s);
			ncores++;
		}
		if (!ncores) {
			snprintf(err, errlen, "affinity smt_pair: no CPU in the pool");
			return -1;
		}
		int want = grp % ncores;
		cpuset_clear(&seen);
		for (unsigned c = 0; c < KT_MAX_CPUS; c++) {
			if (!cpuset_has(&pool, c) || cpuset_has(&seen, c))
				continue;
			char path[128];
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list", c);
			if (!st_read_cpulist(path, &core)) {
				cpuset_clear(&core);
				cpuset_set(&core, c);
			}
			for (unsigned s = 0; s < KT_MAX_CPUS; s++)
				if (cpuset_has(&core, s))
					cpuset_set(&seen, s);
			if (want-- == 0) {
				*out = core;
				return AFF_FIXED;
			}
		}
		return AFF_NONE;
	}
	if (!strcmp(kind, "cross_cgroup")) {
		struct cpuset online, own;
		st_online_cpus(&online);
		if (!g->cpuset_cpus || !cpuset_parse(g->cpuset_cpus, &own))
			own = online;
		for (unsigned c = 0; c < KT_MAX_CPUS; c++)
			if (cpuset_has(&online, c) && !cpuset_has(&own, c))
				cpuset_set(out, c);
		if (!cpuset_count(out)) {
			snprintf(err, errlen, "affinity cross_cgroup: no online CPU outside the cgroup's cpuset (%s)",
				 g->cpuset_cpus ? g->cpuset_cpus : "all CPUs");
			return -1;
		}
		return AFF_FIXED;
	}
	snprintf(err, errlen, "unknown affinity kind '%s'", kind);
	return -1;
}

/* ---- the worker side ------------------------------------------------------- */

static void report_head(struct jw *j, const struct spawn_group *g, const struct sworker *sw,
			pid_t pid, int tid)
{
	jw_kstr(j, RK(TYPE), RT(WORKER));
	jw_kstr(j, RK(CGROUP), g->cgroup);
	jw_kint(j, RK(STEP), g->step);
	jw_kint(j, RK(INDEX), sw->w.index);
	jw_kint(j, RK(GROUP), sw->w.group ? sw->w.group->index : sw->w.index / g->group_size);
	jw_kint(j, RK(POS), sw->w.pos);
	jw_kint(j, RK(PID), pid);
	jw_kint(j, RK(TID), tid);
	jw_kstr(j, RK(WORK), g->type ? g->type->name : "");
	jw_kstr(j, RK(CLONE), g->thread_mode ? "thread" : "fork");
	/* Which SPAWN made it: workers of one spawn are identical, which is
	 * what the fairness check compares. */
	jw_kint(j, RK(SPAWN), g->insn && g->prog ? (int64_t)(g->insn - g->prog->insn) : -1);
}

/* A worker without a comm of its own is named after its cgroup, so the
 * trace and ps show whose it is (the kernel keeps 15 bytes). */
static void name_after_cgroup(const char *cgroup)
{
	const char *leaf = strrchr(cgroup, '/');
	prctl(PR_SET_NAME, leaf ? leaf + 1 : cgroup, 0, 0, 0);
}

struct worker_errs {
	char affinity[256], policy[256], nice[256], mempolicy[256], setup[512];
};

static void report_errors(struct jw *j, const struct spawn_group *g, const struct sworker *sw,
			  const struct worker_errs *e)
{
	const struct ctl_slot *slot = &g->ctl->w[sw->w.index];
	jw_kstr(j, RK(AFFINITY_ERROR), nz(e->affinity));
	jw_kstr(j, RK(POLICY_ERROR), nz(e->policy));
	jw_kstr(j, RK(NICE_ERROR), nz(e->nice));
	jw_kstr(j, RK(MEMPOLICY_ERROR), nz(e->mempolicy));
	jw_kstr(j, RK(SETUP_ERROR), nz(e->setup));
	jw_kstr(j, RK(PLACEMENT_ERROR), nz(slot->placement_error));
	jw_kstr(j, RK(SET_AFFINITY_ERROR), nz(slot->op_error));
}

static void worker_main(struct spawn_group *g, struct sworker *sw)
{
	struct ctl_slot *slot = &g->ctl->w[sw->w.index];
	int tid = (int)syscall(SYS_gettid);
	struct worker_errs e;
	memset(&e, 0, sizeof(e));
	__atomic_store_n(&slot->tid, tid, __ATOMIC_RELEASE);
	slot->state = 1;

	uint64_t deadline = tm_now_ns() + START_TIMEOUT_NS;
	bool started = true;
	while (!__atomic_load_n(&g->ctl->start, __ATOMIC_ACQUIRE)) {
		if (tm_now_ns() >= deadline) {
			started = false;
			break;
		}
		futex_wait_bounded(&g->ctl->start, 0);
	}
	if (!started && !g->thread_mode)
		_exit(1);
	slot->state = 2;

	/* settings, in the reference order: affinity, policy, mem policy,
	 * nice, comm, gid, uid */
	if (sw->aff_error[0])
		snprintf(e.affinity, sizeof(e.affinity), "%s", sw->aff_error);
	if (sw->aff_mode == AFF_LLC_ALIGNED) {
		int cpu = sched_getcpu();
		if (cpu < 0 || !llc_of_cpu(cpu, &sw->aff))
			snprintf(e.affinity, sizeof(e.affinity),
				 "affinity llc_aligned: no cache topology for cpu%d in sysfs", cpu);
		else
			st_affinity(&sw->aff, e.affinity, sizeof(e.affinity));
	} else if (sw->aff_mode == AFF_FIXED) {
		st_affinity(&sw->aff, e.affinity, sizeof(e.affinity));
	}
	if (g->set_error[0]) {
		append_err(e.setup, sizeof(e.setup), g->set_error);
	} else {
		char tmp[256];
		st_policy(&g->set, e.policy, sizeof(e.policy));
		st_mempolicy(&g->set, e.mempolicy, sizeof(e.mempolicy));
		st_nice(&g->set, e.nice, sizeof(e.nice));
		if (st_comm(&g->set, tmp, sizeof(tmp)))
			append_err(e.setup, sizeof(e.setup), tmp);
		else if (!g->set.comm[0] && g->cgroup[0])
			name_after_cgroup(g->cgroup);
		if (st_creds(&g->set, tmp, sizeof(tmp)))
			append_err(e.setup, sizeof(e.setup), tmp);
	}
	if (!started)
		append_err(e.setup, sizeof(e.setup), "start barrier not released within 30 s");

	struct telemetry *tm = sw->tm;
	tm_start(tm, g->clock, g->set.mpol_mode != ST_MPOL_NONE);
	sw->w.tm = tm;
	if (started)
		sw->w.type->run(&sw->w);
	bool completed = started && __atomic_load_n(&g->ctl->stop, __ATOMIC_ACQUIRE) != 0;
	tm_finish(tm);
	if (sw->w.error[0])
		append_err(e.setup, sizeof(e.setup), sw->w.error);

	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	report_head(&j, g, sw, getpid(), tid);
	jw_kbool(&j, RK(COMPLETED), completed);
	jw_kbool(&j, RK(SENTINEL), false);
	jw_key(&j, RK(EXIT));
	jw_null(&j);
	tm_report_json(tm, &j);
	report_errors(&j, g, sw, &e);
	jw_end_obj(&j);
	if (j.buf) {
		j.buf[j.len] = '\n';	/* reserve() always leaves a byte for NUL */
		write_full(sw->wfd, j.buf, j.len + 1);
	}
	jw_free(&j);
	slot->state = 3;
	close(sw->wfd);
	sw->wfd = -1;
	if (g->thread_mode)
		tm_free(tm);
}

struct thread_arg {
	struct spawn_group *g;
	struct sworker *sw;
};

static void *thread_main(void *arg)
{
	struct thread_arg a = *(struct thread_arg *)arg;
	free(arg);
	worker_main(a.g, a.sw);
	return NULL;
}

/* What every child of the executor does first: die with it, its own
 * process group, default signal dispositions, and none of the report
 * pipes or group fds that are not its own (keep: the one worker it runs;
 * NULL for a thread container, which keeps every worker's). */
static void child_prologue(struct spawn_group *g, const struct sworker *keep)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != g->parent)
		_exit(0);	/* the executor died before PDEATHSIG was armed */
	setpgid(0, 0);
	/* Default dispositions and no blocked signal: a handler inherited
	 * from the executor (or a test harness) must never run in a worker —
	 * a longjmp-ing SIGSEGV handler would unwind into the parent's
	 * frames.  Work types install their own handlers in run(). */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int i = 0; i < g->nworkers; i++) {
		if (g->w[i].rfd >= 0)
			close(g->w[i].rfd);
		if (keep && &g->w[i] != keep && g->w[i].wfd >= 0)
			close(g->w[i].wfd);
	}
	for (int k = 0; keep && k < g->ngroups; k++) {
		if (&g->groups[k] == keep->w.group)
			continue;
		for (int f = 0; f < WORK_MAX_FDS; f++)
			if (g->groups[k].fds[f] >= 0)
				close(g->groups[k].fds[f]);
	}
}

static void fork_child(struct spawn_group *g, struct sworker *sw)
{
	child_prologue(g, sw);
	worker_main(g, sw);
	_exit(0);
}

/* clone=thread: one process holds every thread worker of the spawn, so
 * placing that process in the cgroup places them all (cgroup v2 moves
 * whole processes; a thread of the executor would stay in its cgroup). */
static void container_main(struct spawn_group *g)
{
	child_prologue(g, NULL);
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		if (!sw->created)
			continue;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, THREAD_STACK);
		struct thread_arg *a = xmalloc(sizeof(*a));
		a->g = g;
		a->sw = sw;
		int e = pthread_create(&sw->th, &attr, thread_main, a);
		pthread_attr_destroy(&attr);
		if (e) {
			free(a);
			snprintf(g->ctl->w[i].create_error, sizeof(g->ctl->w[i].create_error),
				 "worker %d/%d (group %d): pthread_create failed: %s", i + 1, g->nworkers,
				 i / g->group_size, strerror(e));
			close(sw->wfd);	/* the executor sees EOF without a report */
			sw->created = false;
		}
	}
	for (int i = 0; i < g->nworkers; i++)
		if (g->w[i].created)
			pthread_join(g->w[i].th, NULL);
	_exit(0);
}

/* ---- create ------------------------------------------------------------------ */

static void *map_shared(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static const char *mmap_hint(int e)
{
	switch (e) {
	case ENOMEM: return " (ENOMEM: out of memory or vm.max_map_count too low)";
	case EPERM: return " (EPERM: MAP_SHARED|MAP_ANONYMOUS rejected — memory cgroup limits or seccomp?)";
	case EINVAL: return " (EINVAL: invalid length)";
	default: return "";
	}
}

/* Write pid into the group's cgroup.procs; the error, if any, goes to
 * worker `index`'s slot (-1: every worker's). */
static void place_in_cgroup(struct spawn_group *g, pid_t pid, int index)
{
	char path[PATH_MAX], err[192] = "";
	snprintf(path, sizeof(path), "%s/cgroup.procs", g->cgroup_dir);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, sizeof(err), "open %.150s: %s", path, strerror(errno));
	} else {
		char b[32];
		int n = snprintf(b, sizeof(b), "%d\n", (int)pid);
		if (write(fd, b, (size_t)n) != n)
			snprintf(err, sizeof(err), "write pid %d to %.120s: %s", (int)pid, path,
				 strerror(errno));
		close(fd);
	}
	for (int i = 0; err[0] && i < g->nworkers; i++)
		if (index < 0 || i == index)
			snprintf(g->ctl->w[i].placement_error, sizeof(g->ctl->w[i].placement_error), "%s", err);
}

static void free_group(struct spawn_group *g)
{
	if (!g)
		return;
	for (int i = 0; g->w && i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->rfd >= 0)
			close(sw->rfd);
		if (sw->wfd >= 0)
			close(sw->wfd);
		free(sw->buf);
		free(sw->tm);
	}
	for (int k = 0; g->groups && k < g->ngroups; k++) {
		struct work_group *wg = &g->groups[k];
		if (g->group_ok && g->group_ok[k] && g->type->group_teardown)
			g->type->group_teardown(wg);
		else
			for (int f = 0; f < WORK_MAX_FDS; f++)
				if (wg->fds[f] >= 0)
					close(wg->fds[f]);
		if (wg->shm)
			munmap(wg->shm, wg->shm_bytes);
	}
	if (g->ctl)
		munmap(g->ctl, g->ctl_bytes);
	free(g->groups);
	free(g->group_ok);
	free(g->w);
	free(g->cgroup);
	free(g->cgroup_dir);
	free(g->cpuset_cpus);
	free(g);
}

/* Fork the container of a clone=thread spawn; the executor keeps only
 * the read ends of the report pipes. */
static void start_container(struct spawn_group *g, int *created)
{
	pid_t pid = fork();
	if (pid == 0)
		container_main(g);	/* never returns */
	int e = errno;
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->wfd >= 0) {
			close(sw->wfd);
			sw->wfd = -1;
		}
		if (pid < 0 && sw->created) {
			snprintf(sw->setup_error, sizeof(sw->setup_error),
				 "fork of the thread container failed: %s", strerror(e));
			sw->created = false;
			(*created)--;
		}
	}
	if (pid > 0) {
		setpgid(pid, pid);
		g->container = pid;
	}
}

struct spawn_group *spawn_create(const struct spawn_req *req, char *err, size_t errlen)
{
	const struct kb_program *p = req->prog;
	const struct kb_insn *in = req->insn;
	snprintf(err, errlen, "%s", "");

	const char *work = kb_get_str(p, in, "work");
	if (!work)
		work = "spin_wait";
	const struct work_type *type = work_type_find(work);
	if (!type) {
		snprintf(err, errlen, "unknown work type '%s'", work);
		return NULL;
	}
	int64_t nworkers = 1, gs = 1;
	kb_get_int(p, in, "workers", &nworkers);
	kb_get_int(p, in, "group_size", &gs);
	if (nworkers < 1 || nworkers > 65536) {
		snprintf(err, errlen, "workers=%lld out of range", (long long)nworkers);
		return NULL;
	}
	if (gs < 1)
		gs = 1;
	if (nworkers % gs) {
		snprintf(err, errlen, "workers=%lld is not a multiple of %s's group size %lld",
			 (long long)nworkers, work, (long long)gs);
		return NULL;
	}

	struct spawn_group *g = xcalloc(1, sizeof(*g));
	g->prog = p;
	g->insn = in;
	g->type = type;
	g->cgroup = xstrdup(req->cgroup ? req->cgroup : "");
	g->cgroup_dir = req->cgroup_dir ? xstrdup(req->cgroup_dir) : NULL;
	g->cpuset_cpus = req->cpuset_cpus ? xstrdup(req->cpuset_cpus) : NULL;
	if (g->cpuset_cpus)
		g->cpuset_cpus[strcspn(g->cpuset_cpus, "\n")] = 0;
	g->step = req->step;
	g->clock = req->clock;
	const char *clone = kb_get_str(p, in, "clone");
	g->thread_mode = clone && !strcmp(clone, "thread");
	g->nworkers = (int)nworkers;
	g->group_size = (int)gs;
	g->ngroups = (int)(nworkers / gs);
	g->parent = getpid();
	if (!st_parse(p, in, &g->set, g->set_error, sizeof(g->set_error)))
		g->set.mpol_mode = ST_MPOL_NONE;

	long pg = sysconf(_SC_PAGESIZE);
	size_t ctl = sizeof(struct spawn_ctl) + (size_t)nworkers * sizeof(struct ctl_slot);
	g->ctl_bytes = (ctl + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
	g->ctl = map_shared(g->ctl_bytes);
	if (!g->ctl) {
		int e = errno;
		snprintf(err, errlen, "mmap of %zu bytes for the spawn control region failed: %s%s",
			 g->ctl_bytes, strerror(e), mmap_hint(e));
		free_group(g);
		return NULL;
	}

	g->groups = xcalloc((size_t)g->ngroups, sizeof(*g->groups));
	g->group_ok = xcalloc((size_t)g->ngroups, sizeof(*g->group_ok));
	g->w = xcalloc((size_t)nworkers, sizeof(*g->w));
	uint64_t rng = tm_now_ns() ^ ((uint64_t)getpid() << 32);
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		sw->rfd = sw->wfd = -1;
		sw->w.index = i;
		sw->w.pos = i % g->group_size;
		sw->w.group = &g->groups[i / g->group_size];
		sw->w.type = type;
		sw->w.prog = p;
		sw->w.insn = in;
		sw->w.stop = &g->ctl->stop;
		sw->w.thread_mode = g->thread_mode;
		sw->w.seed = splitmix(&rng);
		sw->tm = xcalloc(1, sizeof(*sw->tm));
		sw->w.tm = sw->tm;
		sw->aff_mode = resolve_affinity(g, p, in, i, i / g->group_size, &rng, &sw->aff,
						sw->aff_error, sizeof(sw->aff_error));
	}

	/* group resources, before any worker exists */
	for (int k = 0; k < g->ngroups; k++) {
		struct work_group *wg = &g->groups[k];
		wg->index = k;
		wg->size = g->group_size;
		for (int f = 0; f < WORK_MAX_FDS; f++)
			wg->fds[f] = -1;
		struct sworker *proto = &g->w[k * g->group_size];
		size_t bytes = type->shm_size ? type->shm_size(&proto->w, g->group_size) : 0;
		const char *why = NULL;
		char buf[256];
		if (bytes) {
			wg->shm = map_shared(bytes);
			if (!wg->shm) {
				int e = errno;
				snprintf(buf, sizeof(buf), "mmap of %zu shared bytes for %s group %d failed: %s%s",
					 bytes, work, k, strerror(e), mmap_hint(e));
				why = buf;
			} else {
				wg->shm_bytes = bytes;
			}
		}
		if (!why && type->group_setup && type->group_setup(wg, &proto->w) < 0) {
			snprintf(buf, sizeof(buf), "%.40s group %d setup failed%s%.180s", work, k,
				 proto->w.error[0] ? ": " : "", proto->w.error);
			why = buf;
		}
		g->group_ok[k] = !why;
		if (why)
			for (int i = k * g->group_size; i < (k + 1) * g->group_size; i++)
				snprintf(g->w[i].setup_error, sizeof(g->w[i].setup_error), "%s", why);
	}

	/* workers */
	int created = 0;
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		if (!g->group_ok[i / g->group_size])
			continue;
		int fds[2];
		if (pipe2(fds, O_CLOEXEC)) {
			snprintf(sw->setup_error, sizeof(sw->setup_error),
				 "worker %d/%d (group %d): report pipe2 failed: %s", i + 1, g->nworkers,
				 i / g->group_size, strerror(errno));
			continue;
		}
		fcntl(fds[1], F_SETPIPE_SZ, REPORT_PIPE_SIZE);	/* best effort */
		sw->rfd = fds[0];
		sw->wfd = fds[1];
		if (g->thread_mode) {
			/* threads are started by the container, below */
		} else {
			pid_t pid = fork();
			if (pid < 0) {
				snprintf(sw->setup_error, sizeof(sw->setup_error),
					 "worker %d/%d (group %d): fork failed: %s", i + 1, g->nworkers,
					 i / g->group_size, strerror(errno));
				close(sw->rfd);
				close(sw->wfd);
				sw->rfd = sw->wfd = -1;
				continue;
			}
			if (pid == 0)
				fork_child(g, sw);	/* never returns */
			setpgid(pid, pid);	/* both sides: no race with killpg */
			sw->pid = pid;
			close(sw->wfd);
			sw->wfd = -1;
		}
		sw->created = true;
		created++;
	}
	if (g->thread_mode && created)
		start_container(g, &created);
	if (!created) {
		const char *why = g->w[0].setup_error[0] ? g->w[0].setup_error : "no worker could be created";
		snprintf(err, errlen, "%s", why);
		free_group(g);
		return NULL;
	}

	/* placement before start (two-phase start) */
	if (g->thread_mode && g->container > 0 && g->cgroup_dir)
		place_in_cgroup(g, g->container, -1);
	for (int i = 0; i < g->nworkers && !g->thread_mode; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->created && g->cgroup_dir)
			place_in_cgroup(g, sw->pid, i);
	}
	if (created < g->nworkers)
		snprintf(err, errlen, "%d of %d workers could not be created", g->nworkers - created,
			 g->nworkers);
	return g;
}

void spawn_start(struct spawn_group *g)
{
	if (!g || g->started)
		return;
	g->started = true;
	__atomic_store_n(&g->ctl->start, 1, __ATOMIC_RELEASE);
	futex_wake_n(&g->ctl->start, INT_MAX);
}

int spawn_pids(const struct spawn_group *g, pid_t *out, int max)
{
	int n = 0;
	if (g && g->thread_mode && g->container > 0 && max > 0) {
		out[0] = g->container;
		return 1;
	}
	for (int i = 0; g && i < g->nworkers; i++)
		if (g->w[i].created && g->w[i].pid > 0) {
			if (n < max)
				out[n] = g->w[i].pid;
			n++;
		}
	return n < max ? n : max;
}

/* ---- set_affinity op ----------------------------------------------------------- */

static int task_cpu(pid_t tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* field 39 "processor"; p points at the end of field 2 */
	int field = 2;
	for (; *p && field < 39; p++)
		if (*p == ' ')
			field++;
	return field == 39 ? atoi(p) : -1;
}

int spawn_set_affinity(struct spawn_group *g, const struct kb_program *p,
		       const struct kb_insn *in)
{
	if (!g)
		return -1;
	int failures = 0;
	uint64_t rng = tm_now_ns() ^ 0x5bd1e995ull;
	for (int i = 0; i < g->nworkers; i++) {
		struct sworker *sw = &g->w[i];
		struct ctl_slot *slot = &g->ctl->w[i];
		if (!sw->created)
			continue;
		char err[256] = "";
		struct cpuset cpus;
		pid_t tid = g->thread_mode ? __atomic_load_n(&slot->tid, __ATOMIC_ACQUIRE) : sw->pid;
		int mode = resolve_affinity(g, p, in, i, i / g->group_size, &rng, &cpus, err, sizeof(err));
		if (mode == AFF_NONE) {
			st_online_cpus(&cpus);	/* inherit: back to every CPU; the cpuset bounds it */
			mode = AFF_FIXED;
		}
		if (mode == AFF_LLC_ALIGNED) {
			int cpu = tid > 0 ? task_cpu(tid) : -1;
			if (cpu < 0 || !llc_of_cpu(cpu, &cpus)) {
				snprintf(err, sizeof(err), "set_affinity llc_aligned: cannot find the LLC of worker %d (cpu %d)",
					 i, cpu);
				mode = -1;
			}
		}
		if (mode >= 0 && tid <= 0) {
			snprintf(err, sizeof(err), "set_affinity: worker %d has not published its tid", i);
			mode = -1;
		}
		if (mode >= 0) {
			if (g->thread_mode) {
				st_affinity_tid(tid, &cpus, err, sizeof(err));
			} else {
				/* every task of the worker process */
				char dir[64];
				snprintf(dir, sizeof(dir), "/proc/%d/task", (int)sw->pid);
				DIR *d = opendir(dir);
				bool any = false;
				struct dirent *de;
				while (d && (de = readdir(d))) {
					if (de->d_name[0] < '0' || de->d_name[0] > '9')
						continue;
					char e2[256];
					any = true;
					if (st_affinity_tid(atoi(de->d_name), &cpus, e2, sizeof(e2)) && !err[0])
						snprintf(err, sizeof(err), "%s", e2);
				}
				if (d)
					closedir(d);
				if (!any)
					st_affinity_tid(sw->pid, &cpus, err, sizeof(err));
			}
		}
		if (err[0]) {
			failures++;
			append_err(slot->op_error, sizeof(slot->op_error), err);
		}
	}
	return failures;
}

/* ---- stop and collect ------------------------------------------------------------ */

static void buf_add(struct sworker *sw, const char *d, size_t n)
{
	if (sw->len + n + 1 > sw->cap) {
		size_t cap = sw->cap ? sw->cap : 4096;
		while (cap < sw->len + n + 1)
			cap *= 2;
		sw->buf = xrealloc(sw->buf, cap);
		sw->cap = cap;
	}
	memcpy(sw->buf + sw->len, d, n);
	sw->len += n;
	sw->buf[sw->len] = 0;
}

/* Read what is available; true when this worker needs no more reading. */
static bool drain(struct sworker *sw)
{
	char b[65536];
	for (;;) {
		ssize_t r = read(sw->rfd, b, sizeof(b));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno != EAGAIN;
		if (r == 0) {
			sw->eof = true;
			return true;
		}
		char *nl = memchr(b, '\n', (size_t)r);
		buf_add(sw, b, nl ? (size_t)(nl - b) + 1 : (size_t)r);
		if (nl) {
			sw->complete = true;
			return true;
		}
	}
}

static void exit_desc(const struct sworker *sw, char *out, size_t n)
{
	if (!sw->reaped)
		snprintf(out, n, "still running after SIGKILL");
	else if (!sw->status_known)
		snprintf(out, n, "reaped elsewhere, status unknown");
	else if (WIFEXITED(sw->wstatus))
		snprintf(out, n, "status %d", WEXITSTATUS(sw->wstatus));
	else if (WIFSIGNALED(sw->wstatus))
		snprintf(out, n, "signal %d (%s)", WTERMSIG(sw->wstatus), strsignal(WTERMSIG(sw->wstatus)));
	else
		snprintf(out, n, "wait status 0x%x", sw->wstatus);
}

static void emit_sentinel(struct spawn_group *g, struct sworker *sw,
			  void (*emit)(const char *json, void *ctx), void *ctx)
{
	struct ctl_slot *slot = &g->ctl->w[sw->w.index];
	int tid = g->thread_mode ? slot->tid : (int)sw->pid;
	pid_t pid = g->thread_mode ? g->container : sw->pid;
	char exitbuf[96], msg[512];
	exit_desc(sw, exitbuf, sizeof(exitbuf));
	if (!sw->created)
		snprintf(msg, sizeof(msg), "worker %d was not created: %s", sw->w.index,
			 sw->setup_error[0] ? sw->setup_error : "unknown reason");
	else if (slot->create_error[0])
		snprintf(msg, sizeof(msg), "worker %d was not created: %s", sw->w.index, slot->create_error);
	else if (g->thread_mode)
		snprintf(msg, sizeof(msg), "thread worker tid=%d (container pid %d) returned no report (%zu bytes read, container exit=%s)",
			 tid, (int)g->container, sw->len, exitbuf);
	else
		snprintf(msg, sizeof(msg), "worker pid=%d returned no report (%zu bytes read, exit=%s)",
			 (int)sw->pid, sw->len, exitbuf);
	fprintf(stderr, "ktstr: %s\n", msg);

	struct telemetry zero;
	memset(&zero, 0, sizeof(zero));
	zero.track_numa = g->set.mpol_mode != ST_MPOL_NONE;
	struct worker_errs e;
	memset(&e, 0, sizeof(e));
	snprintf(e.affinity, sizeof(e.affinity), "%s", sw->aff_error);
	snprintf(e.setup, sizeof(e.setup), "%s", sw->setup_error);

	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	report_head(&j, g, sw, pid, tid);
	jw_kbool(&j, RK(COMPLETED), false);
	jw_kbool(&j, RK(SENTINEL), true);
	jw_kstr(&j, RK(ERROR), msg);
	jw_key(&j, RK(EXIT));
	if (sw->reaped && sw->status_known && WIFEXITED(sw->wstatus)) {
		jw_obj(&j);
		jw_kint(&j, "status", WEXITSTATUS(sw->wstatus));
		jw_end_obj(&j);
	} else if (sw->reaped && sw->status_known && WIFSIGNALED(sw->wstatus)) {
		jw_obj(&j);
		jw_kint(&j, "signal", WTERMSIG(sw->wstatus));
		jw_end_obj(&j);
	} else {
		jw_null(&j);
	}
	tm_report_json(&zero, &j);
	report_errors(&j, g, sw, &e);
	jw_end_obj(&j);
	emit(j.buf ? j.buf : "{}", ctx);
	jw_free(&j);
}

static uint64_t remaining_ms(uint64_t deadline)
{
	uint64_t now = tm_now_ns();
	return now >= deadline ? 0 : (deadline - now + 999999) / 1000000;
}

static bool reap_one(pid_t pid, bool *reaped, bool *known, int *wstatus)
{
	if (*reaped || pid <= 0)
		return true;
	int st;
	pid_t r = waitpid(pid, &st, WNOHANG);
	if (r == pid) {
		*reaped = *known = true;
		*wstatus = st;
	} else if (r < 0 && errno != EINTR) {
		*reaped = true;	/* ECHILD: someone else reaped it */
	}
	return *reaped;
}

/* Reap the killed workers (or the container), for REAP_DEADLINE_NS at most. */
static void reap_bounded(struct spawn_group *g)
{
	uint64_t deadline = tm_now_ns() + REAP_DEADLINE_NS;
	for (;;) {
		bool pending = !reap_one(g->container, &g->container_reaped,
					 &g->container_status_known, &g->container_wstatus);
		for (int i = 0; i < g->nworkers && !g->thread_mode; i++) {
			struct sworker *sw = &g->w[i];
			if (sw->created)
				pending |= !reap_one(sw->pid, &sw->reaped, &sw->status_known, &sw->wstatus);
		}
		if (!pending || tm_now_ns() >= deadline)
			break;
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
}

void spawn_stop(struct spawn_group *g, void (*emit)(const char *json, void *ctx), void *ctx)
{
	if (!g)
		return;
	__atomic_store_n(&g->ctl->stop, 1, __ATOMIC_RELEASE);
	futex_wake_n(&g->ctl->stop, INT_MAX);
	spawn_start(g);		/* never started: workers pass the barrier and see stop */

	/* collect, with one deadline for all workers */
	int n = g->nworkers;
	struct pollfd *pfd = xcalloc((size_t)n, sizeof(*pfd));
	int *who = xcalloc((size_t)n, sizeof(*who));
	for (int i = 0; i < n; i++)
		if (g->w[i].rfd >= 0)
			fcntl(g->w[i].rfd, F_SETFL, fcntl(g->w[i].rfd, F_GETFL) | O_NONBLOCK);
	uint64_t deadline = tm_now_ns() + SPAWN_COLLECT_DEADLINE_NS;
	for (;;) {
		int np = 0;
		for (int i = 0; i < n; i++) {
			struct sworker *sw = &g->w[i];
			if (sw->rfd < 0 || sw->complete || sw->eof)
				continue;
			pfd[np] = (struct pollfd){.fd = sw->rfd, .events = POLLIN};
			who[np++] = i;
		}
		uint64_t ms = remaining_ms(deadline);
		if (!np || !ms)
			break;
		int r = poll(pfd, (nfds_t)np, (int)(ms > 1000 ? 1000 : ms));
		if (r < 0 && errno != EINTR)
			break;
		for (int k = 0; r > 0 && k < np; k++) {
			if (!pfd[k].revents)
				continue;
			struct sworker *sw = &g->w[who[k]];
			if (drain(sw) && !sw->complete)
				sw->eof = true;
		}
	}
	free(pfd);
	free(who);

	/* kill every worker's process group (the container's for threads),
	 * then reap, bounded */
	for (int i = 0; i < n; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->rfd >= 0) {
			close(sw->rfd);
			sw->rfd = -1;
		}
		if (sw->created && !g->thread_mode) {
			killpg(sw->pid, SIGKILL);
			kill(sw->pid, SIGKILL);
		}
	}
	if (g->container > 0) {
		killpg(g->container, SIGKILL);
		kill(g->container, SIGKILL);
	}
	reap_bounded(g);
	if (g->thread_mode)
		for (int i = 0; i < n; i++) {
			g->w[i].reaped = g->container_reaped;
			g->w[i].status_known = g->container_status_known;
			g->w[i].wstatus = g->container_wstatus;
		}

	/* reports in worker order */
	for (int i = 0; i < n; i++) {
		struct sworker *sw = &g->w[i];
		if (sw->created && sw->complete) {
			sw->buf[sw->len - 1] = 0;	/* the '\n' */
			emit(sw->buf, ctx);
		} else {
			emit_sentinel(g, sw, emit, ctx);
		}
	}
	free_group(g);
}
