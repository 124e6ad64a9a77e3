/* payload: real programs run by a scenario (run_payload, wait_payload,
 * kill_payload, backdrop payloads).  Each is placed in its cgroup before
 * exec, leads its own process group (unless it asked for ours) so a kill
 * takes its children too, and has its output drained continuously into a
 * capped buffer so it can never block on a full pipe.  Results go to the
 * host as JSON; the checks in the program are evaluated there. */
#include "executor.h"
#include "json.h"
#include "record.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_CAP (1u << 20)

struct capture {
	int fd;
	char *buf;
	size_t len, cap, total;
};

struct payload_run {
	char name[128], cgroup[256];
	pid_t pid;
	int step;
	bool own_pgrp, done, killed, timed_out;
	int status;
	struct capture out, err;
	uint64_t started_ns;
};

static void collect_args(const struct exec *x, const struct kb_insn *in, const char **argv,
			 int *argc, int max)
{
	for (uint32_t k = 0; k < in->nops && *argc < max; k++) {
		const struct kb_operand *o = &x->prog.opnd[in->first + k];
		if (o->type == KB_STR && !strcmp(x->prog.str[o->key], "args"))
			argv[(*argc)++] = x->prog.str[o->s];
	}
}

static void drain(struct capture *c)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(c->fd, buf, sizeof(buf));
		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(c->fd);
				c->fd = -1;
			}
			return;
		}
		c->total += (size_t)n;
		/* Keep the tail: the end of the output says most about a failure. */
		if ((size_t)n >= c->cap) {
			memcpy(c->buf, buf + n - c->cap, c->cap);
			c->len = c->cap;
		} else {
			if (c->len + (size_t)n > c->cap) {
				size_t drop = c->len + (size_t)n - c->cap;
				memmove(c->buf, c->buf + drop, c->len - drop);
				c->len -= drop;
			}
			memcpy(c->buf + c->len, buf, (size_t)n);
			c->len += (size_t)n;
		}
	}
}

static void report(struct exec *x, struct payload_run *r)
{
	struct jw j;
	jw_init(&j);
	jw_obj(&j);
	jw_kstr(&j, RK(TYPE), RT(PAYLOAD));
	jw_kstr(&j, RK(NAME), r->name);
	jw_kstr(&j, RK(CGROUP), r->cgroup);
	jw_kint(&j, RK(STEP), r->step);
	jw_kint(&j, RK(PID), r->pid);
	if (WIFEXITED(r->status))
		jw_kint(&j, RK(EXIT_CODE), WEXITSTATUS(r->status));
	else
		jw_kint(&j, RK(EXIT_CODE), -1);	/* killed by a signal */
	jw_kint(&j, RK(SIGNAL), WIFSIGNALED(r->status) ? WTERMSIG(r->status) : 0);
	jw_kbool(&j, RK(KILLED), r->killed);
	jw_kbool(&j, RK(TIMED_OUT), r->timed_out);
	jw_kuint(&j, RK(WALL_NS), tm_now_ns() - r->started_ns);
	r->out.buf[r->out.len] = 0;
	r->err.buf[r->err.len] = 0;
	jw_kstr(&j, RK(STDOUT), r->out.buf);
	jw_kstr(&j, RK(STDERR), r->err.buf);
	jw_kuint(&j, RK(STDOUT_BYTES), r->out.total);
	jw_kuint(&j, RK(STDERR_BYTES), r->err.total);
	jw_end_obj(&j);
	x->emit(j.buf, x->emit_ctx);
	jw_free(&j);
}

static void finish(struct exec *x, size_t i)
{
	struct payload_run *r = x->payloads[i];
	while (r->out.fd >= 0 || r->err.fd >= 0) {
		if (r->out.fd >= 0)
			drain(&r->out);
		if (r->err.fd >= 0)
			drain(&r->err);
		if (r->out.fd >= 0 || r->err.fd >= 0)
			usleep(1000);
	}
	report(x, r);
	free(r->out.buf);
	free(r->err.buf);
	free(r);
	x->payloads[i] = x->payloads[--x->npayloads];
}

static void kill_group(struct payload_run *r)
{
	if (r->own_pgrp)
		kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	r->killed = true;
}

int payload_run(struct exec *x, const struct kb_insn *in)
{
	const char *name = kb_get_str(&x->prog, in, "payload");
	const char *cg = kb_get_str(&x->prog, in, "cgroup");
	const struct kb_insn *def = kb_payload_def(&x->prog, name);
	if (!def || x->npayloads == EXEC_MAX_PAYLOADS) {
		exec_op_error(x, in, cg, def ? E2BIG : ENOENT, "payload '%s' cannot start", name);
		return -1;
	}
	const char *argv[258], *bin = kb_get_str(&x->prog, def, "binary");
	int argc = 0;
	/* The host packed a binary given by path (or kernel:PATH) as
	 * /include-files/BASENAME; a bare name is found on PATH. */
	char packed[300];
	if (strchr(bin, '/') || !strncmp(bin, "kernel:", 7)) {
		snprintf(packed, sizeof(packed), "/include-files/%s", strrchr(bin, '/') ? strrchr(bin, '/') + 1 : bin + 7);
		bin = packed;
	}
	argv[argc++] = bin;
	collect_args(x, def, argv, &argc, 200);
	collect_args(x, in, argv, &argc, 256);
	argv[argc] = NULL;
	int64_t cap = DEFAULT_CAP, parent_pgrp = 0, line_buffered = 0;
	kb_get_int(&x->prog, def, "line_buffered", &line_buffered);
	kb_get_int(&x->prog, def, "output_cap", &cap);
	kb_get_int(&x->prog, def, "uses_parent_pgrp", &parent_pgrp);
	int out[2], err[2], ready[2];
	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(ready, O_CLOEXEC)) {
		exec_op_error(x, in, cg, errno, "pipes for payload '%s'", name);
		return -1;
	}
	char procs[700] = "";
	if (cg) {
		char dir[600];
		cg_path(&x->cg, cg, dir, sizeof(dir));
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	}
	pid_t pid = fork();
	if (pid == 0) {
		if (!parent_pgrp)
			setpgid(0, 0);
		/* Into the cgroup before exec, so no instruction runs outside. */
		int e = 0;
		if (*procs) {
			int fd = open(procs, O_WRONLY);
			e = fd < 0 || write(fd, "0", 1) != 1 ? errno : 0;
			if (fd >= 0)
				close(fd);
		}
		if (!e) {
			dup2(out[1], 1);
			dup2(err[1], 2);
			int nul = open("/dev/null", O_RDONLY);
			dup2(nul, 0);
			if (line_buffered) {	/* what stdbuf -oL does */
				setenv("_STDBUF_O", "L", 1);
				setenv("LD_PRELOAD", GUEST_STDBUF_LIB, 1);
			}
			execvp(argv[0], (char *const *)argv);
			e = errno;
		}
		if (write(ready[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	close(ready[1]);
	int child_err = 0;
	ssize_t got = pid > 0 ? read(ready[0], &child_err, sizeof(child_err)) : -1;
	close(ready[0]);
	if (pid < 0 || got == sizeof(child_err)) {
		exec_op_error(x, in, cg, pid < 0 ? errno : child_err, "payload '%s' (%s) did not start",
			      name, argv[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		close(out[0]);
		close(err[0]);
		return -1;
	}
	struct payload_run *r = calloc(1, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->cgroup, sizeof(r->cgroup), "%s", cg ? cg : "");
	r->pid = pid;
	r->step = x->step;
	r->own_pgrp = !parent_pgrp;
	r->started_ns = tm_now_ns();
	r->out = (struct capture){.fd = out[0], .buf = malloc((size_t)cap + 1), .cap = (size_t)cap};
	r->err = (struct capture){.fd = err[0], .buf = malloc((size_t)cap + 1), .cap = (size_t)cap};
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	x->payloads[x->npayloads++] = r;
	return 0;
}

/* The running copy of name (in cgroup if given). */
static int find_run(struct exec *x, const struct kb_insn *in)
{
	const char *name = kb_get_str(&x->prog, in, "payload");
	const char *cg = kb_get_str(&x->prog, in, "cgroup");
	for (size_t i = 0; i < x->npayloads; i++)
		if (!strcmp(x->payloads[i]->name, name) && (!cg || !strcmp(x->payloads[i]->cgroup, cg)))
			return (int)i;
	exec_op_error(x, in, cg, ESRCH, "payload '%s' is not running", name);
	return -1;
}

/* Kill it if it still runs, reap it, report it and forget it. */
static void end_run(struct exec *x, struct payload_run *r)
{
	if (!r->done)
		kill_group(r);
	while (!r->done)
		payload_service(x, 20);
	for (size_t k = 0; k < x->npayloads; k++)
		if (x->payloads[k] == r) {
			finish(x, k);
			return;
		}
}

int payload_wait(struct exec *x, const struct kb_insn *in)
{
	int i = find_run(x, in);
	if (i < 0)
		return -1;
	struct payload_run *r = x->payloads[i];
	int64_t timeout = 0;
	if (!kb_get_int(&x->prog, in, "timeout", &timeout))
		timeout = (int64_t)(x->start_ns + x->duration_ns - tm_now_ns());
	uint64_t deadline = tm_now_ns() + (uint64_t)(timeout > 0 ? timeout : 0);
	while (!r->done && tm_now_ns() < deadline)
		payload_service(x, 20);
	r->timed_out = !r->done;
	end_run(x, r);
	return 0;
}

int payload_kill(struct exec *x, const struct kb_insn *in)
{
	int i = find_run(x, in);
	if (i < 0)
		return -1;
	end_run(x, x->payloads[i]);
	return 0;
}

void payload_service(struct exec *x, int timeout_ms)
{
	struct pollfd p[2 * EXEC_MAX_PAYLOADS];
	struct capture *caps[2 * EXEC_MAX_PAYLOADS];
	int n = 0;
	for (size_t i = 0; i < x->npayloads; i++) {
		struct capture *c[2] = {&x->payloads[i]->out, &x->payloads[i]->err};
		for (int k = 0; k < 2; k++)
			if (c[k]->fd >= 0) {
				p[n] = (struct pollfd){.fd = c[k]->fd, .events = POLLIN};
				caps[n++] = c[k];
			}
	}
	if (n)
		poll(p, (nfds_t)n, timeout_ms);
	else
		usleep((useconds_t)timeout_ms * 1000);
	for (int i = 0; i < n; i++)
		if (p[i].revents)
			drain(caps[i]);
	for (size_t i = 0; i < x->npayloads; i++) {
		struct payload_run *r = x->payloads[i];
		if (!r->done && waitpid(r->pid, &r->status, WNOHANG) == r->pid)
			r->done = true;
	}
}

void payload_end_step(struct exec *x, int step)
{
	for (size_t i = x->npayloads; i-- > 0;) {
		struct payload_run *r = x->payloads[i];
		if (step >= 0 && r->step != step)
			continue;
		end_run(x, r);
	}
}

bool payload_owns(const struct exec *x, pid_t pid)
{
	for (size_t i = 0; i < x->npayloads; i++)
		if (x->payloads[i]->pid == pid)
			return true;
	return false;
}
