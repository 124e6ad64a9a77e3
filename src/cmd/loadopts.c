/* loadopts: where commands look for what a scenario names but does not
 * define — scheduler definitions on the scheduler path (the project's
 * schedulers/, then $KTSTR_SCHEDULER_PATH), and scheduler binaries (a
 * path, a scheduler of the default kernel cache entry, a name on PATH). */
#include "builtin.h"
#include "kernel.h"
#include "proc.h"
#include "scenario.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_dir(const char *p)
{
	struct stat st;
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* The project's schedulers/: beside the executable in a build tree,
 * else the installed data directory. */
static const char *project_schedulers(void)
{
	static char dir[PATH_MAX];
	char self[PATH_MAX];
	if (exe_path(self, sizeof(self), true)) {
		pathf(dir, sizeof(dir), "%s/schedulers", self);
		if (is_dir(dir))
			return dir;
	}
	return KTSTR_DATADIR "/schedulers";
}

const char *const *scheduler_path(void)
{
	static const char *v[33];
	static char *env;
	if (v[0])
		return v;
	size_t n = 0;
	v[n++] = project_schedulers();
	const char *e = getenv("KTSTR_SCHEDULER_PATH");
	env = xstrdup(e ? e : "");
	char *save = NULL;
	for (char *d = strtok_r(env, ":", &save); d && n < 32; d = strtok_r(NULL, ":", &save))
		v[n++] = d;
	v[n] = NULL;
	return v;
}

bool scheduler_binary_exists(const char *name)
{
	char path[PATH_MAX];
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	struct kernel k;
	char err[256];
	if (kernel_resolve(NULL, &k, err, sizeof(err)) && kernel_scheduler(&k, name, path, sizeof(path)))
		return true;
	return find_on_path(name, path, sizeof(path));
}

void cli_load_opts(struct load_opts *lo)
{
	lo->sched_path = scheduler_path();
	lo->sched_binary = scheduler_binary_exists;
}
