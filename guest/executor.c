/* executor: the program walk — header checks, backdrop, steps with their
 * holds (frac, fixed, loop), step teardown, final collection. */
#include "executor.h"
#include "json.h"
#include "report.h"
#include "trace.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void emit_json(struct exec *x, struct jw *j)
{
	x->emit(j->buf, x->emit_ctx);
	jw_free(j);
}

static void emit_step(struct exec *x, const struct kb_insn *in, const char *what)
{
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, RK(TYPE), what);
	jw_kint(&j, RK(STEP), x->step);
	const char *name = in ? kb_get_str(&x->prog, in, "name") : NULL;
	if (name)
		jw_kstr(&j, RK(NAME), name);
	jw_kuint(&j, RK(AT_NS), tm_now_ns() - x->t0);
	jw_end_obj(&j);
	emit_json(x, &j);
}

/* Index of the END matching the BACKDROP/STEP at i. */
static uint32_t block_end(const struct kb_program *p, uint32_t i)
{
	for (uint32_t k = i + 1; k < p->ninsn; k++)
		if (p->insn[k].op == OPC_END)
			return k;
	return p->ninsn;
}

/* Ops of a block come first, then its cgroup definitions: the setup
 * starts at the first CGROUP instruction. */
static uint32_t block_setup(const struct kb_program *p, uint32_t begin, uint32_t end)
{
	for (uint32_t k = begin; k < end; k++)
		if (p->insn[k].op == OPC_CGROUP)
			return k;
	return end;
}

static void run_range(struct exec *x, uint32_t from, uint32_t to)
{
	for (uint32_t k = from; k < to && !x->aborted; k++)
		exec_op(x, &x->prog.insn[k]);
}

static uint64_t frac_ns(const struct exec *x, double f)
{
	return (uint64_t)((double)x->duration_ns * f);
}

static void hold(struct exec *x, const struct kb_insn *step, uint32_t ops_from, uint32_t ops_to)
{
	const char *kind = kb_get_str(&x->prog, step, "hold");
	const struct kb_operand *o;
	uint64_t now = tm_now_ns();
	if (!kind || !strcmp(kind, "full")) {
		exec_wait_until(x, now + x->duration_ns);
	} else if (!strcmp(kind, "frac") && (o = kb_get(&x->prog, step, "hold.frac"))) {
		exec_wait_until(x, now + frac_ns(x, o->f));
	} else if (!strcmp(kind, "fixed") && (o = kb_get(&x->prog, step, "hold.fixed"))) {
		exec_wait_until(x, now + (uint64_t)o->i);
	} else if (!strcmp(kind, "loop")) {
		int64_t interval = 100000000;
		kb_get_int(&x->prog, step, "hold.interval", &interval);
		const struct kb_operand *f = kb_get(&x->prog, step, "hold.for");
		uint64_t end = f ? now + frac_ns(x, f->f) : x->start_ns + x->duration_ns;
		if (end < now + (uint64_t)interval)
			end = now + (uint64_t)interval;
		for (uint64_t next = now + (uint64_t)interval; next < end && !x->aborted;
		     next += (uint64_t)interval) {
			exec_wait_until(x, next);
			run_range(x, ops_from, ops_to);
		}
		exec_wait_until(x, end);
	} else {
		exec_op_error(x, step, NULL, EINVAL, "unknown hold '%s' (or its operand missing): step not held",
			      kind);
	}
}

static void remove_step_cgroups(struct exec *x, int step)
{
	for (size_t i = x->ncgroups; i-- > 0;) {
		if (x->cgroups[i].step != step)
			continue;
		int e = cg_remove(&x->cg, x->cgroups[i].name);
		if (e)
			exec_op_error(x, NULL, x->cgroups[i].name, e, "removing step cgroup at step end");
		x->cgroups[i] = x->cgroups[--x->ncgroups];
	}
}

/* A step's window (its slice of every report) starts once its ops and
 * cgroups are in place, so a cpuset the step sets is already in force for
 * every CPU its slice records, and ends with its hold: the next step's
 * ops (a thaw, a cpuset change) fall between two windows. */
static void run_block(struct exec *x, uint32_t begin, uint32_t end, const struct kb_insn *step)
{
	uint32_t setup = block_setup(&x->prog, begin, end);
	run_range(x, begin, setup);
	run_range(x, setup, end);
	if (step) {
		phase_clock_set(x->clock, (uint32_t)x->step, tm_now_ns());
		hold(x, step, begin, setup);
		phase_clock_end(x->clock, tm_now_ns());
	}
}

static bool check_topology(struct exec *x)
{
	char online[256] = "";
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	if (f) {
		if (fgets(online, sizeof(online), f))
			online[strcspn(online, "\n")] = 0;
		fclose(f);
	}
	struct cpuset cs;
	unsigned have = cpuset_parse(online, &cs) ? cpuset_count(&cs) : 0;
	if (have == topo_ncpus(&x->topo))
		return true;
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, RK(TYPE), RT(TOPOLOGY_MISMATCH));
	jw_kint(&j, RK(WANT_CPUS), topo_ncpus(&x->topo));
	jw_kint(&j, RK(HAVE_CPUS), have);
	jw_kstr(&j, RK(ONLINE), online);
	jw_end_obj(&j);
	emit_json(x, &j);
	return false;
}

int exec_program(struct exec *x)
{
	x->topo = x->prog.topo;
	x->duration_ns = x->prog.duration_ns;
	if (!check_topology(x))
		return GS_TOPOLOGY_MISMATCH;
	uint32_t max_step = 0;
	for (uint32_t i = 0; i < x->prog.ninsn; i++) {
		int64_t idx = 0;
		if (x->prog.insn[i].op == OPC_STEP && kb_get_int(&x->prog, &x->prog.insn[i], "index", &idx) &&
		    idx > 0 && (uint64_t)idx > max_step)
			max_step = (uint32_t)idx;
	}
	x->clock = phase_clock_new(max_step, &x->clock_bytes);
	if (!x->clock)
		return GS_NO_CLOCK;
	x->t0 = x->clock->t0_ns = tm_now_ns();
	if (!trace_start(x)) {
		munmap(x->clock, x->clock_bytes);
		return GS_NO_TRACE;
	}
	static struct sched sched = {.out_fd = -1, .kmsg_fd = -1};
	x->sched = &sched;
	sched_sysctls(x);
	if (!sched_start(x))
		x->aborted = true;	/* reported; nothing to test without it */
	/* The scenario's time starts once its scheduler is in place (loading
	 * and verifying a BPF scheduler takes seconds under TCG). */
	x->start_ns = tm_now_ns();
	const struct kb_program *p = &x->prog;
	for (uint32_t i = 0; i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		if ((in->op == OPC_BACKDROP || in->op == OPC_STEP) && !x->aborted) {
			uint32_t end = block_end(p, i);
			bool is_step = in->op == OPC_STEP;
			if (is_step) {
				phase_clock_end(x->clock, tm_now_ns());	/* the backdrop's window */
				int64_t idx = 0;
				kb_get_int(p, in, "index", &idx);
				x->step = (int)idx;
			}
			emit_step(x, in, is_step ? RT(STEP_START) : RT(BACKDROP_START));
			run_block(x, i + 1, end, is_step ? in : NULL);
			if (is_step) {
				exec_stop_groups(x, NULL, x->step);
				payload_end_step(x, x->step);
				remove_step_cgroups(x, x->step);
				emit_step(x, in, RT(STEP_END));
			}
			i = end;
			continue;
		}
		/* Definitions (scheduler, payloads, claims) are read where used. */
	}
	/* A program without steps runs its backdrop for the whole duration. */
	bool has_steps = false;
	for (uint32_t i = 0; i < p->ninsn; i++)
		has_steps |= p->insn[i].op == OPC_STEP;
	if (!has_steps && !x->aborted)
		exec_wait_until(x, x->start_ns + x->duration_ns);
	x->step = 0;
	sched_alive(x);
	sched_bpf_stats(x);
	exec_stop_groups(x, NULL, -1);
	payload_end_step(x, -1);
	remove_step_cgroups(x, 0);
	sched_stop(x, "end of scenario");
	trace_finish(x);
	emit_step(x, NULL, RT(END));
	munmap(x->clock, x->clock_bytes);
	return 0;
}
