/* monitor: the host-side sampler of the guest kernel's scheduler state
 * (see monitor.h). */
#include "monitor.h"
#include "kmem.h"
#include "report.h"
#include "proc.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { SCX_ENABLING, SCX_ENABLED, SCX_DISABLING, SCX_DISABLED };

struct cpu_sample {
	uint32_t nr_running, scx_nr_running, local_dsq;
	int32_t curr_pid;
	uint64_t nr_switches, clock;
	char comm[16];
	/* the sched_ext task on this CPU's runnable list waiting longest */
	double wait_ms;		/* -1: none or unreadable */
	int32_t wait_pid;
	char wait_comm[16];
};

#define MAX_LIST_WALK 512

struct sample {
	double t_ms;
	int32_t scx_state, global_dsq;	/* -1: unreadable */
	struct cpu_sample *cpu;
};

struct monitor {
	struct monitor_cfg cfg;
	char reason[256];	/* why unavailable ("" when it works) */
	struct guest_ram ram;
	struct kernel_map map;
	struct kview view;
	pthread_t thread;
	bool running, stop, ready;
	pthread_mutex_t lock;
	/* decimated series */
	struct sample *pts;
	size_t npts, stride;
	/* the last MON_LAST samples, a ring */
	struct sample last[MON_LAST];
	size_t nlast;
	/* whole-run summary, at full rate */
	size_t nsamples, unreadable;
	double t0;
	double *last_switch_ms;	/* per CPU: when nr_switches last moved */
	uint64_t *prev_switches;
	double max_stall_ms;
	int stall_cpu;
	double stall_at_ms;
	uint32_t max_local_dsq, max_global_dsq;
	double max_wait_ms, wait_at_ms;
	double cost_ms, last_live_ms;	/* time spent sampling; last live line */
	/* the failure dump: the samples before sched_ext left the enabled
	 * state (an error, a stall, an ejection, or a normal detach) */
	struct sample event[MON_LAST];
	size_t nevent;
	double event_ms;
	int32_t event_state, prev_state;
	bool scx_seen;		/* a sched_ext scheduler was enabled in some sample */
	int wait_cpu, wait_pid;
	char wait_comm[16];
	uint32_t *imb;		/* ring: nr_running spread of the last window's samples */
	size_t imb_win;
	uint32_t max_imbalance;
	/* watchdog override */
	bool wd_applied, wd_verified, wd_bumping;
	uint64_t wd_jiffies, wd_bumped;
	double wd_at_ms;
	char wd_error[128];
};


unsigned kconfig_hz(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[256];
	unsigned hz = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CONFIG_HZ=", 10))
			hz = (unsigned)strtoul(line + 10, NULL, 10);
	if (f)
		fclose(f);
	return hz;
}

/* ---- one sample ------------------------------------------------------------- */

static void task_id(const struct kview *v, uint64_t task, int32_t *pid, char *comm)
{
	uint64_t x;
	const struct kfield_loc *c = &v->map->field[KF_TASK_COMM];
	*pid = kv_field(v, task, KF_TASK_PID, &x) ? (int32_t)x : -1;
	if (c->ok && c->size <= 16 && kv_read(v, task + c->off, comm, c->size))
		comm[15] = 0;
	else
		comm[0] = 0;
}

/* Walk rq->scx.runnable_list (bounded: a list that does not come back to
 * its head within MAX_LIST_WALK entries is garbage from a dying guest)
 * for the task runnable longest, as sched_ext's own watchdog measures. */
static void oldest_runnable(const struct kview *v, uint64_t rq, uint64_t jiffies, unsigned hz,
			    struct cpu_sample *s)
{
	const struct kernel_map *k = v->map;
	s->wait_ms = -1;
	if (!hz || !k->field[KF_RQ_SCX_RUNNABLE_LIST].ok || !k->field[KF_TASK_SCX_RUNNABLE_NODE].ok ||
	    !k->field[KF_TASK_SCX_RUNNABLE_AT].ok)
		return;
	uint64_t head = rq + k->field[KF_RQ_SCX_RUNNABLE_LIST].off, node, oldest = 0, task_of_oldest = 0;
	if (!kv_read(v, head, &node, 8))
		return;
	for (int n = 0; node != head && n < MAX_LIST_WALK; n++) {
		uint64_t task = node - k->field[KF_TASK_SCX_RUNNABLE_NODE].off, at;
		if (!kv_field(v, task, KF_TASK_SCX_RUNNABLE_AT, &at))
			return;
		if (!task_of_oldest || (int64_t)(at - oldest) < 0) {
			oldest = at;
			task_of_oldest = task;
		}
		if (!kv_read(v, node, &node, 8))
			return;
	}
	if (!task_of_oldest || node != head)
		return;
	s->wait_ms = (double)(int64_t)(jiffies - oldest) * 1000.0 / hz;
	task_id(v, task_of_oldest, &s->wait_pid, s->wait_comm);
}

static void read_cpu(const struct kview *v, unsigned cpu, uint64_t jiffies, unsigned hz, struct cpu_sample *s)
{
	uint64_t rq, x, curr;
	memset(s, 0, sizeof(*s));
	s->curr_pid = -1;
	if (!kv_percpu(v, KS_RUNQUEUES, cpu, &rq))
		return;
	if (kv_field(v, rq, KF_RQ_NR_RUNNING, &x))
		s->nr_running = (uint32_t)x;
	if (kv_field(v, rq, KF_RQ_NR_SWITCHES, &x))
		s->nr_switches = x;
	if (kv_field(v, rq, KF_RQ_CLOCK, &x))
		s->clock = x;
	if (kv_field(v, rq, KF_RQ_SCX_NR_RUNNING, &x))
		s->scx_nr_running = (uint32_t)x;
	if (kv_field(v, rq, KF_RQ_SCX_LOCAL_DSQ_NR, &x))
		s->local_dsq = (uint32_t)x;
	if (kv_field(v, rq, KF_RQ_CURR, &curr) && curr)
		task_id(v, curr, &s->curr_pid, s->comm);
	oldest_runnable(v, rq, jiffies, hz, s);
}

static int32_t read_global_dsq(const struct monitor *m)
{
	uint64_t arr, dsq, nr;
	int32_t total = 0;
	if (!m->map.sym[KS_GLOBAL_DSQS] || !kv_read(&m->view, m->map.sym[KS_GLOBAL_DSQS], &arr, 8) || !arr)
		return -1;
	for (unsigned n = 0; n < (m->cfg.nnodes ? m->cfg.nnodes : 1); n++) {
		if (!kv_read(&m->view, arr + 8ull * n, &dsq, 8) || !dsq || !kv_field(&m->view, dsq, KF_DSQ_NR, &nr))
			return -1;
		total += (int32_t)nr;
	}
	return total;
}

static uint64_t read_u64(const struct monitor *m, enum ksym s, bool *ok)
{
	uint64_t v = 0;
	*ok = m->map.sym[s] && kv_read(&m->view, m->map.sym[s], &v, 8);
	return v;
}

/* Shorten sched_ext's watchdog once a scheduler is enabled (its enable
 * path sets the scheduler's own timeout first).  The watchdog work runs
 * every old-timeout/2 and scx_tick errors when it has not checked in for
 * a timeout, so until the work has run once with the new value the host
 * keeps its check-in timestamp fresh; then the kernel owns it again. */
static void watchdog(struct monitor *m, int32_t state, double t)
{
	bool ok1, ok2;
	if (!m->cfg.watchdog_ms || !m->cfg.hz)
		return;
	if (state != SCX_ENABLED) {
		m->wd_applied = m->wd_bumping = false;	/* a later enable resets it */
		return;
	}
	uint64_t jif = read_u64(m, KS_JIFFIES, &ok1);
	if (!m->wd_applied) {
		uint64_t want = m->cfg.watchdog_ms * m->cfg.hz / 1000, back = 0;
		if (!ok1 || !kv_write(&m->view, m->map.sym[KS_SCX_WATCHDOG_TIMEOUT], &want, 8) ||
		    !kv_read(&m->view, m->map.sym[KS_SCX_WATCHDOG_TIMEOUT], &back, 8)) {
			snprintf(m->wd_error, sizeof(m->wd_error), "scx_watchdog_timeout is not writable");
			return;
		}
		m->wd_applied = true;
		m->wd_verified = back == want;
		m->wd_jiffies = want;
		m->wd_at_ms = t;
		m->wd_bumping = true;
		m->wd_bumped = 0;
	}
	if (!m->wd_bumping)
		return;
	uint64_t ts = read_u64(m, KS_SCX_WATCHDOG_TIMESTAMP, &ok2);
	if (!ok2)
		return;
	if (m->wd_bumped && ts != m->wd_bumped) {
		m->wd_bumping = false;	/* the work ran with the new timeout */
		return;
	}
	kv_write(&m->view, m->map.sym[KS_SCX_WATCHDOG_TIMESTAMP], &jif, 8);
	m->wd_bumped = jif;
}

static void summarize(struct monitor *m, const struct sample *s)
{
	for (unsigned c = 0; c < m->cfg.ncpus; c++) {
		const struct cpu_sample *cs = &s->cpu[c];
		if (cs->nr_switches != m->prev_switches[c] || cs->nr_running <= 1) {
			m->prev_switches[c] = cs->nr_switches;
			m->last_switch_ms[c] = s->t_ms;
		}
		double stall = s->t_ms - m->last_switch_ms[c];
		if (stall > m->max_stall_ms) {
			m->max_stall_ms = stall;
			m->stall_cpu = (int)c;
			m->stall_at_ms = s->t_ms;
		}
		if (cs->local_dsq > m->max_local_dsq)
			m->max_local_dsq = cs->local_dsq;
		/* only while a scheduler is enabled: its disable path empties
		 * the lists, and a half-torn-down list means nothing */
		m->scx_seen |= s->scx_state == SCX_ENABLED;
		if (s->scx_state == SCX_ENABLED && cs->wait_ms > m->max_wait_ms) {
			m->max_wait_ms = cs->wait_ms;
			m->wait_cpu = (int)c;
			m->wait_pid = cs->wait_pid;
			m->wait_at_ms = s->t_ms;
			memcpy(m->wait_comm, cs->wait_comm, sizeof(m->wait_comm));
		}
	}
	if (s->global_dsq > 0 && (uint32_t)s->global_dsq > m->max_global_dsq)
		m->max_global_dsq = (uint32_t)s->global_dsq;
	/* imbalance: max - min nr_running now; it counts once it held for a
	 * whole window (the smallest spread of the window's samples) */
	uint32_t lo = UINT32_MAX, hi = 0;
	for (unsigned c = 0; c < m->cfg.ncpus; c++) {
		lo = s->cpu[c].nr_running < lo ? s->cpu[c].nr_running : lo;
		hi = s->cpu[c].nr_running > hi ? s->cpu[c].nr_running : hi;
	}
	m->imb[(m->nsamples - 1) % m->imb_win] = hi - lo;
	if (m->nsamples >= m->imb_win) {
		uint32_t held = UINT32_MAX;
		for (size_t i = 0; i < m->imb_win; i++)
			held = m->imb[i] < held ? m->imb[i] : held;
		if (held > m->max_imbalance)
			m->max_imbalance = held;
	}
}

static void sample_copy(const struct monitor *m, struct sample *dst, const struct sample *src)
{
	struct cpu_sample *keep = dst->cpu;
	*dst = *src;
	dst->cpu = keep ? keep : xcalloc(m->cfg.ncpus, sizeof(*dst->cpu));
	memcpy(dst->cpu, src->cpu, m->cfg.ncpus * sizeof(*dst->cpu));
}

/* Keep every stride-th sample; when full, drop every other one. */
static void store(struct monitor *m, const struct sample *s)
{
	if ((m->nsamples - 1) % m->stride)
		return;
	if (m->npts == MON_MAX_POINTS) {
		for (size_t i = 0; i < MON_MAX_POINTS / 2; i++) {
			struct cpu_sample *old = m->pts[i].cpu;
			m->pts[i] = m->pts[2 * i];
			m->pts[2 * i].cpu = old;
		}
		m->npts = MON_MAX_POINTS / 2;
		m->stride *= 2;
		if ((m->nsamples - 1) % m->stride)
			return;
	}
	sample_copy(m, &m->pts[m->npts++], s);
}

/* ktstr shell --monitor: one line a second, every CPU. */
static void print_live(struct monitor *m, const struct sample *s)
{
	static const char *const states[] = {"enabling", "enabled", "disabling", "off"};
	fprintf(m->cfg.live, "[%6.1fs] scx %-9s", s->t_ms / 1e3,
		s->scx_state >= 0 && s->scx_state <= 3 ? states[s->scx_state] : "?");
	for (unsigned c = 0; c < m->cfg.ncpus; c++) {
		const struct cpu_sample *cs = &s->cpu[c];
		fprintf(m->cfg.live, " | cpu%u run %u sw %llu %s", c, cs->nr_running,
			(unsigned long long)cs->nr_switches, cs->comm[0] ? cs->comm : "-");
		if (cs->wait_ms >= 0)
			fprintf(m->cfg.live, " wait %.0fms", cs->wait_ms);
	}
	fputc('\n', m->cfg.live);
	fflush(m->cfg.live);
}

static void take_sample(struct monitor *m, double now)
{
	struct sample s = {.t_ms = now - m->t0};
	s.cpu = xcalloc(m->cfg.ncpus, sizeof(*s.cpu));
	bool have_jiffies;
	uint64_t jiffies = read_u64(m, KS_JIFFIES, &have_jiffies);
	for (unsigned c = 0; c < m->cfg.ncpus; c++)
		read_cpu(&m->view, c, jiffies, have_jiffies ? m->cfg.hz : 0, &s.cpu[c]);
	uint32_t state = 0;
	s.scx_state = m->map.sym[KS_SCX_ENABLE_STATE] &&
				      kv_read(&m->view, m->map.sym[KS_SCX_ENABLE_STATE], &state, 4)
			      ? (int32_t)state : -1;
	s.global_dsq = read_global_dsq(m);
	pthread_mutex_lock(&m->lock);
	m->nsamples++;
	summarize(m, &s);
	store(m, &s);
	if (m->prev_state == SCX_ENABLED && s.scx_state != SCX_ENABLED && !m->nevent) {
		/* the first time a scheduler leaves: keep what led there */
		for (size_t k = 0; k < m->nlast; k++)
			sample_copy(m, &m->event[k], &m->last[(m->nsamples - 1 - m->nlast + k) % MON_LAST]);
		m->nevent = m->nlast;
		m->event_ms = s.t_ms;
		m->event_state = s.scx_state;
	}
	m->prev_state = s.scx_state;
	sample_copy(m, &m->last[(m->nsamples - 1) % MON_LAST], &s);
	if (m->nlast < MON_LAST)
		m->nlast++;
	watchdog(m, s.scx_state, s.t_ms);
	m->cost_ms += mono_ms() - now;
	if (m->cfg.live && s.t_ms - m->last_live_ms >= 1000) {
		m->last_live_ms = s.t_ms;
		print_live(m, &s);
	}
	pthread_mutex_unlock(&m->lock);
	free(s.cpu);
}

/* Before sched_init the per-CPU offsets point at the boot copy of the
 * per-CPU data: readable, but not runqueues.  sched_init numbers every
 * rq (rq->cpu) and starts its clock. */
static bool runqueues_ready(const struct monitor *m)
{
	for (unsigned c = 0; c < m->cfg.ncpus; c++) {
		uint64_t rq, cpu, clock;
		if (!kv_percpu(&m->view, KS_RUNQUEUES, c, &rq) || !kv_field(&m->view, rq, KF_RQ_CPU, &cpu) ||
		    cpu != c || !kv_field(&m->view, rq, KF_RQ_CLOCK, &clock) || !clock)
			return false;
	}
	return true;
}

static void *sampler(void *arg)
{
	struct monitor *m = arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE)) {
		next.tv_nsec += (long)m->cfg.period_ms * 1000000L;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		double now = mono_ms();
		if (!m->ready) {
			m->ready = kview_ready(&m->view) && runqueues_ready(m);
			if (!m->ready)
				continue;
			m->t0 = now;
			for (unsigned c = 0; c < m->cfg.ncpus; c++)
				m->last_switch_ms[c] = 0;
		}
		take_sample(m, now);
	}
	return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------- */

static bool needed_items(struct monitor *m)
{
	static const enum ksym syms[] = {KS_RUNQUEUES, KS_PER_CPU_OFFSET, KS_PAGE_OFFSET_BASE, KS_PHYS_BASE};
	static const enum kfield fields[] = {KF_RQ_NR_RUNNING, KF_RQ_NR_SWITCHES, KF_RQ_CPU, KF_RQ_CLOCK};
	for (size_t i = 0; i < ARRAY_SIZE(syms); i++)
		if (!m->map.sym[syms[i]]) {
			snprintf(m->reason, sizeof(m->reason), "%s", m->map.why[syms[i]]);
			return false;
		}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!m->map.field[fields[i]].ok) {
			snprintf(m->reason, sizeof(m->reason), "%s", m->map.why[KS__COUNT + fields[i]]);
			return false;
		}
	return true;
}

struct monitor *monitor_start(const struct monitor_cfg *c, char *const *ram_paths, size_t n)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	m->cfg = *c;
	if (!m->cfg.period_ms)
		m->cfg.period_ms = MON_DEFAULT_PERIOD_MS;
	m->stride = 1;
	m->stall_cpu = -1;
	m->wait_cpu = -1;
	m->prev_state = -1;
	pthread_mutex_init(&m->lock, NULL);
	char err[256];
	if (!c->vmlinux || !*c->vmlinux) {
		snprintf(m->reason, sizeof(m->reason), "no vmlinux for this kernel (a bare bzImage)");
		return m;
	}
	if (!kmap_load(&m->map, c->vmlinux, err, sizeof(err))) {
		snprintf(m->reason, sizeof(m->reason), "%s", err);
		return m;
	}
	if (!needed_items(m))
		return m;
	if (!ram_open(&m->ram, ram_paths, n, err, sizeof(err))) {
		snprintf(m->reason, sizeof(m->reason), "%s", err);
		return m;
	}
	m->view = (struct kview){.ram = &m->ram, .map = &m->map};
	m->pts = xcalloc(MON_MAX_POINTS, sizeof(*m->pts));
	m->last_switch_ms = xcalloc(c->ncpus, sizeof(double));
	m->imb_win = MON_IMBALANCE_MS / m->cfg.period_ms ? MON_IMBALANCE_MS / m->cfg.period_ms : 1;
	m->imb = xcalloc(m->imb_win, sizeof(*m->imb));
	m->prev_switches = xcalloc(c->ncpus, sizeof(uint64_t));
	if (pthread_create(&m->thread, NULL, sampler, m)) {
		snprintf(m->reason, sizeof(m->reason), "cannot start the sampler thread");
		return m;
	}
	m->running = true;
	return m;
}

void monitor_stop(struct monitor *m)
{
	if (!m || !m->running)
		return;
	__atomic_store_n(&m->stop, true, __ATOMIC_RELEASE);
	pthread_join(m->thread, NULL);
	m->running = false;
	ram_close(&m->ram);	/* nothing reads guest RAM after this */
}

void monitor_free(struct monitor *m)
{
	if (!m)
		return;
	monitor_stop(m);
	for (size_t i = 0; m->pts && i < MON_MAX_POINTS; i++)
		free(m->pts[i].cpu);
	for (size_t i = 0; i < MON_LAST; i++) {
		free(m->last[i].cpu);
		free(m->event[i].cpu);
	}
	free(m->pts);
	free(m->last_switch_ms);
	free(m->prev_switches);
	free(m->imb);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ---- JSON ---------------------------------------------------------------------- */

typedef double (*cpu_value)(const struct cpu_sample *s);
static double v_nr_running(const struct cpu_sample *s) { return s->nr_running; }
static double v_switches(const struct cpu_sample *s) { return (double)s->nr_switches; }
static double v_local_dsq(const struct cpu_sample *s) { return s->local_dsq; }
static double v_scx_nr(const struct cpu_sample *s) { return s->scx_nr_running; }
static double v_curr(const struct cpu_sample *s) { return s->curr_pid; }

/* One array per CPU of one per-CPU value over the decimated points. */
static void add_series(const struct monitor *m, cJSON *series, const char *name, cpu_value f)
{
	cJSON *per_cpu = cJSON_AddArrayToObject(series, name);
	double *v = xcalloc(m->npts ? m->npts : 1, sizeof(*v));
	for (unsigned c = 0; c < m->cfg.ncpus; c++) {
		for (size_t i = 0; i < m->npts; i++)
			v[i] = f(&m->pts[i].cpu[c]);
		cJSON_AddItemToArray(per_cpu, cJSON_CreateDoubleArray(v, (int)m->npts));
	}
	free(v);
}

static cJSON *series_json(const struct monitor *m)
{
	cJSON *s = cJSON_CreateObject();
	double *t = xcalloc(m->npts ? m->npts : 1, sizeof(*t));
	double *st = xcalloc(m->npts ? m->npts : 1, sizeof(*st));
	double *gd = xcalloc(m->npts ? m->npts : 1, sizeof(*gd));
	for (size_t i = 0; i < m->npts; i++) {
		t[i] = m->pts[i].t_ms;
		st[i] = m->pts[i].scx_state;
		gd[i] = m->pts[i].global_dsq;
	}
	cJSON_AddItemToObject(s, "t_ms", cJSON_CreateDoubleArray(t, (int)m->npts));
	cJSON_AddItemToObject(s, "scx_state", cJSON_CreateDoubleArray(st, (int)m->npts));
	cJSON_AddItemToObject(s, "global_dsq", cJSON_CreateDoubleArray(gd, (int)m->npts));
	free(t);
	free(st);
	free(gd);
	add_series(m, s, "nr_running", v_nr_running);
	add_series(m, s, "nr_switches", v_switches);
	add_series(m, s, "scx_nr_running", v_scx_nr);
	add_series(m, s, "local_dsq", v_local_dsq);
	add_series(m, s, "curr_pid", v_curr);
	return s;
}

/* Samples at full rate, oldest first, every CPU in words: n of them
 * from ring (first at index first, wrapping at MON_LAST). */
static cJSON *samples_json(const struct monitor *m, const struct sample *ring, size_t first, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t k = 0; k < n; k++) {
		const struct sample *s = &ring[(first + k) % MON_LAST];
		cJSON *o = cJSON_CreateObject(), *cpus = cJSON_AddArrayToObject(o, "cpus");
		cJSON_AddNumberToObject(o, "t_ms", s->t_ms);
		for (unsigned c = 0; c < m->cfg.ncpus; c++) {
			const struct cpu_sample *cs = &s->cpu[c];
			cJSON *x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "cpu", c);
			cJSON_AddNumberToObject(x, "nr_running", cs->nr_running);
			cJSON_AddNumberToObject(x, "nr_switches", (double)cs->nr_switches);
			cJSON_AddNumberToObject(x, "local_dsq", cs->local_dsq);
			cJSON_AddNumberToObject(x, "curr_pid", cs->curr_pid);
			cJSON_AddStringToObject(x, "curr_comm", cs->comm);
			if (cs->wait_ms >= 0) {
				cJSON_AddNumberToObject(x, "scx_wait_ms", cs->wait_ms);
				cJSON_AddNumberToObject(x, "scx_wait_pid", cs->wait_pid);
				cJSON_AddStringToObject(x, "scx_wait_comm", cs->wait_comm);
			}
			cJSON_AddItemToArray(cpus, x);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *missing_json(const struct monitor *m)
{
	cJSON *arr = cJSON_CreateArray();
	for (int i = 0; i < KS__COUNT + KF__COUNT; i++)
		if (m->map.why[i][0])
			cJSON_AddItemToArray(arr, cJSON_CreateString(m->map.why[i]));
	return arr;
}

cJSON *monitor_json(struct monitor *m)
{
	cJSON *o = cJSON_CreateObject();
	pthread_mutex_lock(&m->lock);
	bool ok = !m->reason[0] && m->nsamples;
	cJSON_AddBoolToObject(o, "available", ok);
	if (!ok) {
		cJSON_AddStringToObject(o, "reason", m->reason[0] ? m->reason
					: "the guest kernel never became readable (no sample taken)");
		pthread_mutex_unlock(&m->lock);
		return o;
	}
	cJSON_AddNumberToObject(o, "period_ms", m->cfg.period_ms);
	cJSON_AddNumberToObject(o, "cpus", m->cfg.ncpus);
	cJSON_AddNumberToObject(o, "samples", (double)m->nsamples);
	cJSON_AddNumberToObject(o, "stride", (double)m->stride);
	cJSON_AddNumberToObject(o, "cost_us_per_sample", m->cost_ms * 1e3 / (double)m->nsamples);
	cJSON_AddItemToObject(o, "missing", missing_json(m));
	cJSON *sum = cJSON_AddObjectToObject(o, "summary");
	cJSON_AddNumberToObject(sum, "max_cpu_stall_ms", m->max_stall_ms);
	cJSON_AddNumberToObject(sum, "stall_cpu", m->stall_cpu);
	cJSON_AddNumberToObject(sum, "stall_at_ms", m->stall_at_ms);
	cJSON_AddNumberToObject(sum, "max_runqueue_imbalance", m->max_imbalance);
	if (m->scx_seen) {	/* sched_ext values exist only with a scheduler */
		cJSON_AddNumberToObject(sum, "max_local_dsq_depth", m->max_local_dsq);
		cJSON_AddNumberToObject(sum, "max_global_dsq_depth", m->max_global_dsq);
		cJSON_AddNumberToObject(sum, "max_scx_wait_ms", m->max_wait_ms);
		cJSON_AddNumberToObject(sum, "wait_cpu", m->wait_cpu);
		cJSON_AddNumberToObject(sum, "wait_pid", m->wait_pid);
		cJSON_AddStringToObject(sum, "wait_comm", m->wait_comm);
		cJSON_AddNumberToObject(sum, "wait_at_ms", m->wait_at_ms);
	}
	if (m->cfg.watchdog_ms) {
		cJSON *w = cJSON_AddObjectToObject(o, "watchdog");
		cJSON_AddNumberToObject(w, "requested_ms", (double)m->cfg.watchdog_ms);
		cJSON_AddBoolToObject(w, "applied", m->wd_applied || m->wd_at_ms > 0);
		cJSON_AddBoolToObject(w, "verified", m->wd_verified);
		cJSON_AddNumberToObject(w, "jiffies", (double)m->wd_jiffies);
		cJSON_AddNumberToObject(w, "at_ms", m->wd_at_ms);
		if (m->wd_error[0])
			cJSON_AddStringToObject(w, "error", m->wd_error);
	}
	cJSON_AddItemToObject(o, "series", series_json(m));
	cJSON_AddItemToObject(o, "last", samples_json(m, m->last, m->nsamples - m->nlast, m->nlast));
	if (m->nevent) {
		static const char *const states[] = {"enabling", "enabled", "disabling", "disabled"};
		cJSON *ev = cJSON_AddObjectToObject(o, "dump");
		cJSON_AddStringToObject(ev, "event", m->event_state >= 0 && m->event_state <= 3
					? states[m->event_state] : "unreadable");
		cJSON_AddNumberToObject(ev, "at_ms", m->event_ms);
		cJSON_AddItemToObject(ev, "before", samples_json(m, m->event, 0, m->nevent));
	}
	pthread_mutex_unlock(&m->lock);
	return o;
}

cJSON *monitor_record(const cJSON *mon)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, RK(TYPE), RT(MONITOR));
	bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mon, "available"));
	cJSON_AddBoolToObject(r, RK(AVAILABLE), ok);
	if (!ok) {
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(mon, "reason"));
		cJSON_AddStringToObject(r, RK(REASON), why ? why : "unavailable");
		return r;
	}
	static const enum rep_key keys[] = {RK_MAX_CPU_STALL_MS, RK_STALL_CPU, RK_STALL_AT_MS,
					    RK_MAX_LOCAL_DSQ_DEPTH, RK_MAX_RUNQUEUE_IMBALANCE,
					    RK_MAX_SCX_WAIT_MS, RK_WAIT_CPU, RK_WAIT_PID, RK_WAIT_AT_MS};
	const cJSON *sum = cJSON_GetObjectItemCaseSensitive(mon, "summary");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(sum, rep_keys[keys[i]].name);
		if (cJSON_IsNumber(v))
			cJSON_AddNumberToObject(r, rep_keys[keys[i]].name, v->valuedouble);
	}
	const char *comm = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sum, "wait_comm"));
	cJSON_AddStringToObject(r, RK(WAIT_COMM), comm ? comm : "");
	return r;
}
