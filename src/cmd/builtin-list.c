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

const char *catalog_dir(void)
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

static void print_profile(const char *csv, void *ctx)
{
	(void)ctx;
	printf("  %s\n", *csv ? csv : "(no flags)");
}

static void print_profiles(const char *name, const struct ynode *sched)
{
	printf("%s:\n", name);
	if (sched_profiles(sched, print_profile, NULL) < 0)
		printf("  (more than %d flags: too many to enumerate)\n", SCHED_PROFILE_MAX_FLAGS);
}

static int list_profiles(const char *path)
{
	struct scenario s;
	struct diag d = {0};
	bool ok = scenario_load(&s, path, NULL, &d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (!ok) {
		scenario_free(&s);
		return KT_EXIT_USAGE;
	}
	if (!s.scheds.n)
		printf("%s defines no schedulers (eevdf has no flags)\n", path);
	for (size_t i = 0; i < s.scheds.n; i++)
		print_profiles(s.scheds.v[i].name, s.scheds.v[i].node);
	scenario_free(&s);
	return KT_EXIT_PASS;
}

int cmd_list(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--profiles")) {
		if (argc != 3)
			return usage_error("list", "--profiles needs one scenario file");
		return list_profiles(argv[2]);
	}
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
