/* ops: one function per bytecode op, in one table indexed by opcode.
 * A failing op is reported (op, cgroup, errno, message) and the scenario
 * goes on; the host decides what that means for the verdict. */
#include "executor.h"
#include "json.h"
#include "report.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <time.h>
#include <unistd.h>

typedef int (*op_fn)(struct exec *x, const struct kb_insn *in);

static const char *s(struct exec *x, const struct kb_insn *in, const char *key)
{
	return kb_get_str(&x->prog, in, key);
}

void exec_op_error(struct exec *x, const struct kb_insn *in, const char *cgroup, int err,
		   const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->op_errors++;
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, RK(TYPE), RT(OP_ERROR));
	jw_kstr(&j, RK(OP), in ? kb_opcode_name(in->op) : "teardown");
	jw_kstr(&j, RK(CGROUP), cgroup ? cgroup : "");
	jw_kint(&j, RK(ERRNO), err < 0 ? -err : err);
	jw_kstr(&j, RK(ERROR), err ? strerror(err < 0 ? -err : err) : "");
	jw_kstr(&j, RK(MESSAGE), msg);
	jw_kint(&j, RK(STEP), x->step);
	jw_kuint(&j, RK(AT_NS), tm_now_ns() - x->t0);
	jw_end_obj(&j);
	x->emit(j.buf, x->emit_ctx);
	jw_free(&j);
}

/* ---- cgroup bookkeeping --------------------------------------------------- */

static void track_cgroup(struct exec *x, const char *name)
{
	if (x->ncgroups < EXEC_MAX_CGROUPS) {
		snprintf(x->cgroups[x->ncgroups].name, sizeof(x->cgroups[0].name), "%s", name);
		x->cgroups[x->ncgroups++].step = x->step;
	}
}

static void untrack_cgroup(struct exec *x, const char *name)
{
	for (size_t i = 0; i < x->ncgroups; i++)
		if (!strcmp(x->cgroups[i].name, name)) {
			x->cgroups[i] = x->cgroups[--x->ncgroups];
			return;
		}
}

static bool in_cgroup(const char *group_cg, const char *name)
{
	size_t l = strlen(name);
	return !strcmp(group_cg, name) || (!strncmp(group_cg, name, l) && group_cg[l] == '/');
}

static void emit_report(const char *json, void *ctx)
{
	struct exec *x = ctx;
	x->emit(json, x->emit_ctx);
}

/* Stop and collect the groups in cgroup (and below it), or of a step
 * (step >= 0, cgroup NULL), or all (step -1). */
/* Workers report on the way out, so a cgroup the scenario left frozen
 * (and every frozen ancestor) is thawed before they are stopped: being
 * frozen at the end is the scenario's business, a worker that cannot
 * report is not.  Found by `ktstr reduce`. */
static void thaw_for_stop(struct exec *x, const char *cgroup)
{
	char path[256];
	for (const char *p = cgroup; *cgroup; p++) {
		if (*p && *p != '/')
			continue;
		snprintf(path, sizeof(path), "%.*s", (int)(p - cgroup), cgroup);
		cg_write(&x->cg, path, "cgroup.freeze", "0");
		if (!*p)
			break;
	}
}

void exec_stop_groups(struct exec *x, const char *cgroup, int step)
{
	for (size_t i = x->ngroups; i-- > 0;) {
		struct exec_group *g = &x->groups[i];
		bool match = cgroup ? in_cgroup(g->cgroup, cgroup) : (step < 0 || g->step == step);
		if (!match)
			continue;
		thaw_for_stop(x, g->cgroup);
		spawn_stop(g->g, emit_report, x);
		x->groups[i] = x->groups[--x->ngroups];
	}
}

/* The checker needs each cgroup's effective CPUs over time to judge
 * isolation, so every cpuset change is reported as it lands. */
static void emit_cpuset(struct exec *x, const char *cg)
{
	char eff[1024] = "", cpus[1024] = "";
	cg_read(&x->cg, cg, "cpuset.cpus.effective", eff, sizeof(eff));
	cg_read(&x->cg, cg, "cpuset.cpus", cpus, sizeof(cpus));
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, RK(TYPE), RT(CPUSET));
	jw_kstr(&j, RK(CGROUP), cg);
	jw_kstr(&j, RK(CPUS), cpus);
	jw_kstr(&j, RK(EFFECTIVE), eff);
	jw_kint(&j, RK(STEP), x->step);
	jw_kuint(&j, RK(AT_NS), tm_now_ns() - x->t0);
	jw_end_obj(&j);
	x->emit(j.buf, x->emit_ctx);
	jw_free(&j);
}

/* ---- ops ------------------------------------------------------------------- */

static int set_cpuset(struct exec *x, const struct kb_insn *in, const char *cg, const char *prefix)
{
	char key[64];
	snprintf(key, sizeof(key), "%scpus", prefix);
	const char *cpus = s(x, in, key);
	if (!cpus) {
		/* cpuset: {cpus: [..]} keeps the list under cpuset.cpus itself */
		snprintf(key, sizeof(key), "%s", prefix[0] ? "cpuset.cpus" : "cpus");
		cpus = s(x, in, key);
	}
	if (!cpus)
		return 0;
	int64_t mems;
	snprintf(key, sizeof(key), "%smems", prefix);
	int e = cg_write(&x->cg, cg, "cpuset.cpus", cpus);
	if (e)
		exec_op_error(x, in, cg, e, "writing cpuset.cpus = %s", cpus);
	if (!e && kb_get_int(&x->prog, in, key, &mems)) {
		char v[32];
		snprintf(v, sizeof(v), "%lld", (long long)mems);
		if ((e = cg_write(&x->cg, cg, "cpuset.mems", v)))
			exec_op_error(x, in, cg, e, "writing cpuset.mems = %s", v);
	}
	emit_cpuset(x, cg);
	return e;
}

static int set_cpu_max(struct exec *x, const struct kb_insn *in, const char *cg, const char *prefix)
{
	char qk[64], pk[64], v[64];
	snprintf(qk, sizeof(qk), "%squota", prefix);
	snprintf(pk, sizeof(pk), "%speriod", prefix);
	const struct kb_operand *q = kb_get(&x->prog, in, qk);
	int64_t period = 100000000;
	kb_get_int(&x->prog, in, pk, &period);
	if (!q)
		return 0;
	if (q->type == KB_STR)
		snprintf(v, sizeof(v), "max %lld", (long long)(period / 1000));
	else
		snprintf(v, sizeof(v), "%lld %lld", (long long)(q->i / 1000), (long long)(period / 1000));
	int e = cg_write(&x->cg, cg, "cpu.max", v);
	if (e)
		exec_op_error(x, in, cg, e, "writing cpu.max = %s", v);
	return e;
}

static int set_weight(struct exec *x, const struct kb_insn *in, const char *cg, const char *key)
{
	int64_t w;
	if (!kb_get_int(&x->prog, in, key, &w))
		return 0;
	char v[32];
	snprintf(v, sizeof(v), "%lld", (long long)w);
	int e = cg_write(&x->cg, cg, "cpu.weight", v);
	if (e)
		exec_op_error(x, in, cg, e, "writing cpu.weight = %s", v);
	return e;
}

static int op_add_cgroup(struct exec *x, const struct kb_insn *in)
{
	const char *name = s(x, in, "name");
	int e = cg_create(&x->cg, name);
	if (e) {
		exec_op_error(x, in, name, e, "creating the cgroup");
		return e;
	}
	track_cgroup(x, name);
	return 0;
}

static int op_cgroup(struct exec *x, const struct kb_insn *in)
{
	const char *name = s(x, in, "name");
	int e = op_add_cgroup(x, in);
	if (e)
		return e;
	set_cpuset(x, in, name, "cpuset.");
	set_weight(x, in, name, "weight");
	set_cpu_max(x, in, name, "cpu_max.");
	return 0;
}

static int op_remove_cgroup(struct exec *x, const struct kb_insn *in)
{
	const char *name = s(x, in, "name");
	exec_stop_groups(x, name, 0);
	int e = cg_remove(&x->cg, name);
	if (e)
		exec_op_error(x, in, name, e, "removing the cgroup");
	else
		untrack_cgroup(x, name);
	return e;
}

static int op_set_cpuset(struct exec *x, const struct kb_insn *in)
{
	return set_cpuset(x, in, s(x, in, "cgroup"), "cpuset.");
}

static int op_clear_cpuset(struct exec *x, const struct kb_insn *in)
{
	const char *name = s(x, in, "name");
	int e = cg_write(&x->cg, name, "cpuset.cpus", "");
	if (e)
		exec_op_error(x, in, name, e, "clearing cpuset.cpus");
	emit_cpuset(x, name);
	return e;
}

static int op_swap_cpusets(struct exec *x, const struct kb_insn *in)
{
	const char *a = s(x, in, "a"), *b = s(x, in, "b");
	char ca[1024], cb[1024];
	int e = cg_read(&x->cg, a, "cpuset.cpus", ca, sizeof(ca));
	if (!e)
		e = cg_read(&x->cg, b, "cpuset.cpus", cb, sizeof(cb));
	/* Widen a first so the two never need to overlap in between. */
	if (!e && !(e = cg_write(&x->cg, a, "cpuset.cpus", cb)))
		e = cg_write(&x->cg, b, "cpuset.cpus", ca);
	if (e)
		exec_op_error(x, in, a, e, "swapping cpusets of %s and %s", a, b);
	emit_cpuset(x, a);
	emit_cpuset(x, b);
	return e;
}

static int spawn_into(struct exec *x, const struct kb_insn *in, const char *cg)
{
	char dir[600] = "", cpus[1024] = "";
	if (cg && *cg) {
		cg_path(&x->cg, cg, dir, sizeof(dir));
		cg_read(&x->cg, cg, "cpuset.cpus.effective", cpus, sizeof(cpus));
	}
	if (x->ngroups == EXEC_MAX_GROUPS) {
		exec_op_error(x, in, cg, E2BIG, "more than %d spawn groups", EXEC_MAX_GROUPS);
		return -E2BIG;
	}
	struct spawn_req req = {
		.prog = &x->prog, .insn = in, .cgroup = cg ? cg : "", .cgroup_dir = *dir ? dir : NULL,
		.step = x->step, .clock = x->clock, .topo = &x->topo,
		.cpuset_cpus = *cpus ? cpus : NULL,
	};
	char err[256] = "";
	struct spawn_group *g = spawn_create(&req, err, sizeof(err));
	if (!g) {
		exec_op_error(x, in, cg, EINVAL, "spawn failed: %s", err);
		return -EINVAL;
	}
	spawn_start(g);
	struct exec_group *eg = &x->groups[x->ngroups++];
	eg->g = g;
	snprintf(eg->cgroup, sizeof(eg->cgroup), "%s", cg ? cg : "");
	eg->step = x->step;
	return 0;
}

static int op_spawn(struct exec *x, const struct kb_insn *in)
{
	return spawn_into(x, in, s(x, in, "cgroup"));
}

static int op_spawn_host(struct exec *x, const struct kb_insn *in)
{
	return spawn_into(x, in, NULL);
}

static int op_stop_cgroup(struct exec *x, const struct kb_insn *in)
{
	exec_stop_groups(x, s(x, in, "name"), 0);
	return 0;
}

static int op_set_affinity(struct exec *x, const struct kb_insn *in)
{
	const char *cg = s(x, in, "cgroup");
	int failed = 0;
	for (size_t i = 0; i < x->ngroups; i++)
		if (in_cgroup(x->groups[i].cgroup, cg))
			failed += spawn_set_affinity(x->groups[i].g, &x->prog, in);
	if (failed)
		exec_op_error(x, in, cg, EINVAL, "affinity not applied to %d workers", failed);
	return failed ? -EINVAL : 0;
}

static int op_move_all_tasks(struct exec *x, const struct kb_insn *in)
{
	const char *from = s(x, in, "from"), *to = s(x, in, "to");
	int e = cg_move_all(&x->cg, from, to);
	if (e) {
		exec_op_error(x, in, from, e, "moving all tasks from %s to %s", from, to);
		return e;
	}
	/* The workers now belong to the destination (stop_cgroup, reports). */
	for (size_t i = 0; i < x->ngroups; i++)
		if (!strcmp(x->groups[i].cgroup, from))
			snprintf(x->groups[i].cgroup, sizeof(x->groups[i].cgroup), "%s", to);
	return 0;
}

static int op_set_weight(struct exec *x, const struct kb_insn *in)
{
	return set_weight(x, in, s(x, in, "cgroup"), "weight");
}

static int op_set_cpu_max(struct exec *x, const struct kb_insn *in)
{
	return set_cpu_max(x, in, s(x, in, "cgroup"), "");
}

static int freeze(struct exec *x, const struct kb_insn *in, const char *v)
{
	const char *name = s(x, in, "name");
	int e = cg_write(&x->cg, name, "cgroup.freeze", v);
	if (e)
		exec_op_error(x, in, name, e, "writing cgroup.freeze = %s", v);
	return e;
}

#define FREEZE_SETTLE_NS 2000000000ull

/* cgroup.freeze is asynchronous: the kernel freezes (or thaws) the
 * tasks after the write returns, and cgroup.events says when it is done.
 * The op waits for that (bounded), so the next step's window starts with
 * the cgroup really frozen or running. */
static int freeze_settled(struct exec *x, const struct kb_insn *in, const char *want)
{
	const char *name = s(x, in, "name");
	uint64_t deadline = tm_now_ns() + FREEZE_SETTLE_NS;
	char ev[512];
	for (;;) {
		int e = cg_read_all(&x->cg, name, "cgroup.events", ev, sizeof(ev));
		const char *f = e ? NULL : strstr(ev, "frozen ");
		if (f && f[7] == want[0])
			return 0;
		if (e || tm_now_ns() >= deadline) {
			exec_op_error(x, in, name, e ? e : ETIMEDOUT, "cgroup.events did not reach frozen %s within %llu ms",
				      want, (unsigned long long)(FREEZE_SETTLE_NS / 1000000));
			return e ? e : -ETIMEDOUT;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

static int op_freeze(struct exec *x, const struct kb_insn *in)
{
	int e = freeze(x, in, "1");
	return e ? e : freeze_settled(x, in, "1");
}

static int op_thaw(struct exec *x, const struct kb_insn *in)
{
	int e = freeze(x, in, "0");
	return e ? e : freeze_settled(x, in, "0");
}

static int op_capture(struct exec *x, const struct kb_insn *in)
{
	const char *cg = s(x, in, "cgroup"), *tag = s(x, in, "tag");
	pid_t pids[4096];
	int n = cg_procs(&x->cg, cg, pids, 4096);
	if (n < 0) {
		exec_op_error(x, in, cg, n, "reading cgroup.procs for capture '%s'", tag);
		return n;
	}
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, RK(TYPE), RT(CAPTURE));
	jw_kstr(&j, RK(TAG), tag);
	jw_kstr(&j, RK(CGROUP), cg);
	jw_kint(&j, RK(STEP), x->step);
	jw_key(&j, RK(PIDS));
	jw_arr(&j);
	for (int i = 0; i < n; i++)
		jw_int(&j, pids[i]);
	jw_end_arr(&j);
	jw_end_obj(&j);
	x->emit(j.buf, x->emit_ctx);
	jw_free(&j);
	return 0;
}

static int op_detach(struct exec *x, const struct kb_insn *in)
{
	(void)in;
	sched_stop(x, "detach_scheduler op");
	x->sched->detached = true;
	return 0;
}

static int op_attach(struct exec *x, const struct kb_insn *in)
{
	if (!sched_start(x)) {
		exec_op_error(x, in, NULL, EIO, "the scheduler did not attach again");
		x->aborted = true;
		return -EIO;
	}
	return 0;
}

/* Definitions (scheduler, payloads, checks, block markers) are read
 * where they are used, not executed. */
static int op_definition(struct exec *x, const struct kb_insn *in)
{
	(void)x, (void)in;
	return 0;
}

/* The executor of each opcode, by its opcodes.def name.  The table below
 * is generated from opcodes.def, so an opcode added there without a line
 * here does not compile (op_<NAME> undeclared). */
#define op_SCENARIO op_definition
#define op_SCHEDULER op_definition
#define op_SYSCTL op_definition
#define op_PAYLOAD op_definition
#define op_PAYLOAD_CHECK op_definition
#define op_CHECK op_definition
#define op_CLAIM op_definition
#define op_TRACE op_definition
#define op_DISK op_definition
#define op_BACKDROP op_definition
#define op_STEP op_definition
#define op_END op_definition
#define op_CGROUP op_cgroup
#define op_ADD_CGROUP op_add_cgroup
#define op_REMOVE_CGROUP op_remove_cgroup
#define op_SET_CPUSET op_set_cpuset
#define op_CLEAR_CPUSET op_clear_cpuset
#define op_SWAP_CPUSETS op_swap_cpusets
#define op_SPAWN op_spawn
#define op_SPAWN_HOST op_spawn_host
#define op_STOP_CGROUP op_stop_cgroup
#define op_SET_AFFINITY op_set_affinity
#define op_MOVE_ALL_TASKS op_move_all_tasks
#define op_SET_WEIGHT op_set_weight
#define op_SET_CPU_MAX op_set_cpu_max
#define op_FREEZE op_freeze
#define op_THAW op_thaw
#define op_RUN_PAYLOAD payload_run
#define op_WAIT_PAYLOAD payload_wait
#define op_KILL_PAYLOAD payload_kill
#define op_CAPTURE_CGROUP_PROCS op_capture
#define op_DETACH_SCHEDULER op_detach
#define op_ATTACH_SCHEDULER op_attach

static const op_fn op_table[OPC__COUNT] = {
#define OPC(e, mnemonic, req, doc) [OPC_##e] = op_##e,
#include "opcodes.def"
#undef OPC
};

int exec_op(struct exec *x, const struct kb_insn *in)
{
	op_fn fn = in->op < OPC__COUNT ? op_table[in->op] : op_definition;
	if (fn == op_definition)
		return 0;
	if (!x->first_op_sent) {
		x->first_op_sent = true;
		struct jw j;
		jw_init(&j);
		jw_obj(&j);
		jw_kstr(&j, RK(TYPE), RT(FIRST_OP));
		jw_kuint(&j, RK(AT_NS), tm_now_ns() - x->t0);
		jw_end_obj(&j);
		x->emit(j.buf, x->emit_ctx);
		jw_free(&j);
	}
	return fn(x, in);
}

void exec_wait_until(struct exec *x, uint64_t deadline)
{
	for (;;) {
		uint64_t now = tm_now_ns();
		if (now >= deadline || x->aborted)
			return;
		if (x->sched && !sched_alive(x)) {
			x->aborted = true;	/* collect what the workers measured, end early */
			return;
		}
		uint64_t left_ms = (deadline - now) / 1000000 + 1;
		payload_service(x, left_ms > 50 ? 50 : (int)left_ms);
	}
}
