/* cgroup: the executor's cgroup v2 layer.  Workload cgroups live under one
 * root directory (in the guest /sys/fs/cgroup/ktstr; on the host
 * <cgroup2 mount>/ktstr-<pid>).  Names are paths relative to that root
 * ("a" or "a/b").  Every call returns 0 or a negative errno, so a failing
 * op can name the errno; nothing here exits. */
#ifndef KTSTR_CGROUP_H
#define KTSTR_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cgroups {
	char root[512];		/* absolute workload root */
	char mount[512];	/* the cgroup2 mount point */
};

/* Create root under mount and enable cpu, cpuset, memory, pids for the
 * workload subtree.  missing lists controllers that could not be enabled. */
int cg_init(struct cgroups *c, const char *mount, const char *root_name,
	    char *missing, size_t missinglen);
int cg_create(const struct cgroups *c, const char *name);
int cg_write(const struct cgroups *c, const char *name, const char *file, const char *val);
/* Read a control file (trailing newline stripped) into out. */
int cg_read(const struct cgroups *c, const char *name, const char *file, char *out, size_t n);
/* The whole file (several lines), NUL-terminated. */
int cg_read_all(const struct cgroups *c, const char *name, const char *file, char *out, size_t n);
/* Kill everything in it (cgroup.kill, else SIGKILL each pid), wait up to
 * 2 s for it to empty, rmdir. */
int cg_remove(const struct cgroups *c, const char *name);
/* Pids in cgroup.procs; returns the count or a negative errno. */
int cg_procs(const struct cgroups *c, const char *name, pid_t *out, int max);
int cg_move_pid(const struct cgroups *c, const char *name, pid_t pid);
int cg_move_all(const struct cgroups *c, const char *from, const char *to);
void cg_path(const struct cgroups *c, const char *name, char *out, size_t n);
/* Remove the whole workload tree (end of run, cleanup). */
void cg_destroy_root(const struct cgroups *c);

#endif
