/* trace: the kernel trace a program asks for (its TRACE instruction),
 * recorded with the real trace-cmd, packed into the guest by the host.
 * `trace-cmd start` enables the events before the scheduler starts, so
 * its attach is in the trace; nothing reads the buffers while the
 * scenario runs (no recorder competes with the workers for the CPUs).
 * The buffers do not overwrite: a full one drops new events, which the
 * kernel counts per CPU and the trace record reports.  After the scenario
 * `trace-cmd extract` writes trace.dat, which goes to the host as
 * REC_FILE chunks. */
#include "trace.h"
#include "guest.h"
#include "json.h"
#include "record.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRACEFS "/sys/kernel/tracing"
#define TRACE_CMD "/ktstr/bin/trace-cmd"
#define TRACE_DAT "/tmp/ktstr-trace.dat"
#define TRACE_CHUNK (1u << 20)
#define MAX_EVENTS 64

static const struct kb_insn *trace_insn(const struct exec *x)
{
	for (uint32_t i = 0; i < x->prog.ninsn; i++)
		if (x->prog.insn[i].op == OPC_TRACE)
			return &x->prog.insn[i];
	return NULL;
}

/* Runs argv, waits; its stdout and stderr tail in out.  Exit status, or
 * -1 when it could not run or was killed. */
static int run_tool(char *const argv[], char *out, size_t n)
{
	int p[2];
	out[0] = 0;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		dprintf(2, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	size_t len = 0;
	char buf[1024];
	ssize_t r;
	while ((r = read(p[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++) {
			if (len + 1 >= n) {	/* keep the tail */
				memmove(out, out + n / 2, len - n / 2);
				len -= n / 2;
			}
			out[len++] = buf[i] == '\n' ? ' ' : buf[i];
		}
	}
	out[len] = 0;
	close(p[0]);
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void emit_trace(struct exec *x, struct jw *j)
{
	jw_end_obj(j);
	x->emit(j->buf, x->emit_ctx);
	jw_free(j);
}

static void trace_head(struct exec *x, const struct kb_insn *in, struct jw *j)
{
	jw_init(j);
	jw_obj(j);
	jw_kstr(j, RK(TYPE), RT(TRACE));
	jw_kuint(j, RK(T0_MONO_NS), x->t0);
	int64_t kb = 0;
	kb_get_int(&x->prog, in, "buffer_kb", &kb);
	jw_kuint(j, RK(BUFFER_KB), (uint64_t)kb);
	jw_key(j, RK(ENABLED));
	jw_arr(j);
	for (uint32_t k = 0; k < in->nops; k++) {
		const struct kb_operand *o = &x->prog.opnd[in->first + k];
		if (o->type == KB_STR && !strcmp(x->prog.str[o->key], "event"))
			jw_str(j, x->prog.str[o->s]);
	}
	jw_end_arr(j);
}

static bool fail(struct exec *x, const struct kb_insn *in, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool fail(struct exec *x, const struct kb_insn *in, const char *fmt, ...)
{
	char why[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	struct jw j;
	trace_head(x, in, &j);
	jw_kbool(&j, RK(AVAILABLE), false);
	jw_kstr(&j, RK(REASON), why);
	emit_trace(x, &j);
	return false;
}

/* "system:event" -> events/system/event, "system" -> events/system. */
static bool event_exists(const char *ev)
{
	char path[256];
	const char *colon = strchr(ev, ':');
	if (colon)
		snprintf(path, sizeof(path), TRACEFS "/events/%.*s/%s/enable", (int)(colon - ev), ev, colon + 1);
	else
		snprintf(path, sizeof(path), TRACEFS "/events/%s/enable", ev);
	return access(path, F_OK) == 0;
}

static bool mount_tracefs(void)
{
	if (access(TRACEFS "/trace", F_OK) == 0)
		return true;
	mkdir(TRACEFS, 0755);
	return mount("tracefs", TRACEFS, "tracefs", 0, NULL) == 0 || errno == EBUSY;
}

bool trace_start(struct exec *x)
{
	const struct kb_insn *in = trace_insn(x);
	if (!in)
		return true;
	if (x->on_host)
		return fail(x, in, "tracing records the guest kernel: it needs the VM, not run --host");
	if (!mount_tracefs())
		return fail(x, in, "cannot mount tracefs at " TRACEFS ": %s (kernel without CONFIG_TRACING?)",
			    strerror(errno));
	if (access(TRACE_CMD, X_OK))
		return fail(x, in, "%s is not in the guest image", TRACE_CMD);
	char kb[32] = "4096";
	int64_t v;
	if (kb_get_int(&x->prog, in, "buffer_kb", &v))
		snprintf(kb, sizeof(kb), "%lld", (long long)v);
	char *argv[8 + 2 * MAX_EVENTS] = {TRACE_CMD, "start", "-C", "mono", "-b", kb, "-O", "nooverwrite"};
	int n = 8;
	for (uint32_t k = 0; k < in->nops && n < 6 + 2 * MAX_EVENTS; k++) {
		const struct kb_operand *o = &x->prog.opnd[in->first + k];
		if (o->type != KB_STR || strcmp(x->prog.str[o->key], "event"))
			continue;
		const char *ev = x->prog.str[o->s];
		if (!event_exists(ev))
			return fail(x, in, "the kernel has no tracepoint %s (not under " TRACEFS "/events)", ev);
		argv[n++] = "-e";
		argv[n++] = (char *)ev;
	}
	argv[n] = NULL;
	char out[512];
	int rc = run_tool(argv, out, sizeof(out));
	if (rc)
		return fail(x, in, "trace-cmd start failed (status %d): %s", rc, out);
	x->tracing = true;
	return true;
}

static uint64_t stat_field(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	return p ? strtoull(p + strlen(name), NULL, 10) : 0;
}

/* The ring buffer's own account of each CPU: what it holds and lost. */
static uint64_t per_cpu_stats(struct jw *j)
{
	uint64_t lost = 0;
	jw_key(j, RK(PER_CPU));
	jw_arr(j);
	for (int cpu = 0;; cpu++) {
		char path[128], text[1024];
		snprintf(path, sizeof(path), TRACEFS "/per_cpu/cpu%d/stats", cpu);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		ssize_t r = read(fd, text, sizeof(text) - 1);
		close(fd);
		text[r > 0 ? r : 0] = 0;
		uint64_t overrun = stat_field(text, "overrun: "), dropped = stat_field(text, "dropped events: ");
		lost += overrun + dropped;
		jw_obj(j);
		jw_kint(j, "cpu", cpu);
		jw_kuint(j, "entries", stat_field(text, "entries: "));
		jw_kuint(j, "overrun", overrun);
		jw_kuint(j, "dropped", dropped);
		jw_end_obj(j);
	}
	jw_end_arr(j);
	return lost;
}

static void write_flag(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, v, strlen(v)) < 0)
			guest_log("cannot write %s: %s", path, strerror(errno));
		close(fd);
	}
}

/* trace.dat in REC_FILE chunks: u16 name length, name, bytes. */
static bool send_file(const char *path, const char *name, uint64_t *bytes)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t nl = strlen(name);
	uint8_t *buf = malloc(2 + nl + TRACE_CHUNK);
	if (!buf) {
		close(fd);
		return false;
	}
	buf[0] = (uint8_t)nl;
	buf[1] = (uint8_t)(nl >> 8);
	memcpy(buf + 2, name, nl);
	ssize_t r;
	*bytes = 0;
	while ((r = read(fd, buf + 2 + nl, TRACE_CHUNK)) > 0) {
		send_record(REC_FILE, buf, 2 + nl + (size_t)r);
		*bytes += (uint64_t)r;
	}
	free(buf);
	close(fd);
	return r == 0;
}

void trace_finish(struct exec *x)
{
	const struct kb_insn *in = trace_insn(x);
	if (!in || !x->tracing)
		return;
	write_flag(TRACEFS "/tracing_on", "0");
	struct jw j;
	trace_head(x, in, &j);
	jw_kuint(&j, RK(LOST_EVENTS), per_cpu_stats(&j));
	char out[512];
	char *argv[] = {TRACE_CMD, "extract", "-o", TRACE_DAT, NULL};
	int rc = run_tool(argv, out, sizeof(out));
	uint64_t bytes = 0;
	if (rc) {
		jw_kbool(&j, RK(AVAILABLE), false);
		char why[640];
		snprintf(why, sizeof(why), "trace-cmd extract failed (status %d): %s", rc, out);
		jw_kstr(&j, RK(REASON), why);
	} else if (!send_file(TRACE_DAT, "trace.dat", &bytes)) {
		jw_kbool(&j, RK(AVAILABLE), false);
		jw_kstr(&j, RK(REASON), "cannot read the extracted trace.dat");
	} else {
		jw_kbool(&j, RK(AVAILABLE), true);
	}
	jw_kuint(&j, RK(BYTES), bytes);
	unlink(TRACE_DAT);
	emit_trace(x, &j);
}
