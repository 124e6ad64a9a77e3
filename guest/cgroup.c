/* cgroup: cgroup v2 directory and control-file operations. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const controllers[] = {"cpu", "cpuset", "memory", "pids"};

void cg_path(const struct cgroups *c, const char *name, char *out, size_t n)
{
	if (name && *name)
		snprintf(out, n, "%s/%s", c->root, name);
	else
		snprintf(out, n, "%s", c->root);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, val, strlen(val));
	int e = w < 0 ? -errno : 0;
	close(fd);
	return e;
}

static void enable_controllers(const char *dir, char *missing, size_t n)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++) {
		char v[32];
		snprintf(v, sizeof(v), "+%s", controllers[i]);
		if (write_file(path, v) && missing) {
			size_t l = strlen(missing);
			snprintf(missing + l, n - l, "%s%s", l ? " " : "", controllers[i]);
		}
	}
}

int cg_init(struct cgroups *c, const char *mount, const char *root_name,
	    char *missing, size_t missinglen)
{
	snprintf(c->mount, sizeof(c->mount), "%s", mount);
	snprintf(c->root, sizeof(c->root), "%s/%s", mount, root_name);
	if (missing)
		missing[0] = 0;
	enable_controllers(mount, missing, missinglen);
	if (mkdir(c->root, 0755) && errno != EEXIST)
		return -errno;
	enable_controllers(c->root, NULL, 0);
	return 0;
}

int cg_create(const struct cgroups *c, const char *name)
{
	char path[600];
	const char *slash = strrchr(name, '/');
	if (slash) {
		/* A nested cgroup needs the controllers delegated by its parent. */
		char parent[600];
		snprintf(parent, sizeof(parent), "%s/%.*s", c->root, (int)(slash - name), name);
		enable_controllers(parent, NULL, 0);
	}
	cg_path(c, name, path, sizeof(path));
	return mkdir(path, 0755) ? -errno : 0;
}

int cg_write(const struct cgroups *c, const char *name, const char *file, const char *val)
{
	char path[700], dir[600];
	cg_path(c, name, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_file(path, val);
}

int cg_read_all(const struct cgroups *c, const char *name, const char *file, char *out, size_t n)
{
	char path[700], dir[600];
	cg_path(c, name, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, out, n - 1);
	int e = r < 0 ? -errno : 0;
	close(fd);
	out[r > 0 ? r : 0] = 0;
	return e;
}

int cg_read(const struct cgroups *c, const char *name, const char *file, char *out, size_t n)
{
	int e = cg_read_all(c, name, file, out, n);
	out[strcspn(out, "\n")] = 0;
	return e;
}

int cg_procs(const struct cgroups *c, const char *name, pid_t *out, int max)
{
	char path[700], dir[600], line[64];
	cg_path(c, name, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		char *end;
		long pid = strtol(line, &end, 10);
		if (end != line && pid > 0 && n < max)
			out[n++] = (pid_t)pid;
	}
	fclose(f);
	return n;
}

int cg_move_pid(const struct cgroups *c, const char *name, pid_t pid)
{
	char v[32];
	snprintf(v, sizeof(v), "%d", (int)pid);
	return cg_write(c, name, "cgroup.procs", v);
}

int cg_move_all(const struct cgroups *c, const char *from, const char *to)
{
	pid_t pids[4096];
	int n = cg_procs(c, from, pids, 4096);
	if (n < 0)
		return n;
	int moved = 0, err = 0;
	for (int i = 0; i < n; i++) {
		int e = cg_move_pid(c, to, pids[i]);
		if (!e)
			moved++;
		else if (e != -ESRCH)
			err = e;
	}
	/* Tasks that exited meanwhile are fine; none moved is not. */
	return n && !moved ? (err ? err : -ESRCH) : err;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int cg_remove(const struct cgroups *c, const char *name)
{
	char path[600];
	cg_path(c, name, path, sizeof(path));
	if (cg_write(c, name, "cgroup.kill", "1")) {
		pid_t pids[4096];
		int n = cg_procs(c, name, pids, 4096);
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
	}
	for (int tries = 0; tries < 200; tries++) {
		if (!rmdir(path) || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		sleep_ms(10);
	}
	return -EBUSY;
}

static void destroy(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char sub[1024];
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		destroy(sub);
	}
	if (d)
		closedir(d);
	char kill_path[1100];
	snprintf(kill_path, sizeof(kill_path), "%s/cgroup.kill", dir);
	write_file(kill_path, "1");
	for (int tries = 0; tries < 200 && rmdir(dir) && errno == EBUSY; tries++)
		sleep_ms(10);
}

void cg_destroy_root(const struct cgroups *c)
{
	destroy(c->root);
}
