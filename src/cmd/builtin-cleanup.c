/* builtin-cleanup: `ktstr cleanup` removes what killed runs left behind:
 * cgroup subtrees ktstr-<pid> of dead processes under the cgroup2 mount,
 * temp directories /tmp/ktstr-* whose owner is gone, and half-built kernel
 * cache entries. */
#include "builtin.h"
#include "hostrun.h"
#include "kernel.h"
#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0);
}

/* "prefix<pid>..." names whose pid is dead. */
static int sweep(const char *dir, const char *prefix, bool cgroup, int min_age_s)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int removed = 0;
	size_t pl = strlen(prefix);
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, prefix, pl))
			continue;
		char path[PATH_MAX];
		pathf(path, sizeof(path), "%s/%s", dir, e->d_name);
		long pid = strtol(e->d_name + pl, NULL, 10);
		struct stat st;
		bool old = !stat(path, &st) && time(NULL) - st.st_mtime >= min_age_s;
		if (pid ? pid_alive(pid) : !old)
			continue;
		if (cgroup)
			cgroup_tree_destroy(path);
		else
			rm_rf(path);
		printf("removed %s\n", path);
		removed++;
	}
	if (d)
		closedir(d);
	return removed;
}

int cmd_cleanup(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error("cleanup", "takes no arguments");
	char mount[PATH_MAX], kernels[PATH_MAX];
	int n = 0;
	if (cgroup2_mount(mount, sizeof(mount)))
		n += sweep(mount, "ktstr-", true, 0);
	/* Temp dirs carry no pid: remove the ones idle for 10 minutes. */
	static const char *const kinds[] = {"ktstr-vm-", "ktstr-run-", "ktstr-shell-", "ktstr-host-"};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		n += sweep(temp_root(), kinds[i], false, 600);
	pathf(kernels, sizeof(kernels), "%s/kernels", cache_dir());
	/* .tmp-<key>-<pid>: the pid follows the last '-'; sweep by age. */
	n += sweep(kernels, ".tmp-", false, 3600);
	printf("%d item%s removed\n", n, n == 1 ? "" : "s");
	return KT_EXIT_PASS;
}
