/* builtin-gauntlet: `ktstr gauntlet` runs the matrix of scenarios x
 * topology presets x schedulers (and flag profiles) x kernels x repeats,
 * in parallel VMs within the host's CPUs and memory and a time budget,
 * optionally one shard of it; `ktstr gauntlet merge` joins shard outputs.
 * Every axis value is checked before anything boots. */
#include "builtin.h"
#include "kernel.h"
#include "matrix.h"
#include "proc.h"
#include "runner.h"
#include "scenario.h"
#include "result.h"
#include "summary.h"
#include "types.h"
#include "util.h"
#include "vm.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* --level smoke caps every scenario's duration here: at 1 s the catalog's
 * fairness claims failed falsely (steady_llc's spread reached 40 pp of
 * 25 under EEVDF in 1 of 4 runs), at 2 s none did (worst 20.6); see
 * docs/thresholds.md. */
#define SMOKE_DURATION "2s"

struct gopts {
	char *topologies, *schedulers, *kernels;
	bool profiles;
	int repeat, jobs;
	double budget_s;
	bool smoke;
	const char *out;
	unsigned shard, shards;
	bool shard_given;
	bool dry_run;		/* print the cells, run nothing */
	struct sched_opts so;	/* passed on to every cell's run */
};

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool parse_budget(const char *s, double *out)
{
	uint64_t ns;
	if (!parse_dur(s, &ns) || !ns)
		return false;
	*out = (double)ns / 1e9;
	return true;
}

/* Shard counts beyond this are a typo, not a CI. */
#define MAX_SHARDS 100000

static bool parse_shard(const char *s, unsigned *i, unsigned *n)
{
	unsigned long ai, bn;
	if (!cmd_parse_slash_pair(s, MAX_SHARDS, &ai, &bn) || !bn || ai >= bn)
		return false;
	*i = (unsigned)ai, *n = (unsigned)bn;
	return true;
}

/* One CI's pair of variables: an index (counted from base) and a total. */
struct shard_env {
	const char *index, *total;
	unsigned base;
	bool total_alone;	/* the total without an index means no shards */
};

/* The CI runner's shard when --shard is not given: KTSTR_SHARD=I/N
 * (what the example GitHub workflow sets from its matrix), GitLab's
 * parallel jobs (1-based), a Kubernetes Indexed Job (0-based, with
 * KTSTR_SHARD_TOTAL = its completions); the first that is set decides.
 * A value that does not parse, is out of range or lacks its pair is an
 * error: ignored, every shard would run the whole matrix. */
static int shard_from_env(struct gopts *g)
{
	static const struct shard_env pairs[] = {
		/* GitLab sets CI_NODE_TOTAL=1 in every job without parallel: */
		{"CI_NODE_INDEX", "CI_NODE_TOTAL", 1, true},
		{"JOB_COMPLETION_INDEX", "KTSTR_SHARD_TOTAL", 0, false},
	};
	const char *k = getenv("KTSTR_SHARD");
	if (k) {
		if (parse_shard(k, &g->shard, &g->shards))
			return 0;
		fprintf(stderr, "ktstr: gauntlet: KTSTR_SHARD='%s'; expected I/N with 0 <= I < N <= %d\n", k, MAX_SHARDS);
		return KT_EXIT_USAGE;
	}
	for (size_t p = 0; p < ARRAY_SIZE(pairs); p++) {
		const struct shard_env *e = &pairs[p];
		const char *iv = getenv(e->index), *tv = getenv(e->total);
		unsigned long i, n;
		if (!iv && (!tv || e->total_alone))
			continue;
		if (!iv || !tv) {
			fprintf(stderr, "ktstr: gauntlet: %s is set without %s; expected both, or --shard I/N\n",
				iv ? e->index : e->total, iv ? e->total : e->index);
			return KT_EXIT_USAGE;
		}
		if (!cmd_parse_ulong(tv, 1, MAX_SHARDS, &n)) {
			fprintf(stderr, "ktstr: gauntlet: %s='%s'; expected a shard count, 1 to %d\n", e->total, tv, MAX_SHARDS);
			return KT_EXIT_USAGE;
		}
		if (!cmd_parse_ulong(iv, e->base, n - 1 + e->base, &i)) {
			fprintf(stderr, "ktstr: gauntlet: %s='%s'; expected a shard index, %u to %lu (%s is %lu)\n", e->index, iv,
				e->base, n - 1 + e->base, e->total, n);
			return KT_EXIT_USAGE;
		}
		g->shard = (unsigned)(i - e->base), g->shards = (unsigned)n;
		return 0;
	}
	return 0;
}

/* ---- the axes, checked ------------------------------------------------------------ */

/* An axis given as a comma list (*v stays NULL when the option is not
 * given: the default); 0 or the usage error's exit. */
static int split_axis(const char *opt, char *arg, char ***v, size_t *n)
{
	if (!arg)
		return 0;
	if ((*v = cmd_split_list(arg, n)) && *n)
		return 0;
	return usage_error("gauntlet", "--%s '%s' has an empty entry; expected a comma list of names, none empty", opt,
			   arg);
}

static void add_scenarios_of(struct matrix *m, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l > 5 && !strcmp(e->d_name + l - 5, ".yaml")) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xasprintf("%s/%s", dir, e->d_name);
		}
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof(*names), cmp_strp);
	m->scenarios = (const char **)names;
	m->nscenarios = n;
}

struct profile_ctx {
	struct matrix *m;
	const char *name;
};

static void add_profile(const char *csv, void *ctx)
{
	struct profile_ctx *p = ctx;
	struct matrix *m = p->m;
	m->variants = xrealloc(m->variants, (m->nvariants + 1) * sizeof(*m->variants));
	struct variant *v = &m->variants[m->nvariants++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", p->name);
	snprintf(v->flags, sizeof(v->flags), "%s", csv);
}

/* --profiles all: a scheduler named without flags runs every profile of
 * its definition (found as `run --scheduler` finds it). */
static bool expand_profiles(struct matrix *m, const struct variant *v, const char *scenario)
{
	if (!strcmp(v->name, "eevdf") || *v->flags)
		return false;
	struct load_opts lo = {.scheduler = v->name};
	cli_load_opts(&lo);
	struct scenario s;
	struct diag d = {0};
	bool ok = scenario_load(&s, scenario, &lo, &d);
	diag_free(&d);
	struct profile_ctx ctx = {m, v->name};
	bool done = ok && s.sched && ynode_get(s.sched, "flags") && sched_profiles(s.sched, add_profile, &ctx) > 0;
	scenario_free(&s);
	return done;
}

/* A kernel given as a source tree (a developer's branch) or tarball is
 * built into the cache first (`ktstr kernel build --source`: a cache hit
 * when it was built before), and the axis then names the entry. */
static char **built;	/* entries of kernels built from sources, freed at the end */

static bool build_kernel(struct matrix *m, size_t i)
{
	char entry[PATH_MAX] = "";
	fprintf(stderr, "ktstr: gauntlet: kernel %s is a source: building it into the cache (minutes the first time)\n",
		m->kernels[i]);
	struct kernel_build_opts o = {.source = m->kernels[i], .entry = entry, .entry_size = sizeof(entry)};
	if (kernel_build(&o) || !*entry) {
		fprintf(stderr, "ktstr: gauntlet: building kernel %s failed (see above)\n", m->kernels[i]);
		return false;
	}
	m->kernels[i] = built[i] = xstrdup(entry);
	return true;
}

static int check_axes(struct gopts *g, struct matrix *m, char **sched_specs, size_t nsched)
{
	int bad = 0;
	for (size_t i = 0; i < m->ntopologies; i++)
		if (!preset_find(m->topologies[i])) {
			fprintf(stderr, "ktstr: gauntlet: unknown topology preset '%s'; expected one of:", m->topologies[i]);
			for (const struct preset *p = presets; p->name; p++)
				fprintf(stderr, " %s", p->name);
			fputc('\n', stderr);
			bad++;
		}
	for (size_t i = 0; i < nsched; i++) {
		struct variant v;
		if (!variant_parse(sched_specs[i], &v)) {
			fprintf(stderr, "ktstr: gauntlet: scheduler '%s'; expected NAME or NAME:flag+flag\n", sched_specs[i]);
			bad++;
			continue;
		}
		if (!(g->profiles && m->nscenarios && expand_profiles(m, &v, m->scenarios[0]))) {
			m->variants = xrealloc(m->variants, (m->nvariants + 1) * sizeof(*m->variants));
			m->variants[m->nvariants++] = v;
		}
	}
	for (size_t i = 0; i < m->nkernels; i++) {
		struct kernel k;
		char err[1024];
		if (*m->kernels[i] && kernel_is_source(m->kernels[i])) {
			bad += !build_kernel(m, i);
			continue;
		}
		if (*m->kernels[i] && !kernel_resolve(m->kernels[i], &k, err, sizeof(err))) {
			fprintf(stderr, "ktstr: gauntlet: kernel: %s\n", err);
			bad++;
		}
	}
	return bad;
}

/* Loads every (scenario, topology, scheduler) once: unknown schedulers
 * and flags, invalid files — every one printed — and each cell's guest
 * memory for the runner. */
static int check_cells(struct matrix *m, unsigned *mib)
{
	int bad = 0;
	unsigned *per = xcalloc(m->nscenarios * m->ntopologies * m->nvariants, sizeof(*per));
	for (size_t s = 0; s < m->nscenarios; s++)
		for (size_t t = 0; t < m->ntopologies; t++)
			for (size_t v = 0; v < m->nvariants; v++) {
				const struct preset *p = preset_find(m->topologies[t]);
				struct topology topo;
				char why[256];
				if (!p)
					continue;	/* reported with the axes */
				struct load_opts lo = {.scheduler = m->variants[v].name};
				cli_load_opts(&lo);
				char *flags = xstrdup(m->variants[v].flags);
				size_t nf;
				char **fl = cmd_split_list(flags, &nf);	/* variant_parse refused empty flags */
				lo.flags = (const char *const *)fl;
				if (p->topology && topo_parse(p->topology, &topo, why, sizeof(why)))
					lo.topology = &topo;
				struct kb_program prog;
				int rc = load_program(m->scenarios[s], &prog, &lo, NULL, 0);
				if (rc) {
					fprintf(stderr, "  (in %s under %s on %s)\n", m->scenarios[s], m->variants[v].name,
						m->topologies[t]);
					bad++;
				} else {
					per[(s * m->ntopologies + t) * m->nvariants + v] = prog.memory_mib;
					kb_free(&prog);
				}
				free(fl);
				free(flags);
			}
	for (size_t i = 0; i < m->ncells; i++) {
		const struct cell *c = &m->cells[i];
		mib[i] = per[(c->scenario * m->ntopologies + c->topology) * m->nvariants + c->variant];
	}
	free(per);
	return bad;
}

/* ---- running ------------------------------------------------------------------------- */

static void on_done(const struct matrix *m, const struct cell *c, const struct cell_result *r, void *ctx)
{
	(void)m, (void)ctx;
	printf("  %-5s %s (%.0f s)%s%s\n", r->verdict, c->id, r->wall_s, strcmp(r->verdict, "pass") ? ": " : "",
	       strcmp(r->verdict, "pass") ? r->reason : "");
	fflush(stdout);
}

/* One VM per host CPU under single-threaded TCG (a VM is one busy
 * thread); under KVM one per vCPU-sized slice of the host's CPUs. */
static int default_jobs(const struct matrix *m)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char why[256];
	if (accel_choose(ACCEL_AUTO, why, sizeof(why)) != ACCEL_KVM)
		return cpus > 0 ? (int)cpus : 1;
	unsigned widest = 1;
	for (size_t t = 0; t < m->ntopologies; t++) {
		const struct preset *p = preset_find(m->topologies[t]);
		struct topology topo;
		if (p && p->topology && topo_parse(p->topology, &topo, why, sizeof(why)) && topo_ncpus(&topo) > widest)
			widest = topo_ncpus(&topo);
	}
	long j = cpus / (long)widest;
	return j > 0 ? (int)j : 1;
}

static void default_out(char *out, size_t n)
{
	char stamp[32];
	time_t t = time(NULL);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
	snprintf(out, n, "%s/gauntlet-%s", runs_dir(), stamp);
}

static int run_matrix(struct gopts *g, struct matrix *m, unsigned *mib)
{
	char out[PATH_MAX], self[PATH_MAX], err[4600];
	if (g->out)
		snprintf(out, sizeof(out), "%s", g->out);
	else
		default_out(out, sizeof(out));
	mkdir(runs_dir(), 0755);
	mkdir(out, 0755);
	if (!exe_path(self, sizeof(self), false))
		*self = 0;
	struct runner_opts ro = {
		.jobs = g->jobs ? g->jobs : default_jobs(m), .budget_s = g->budget_s, .out_dir = out,
		.max_duration = g->smoke ? SMOKE_DURATION : NULL, .self = self, .cell_mib = mib,
		.attach_timeout = g->so.attach_timeout, .watchdog = g->so.watchdog,
		.progress = isatty(STDERR_FILENO), .on_done = on_done,
	};
	printf("gauntlet: %zu cells (shard %u/%u), -j %d, results in %s\n", m->ncells, g->shard, g->shards, ro.jobs, out);
	fflush(stdout);
	struct cell_result *res = xcalloc(m->ncells ? m->ncells : 1, sizeof(*res));
	runner_run(m, &ro, res);
	cJSON *doc = gauntlet_doc(m, res, g->shard, g->shards);
	gauntlet_ab(doc, stdout);
	gauntlet_print(doc, stdout);
	int rc = gauntlet_exit(doc);
	if (!gauntlet_write(doc, out, err, sizeof(err))) {
		fprintf(stderr, "ktstr: gauntlet: %s\n", err);
		rc = KT_EXIT_INFRA;
	}
	printf("summary: %s/gauntlet.json, junit: %s/junit.xml\n", out, out);
	cJSON_Delete(doc);
	free(res);
	return runner_stop ? 128 + runner_stop : rc;
}

/* --dry-run: the cells this invocation (this shard) would run, in order. */
static int print_cells(const struct matrix *m, const unsigned *mib)
{
	for (size_t i = 0; i < m->ncells; i++)
		printf("%4zu %s (%u MiB)\n", m->cells[i].index, m->cells[i].id, mib[i]);
	printf("%zu cells\n", m->ncells);
	return KT_EXIT_PASS;
}

/* ---- the options ------------------------------------------------------------------------- */

static const struct cmd_option opts[] = {
	{"topologies", 0, required_argument, 't', "P,...", "topology presets (default own; see --list-presets)"},
	{"schedulers", 0, required_argument, 's', "S[:flag+flag],...", "schedulers, with flags (default eevdf)"},
	{"profiles", 0, required_argument, 'p', "all|none", "all: a scheduler without flags runs every profile"},
	{"kernels", 0, required_argument, 'k', "K,...", "cache entries, bzImages or source trees (default newest)"},
	{"repeat", 0, required_argument, 'r', "N", "run every cell N times, 1 to 1000"},
	{"jobs", 'j', required_argument, 'j', "N", "VMs at once, 1 to 256 (default: from the host's CPUs)"},
	{"budget", 0, required_argument, 'b', "DUR", "start no cell after DUR"},
	{"level", 0, required_argument, 'l', "smoke|full", "smoke: cap every scenario at " SMOKE_DURATION},
	{"out", 0, required_argument, 'o', "DIR", "the results' directory (default a new one in the runs dir)"},
	{"shard", 0, required_argument, 'S', "I/N", "run shard I of N (default from the CI's environment)"},
	SCHED_OPTIONS,
	{"dry-run", 0, no_argument, 'n', NULL, "print the cells in run order and run nothing"},
	{"list-presets", 0, no_argument, 'L', NULL, "print the topology presets and exit"},
	{0},
};

static const struct cmd_option merge_opts[] = {
	{"out", 0, required_argument, 'o', "DIR", "also write the merged summary and JUnit XML into DIR"},
	{0},
};

const struct cmd_usage gauntlet_usage[] = {
	{NULL, opts, "[SCENARIO...]"},
	{"merge", merge_opts, "DIR..."},
	{0},
};

/* ---- merge --------------------------------------------------------------------------- */

static int merge(int argc, char **argv)
{
	const char *out = NULL;
	cJSON **docs = NULL;
	size_t n = 0;
	int rc = KT_EXIT_PASS, c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, merge_opts)) != -1) {
		if (c != 'o')
			return usage_error("gauntlet", "bad option");
		out = optarg;
	}
	for (int i = optind; i < argc; i++) {
		char path[PATH_MAX];
		pathf(path, sizeof(path), "%s/gauntlet.json", argv[i]);
		size_t len;
		char *text = read_file(path, &len, 256u << 20);
		cJSON *d = text ? cJSON_ParseWithLength(text, len) : NULL;
		free(text);
		if (!d) {
			fprintf(stderr, "ktstr: gauntlet merge: %s is not a gauntlet summary\n", path);
			rc = KT_EXIT_USAGE;
			continue;
		}
		docs = xrealloc(docs, (n + 1) * sizeof(*docs));
		docs[n++] = d;
	}
	char err[4600];
	cJSON *m = rc ? NULL : gauntlet_merge(docs, n, err, sizeof(err));
	if (!rc && !m) {
		fprintf(stderr, "ktstr: gauntlet merge: %s\n", err);
		rc = KT_EXIT_USAGE;
	}
	if (m) {
		gauntlet_ab(m, stdout);
		gauntlet_print(m, stdout);
		rc = gauntlet_exit(m);
		if (out) {
			mkdir(out, 0755);
			if (!gauntlet_write(m, out, err, sizeof(err))) {
				fprintf(stderr, "ktstr: gauntlet merge: %s\n", err);
				rc = KT_EXIT_INFRA;
			}
		}
		cJSON_Delete(m);
	}
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(docs[i]);
	free(docs);
	return rc;
}

static void list_presets(void)
{
	for (const struct preset *p = presets; p->name; p++)
		printf("%-10s %-10s %s\n", p->name, p->topology ? p->topology : "-", p->what);
}

int cmd_gauntlet(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "merge"))
		return merge(argc - 1, argv + 1);
	struct gopts g = {.repeat = 1, .shards = 1};
	char own[] = "own", eevdf[] = "eevdf", none[] = "";
	unsigned long u;
	int c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case 't': g.topologies = optarg; break;
		case 's': g.schedulers = optarg; break;
		case 'k': g.kernels = optarg; break;
		case 'o': g.out = optarg; break;
		case 'L': list_presets(); return KT_EXIT_PASS;
		case 'n': g.dry_run = true; break;
		case 'p':
			if (strcmp(optarg, "all") && strcmp(optarg, "none"))
				return usage_error("gauntlet", "--profiles %s; expected all or none", optarg);
			g.profiles = !strcmp(optarg, "all");
			break;
		case 'r':
			if (!cmd_parse_ulong(optarg, 1, 1000, &u))
				return usage_error("gauntlet", "--repeat %s; expected 1 to 1000", optarg);
			g.repeat = (int)u;
			break;
		case 'j':
			if (!cmd_parse_ulong(optarg, 1, 256, &u))
				return usage_error("gauntlet", "-j %s; expected 1 to 256", optarg);
			g.jobs = (int)u;
			break;
		case 'b':
			if (!parse_budget(optarg, &g.budget_s))
				return usage_error("gauntlet", "--budget %s; expected a duration such as 30m", optarg);
			break;
		case 'l':
			if (strcmp(optarg, "smoke") && strcmp(optarg, "full"))
				return usage_error("gauntlet", "--level %s; expected smoke or full", optarg);
			g.smoke = !strcmp(optarg, "smoke");
			break;
		case 'S':
			if (!parse_shard(optarg, &g.shard, &g.shards))
				return usage_error("gauntlet", "--shard %s; expected I/N with 0 <= I < N <= %d", optarg, MAX_SHARDS);
			g.shard_given = true;
			break;
		case SCHED_OPT_ATTACH_TIMEOUT:
		case SCHED_OPT_WATCHDOG: {
			int bad = sched_opts_parse("gauntlet", &g.so, c, optarg);
			if (bad)
				return bad;
			break;
		}
		default:
			return usage_error("gauntlet", "bad option");
		}
	}
	int rc = g.shard_given ? 0 : shard_from_env(&g);
	char **tv = NULL, **sv = NULL, **kv = NULL;
	size_t nsched = 1;
	struct matrix m = {.repeat = g.repeat, .ntopologies = 1, .nkernels = 1};
	if (!rc)
		rc = split_axis("topologies", g.topologies, &tv, &m.ntopologies);
	if (!rc)
		rc = split_axis("schedulers", g.schedulers, &sv, &nsched);
	if (!rc)
		rc = split_axis("kernels", g.kernels, &kv, &m.nkernels);
	if (rc) {
		free(tv), free(sv), free(kv);
		return rc;
	}
	if (optind < argc) {
		m.scenarios = (const char **)argv + optind;
		m.nscenarios = (size_t)(argc - optind);
	} else {
		add_scenarios_of(&m, catalog_dir());
	}
	char *own_v[] = {own}, *eevdf_v[] = {eevdf}, *none_v[] = {none};
	m.topologies = (const char **)(tv ? tv : own_v);
	m.kernels = (const char **)(kv ? kv : none_v);
	built = xcalloc(m.nkernels, sizeof(*built));
	int bad = check_axes(&g, &m, sv ? sv : eevdf_v, nsched);
	matrix_expand(&m);
	unsigned *mib = xcalloc(m.ncells ? m.ncells : 1, sizeof(*mib));
	bad += check_cells(&m, mib);
	if (bad) {
		fprintf(stderr, "ktstr: gauntlet: %d problem%s above; nothing was run\n", bad, bad > 1 ? "s" : "");
		rc = KT_EXIT_USAGE;
	} else {
		unsigned *keep = mib;
		if (g.shards > 1) {	/* the shard's own cells and their memory */
			keep = xcalloc(m.ncells ? m.ncells : 1, sizeof(*keep));
			for (size_t i = 0, k = 0; i < m.ncells; i++)
				if (i % g.shards == g.shard)
					keep[k++] = mib[i];
			matrix_shard(&m, g.shard, g.shards);
		}
		rc = g.dry_run ? print_cells(&m, keep) : run_matrix(&g, &m, keep);
		if (keep != mib)
			free(keep);
	}
	free(mib);
	matrix_free(&m);
	free(m.variants);
	free(tv), free(sv), free(kv);
	for (size_t i = 0; i < m.nkernels; i++)
		free(built[i]);
	free(built);
	if (optind >= argc) {
		for (size_t i = 0; i < m.nscenarios; i++)
			free((char *)m.scenarios[i]);
		free(m.scenarios);
	}
	return rc;
}
