/* builtin-list: `ktstr list [DIR]` prints each catalog scenario with its
 * one-line description.  DIR defaults to $KTSTR_SCENARIOS, ./scenarios,
 * then the installed catalog. */
#include "builtin.h"
#include "scenario.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *catalog_dir(void)
{
	const char *env = getenv("KTSTR_SCENARIOS");
	struct stat st;
	if (env && *env)
		return env;
	if (!stat("scenarios", &st) && S_ISDIR(st.st_mode))
		return "scenarios";
	return KTSTR_DATADIR "/scenarios";
}

static bool is_yaml(const char *n)
{
	size_t l = strlen(n);
	return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml"));
}

int cmd_list(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : catalog_dir();
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "ktstr: cannot open scenario directory %s\n", dir);
		return KT_EXIT_USAGE;
	}
	char *names[1024];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < ARRAY_SIZE(names))
		if (is_yaml(e->d_name))
			names[n++] = xstrdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	int rc = KT_EXIT_PASS;
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct scenario s;
		struct diag dg = {0};
		bool ok = scenario_load(&s, path, NULL, &dg);
		const struct ynode *desc = s.root ? ynode_get(s.root, "description") : NULL;
		char topo[64];
		topo_format(&s.topo, topo, sizeof(topo));
		printf("%-20s %-10s %s%s\n", s.name ? s.name : names[i], ok ? topo : "INVALID",
		       desc && desc->kind == YN_SCALAR ? desc->str : "",
		       ok ? "" : " (run ktstr validate)");
		if (!ok)
			rc = KT_EXIT_USAGE;
		diag_free(&dg);
		scenario_free(&s);
		free(path);
		free(names[i]);
	}
	return rc;
}
