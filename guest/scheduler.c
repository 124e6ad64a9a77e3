/* scheduler: start, verify, watch, measure and stop the sched_ext
 * scheduler under test (see scheduler.h). */
#include "scheduler.h"
#include "executor.h"
#include "json.h"
#include "report.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCX "/sys/kernel/sched_ext"
#define STOP_WAIT_NS 5000000000ull

static void read_line(const char *path, char *out, size_t n)
{
	out[0] = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(out, (int)n, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

static void drain_output(struct sched *s)
{
	char buf[4096];
	ssize_t n;
	while (s->out_fd >= 0 && (n = read(s->out_fd, buf, sizeof(buf))) > 0) {
		s->out_total += (size_t)n;
		size_t cap = sizeof(s->out) - 1;	/* > sizeof(buf): one read always fits */
		if (s->out_len + (size_t)n > cap) {
			size_t drop = s->out_len + (size_t)n - cap;
			memmove(s->out, s->out + drop, s->out_len - drop);
			s->out_len -= drop;
		}
		memcpy(s->out + s->out_len, buf, (size_t)n);
		s->out_len += (size_t)n;
	}
	s->out[s->out_len] = 0;
}

/* sched_ext lines the kernel logged since the scheduler started. */
static void kernel_lines(struct sched *s, char *out, size_t n)
{
	out[0] = 0;
	char rec[1024];
	ssize_t r;
	size_t len = 0;
	while (s->kmsg_fd >= 0 && (r = read(s->kmsg_fd, rec, sizeof(rec) - 1)) > 0) {
		rec[r] = 0;
		char *msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		if (!strstr(msg, "sched_ext"))
			continue;
		msg[strcspn(msg, "\n")] = 0;
		int w = snprintf(out + len, n - len, "%s%s", len ? " | " : "", msg);
		if (w > 0 && (size_t)w < n - len)
			len += (size_t)w;
	}
}

static void event(struct exec *x, const char *what, const char *reason, int status)
{
	struct sched *s = x->sched;
	char state[32], ops[64], kern[1024];
	read_line(SCX "/state", state, sizeof(state));
	read_line(SCX "/root/ops", ops, sizeof(ops));
	kernel_lines(s, kern, sizeof(kern));
	drain_output(s);
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, RK(TYPE), RT(SCHEDULER));
	jw_kstr(&j, RK(EVENT), what);
	jw_kstr(&j, RK(NAME), s->name);
	jw_kuint(&j, RK(AT_NS), tm_now_ns() - x->t0);
	jw_kint(&j, RK(STEP), x->step);
	jw_kstr(&j, RK(STATE), state);
	jw_kstr(&j, RK(OPS), ops);
	if (reason)
		jw_kstr(&j, RK(REASON), reason);
	if (status >= 0)
		jw_kint(&j, RK(STATUS), status);
	jw_kstr(&j, RK(KERNEL), kern);
	jw_kstr(&j, RK(OUTPUT_TAIL), s->out);
	jw_end_obj(&j);
	x->emit(j.buf, x->emit_ctx);
	jw_free(&j);
}

static const struct kb_insn *sched_insn(const struct exec *x)
{
	for (uint32_t i = 0; i < x->prog.ninsn; i++)
		if (x->prog.insn[i].op == OPC_SCHEDULER)
			return &x->prog.insn[i];
	return NULL;
}

static void write_sysctl(struct exec *x, const char *key, const char *val)
{
	char path[512];
	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	for (char *p = path + 10; *p; p++)
		if (*p == '.')
			*p = '/';
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		exec_op_error(x, NULL, NULL, errno, "sysctl %s = %s", key, val);
	if (fd >= 0)
		close(fd);
}

void sched_sysctls(struct exec *x)
{
	for (uint32_t i = 0; i < x->prog.ninsn; i++) {
		const struct kb_insn *in = &x->prog.insn[i];
		if (in->op == OPC_SYSCTL)
			write_sysctl(x, kb_get_str(&x->prog, in, "key"), kb_get_str(&x->prog, in, "value"));
	}
	/* Per-program run counts and times need the stats key, set before the
	 * scheduler loads (flipping it later patches kernel text under load). */
	const struct kb_insn *in = sched_insn(x);
	if (in && kb_get_str(&x->prog, in, "binary"))
		write_sysctl(x, "kernel.bpf_stats_enabled", "1");
}

/* The packed copy of the binary, else its name on PATH. */
static void binary_path(const char *bin, char *out, size_t n)
{
	const char *base = strrchr(bin, '/');
	snprintf(out, n, "/ktstr/sched/%s", base ? base + 1 : bin);
	if (access(out, X_OK))
		snprintf(out, n, "%s", bin);
}

static bool wait_attached(struct exec *x, uint64_t timeout_ns)
{
	struct sched *s = x->sched;
	uint64_t deadline = tm_now_ns() + timeout_ns;
	char state[32];
	while (tm_now_ns() < deadline) {
		drain_output(s);
		int st;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->gone = true;
			event(x, "exited", "the scheduler exited before attaching", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
			return false;
		}
		read_line(SCX "/state", state, sizeof(state));
		if (!strcmp(state, "enabled")) {
			read_line(SCX "/root/ops", s->ops, sizeof(s->ops));
			s->attached = true;
			event(x, "attached", NULL, -1);
			return true;
		}
		usleep(10000);
	}
	char why[128];
	snprintf(why, sizeof(why), "sched_ext did not reach state enabled within the attach timeout (%llu ms)",
		 (unsigned long long)(timeout_ns / 1000000));
	event(x, "attach_timeout", why, -1);
	return false;
}

bool sched_start(struct exec *x)
{
	struct sched *s = x->sched;
	const struct kb_insn *in = sched_insn(x);
	const char *bin = in ? kb_get_str(&x->prog, in, "binary") : NULL;
	if (!bin)
		return true;	/* eevdf */
	s->present = true;
	s->attached = s->gone = s->detached = false;
	s->out_len = 0;
	s->kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (s->kmsg_fd >= 0)
		lseek(s->kmsg_fd, 0, SEEK_END);
	snprintf(s->name, sizeof(s->name), "%s", kb_get_str(&x->prog, in, "name"));
	char path[512];
	binary_path(bin, path, sizeof(path));
	const char *argv[130];
	int argc = 0;
	argv[argc++] = path;
	for (uint32_t k = 0; k < in->nops && argc < 128; k++) {
		const struct kb_operand *o = &x->prog.opnd[in->first + k];
		if (o->type == KB_STR && !strcmp(x->prog.str[o->key], "args"))
			argv[argc++] = x->prog.str[o->s];
	}
	argv[argc] = NULL;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC))
		return false;
	s->pid = fork();
	if (s->pid == 0) {
		setpgid(0, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	s->out_fd = pipefd[0];
	fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
	event(x, "started", NULL, -1);
	int64_t timeout = 20000000000;
	kb_get_int(&x->prog, in, "attach_timeout", &timeout);
	return wait_attached(x, (uint64_t)timeout);
}

bool sched_alive(struct exec *x)
{
	struct sched *s = x->sched;
	if (s->detached)
		return true;
	if (!s->present || !s->attached || s->gone)
		return !s->gone;
	drain_output(s);
	int st;
	if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
		s->gone = true;
		event(x, "exited", "the scheduler process exited", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return false;
	}
	char state[32];
	read_line(SCX "/state", state, sizeof(state));
	if (strcmp(state, "enabled")) {
		s->gone = true;
		event(x, "ejected", "sched_ext is no longer enabled: the kernel disabled the scheduler", -1);
		return false;
	}
	return true;
}

void sched_bpf_stats(struct exec *x)
{
	if (!x->sched->present)
		return;
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, RK(TYPE), RT(BPF_STATS));
	jw_key(&j, "programs");
	jw_arr(&j);
	__u32 id = 0;
	while (!bpf_prog_get_next_id(id, &id)) {
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_PROG_TYPE_STRUCT_OPS) {
			jw_obj(&j);
			jw_kstr(&j, RK(NAME), info.name);
			jw_kuint(&j, "id", info.id);
			jw_kuint(&j, "run_cnt", info.run_cnt);
			jw_kuint(&j, "run_time_ns", info.run_time_ns);
			jw_kuint(&j, "verified_insns", info.verified_insns);
			jw_end_obj(&j);
		}
		close(fd);
	}
	jw_end_arr(&j);
	jw_end_obj(&j);
	x->emit(j.buf, x->emit_ctx);
	jw_free(&j);
}

void sched_stop(struct exec *x, const char *why)
{
	struct sched *s = x->sched;
	if (!s->present || s->pid <= 0)
		return;
	int st = 0;
	bool exited = s->gone;
	if (!s->gone) {
		kill(s->pid, SIGINT);
		uint64_t deadline = tm_now_ns() + STOP_WAIT_NS;
		while (tm_now_ns() < deadline) {
			drain_output(s);
			if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
				exited = true;
				break;
			}
			usleep(10000);
		}
		if (!exited) {
			kill(-s->pid, SIGKILL);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &st, 0);
			event(x, "stop_timeout", "the scheduler ignored SIGINT for 5 s and was killed", -1);
		}
	}
	/* Detach is asynchronous in the kernel: give it a moment. */
	char state[32] = "";
	for (int i = 0; i < 200; i++) {
		read_line(SCX "/state", state, sizeof(state));
		if (strcmp(state, "enabled") && strcmp(state, "disabling"))
			break;
		usleep(10000);
	}
	if (!s->gone)
		event(x, strcmp(state, "enabled") ? "detached" : "detach_failed", why,
		      WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	s->gone = true;
	s->pid = 0;
	if (s->out_fd >= 0)
		close(s->out_fd);
	s->out_fd = -1;
}
