/* builtin-list: `ktstr list [DIR]` prints each catalog scenario with its
 * one-line description; `--payloads` the payload catalog (the payload
 * path), `--profiles FILE` a file's scheduler flag profiles.  DIR defaults to $KTSTR_SCENARIOS, ./scenarios,
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
	struct load_opts lo = {0};
	cli_load_opts(&lo);
	bool ok = scenario_load(&s, path, &lo, &d);
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

static const char *field(const struct ynode *def, const char *key, const char *dflt)
{
	const struct ynode *v = ynode_get(def, key);
	if (v && v->kind == YN_MAP && v->n)
		return v->keys[0]->str;
	return v && v->kind == YN_SCALAR ? v->str : dflt;
}

/* `ktstr list --payloads`: the payload catalog, by file. */
static int list_payloads(void)
{
	const char *const *path = payload_path();
	int rc = KT_EXIT_PASS;
	for (size_t i = 0; path[i]; i++) {
		size_t n;
		char **files = dir_files(path[i], ".yaml", NULL, &n);
		for (size_t k = 0; files && files[k]; k++) {
			struct scenario s;
			struct diag d = {0};
			bool ok = scenario_load(&s, files[k], NULL, &d);
			for (size_t j = 0; ok && j < s.payloads.n; j++) {
				const struct ynode *def = s.payloads.v[j].node;
				printf("%-24s %-10s %s\n", s.payloads.v[j].name, field(def, "output", "exit_code"),
				       field(def, "binary", "?"));
			}
			if (!ok) {
				printf("%-24s INVALID    (ktstr validate %s)\n", files[k], files[k]);
				rc = KT_EXIT_USAGE;
			}
			diag_free(&d);
			scenario_free(&s);
		}
		dir_files_free(files);
	}
	return rc;
}

static const struct cmd_option opts[] = {
	{"payloads", 0, no_argument, 'P', NULL, "list the payload catalog instead"},
	{"profiles", 0, required_argument, 'p', "FILE", "list FILE's scheduler flag profiles instead"},
	{0},
};

const struct cmd_usage list_usage[] = {{NULL, opts, "[DIR]"}, {0}};

int cmd_list(int argc, char **argv)
{
	bool payloads = false;
	const char *profiles = NULL;
	int c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		if (c == 'P')
			payloads = true;
		else if (c == 'p')
			profiles = optarg;
		else if (optopt == 'p')
			return usage_error("list", "--profiles needs one scenario file");
		else
			return usage_error("list", "bad option");
	}
	if (payloads)
		return optind == argc && !profiles ? list_payloads() : usage_error("list", "--payloads takes no argument");
	if (profiles)
		return optind == argc ? list_profiles(profiles) : usage_error("list", "--profiles needs one scenario file");
	if (argc - optind > 1)
		return usage_error("list", "unexpected argument '%s'", argv[optind + 1]);
	const char *dir = optind < argc ? argv[optind] : catalog_dir();
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
		struct load_opts lo = {0};
		cli_load_opts(&lo);
		bool ok = scenario_load(&s, path, &lo, &dg);
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
