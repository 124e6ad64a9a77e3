/* loadopts: where commands look for what a scenario names but does not
 * define — scheduler definitions on the scheduler path (the project's
 * schedulers/, then $KTSTR_SCHEDULER_PATH), payload definitions on the
 * payload path (payloads/, then $KTSTR_PAYLOAD_PATH), and scheduler
 * binaries (a path, a scheduler of the default kernel cache entry, a
 * name on PATH). */
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

/* The project's NAME/ (schedulers, payloads): beside the executable in a
 * build tree (or in its source tree when they are apart), else the
 * installed data directory. */
static const char *project_dir(const char *name, char *dir, size_t n)
{
	char self[PATH_MAX];
	if (exe_path(self, sizeof(self), true)) {
		pathf(dir, n, "%s/%s", self, name);
		if (is_dir(dir))
			return dir;
		/* a build tree apart from its sources (VPATH, make distcheck) */
		pathf(dir, n, "%s/%s", KTSTR_SRCDIR, name);
		if (!strcmp(self, KTSTR_BUILDDIR) && is_dir(dir))
			return dir;
	}
	pathf(dir, n, "%s/%s", KTSTR_DATADIR, name);
	return dir;
}

/* The project's NAME/, then the directories of $ENV (colon-separated);
 * v points into *keep, the caller's static copy of $ENV. */
static void search_path(const char **v, size_t max, const char *name, const char *env, char *dir, size_t n,
			char **keep)
{
	size_t k = 0;
	v[k++] = project_dir(name, dir, n);
	const char *e = getenv(env);
	char *copy = *keep = xstrdup(e ? e : ""), *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && k < max - 1; d = strtok_r(NULL, ":", &save))
		v[k++] = d;
	v[k] = NULL;
}

const char *const *scheduler_path(void)
{
	static const char *v[33];
	static char dir[PATH_MAX], *env;
	if (!v[0])
		search_path(v, ARRAY_SIZE(v), "schedulers", "KTSTR_SCHEDULER_PATH", dir, sizeof(dir), &env);
	return v;
}

const char *const *payload_path(void)
{
	static const char *v[33];
	static char dir[PATH_MAX], *env;
	if (!v[0])
		search_path(v, ARRAY_SIZE(v), "payloads", "KTSTR_PAYLOAD_PATH", dir, sizeof(dir), &env);
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
	lo->payload_path = payload_path();
	lo->sched_binary = scheduler_binary_exists;
}
