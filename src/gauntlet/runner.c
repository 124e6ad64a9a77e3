/* runner: parallel `ktstr run` children for the gauntlet (see runner.h).
 * A child per cell keeps each VM's cleanup (QEMU, temp dirs, guest RAM
 * files) in the process that made it; the gauntlet only starts, waits and
 * reads results.  On SIGINT it forwards the signal to every child's
 * process group, so each VM goes down through its own run's cleanup, and
 * it waits for them before the summary is written. */
#include "runner.h"
#include "proc.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_JOBS 256
/* What a VM costs beyond its guest RAM: QEMU itself, the monitor's map. */
#define VM_OVERHEAD_MIB 192

volatile sig_atomic_t runner_stop;
static volatile pid_t children[MAX_JOBS];

static void on_stop(int sig)
{
	runner_stop = sig;
	for (int i = 0; i < MAX_JOBS; i++)
		if (children[i] > 0)
			kill(-children[i], sig);
}

static void catch_stop(void)
{
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

unsigned runner_memory_mib(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	unsigned long kb = 0;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return (unsigned)(kb / 1024 * 8 / 10);
}

static void mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
	free(p);
}

static void cell_dir(const struct runner_opts *o, const struct cell *c, char *out, size_t n)
{
	pathf(out, n, "%s/cells/%s", o->out_dir, c->id);
}

static pid_t start(const struct matrix *m, const struct cell *c, const struct runner_opts *o)
{
	char dir[4200], log[4300];
	cell_dir(o, c, dir, sizeof(dir));
	rm_rf(dir);
	mkdir_p(dir);
	pathf(log, sizeof(log), "%s/run.log", dir);
	const struct variant *v = &m->variants[c->variant];
	const char *topo = m->topologies[c->topology];
	const struct preset *p = preset_find(topo);
	const char *argv[24];
	int a = 0;
	argv[a++] = o->self;
	argv[a++] = "run";
	argv[a++] = "--scheduler";
	argv[a++] = v->name;
	if (*v->flags)
		argv[a++] = "--flags", argv[a++] = v->flags;
	if (p && p->topology)
		argv[a++] = "--topology", argv[a++] = p->topology;
	if (*m->kernels[c->kernel])
		argv[a++] = "--kernel", argv[a++] = m->kernels[c->kernel];
	if (o->max_duration)
		argv[a++] = "--max-duration", argv[a++] = o->max_duration;
	if (o->attach_timeout && strcmp(v->name, "eevdf"))
		argv[a++] = "--attach-timeout", argv[a++] = o->attach_timeout;
	if (o->watchdog)
		argv[a++] = "--watchdog", argv[a++] = o->watchdog;
	argv[a++] = m->scenarios[c->scenario];
	argv[a] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, 1), dup2(fd, 2);
		if (nul >= 0)
			dup2(nul, 0);
		setenv("KTSTR_RUNS", dir, 1);
		execv(argv[0], (char *const *)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(3);
	}
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

/* The cell's result: the one result JSON in its directory. */
static void collect(const struct runner_opts *o, const struct cell *c, int status, struct cell_result *r)
{
	char dir[4200];
	cell_dir(o, c, dir, sizeof(dir));
	r->exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->state = CELL_NO_RESULT;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 5 && !strcmp(e->d_name + l - 5, ".json") && !strstr(e->d_name, ".perfetto."))
			pathf(r->path, sizeof(r->path), "%s/%s", dir, e->d_name);
	}
	if (d)
		closedir(d);
	size_t len;
	char *text = *r->path ? read_file(r->path, &len, 256u << 20) : NULL;
	cJSON *j = text ? cJSON_ParseWithLength(text, len) : NULL;
	free(text);
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "verdict"));
	const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "reason"));
	if (v) {
		r->state = CELL_DONE;
		snprintf(r->verdict, sizeof(r->verdict), "%s", v);
		snprintf(r->reason, sizeof(r->reason), "%s", why ? why : "");
	} else {
		/* Nothing to read: the run failed before a result (bad input, no
		 * kernel); its log says why. */
		char log[4300];
		pathf(log, sizeof(log), "%s/run.log", dir);
		char *tail = file_tail(log, 400);
		snprintf(r->verdict, sizeof(r->verdict), "error");
		snprintf(r->reason, sizeof(r->reason), "no result (exit %d): %s", r->exit, tail ? tail : "");
		for (char *p = r->reason; *p; p++)
			if (*p == '\n')
				*p = ' ';
		free(tail);
	}
	cJSON_Delete(j);
}

static int slot_of(pid_t pid)
{
	for (int i = 0; i < MAX_JOBS; i++)
		if (children[i] == pid)
			return i;
	return -1;
}

size_t runner_run(const struct matrix *m, const struct runner_opts *o, struct cell_result *res)
{
	catch_stop();
	int jobs = o->jobs < 1 ? 1 : o->jobs > MAX_JOBS ? MAX_JOBS : o->jobs;
	size_t *cell_of = xcalloc(MAX_JOBS, sizeof(*cell_of));
	double *started = xcalloc(MAX_JOBS, sizeof(*started));
	unsigned pool = runner_memory_mib(), used = 0;
	double t0 = mono_ms();
	size_t next = 0, running = 0, done = 0;
	for (size_t i = 0; i < m->ncells; i++)
		res[i] = (struct cell_result){.state = CELL_NOT_RUN};
	for (;;) {
		bool budget_left = !o->budget_s || (mono_ms() - t0) / 1e3 < o->budget_s;
		while (!runner_stop && budget_left && next < m->ncells && (int)running < jobs) {
			unsigned need = o->cell_mib[next] + VM_OVERHEAD_MIB;
			if (running && used + need > pool)
				break;	/* wait for memory; one cell always runs */
			int s = slot_of(0);
			pid_t pid = start(m, &m->cells[next], o);
			if (pid < 0)
				break;
			children[s] = pid, cell_of[s] = next, started[s] = mono_ms();
			used += need;
			running++, next++;
		}
		if (!running)
			break;
		if (o->progress)
			fprintf(stderr, "\r\033[K[gauntlet] %zu/%zu done, %zu running%s", done, m->ncells, running,
				runner_stop ? ", stopping" : "");
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		int s = pid > 0 ? slot_of(pid) : -1;
		if (s < 0) {
			if (pid < 0)
				break;
			continue;
		}
		size_t ci = cell_of[s];
		children[s] = 0;
		running--, done++;
		used -= o->cell_mib[ci] + VM_OVERHEAD_MIB;
		collect(o, &m->cells[ci], status, &res[ci]);
		res[ci].wall_s = (mono_ms() - started[s]) / 1e3;
		if (runner_stop && res[ci].state != CELL_DONE)
			res[ci].state = CELL_NOT_RUN;	/* cut short by the interrupt */
		if (o->progress)
			fputs("\r\033[K", stderr);
		if (o->on_done && res[ci].state != CELL_NOT_RUN)
			o->on_done(m, &m->cells[ci], &res[ci], o->ctx);
	}
	if (o->progress)
		fputs("\r\033[K", stderr);
	free(cell_of);
	free(started);
	size_t not_run = 0;
	for (size_t i = 0; i < m->ncells; i++)
		not_run += res[i].state == CELL_NOT_RUN;
	return not_run;
}
