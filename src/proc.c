/* proc: child processes, recursive removal, cleanup on every exit path. */
#define _XOPEN_SOURCE 700
#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t interrupted;

int run_logged(const char *const *argv, const char *cwd, int log_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* Its own process group, so an interrupted ktstr can kill the
		 * whole tree (make forks many levels of sub-makes). */
		setpgid(0, 0);
		if (cwd && chdir(cwd))
			_exit(127);
		if (log_fd >= 0) {
			dup2(log_fd, 1);
			dup2(log_fd, 2);
		}
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "ktstr: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	cleanup_add_pid(pid);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	cleanup_remove_pid(pid);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

const char *temp_root(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t && strlen(t) < 60 ? t : "/tmp";
}

bool make_temp_dir(const char *what, char *out, size_t n)
{
	int w = snprintf(out, n, "%s/ktstr-%s-XXXXXX", temp_root(), what);
	if (w < 0 || (size_t)w >= n) {
		errno = ENAMETOOLONG;
		return false;
	}
	return mkdtemp(out) != NULL;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p) && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -1;
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

char *file_tail(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t start = end > (off_t)max ? end - (off_t)max : 0;
	char *buf = xmalloc((size_t)(end - start) + 1);
	ssize_t r = pread(fd, buf, (size_t)(end - start), start);
	close(fd);
	buf[r > 0 ? r : 0] = 0;
	return buf;
}

void print_file_tail(const char *path, int lines, FILE *out)
{
	char *t = file_tail(path, 64 * 1024);
	if (!t)
		return;
	char *p = t + strlen(t);
	int n = 0;
	while (p > t && n <= lines)
		if (*--p == '\n')
			n++;
	fputs(p == t ? p : p + 1, out);
	free(t);
}

/* ---- cleanup registry ------------------------------------------------------ */

/* The signal handler does only what is async-signal-safe, on paths
 * prepared when the entries were registered (git's tempfile.c and
 * sigchain.c are the model): it records the signal, kills our children
 * (their process groups) and asks the kernel to kill every task of our
 * cgroup trees (cgroup.kill).  Everything else — reaping, removing
 * cgroups and temp directories — happens in normal context: the code
 * that was waiting sees its children die and unwinds, and main() runs
 * cleanup_run() and then dies by the same signal.  A second signal kills
 * at once. */
#define MAX_CLEAN 64
#define SLOT_PATH 512

struct slot {
	volatile sig_atomic_t used;
	char path[SLOT_PATH];
	char kill_file[SLOT_PATH + 16];	/* cgroups: <path>/cgroup.kill */
};

static struct slot dirs[MAX_CLEAN], cgroups[8];
static volatile pid_t pids[MAX_CLEAN];
static bool handlers;

static void on_signal(int sig)
{
	if (interrupted) {	/* a second one: no more waiting */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	interrupted = sig;
	int saved = errno;
	for (int i = 0; i < MAX_CLEAN; i++) {
		pid_t p = pids[i];
		if (p > 0) {
			kill(-p, SIGKILL);	/* its group, if it leads one */
			kill(p, SIGKILL);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(cgroups); i++) {
		if (!cgroups[i].used)
			continue;
		int fd = open(cgroups[i].kill_file, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "1", 1) < 0)
				(void)0;	/* older kernels: the tasks die with their groups */
			close(fd);
		}
	}
	errno = saved;
}

static void install(void)
{
	if (handlers)
		return;
	handlers = true;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	atexit(cleanup_run);
}

static void slot_add(struct slot *v, size_t n, const char *path, const char *what)
{
	install();
	for (size_t i = 0; i < n; i++)
		if (!v[i].used) {
			pathf(v[i].path, sizeof(v[i].path), "%s", path);
			pathf(v[i].kill_file, sizeof(v[i].kill_file), "%s/cgroup.kill", path);
			v[i].used = 1;	/* only now may the handler read it */
			return;
		}
	fprintf(stderr, "ktstr: more than %zu %s to clean up at once; %s is left to `ktstr cleanup`\n", n, what, path);
}

static void slot_remove(struct slot *v, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].used && !strcmp(v[i].path, path))
			v[i].used = 0;
}

void cleanup_add_dir(const char *path)
{
	slot_add(dirs, ARRAY_SIZE(dirs), path, "temp directories");
}

void cleanup_remove_dir(const char *path)
{
	slot_remove(dirs, ARRAY_SIZE(dirs), path);
}

void cleanup_add_pid(pid_t pid)
{
	install();
	for (int i = 0; i < MAX_CLEAN; i++)
		if (pids[i] <= 0) {
			pids[i] = pid;
			return;
		}
}

void cleanup_remove_pid(pid_t pid)
{
	for (int i = 0; i < MAX_CLEAN; i++)
		if (pids[i] == pid)
			pids[i] = 0;
}

void cgroup_tree_destroy(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", path, e->d_name);
		cgroup_tree_destroy(sub);
		free(sub);
	}
	if (d)
		closedir(d);
	char *kill_file = xasprintf("%s/cgroup.kill", path);
	int fd = open(kill_file, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			(void)0;	/* older kernels: the processes were killed with their group */
		close(fd);
	}
	free(kill_file);
	for (int i = 0; i < 200 && rmdir(path) && errno == EBUSY; i++)
		usleep(10000);
}

void cleanup_add_cgroup(const char *path)
{
	slot_add(cgroups, ARRAY_SIZE(cgroups), path, "cgroup trees");
}

void cleanup_remove_cgroup(const char *path)
{
	slot_remove(cgroups, ARRAY_SIZE(cgroups), path);
}

/* Normal context only (atexit, or main after a signal). */
void cleanup_run(void)
{
	/* Kill children first: QEMU must not keep files in our dirs open. */
	for (int i = 0; i < MAX_CLEAN; i++) {
		pid_t p = pids[i];
		if (p > 0) {
			kill(-p, SIGKILL);
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
			pids[i] = 0;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(cgroups); i++)
		if (cgroups[i].used) {
			cgroup_tree_destroy(cgroups[i].path);
			cgroups[i].used = 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (dirs[i].used) {
			rm_rf(dirs[i].path);
			dirs[i].used = 0;
		}
}

void die_by_signal(void)
{
	if (!interrupted)
		return;
	cleanup_run();
	signal(interrupted, SIG_DFL);
	raise(interrupted);
}

double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

bool exe_path(char *out, size_t n, bool dir)
{
	ssize_t l = readlink("/proc/self/exe", out, n - 1);
	if (l <= 0)
		return false;
	out[l] = 0;
	char *slash = strrchr(out, '/');
	if (dir && slash)
		*slash = 0;
	return !dir || slash;
}

bool find_on_path(const char *name, char *out, size_t n)
{
	const char *envpath = getenv("PATH");
	char *list = xstrdup(envpath ? envpath : "/usr/bin:/bin"), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(list, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		pathf(out, n, "%s/%s", d, name);
		found = access(out, X_OK) == 0;
	}
	free(list);
	return found;
}

/* Host code builds paths with it; the guest never links it (it exits). */
void pathf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n) {
		fprintf(stderr, "ktstr: path too long: %.80s...\n", out);
		exit(3);
	}
}
