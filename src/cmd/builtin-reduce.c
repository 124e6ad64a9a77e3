/* builtin-reduce: `ktstr reduce FILE.yaml` shrinks a failing scenario to
 * a small one that still fails the same way: it runs the original to
 * learn its failure signature, then tries the reductions of
 * src/reduce/passes.c, coarse to fine, several VMs at a time (the
 * gauntlet's runner), and writes the smallest reproducer found — also
 * when the budget runs out or on SIGINT. */
#include "builtin.h"
#include "matrix.h"
#include "passes.h"
#include "proc.h"
#include "reduce.h"
#include "runner.h"
#include "scenario.h"
#include "signature.h"
#include "types.h"
#include "util.h"
#include "ydom.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --repeat default: 2 of 2.  Halving the RT-throttling scenario to 1 s
 * made its failure flaky (2 of 4 runs), and with 1 of 1 the reducer kept
 * that candidate; two failing runs of two keep such a candidate a
 * quarter as often.  The output is then run VERIFY_RUNS times and the
 * header says how often it failed. */
#define DEFAULT_K 2
#define DEFAULT_N 2
#define VERIFY_RUNS 3

struct rctx {
	const char *file;
	struct load_opts lo;
	struct sched_opts so;	/* passed on to every candidate's run */
	struct variant variant;
	int jobs, k, n;		/* --repeat K/N */
	double budget_s, t0;
	char dir[PATH_MAX];	/* candidates and their runs */
	unsigned serial;
	struct signature sig;
	struct strbuf log;
	char self[PATH_MAX];
};

/* ---- running candidates -------------------------------------------------------- */

static bool valid_text(const char *text, void *ctx)
{
	struct rctx *r = ctx;
	struct scenario s;
	struct diag d = {0};
	bool ok = scenario_load_buf(&s, r->file, text, strlen(text), &r->lo, &d) && !s.unfit;
	scenario_free(&s);
	diag_free(&d);
	return ok;
}

static cJSON *load_result(const char *path)
{
	size_t len;
	char *text = *path ? read_file(path, &len, 256u << 20) : NULL;
	cJSON *j = text ? cJSON_ParseWithLength(text, len) : NULL;
	free(text);
	return j;
}

/* Runs the files, each r->n times, and calls each() with every run's
 * result (NULL when the run left none: an infrastructure error). */
static void run_files(struct rctx *r, const char **files, size_t nf,
		      void (*each)(size_t file, const cJSON *result, void *ctx), void *ctx)
{
	struct matrix m = {.scenarios = files, .nscenarios = nf, .repeat = r->n};
	static const char *own[] = {"own"}, *kern[] = {""};
	m.topologies = own, m.ntopologies = 1;
	m.variants = &r->variant, m.nvariants = 1;
	m.kernels = kern, m.nkernels = 1;
	matrix_expand(&m);
	unsigned *mib = xcalloc(m.ncells, sizeof(*mib));
	for (size_t i = 0; i < m.ncells; i++)
		mib[i] = 512;	/* the runner's memory guard: a generous guess per VM */
	struct runner_opts ro = {.jobs = r->jobs, .out_dir = r->dir, .self = r->self, .cell_mib = mib,
				 .progress = isatty(STDERR_FILENO), .attach_timeout = r->so.attach_timeout,
				 .watchdog = r->so.watchdog};
	struct cell_result *res = xcalloc(m.ncells, sizeof(*res));
	runner_run(&m, &ro, res);
	for (size_t i = 0; i < m.ncells; i++) {
		if (res[i].state == CELL_NOT_RUN)
			continue;
		cJSON *j = res[i].state == CELL_DONE ? load_result(res[i].path) : NULL;
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "verdict"));
		each(m.cells[i].scenario, v && strcmp(v, "error") ? j : NULL, ctx);
		cJSON_Delete(j);
	}
	free(res);
	free(mib);
	matrix_free(&m);
}

struct tally {
	struct rctx *r;
	int *hits;
	bool *errored;
};

static void count_hit(size_t f, const cJSON *result, void *ctx)
{
	struct tally *t = ctx;
	if (!result)
		t->errored[f] = true;
	else
		t->hits[f] += signature_match(&t->r->sig, result);
}

static void run_texts(char *const *texts, size_t n, bool *repro, void *ctx)
{
	struct rctx *r = ctx;
	char **paths = xcalloc(n, sizeof(*paths));
	int *hits = xcalloc(n, sizeof(*hits));
	bool *err = xcalloc(n, sizeof(*err));
	for (size_t i = 0; i < n; i++) {
		paths[i] = xasprintf("%s/cand-%u.yaml", r->dir, ++r->serial);
		FILE *f = fopen(paths[i], "w");
		if (f) {
			fputs(texts[i], f);
			fclose(f);
		}
	}
	struct tally t = {r, hits, err};
	run_files(r, (const char **)paths, n, count_hit, &t);
	/* An infrastructure error is no evidence either way: once more, and
	 * a second one rejects the candidate. */
	for (size_t i = 0; i < n; i++) {
		if (err[i] && hits[i] < r->k && !runner_stop) {
			int h = 0;
			bool e = false;
			struct tally once = {r, &h, &e};
			run_files(r, (const char **)&paths[i], 1, count_hit, &once);
			hits[i] = e ? 0 : h;
		}
		repro[i] = hits[i] >= r->k;
		free(paths[i]);
	}
	free(paths);
	free(hits);
	free(err);
}

static bool should_stop(void *ctx)
{
	struct rctx *r = ctx;
	return runner_stop || (r->budget_s > 0 && (mono_ms() - r->t0) / 1e3 > r->budget_s);
}

static void accepted(const char *what, const cJSON *doc, void *ctx)
{
	struct rctx *r = ctx;
	struct scenario_size z = scenario_measure(doc);
	printf("  kept: %s (%d lines, %d cgroups, %d workers, %d steps, %d ops, %d CPUs, %.1f s)\n", what, z.lines,
	       z.cgroups, z.workers, z.steps, z.ops, z.cpus, z.duration_s);
	fflush(stdout);
	sb_printf(&r->log, "#   %s\n", what);
}

/* ---- the scenario as a tree -------------------------------------------------------- */

/* Includes become absolute (the output validates wherever it lands) and
 * the name explicit (candidates live under other file names). */
static cJSON *load_tree(const char *file)
{
	size_t len;
	char *text = read_file(file, &len, 4u << 20);
	cJSON *doc = text ? ydom_parse(file, text, len) : NULL;
	free(text);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return NULL;
	}
	char real[PATH_MAX], stem[128];
	if (!realpath(file, real))
		snprintf(real, sizeof(real), "%s", file);
	char *slash = strrchr(real, '/');
	if (slash)
		*slash = 0;
	cJSON *incs = cJSON_GetObjectItemCaseSensitive(doc, "include");
	for (cJSON *inc = incs ? incs->child : NULL, *next; inc; inc = next) {
		next = inc->next;
		const char *p = ydom_text(inc);
		if (p && *p != '/') {	/* a plain scalar is a raw item: replaced, not edited */
			char *joined = xasprintf("%s/%s", real, p), resolved[PATH_MAX];
			cJSON_ReplaceItemViaPointer(incs, inc, ydom_scalar(realpath(joined, resolved) ? resolved : joined));
			free(joined);
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(doc, "name")) {
		scenario_stem(file, stem, sizeof(stem));
		cJSON_AddItemToObject(doc, "name", ydom_scalar(stem));
	}
	return doc;
}

static bool write_output(const struct rctx *r, const cJSON *doc, const char *out, const struct reduce_stats *st,
			 int verified)
{
	char sig[512];
	signature_format(&r->sig, sig, sizeof(sig));
	struct strbuf y = {0};
	sb_printf(&y, "# Reduced by ktstr reduce from %s\n# It fails as the original did: %s.\n"
		      "# Each kept candidate failed so in %d of %d runs; ",
		  r->file, sig, r->k, r->n);
	if (verified >= 0)
		sb_printf(&y, "this file, run %d more times, failed so %d times.\n", VERIFY_RUNS, verified);
	else
		sb_printf(&y, "this file was not run again (%s).\n", st->accepted ? "interrupted" : "nothing was removed");
	sb_printf(&y, "# %d candidate runs, %d reductions kept, %d invalid candidates never run, %d rounds.\n",
		  st->runs, st->accepted, st->invalid, st->rounds);
	if (r->log.len)
		sb_printf(&y, "# Reductions kept, in order:\n%s", r->log.buf);
	ydom_emit(doc, &y);
	FILE *f = fopen(out, "w");
	bool ok = f && fwrite(y.buf, 1, y.len, f) == y.len;
	ok = f && !fclose(f) && ok;
	sb_free(&y);
	return ok;
}

/* ---- the command ---------------------------------------------------------------------- */

/* The original's runs: the first failure's signature, then how many runs
 * show it. */
struct learn {
	struct rctx *r;
	cJSON *results[20];
	int n;
};

static void keep_result(size_t f, const cJSON *result, void *ctx)
{
	(void)f;
	struct learn *l = ctx;
	if (l->n < 20)
		l->results[l->n++] = result ? cJSON_Duplicate(result, 1) : NULL;
}

static int learn_signature(struct rctx *r, const char *keep)
{
	struct learn l = {r};
	const char *files[] = {r->file};
	printf("reduce: running %s %d time%s to learn how it fails\n", r->file, r->n, r->n > 1 ? "s" : "");
	fflush(stdout);
	run_files(r, files, 1, keep_result, &l);
	int hits = 0;
	for (int i = 0; i < l.n && r->sig.kind == SIG_NONE; i++)
		if (l.results[i])
			r->sig = signature_of(l.results[i], keep);
	for (int i = 0; i < l.n; i++)
		hits += l.results[i] && signature_match(&r->sig, l.results[i]);
	if (hits < r->k) {
		fprintf(stderr, "ktstr: reduce: %s does not fail%s in %d of %d runs (%d did); nothing to reduce:\n", r->file,
			keep ? " with a reason matching --keep" : "", r->k, r->n, hits);
		for (int i = 0; i < l.n; i++)
			fprintf(stderr, "  run %d: %s: %s\n", i + 1,
				l.results[i] ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l.results[i], "verdict")) : "error",
				l.results[i] ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l.results[i], "reason")) : "no result");
	}
	for (int i = 0; i < l.n; i++)
		cJSON_Delete(l.results[i]);
	return hits;
}

/* Runs the result VERIFY_RUNS times; how many failed with the signature. */
static int verify(struct rctx *r, const cJSON *doc)
{
	struct strbuf y = {0};
	ydom_emit(doc, &y);
	char *texts[VERIFY_RUNS];
	bool repro[VERIFY_RUNS];
	int k = r->k, n = r->n;
	r->k = r->n = 1;	/* one run per copy: VERIFY_RUNS copies in parallel */
	for (int i = 0; i < VERIFY_RUNS; i++)
		texts[i] = y.buf;
	run_texts(texts, VERIFY_RUNS, repro, r);
	r->k = k, r->n = n;
	sb_free(&y);
	int hits = 0;
	for (int i = 0; i < VERIFY_RUNS; i++)
		hits += repro[i];
	return hits;
}

static void default_out(const char *file, char *out, size_t n)
{
	char stem[128];
	scenario_stem(file, stem, sizeof(stem));
	snprintf(out, n, "%s.reduced.yaml", stem);
}

static int reduce_file(struct rctx *r, char *flags, const char *keep, const char *out)
{
	struct kb_program p;
	size_t nf = 0;
	char **fl = flags ? cmd_split_list(flags, &nf) : NULL;
	if (flags && !fl)
		return usage_error("reduce", "--flags '%s' has an empty entry; expected a,b,... ('' for none)", flags);
	r->lo.flags = (const char *const *)fl;
	int rc = load_program(r->file, &p, &r->lo, NULL, 0);
	if (rc) {
		free(fl);
		return rc;
	}
	snprintf(r->variant.name, sizeof(r->variant.name), "%s", r->lo.scheduler ? r->lo.scheduler : "eevdf");
	for (size_t i = 0; i < nf; i++)
		snprintf(r->variant.flags + strlen(r->variant.flags), sizeof(r->variant.flags) - strlen(r->variant.flags),
			 "%s%s", i ? "," : "", fl[i]);
	if (!r->lo.scheduler)	/* the file's own scheduler, whatever it is */
		for (uint32_t i = 0; i < p.ninsn; i++)
			if (p.insn[i].op == OPC_SCHEDULER)
				snprintf(r->variant.name, sizeof(r->variant.name), "%s", kb_get_str(&p, &p.insn[i], "name"));
	char why[256];
	bool applies = sched_opts_apply(&r->so, &p, why, sizeof(why));	/* refused before any run, not in each */
	kb_free(&p);
	if (!applies) {
		fprintf(stderr, "ktstr: reduce: %s: %s\n", r->file, why);
		return KT_EXIT_USAGE;
	}
	cJSON *doc = load_tree(r->file);
	if (!doc) {
		fprintf(stderr, "ktstr: reduce: %s is not a YAML mapping\n", r->file);
		free(fl);
		return KT_EXIT_USAGE;
	}
	if (!exe_path(r->self, sizeof(r->self), false) || !make_temp_dir("reduce", r->dir, sizeof(r->dir))) {
		cJSON_Delete(doc);
		fprintf(stderr, "ktstr: reduce: cannot set up a work directory\n");
		free(fl);
		return KT_EXIT_INFRA;
	}
	cleanup_add_dir(r->dir);
	r->t0 = mono_ms();
	rc = KT_EXIT_PASS;
	if (learn_signature(r, keep) < r->k) {
		rc = runner_stop ? 128 + runner_stop : KT_EXIT_USAGE;
	} else {
		char sig[512], path[PATH_MAX];
		signature_format(&r->sig, sig, sizeof(sig));
		struct scenario_size z = scenario_measure(doc);
		printf("reduce: signature: %s; start: %d lines, %d cgroups, %d workers, %d steps, %d ops, %d CPUs, %.1f s\n",
		       sig, z.lines, z.cgroups, z.workers, z.steps, z.ops, z.cpus, z.duration_s);
		struct reduce_io io = {valid_text, run_texts, accepted, should_stop, r, r->jobs};
		struct reduce_stats st;
		char cg[192] = "";
		if (r->sig.kind == SIG_CLAIM && !strncmp(r->sig.scope, "cgroup ", 7))
			snprintf(cg, sizeof(cg), "%.*s", (int)strcspn(r->sig.scope + 7, ","), r->sig.scope + 7);
		cJSON *best = reduce_run(doc, r->sig.kind == SIG_CLAIM ? r->sig.name : NULL, *cg ? cg : NULL, &io, &st);
		if (out)
			snprintf(path, sizeof(path), "%s", out);
		else
			default_out(r->file, path, sizeof(path));
		int verified = runner_stop || !st.accepted ? -1 : verify(r, best);
		if (verified >= 0 && verified < VERIFY_RUNS)
			fprintf(stderr, "ktstr: reduce: the result failed so in only %d of %d more runs: a reduction made the "
				"failure flaky; rerun with --repeat %d/%d or more\n", verified, VERIFY_RUNS, r->n + 1, r->n + 1);
		if (!write_output(r, best, path, &st, verified)) {
			fprintf(stderr, "ktstr: reduce: cannot write %s\n", path);
			rc = KT_EXIT_INFRA;
		}
		z = scenario_measure(best);
		printf("reduce: %s%s: %d lines, %d cgroups, %d workers, %d steps, %d ops, %d CPUs, %.1f s; "
		       "%d candidate runs, %d kept, %d invalid, %.0f s\n",
		       runner_stop ? "interrupted; the smallest so far is " : st.accepted ? "wrote " : "no smaller reproducer; wrote ",
		       path, z.lines, z.cgroups, z.workers, z.steps, z.ops, z.cpus, z.duration_s, st.runs, st.accepted,
		       st.invalid, (mono_ms() - r->t0) / 1e3);
		cJSON_Delete(best);
		if (runner_stop)
			rc = 128 + runner_stop;
	}
	cJSON_Delete(doc);
	rm_rf(r->dir);
	cleanup_remove_dir(r->dir);
	sb_free(&r->log);
	free(fl);	/* r->lo.flags, used by every candidate run */
	return rc;
}

/* --repeat K/N: 1 <= K <= N <= 20, nothing after N ("2/3x" is a typo,
 * not 2 of 3). */
static bool parse_repeat(const char *s, int *k, int *n)
{
	unsigned long a, b;
	if (!cmd_parse_slash_pair(s, 20, &a, &b) || a < 1 || b < a)
		return false;
	*k = (int)a, *n = (int)b;
	return true;
}

static const struct cmd_option opts[] = {
	{"scheduler", 0, required_argument, 's', "S", "run under this scheduler instead of the scenario's"},
	{"flags", 0, required_argument, 'F', "a,b", "select these scheduler flags"},
	SCHED_OPTIONS,
	{"keep", 0, required_argument, 'K', "REGEX", "the failure to keep: a regular expression over its signature"},
	{"repeat", 0, required_argument, 'r', "K/N", "a candidate fails when K of N runs fail (default 2/2)"},
	{"jobs", 'j', required_argument, 'j', "N", "candidates run in parallel, 1 to 64 (default: host CPUs)"},
	{"budget", 0, required_argument, 'b', "DUR", "stop reducing after DUR"},
	{"output", 'o', required_argument, 'o', "OUT.yaml", "where the reduced scenario goes"},
	{0},
};

const struct cmd_usage reduce_usage[] = {{NULL, opts, "FILE.yaml"}, {0}};

int cmd_reduce(int argc, char **argv)
{
	struct rctx r = {.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN), .k = DEFAULT_K, .n = DEFAULT_N};
	const char *out = NULL, *keep = NULL;
	char *flags = NULL;
	unsigned long u;
	int c;
	optind = 1;
	cli_load_opts(&r.lo);
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case 's': r.lo.scheduler = optarg; break;
		case 'F': flags = optarg; break;
		case 'K': keep = optarg; break;
		case 'o': out = optarg; break;
		case 'j':
			if (!cmd_parse_ulong(optarg, 1, 64, &u))
				return usage_error("reduce", "-j %s; expected 1 to 64", optarg);
			r.jobs = (int)u;
			break;
		case 'r':
			if (!parse_repeat(optarg, &r.k, &r.n))
				return usage_error("reduce", "--repeat %s; expected K/N with 1 <= K <= N <= 20", optarg);
			break;
		case SCHED_OPT_ATTACH_TIMEOUT:
		case SCHED_OPT_WATCHDOG: {
			int rc = sched_opts_parse("reduce", &r.so, c, optarg);
			if (rc)
				return rc;
			break;
		}
		case 'b': {
			uint64_t ns;
			if (!parse_dur(optarg, &ns) || !ns)
				return usage_error("reduce", "--budget %s; expected a duration such as 30m", optarg);
			r.budget_s = (double)ns / 1e9;
			break;
		}
		default:
			return usage_error("reduce", "bad option");
		}
	}
	if (optind != argc - 1)
		return usage_error("reduce", "expected one scenario file");
	r.file = argv[optind];
	char why[512];
	if (keep && signature_check_regex(keep, why, sizeof(why)))
		return usage_error("reduce", "--keep %s: %s", keep, why);
	return reduce_file(&r, flags, keep, out);
}
