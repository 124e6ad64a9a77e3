/* telemetry: per-worker measurement.  The hot path (tm_work, tm_iter in
 * telemetry.h) only adds to counters; every TM_CHECKPOINT work units a
 * checkpoint reads the monotonic clock once and the current CPU once
 * (sched_getcpu reads the rseq area on glibc >= 2.35, no syscall) and
 * updates the scheduling gap, the CPUs used, migrations and — when the
 * executor's step clock moved on — the per-step slices.  Everything
 * that needs /proc happens only at start, at phase boundaries and at the
 * end. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "telemetry.h"
#include "json.h"
#include "numa.h"
#include "report.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define GOLDEN_RATIO_64 0x9E3779B97F4A7C15ull

uint64_t tm_now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cur_cpu(void)
{
	int c = sched_getcpu();
	return c < 0 ? 0 : c;
}

static uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void bit_set(uint64_t *bits, int cpu)
{
	if (cpu >= 0 && cpu < TM_MAX_CPUS)
		bits[cpu / 64] |= 1ull << (cpu % 64);
}

/* ---- /proc readers (never on the hot path) ------------------------------ */

static ssize_t read_small(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	while (len + 1 < n) {
		ssize_t r = read(fd, buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = 0;
	return (ssize_t)len;
}

/* run delay (field 2) and run count (field 3) of this task; false when
 * the kernel lacks CONFIG_SCHED_INFO. */
static bool read_schedstat(int tid, uint64_t *delay, uint64_t *count)
{
	char path[64], buf[128];
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return false;
	unsigned long long a, b, c;
	if (sscanf(buf, "%llu %llu %llu", &a, &b, &c) != 3)
		return false;
	*delay = b;
	*count = c;
	return true;
}

static void read_csw(uint64_t *v, uint64_t *iv)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru)) {
		*v = *iv = 0;
		return;
	}
	*v = (uint64_t)ru.ru_nvcsw;
	*iv = (uint64_t)ru.ru_nivcsw;
}

static uint64_t read_vmstat_migrated(void)
{
	int fd = open("/proc/vmstat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	static const char key[] = "numa_pages_migrated ";
	char buf[8192 + sizeof(key)];
	size_t keep = 0;
	uint64_t v = 0;
	for (;;) {
		ssize_t r = read(fd, buf + keep, sizeof(buf) - 1 - keep);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t len = keep + (size_t)r;
		buf[len] = 0;
		char *p = strstr(buf, key);
		if (p && (p == buf || p[-1] == '\n') && strchr(p, '\n')) {
			v = strtoull(p + sizeof(key) - 1, NULL, 10);
			break;
		}
		/* keep the tail in case the key straddles two reads */
		char *nl = strrchr(buf, '\n');
		keep = nl ? len - (size_t)(nl + 1 - buf) : 0;
		if (keep > sizeof(key) + 32)
			keep = 0;
		memmove(buf, buf + len - keep, keep);
	}
	close(fd);
	return v;
}

/* Sum N<node>=<pages> over /proc/self/numa_maps. */
static bool read_numa_pages(uint64_t *pages)
{
	FILE *f = fopen("/proc/self/numa_maps", "re");
	if (!f)
		return false;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		for (char *p = line; (p = strstr(p, " N")); p += 2) {
			char *end;
			if (!isdigit((unsigned char)p[2]))
				continue;
			unsigned long node = strtoul(p + 2, &end, 10);
			if (*end != '=' || node >= TM_MAX_NODES)
				continue;
			pages[node] += strtoull(end + 1, NULL, 10);
		}
	}
	fclose(f);
	return true;
}

/* ---- reservoir (Algorithm R) --------------------------------------------- */

static void res_add(struct tm_reservoir *r, uint64_t v, uint64_t *rng)
{
	r->total++;
	if (!r->v) {
		r->v = malloc((size_t)r->cap * sizeof(uint64_t));
		if (!r->v)
			return;
	}
	if (r->n < r->cap) {
		r->v[r->n++] = v;
		return;
	}
	uint64_t x = *rng ? *rng : GOLDEN_RATIO_64;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	uint64_t k = x % r->total;
	if (k < r->cap)
		r->v[k] = v;
}

/* ---- phases ---------------------------------------------------------------- */

static struct tm_phase *open_phase(struct telemetry *t)
{
	return t->nphases && t->slice_open ? &t->phases[t->nphases - 1] : NULL;
}

static void phase_baseline(struct telemetry *t, uint64_t now)
{
	t->pbase.start_ns = now;
	t->pbase.cpu_ns = thread_cpu_ns();
	t->pbase.iterations = t->iterations;
	t->pbase.work_units = t->work_units;
	uint64_t cnt;
	if (!read_schedstat(t->tid, &t->pbase.run_delay, &cnt))
		t->pbase.run_delay = 0;
	read_csw(&t->pbase.vcsw, &t->pbase.ivcsw);
}

/* Fill the open phase's totals from its baselines.  Assignments, not
 * sums, so a slot that keeps absorbing phases once the table is full
 * stays right. */
static void phase_close(struct telemetry *t, uint64_t now)
{
	struct tm_phase *ph = open_phase(t);
	if (!ph)
		return;
	ph->wall_ns = sat_sub(now, t->pbase.start_ns);
	/* CPU time is read now; a slice ending at its step's boundary
	 * gets the CPU of the checkpoint interval that crossed it. */
	ph->cpu_ns = sat_sub(thread_cpu_ns(), t->pbase.cpu_ns);
	ph->iterations = t->iterations - t->pbase.iterations;
	ph->work_units = t->work_units - t->pbase.work_units;
	uint64_t delay, cnt, v, iv;
	if (read_schedstat(t->tid, &delay, &cnt))
		ph->run_delay_ns = sat_sub(delay, t->pbase.run_delay);
	read_csw(&v, &iv);
	ph->voluntary_csw = sat_sub(v, t->pbase.vcsw);
	ph->involuntary_csw = sat_sub(iv, t->pbase.ivcsw);
}

static struct tm_phase *phase_new(struct telemetry *t, uint32_t epoch)
{
	t->cur_epoch = epoch;
	t->slice_open = false;
	if (t->nphases >= TM_MAX_PHASES)
		return NULL;	/* the table is full: later steps go unrecorded */
	struct tm_phase *ph = &t->phases[t->nphases++];
	memset(ph, 0, sizeof(*ph));
	ph->epoch = epoch;
	ph->max_gap_cpu = (uint16_t)(t->cpu < 0 ? 0 : t->cpu);
	ph->wake.cap = TM_MAX_PHASE_SAMPLES;
	return ph;
}

/* Open the slice of epoch at time now; its wall time starts at from
 * (the step's start, or now for a worker born inside it). */
static void phase_open(struct telemetry *t, uint32_t epoch, uint64_t from, uint64_t now)
{
	struct tm_phase *ph = phase_new(t, epoch);
	if (ph) {
		ph->observed = true;
		bit_set(ph->cpus_used, t->cpu);	/* the boundary CPU */
		t->slice_open = true;
	}
	phase_baseline(t, now);
	t->pbase.start_ns = from;
}

static void phase_gap(struct tm_phase *ph, uint64_t gap, uint64_t at, int cpu)
{
	if (ph && gap > ph->max_gap_ns) {
		ph->max_gap_ns = gap;
		ph->max_gap_at_ns = at;
		ph->max_gap_cpu = (uint16_t)(cpu < 0 ? 0 : cpu);
	}
}

static uint64_t clamp64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Where epoch k's window ends, seen at now with the clock at epoch e:
 * its recorded end, else the next step's start, else (k is the running
 * step) never; clamped to [lo, now]. */
static uint64_t window_end(const struct telemetry *t, uint32_t k, uint32_t e, uint64_t lo, uint64_t now)
{
	const struct phase_clock *c = t->clock;
	uint64_t end = k < c->nslots ? c->end_ns[k] : 0;
	if (!end && k < e)
		end = k + 1 < c->nslots ? c->start_ns[k + 1] : now;
	return end ? clamp64(end, lo, now) : now + 1;
}

/* The step clock moved on since the last checkpoint (last): to another
 * epoch e, or past the end of the running step's window.  Every step's
 * slice is cut from its window [start, end]; the time between a step's
 * end and the next step's start (the next step's ops) belongs to no
 * step.  The open slice ends where its window ends, every step the
 * worker did not run in gets a slice of its own (no work, the whole
 * window a gap, observed false), and the slice of e opens where e began
 * if its window is still running.  The work since the last checkpoint
 * stays with the slice that was open then.  Where the `blocked` ns of
 * voluntary blocking fell is unknown, so each piece's gap is its length
 * less all of it: a lower bound, exact for a frozen or starved worker. */
static void phase_advance(struct telemetry *t, uint32_t e, uint64_t last, uint64_t now, uint64_t blocked)
{
	uint64_t from = last;
	struct tm_phase *ph = open_phase(t);
	if (ph) {
		uint64_t end = window_end(t, t->cur_epoch, e, from, now);
		phase_gap(ph, sat_sub(end > now ? now - from : end - from, blocked), now - t->start_ns, t->cpu);
		if (end > now)
			return;	/* still inside its window */
		phase_close(t, end);
		t->slice_open = false;
		from = end;
	}
	for (uint32_t k = t->cur_epoch + 1; k <= e && k > t->cur_epoch; k++) {
		uint64_t start = clamp64(k < t->clock->nslots ? t->clock->start_ns[k] : now, from, now);
		uint64_t end = window_end(t, k, e, start, now);
		if (end > now) {	/* the running step: open its slice */
			phase_open(t, k, start, now);
			phase_gap(open_phase(t), sat_sub(now - start, blocked), now - t->start_ns, t->cpu);
			return;
		}
		struct tm_phase *skipped = phase_new(t, k);
		if (skipped) {
			skipped->wall_ns = end - start;
			phase_gap(skipped, sat_sub(end - start, blocked), end - t->start_ns, t->cpu);
		}
		from = end;
	}
	t->cur_epoch = e;
}

/* ---- step clock (executor side) ------------------------------------------ */

struct phase_clock *phase_clock_new(uint32_t max_epoch, size_t *bytes)
{
	size_t slots = (size_t)max_epoch + 1;
	size_t n = sizeof(struct phase_clock) + 2 * slots * sizeof(uint64_t);
	struct phase_clock *c = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return NULL;
	c->nslots = (uint32_t)slots;
	c->start_ns = c->times;
	c->end_ns = c->times + slots;
	c->start_ns[0] = c->t0_ns = tm_now_ns();
	*bytes = n;
	return c;
}

void phase_clock_set(struct phase_clock *c, uint32_t epoch, uint64_t now_ns)
{
	if (epoch < c->nslots)
		c->start_ns[epoch] = now_ns;
	__atomic_store_n(&c->epoch, epoch, __ATOMIC_RELEASE);
}

void phase_clock_end(struct phase_clock *c, uint64_t now_ns)
{
	uint32_t e = c->epoch;
	if (e < c->nslots && !c->end_ns[e])
		__atomic_store_n(&c->end_ns[e], now_ns, __ATOMIC_RELEASE);
}

/* ---- lifecycle ------------------------------------------------------------- */

/* The cheapest of a few checkpoint reads (clock + CPU): the minimum is
 * what a read costs when nothing preempts it.  Where the clock is a
 * vDSO read this is tens of ns and the spacing stays at its floor;
 * under QEMU TCG a read is microseconds and the spacing grows. */
uint64_t tm_spacing_ns(void)
{
	static uint64_t cached;
	uint64_t v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (v)
		return v;
	uint64_t best = UINT64_MAX;
	for (int i = 0; i < 32; i++) {
		uint64_t a = tm_now_ns();
		(void)cur_cpu();
		uint64_t b = tm_now_ns();
		if (b - a < best)
			best = b - a;
	}
	v = best * TM_COST_FACTOR;
	if (v < TM_CHECKPOINT_NS)
		v = TM_CHECKPOINT_NS;
	if (v > TM_MAX_SPACING_NS)
		v = TM_MAX_SPACING_NS;
	__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	return v;
}

static uint32_t clock_epoch(const struct telemetry *t)
{
	return t->clock ? __atomic_load_n(&t->clock->epoch, __ATOMIC_ACQUIRE) : t->cur_epoch;
}

void tm_start(struct telemetry *t, const struct phase_clock *clock, bool track_numa)
{
	memset(t, 0, sizeof(*t));
	t->tid = (int)syscall(SYS_gettid);
	t->wake.cap = TM_MAX_WAKE_SAMPLES;
	t->wake.rng = (uint64_t)t->tid * GOLDEN_RATIO_64;
	if (!t->wake.rng)
		t->wake.rng = GOLDEN_RATIO_64;
	t->track_numa = track_numa;
	t->clock = clock;
	t->spacing_ns = tm_spacing_ns();
	t->vmstat_migrated_start = read_vmstat_migrated();
	uint64_t delay = 0, cnt = 0;
	if (read_schedstat(t->tid, &delay, &cnt)) {
		t->run_delay_start = delay;
		t->run_count_start = cnt;
	}
	read_csw(&t->vcsw_start, &t->ivcsw_start);
	t->cpu = cur_cpu();
	bit_set(t->cpus_used, t->cpu);
	t->max_gap_cpu = t->cpu;
	t->cpu_start_ns = thread_cpu_ns();
	t->start_ns = t->last_ns = tm_now_ns();
	if (clock) {
		/* born in a transition (the next step's ops): no slice yet */
		uint32_t e = clock_epoch(t);
		if (e < clock->nslots && clock->end_ns[e])
			t->cur_epoch = e;
		else
			phase_open(t, e, t->start_ns, t->start_ns);
	}
	t->stride = TM_CHECKPOINT;
	t->next_checkpoint = TM_CHECKPOINT;
}

/* The whole run's gap since the last checkpoint, less reported voluntary
 * blocking; the step slices get theirs from phase_step. */
static uint64_t gap_update(struct telemetry *t, uint64_t now)
{
	uint64_t gap = sat_sub(sat_sub(now, t->last_ns), t->blocked_ns);
	t->last_ns = now;
	if (gap > t->max_gap_ns) {
		t->max_gap_ns = gap;
		t->max_gap_at_ns = now - t->start_ns;
		t->max_gap_cpu = t->cpu;
	}
	return gap;
}

/* The step slices' side of a checkpoint at now (last: the previous one). */
static void phase_step(struct telemetry *t, uint64_t last, uint64_t now, uint64_t gap)
{
	uint32_t e = clock_epoch(t);
	const volatile uint64_t *end = t->clock && e < t->clock->nslots ? &t->clock->end_ns[e] : NULL;
	bool ended = end && __atomic_load_n(end, __ATOMIC_ACQUIRE) && t->slice_open;
	if (t->clock && (e != t->cur_epoch || ended))
		phase_advance(t, e, last, now, t->blocked_ns);
	else
		phase_gap(open_phase(t), gap, now - t->start_ns, t->cpu);
	t->blocked_ns = 0;
}

void tm_checkpoint(struct telemetry *t)
{
	uint64_t now = tm_now_ns(), last = t->last_ns;
	int cpu = cur_cpu();
	uint64_t gap = gap_update(t, now);
	if (gap < t->spacing_ns / 2 && t->stride < TM_MAX_STRIDE)
		t->stride *= 2;
	else if (gap > 4 * t->spacing_ns && t->stride > TM_CHECKPOINT)
		t->stride /= 2;
	t->next_checkpoint = t->work_units + t->stride;
	/* On a phase change the CPU seen now belongs to the new phase (its
	 * step's cpuset may just have moved the worker), not the old one:
	 * phase_open seeds the new slice with it. */
	bool moved = cpu != t->cpu;
	if (moved) {
		if (t->nmigrations < TM_MAX_MIGRATIONS) {
			if (!t->migrations)
				t->migrations = malloc(TM_MAX_MIGRATIONS * sizeof(*t->migrations));
			if (t->migrations)
				t->migrations[t->nmigrations++] = (struct tm_migration){
					.at_ns = now - t->start_ns,
					.from = (uint16_t)t->cpu, .to = (uint16_t)cpu};
		}
		t->migration_count++;
		bit_set(t->cpus_used, cpu);
		t->cpu = cpu;
	}
	phase_step(t, last, now, gap);
	struct tm_phase *ph = open_phase(t);
	if (ph) {
		ph->migrations += moved;
		bit_set(ph->cpus_used, cpu);
	}
}

void tm_sample(struct telemetry *t, uint64_t ns)
{
	res_add(&t->wake, ns, &t->wake.rng);
	struct tm_phase *ph = open_phase(t);
	if (ph)
		res_add(&ph->wake, ns, &t->wake.rng);
}

void tm_wake(struct telemetry *t, uint64_t ns)
{
	tm_sample(t, ns);
	t->blocked_ns += ns;
}

void tm_blocked(struct telemetry *t, uint64_t ns)
{
	t->blocked_ns += ns;
}

void tm_finish(struct telemetry *t)
{
	if (t->finished)
		return;
	uint64_t now = tm_now_ns(), last = t->last_ns;
	uint64_t cpu = thread_cpu_ns();
	phase_step(t, last, now, gap_update(t, now));
	t->wall_ns = sat_sub(now, t->start_ns);
	t->cpu_ns = sat_sub(cpu, t->cpu_start_ns);
	uint64_t delay, cnt;
	if (read_schedstat(t->tid, &delay, &cnt)) {
		t->run_delay_ns = sat_sub(delay, t->run_delay_start);
		t->run_count = sat_sub(cnt, t->run_count_start);
	}
	uint64_t v, iv;
	read_csw(&v, &iv);
	t->voluntary_csw = sat_sub(v, t->vcsw_start);
	t->involuntary_csw = sat_sub(iv, t->ivcsw_start);
	if (t->track_numa && !t->numa_region)
		t->numa_read = read_numa_pages(t->numa_pages);
	if (t->track_numa) {
		enum numa_local_source src;
		t->local_nodes = numa_local_nodes(&src);
		t->local_source = (int)src;
	}
	t->vmstat_migrated = sat_sub(read_vmstat_migrated(), t->vmstat_migrated_start);
	phase_close(t, now);
	t->finished = true;
}

void tm_numa_region(struct telemetry *t, const void *addr, size_t len)
{
	memset(t->numa_pages, 0, sizeof(t->numa_pages));
	int rc = numa_region_pages(addr, len, t->numa_pages, &t->numa_queried);
	t->numa_errno = rc < 0 ? -rc : 0;
	t->numa_read = !rc;
	t->numa_region = true;
	t->track_numa = true;
}

void tm_free(struct telemetry *t)
{
	free(t->wake.v);
	t->wake.v = NULL;
	free(t->migrations);
	t->migrations = NULL;
	for (uint32_t i = 0; i < t->nphases; i++) {
		free(t->phases[i].wake.v);
		t->phases[i].wake.v = NULL;
	}
}

/* ---- report ------------------------------------------------------------------ */

static void cpus_json(struct jw *j, const char *key, const uint64_t *bits)
{
	jw_key(j, key);
	jw_arr(j);
	for (int c = 0; c < TM_MAX_CPUS; c++)
		if (bits[c / 64] & (1ull << (c % 64)))
			jw_int(j, c);
	jw_end_arr(j);
}

static void samples_json(struct jw *j, const char *key, const struct tm_reservoir *r)
{
	jw_key(j, key);
	jw_arr(j);
	for (uint32_t i = 0; r->v && i < r->n; i++)
		jw_uint(j, r->v[i]);
	jw_end_arr(j);
}

/* The keys a whole run and a step slice share (report.def: W|P). */
struct slice_view {
	uint64_t work_units, iterations, wall_ns, cpu_ns, max_gap_ns, max_gap_at_ns, migrations;
	uint64_t run_delay_ns, voluntary_csw, involuntary_csw;
	int max_gap_cpu;
	const uint64_t *cpus_used;
	const struct tm_reservoir *wake;
};

static void slice_json(struct jw *j, const struct slice_view *v)
{
	jw_kuint(j, RK(WORK_UNITS), v->work_units);
	jw_kuint(j, RK(ITERATIONS), v->iterations);
	jw_kuint(j, RK(WALL_NS), v->wall_ns);
	jw_kuint(j, RK(CPU_NS), v->cpu_ns);
	jw_kuint(j, RK(OFF_CPU_NS), sat_sub(v->wall_ns, v->cpu_ns));
	jw_kuint(j, RK(MAX_GAP_NS), v->max_gap_ns);
	jw_kuint(j, RK(MAX_GAP_AT_NS), v->max_gap_at_ns);
	jw_kint(j, RK(MAX_GAP_CPU), v->max_gap_cpu);
	cpus_json(j, RK(CPUS_USED), v->cpus_used);
	jw_kuint(j, RK(MIGRATION_COUNT), v->migrations);
	samples_json(j, RK(WAKE_SAMPLES_NS), v->wake);
	jw_kuint(j, RK(WAKE_SAMPLE_TOTAL), v->wake->total);
	jw_kuint(j, RK(VOLUNTARY_CSW), v->voluntary_csw);
	jw_kuint(j, RK(INVOLUNTARY_CSW), v->involuntary_csw);
	jw_kuint(j, RK(RUN_DELAY_NS), v->run_delay_ns);
}

static void numa_json(const struct telemetry *t, struct jw *j)
{
	jw_key(j, RK(NUMA_PAGES));
	jw_obj(j);
	for (int n = 0; n < TM_MAX_NODES; n++) {
		if (!t->numa_pages[n])
			continue;
		char k[16];
		snprintf(k, sizeof(k), "%d", n);
		jw_kuint(j, k, t->numa_pages[n]);
	}
	jw_end_obj(j);
	jw_kstr(j, RK(NUMA_SCOPE), t->numa_region ? "region" : "process");
	if (t->numa_region)
		jw_kuint(j, RK(NUMA_QUERIED), t->numa_queried);
	if (t->numa_errno)
		jw_kstr(j, RK(NUMA_ERROR), strerror(t->numa_errno));
	jw_key(j, RK(LOCAL_NODES));
	jw_arr(j);
	for (int n = 0; n < TM_MAX_NODES; n++)
		if (t->local_nodes & (1ull << n))
			jw_int(j, n);
	jw_end_arr(j);
	jw_kstr(j, RK(LOCAL_NODES_SOURCE), numa_local_source_name((enum numa_local_source)t->local_source));
}

void tm_report_json(const struct telemetry *t, struct jw *j)
{
	jw_kuint(j, RK(START_AT_NS), t->clock ? sat_sub(t->start_ns, t->clock->t0_ns) : 0);
	slice_json(j, &(struct slice_view){
		t->work_units, t->iterations, t->wall_ns, t->cpu_ns, t->max_gap_ns, t->max_gap_at_ns,
		t->migration_count, t->run_delay_ns, t->voluntary_csw, t->involuntary_csw, t->max_gap_cpu,
		t->cpus_used, &t->wake});
	jw_key(j, RK(MIGRATION_EVENTS));
	jw_arr(j);
	for (uint32_t i = 0; t->migrations && i < t->nmigrations; i++) {
		jw_arr(j);
		jw_uint(j, t->migrations[i].at_ns);
		jw_int(j, t->migrations[i].from);
		jw_int(j, t->migrations[i].to);
		jw_end_arr(j);
	}
	jw_end_arr(j);
	jw_kuint(j, RK(WAKE_SAMPLE_CAP), TM_MAX_WAKE_SAMPLES);
	jw_kuint(j, RK(RUN_COUNT), t->run_count);
	if (t->track_numa)
		numa_json(t, j);
	jw_kuint(j, RK(VMSTAT_NUMA_PAGES_MIGRATED), t->vmstat_migrated);
	jw_kuint(j, RK(FORKS), t->forks);
	jw_kuint(j, RK(GAP_RESOLUTION_NS), t->spacing_ns);
	jw_key(j, RK(PHASES));
	jw_arr(j);
	for (uint32_t i = 0; i < t->nphases; i++) {
		const struct tm_phase *ph = &t->phases[i];
		jw_obj(j);
		jw_kuint(j, RK(EPOCH), ph->epoch);
		jw_kbool(j, RK(OBSERVED), ph->observed);
		slice_json(j, &(struct slice_view){
			ph->work_units, ph->iterations, ph->wall_ns, ph->cpu_ns, ph->max_gap_ns,
			ph->max_gap_at_ns, ph->migrations, ph->run_delay_ns, ph->voluntary_csw,
			ph->involuntary_csw, ph->max_gap_cpu, ph->cpus_used, &ph->wake});
		jw_end_obj(j);
	}
	jw_end_arr(j);
}
