/* builtin-run: `ktstr FILE.yaml` / `ktstr run FILE.yaml` — load, validate
 * and lower each scenario, run it in a VM, and report. */
#include "builtin.h"
#include "util.h"
#include "disasm.h"
#include "proc.h"
#include "hostrun.h"
#include "htmlfile.h"
#include "result.h"
#include "types.h"
#include "run.h"
#include "scenario.h"
#include "traceattach.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* --trace-buffer KB: the per-CPU ring buffer of the program's trace. */
static void set_trace_buffer(struct kb_program *p, long kb)
{
	for (uint32_t i = 0; i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		for (uint32_t k = 0; in->op == OPC_TRACE && k < in->nops; k++) {
			struct kb_operand *o = &p->opnd[in->first + k];
			if (!strcmp(p->str[o->key], "buffer_kb"))
				o->i = kb;
		}
	}
}

/* A scenario that does not fit the topology it was given is skipped,
 * with a result that says why, without booting anything. */
static int skip_unfit(struct run_output *out, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->records = cJSON_CreateArray();
	out->skip = true;
	snprintf(out->reason, sizeof(out->reason), "%s", why);
	return 0;
}

/* What the command line asked for. */
struct run_cli {
	struct load_opts lo;
	struct topology topo;
	struct run_opts ro;
	struct sched_opts so;
	bool host, json, dump, trace, html;
	const char *junit;
	char **flags;		/* --flags split (lo.flags points at it) */
	char root_name[128];
	long trace_kb;
	uint64_t max_duration;
};

static const struct cmd_option run_options[] = {
	{"scheduler", 0, required_argument, 's', "NAME", "run under this scheduler instead of the scenario's"},
	{"flags", 0, required_argument, 'F', "a,b", "these scheduler flags instead of the scenario's"},
	{"sched-args", 0, required_argument, 'A', "\"ARGS\"", "arguments for a --scheduler binary (no definition)"},
	{"topology", 0, required_argument, 't', "T", "run on this topology (1n2l2c2t or N,L,C,T)"},
	SCHED_OPTIONS,
	{"max-duration", 0, required_argument, 'D', "DUR", "cap the scenario's duration (at least 100ms)"},
	{"kernel", 'k', required_argument, 'k', "K", "a bzImage, a cache entry or an entry name"},
	{"accel", 0, required_argument, 'a', "auto|kvm|tcg", "the accelerator (default auto)"},
	{"host", 0, no_argument, 'H', NULL, "run on this machine in a cgroup v2 subtree, not a VM"},
	{"cgroup-root", 0, required_argument, 'C', "NAME", "with --host: the subtree's name (default ktstr-PID)"},
	{"no-monitor", 0, no_argument, 'N', NULL, "do not run the host monitor"},
	{"monitor-period", 0, required_argument, 'P', "MS", "sample the guest kernel every MS ms, 1 to 10000"},
	{"trace", 0, no_argument, 'T', NULL, "record the guest kernel's scheduling events"},
	{"trace-buffer", 0, required_argument, 'B', "KB", "per-CPU trace buffer in KiB, 4 to 1048576 (implies --trace)"},
	{"html", 0, no_argument, 'W', NULL, "also write the HTML report next to the result"},
	{"json", 0, no_argument, 'j', NULL, "print the result JSON instead of the text report"},
	{"junit", 0, required_argument, 'J', "FILE", "also write JUnit XML to FILE"},
	{"dump", 'd', no_argument, 'd', NULL, "also print each program's disassembly"},
	{"verbose", 'v', no_argument, 'v', NULL, "relay the guest's log lines"},
	{"quiet", 'q', no_argument, 'q', NULL, "no effect (accepted for scripts)"},
	{0},
};

const struct cmd_usage run_usage[] = {{NULL, run_options, "FILE.yaml..."}, {0}};

/* One option with an argument to check; 0, or the usage error's exit. */
static int run_option_value(struct run_cli *o, int c)
{
	char why[256], *end;
	long v;
	switch (c) {
	case 'a':
		return accel_parse(optarg, &o->ro.accel) ? 0 : usage_error("run", "--accel %s; expected auto, kvm or tcg", optarg);
	case 't':
		if (!parse_topology_arg(optarg, &o->topo, why, sizeof(why)))
			return usage_error("run", "--topology %s: %s", optarg, why);
		o->lo.topology = &o->topo;
		return 0;
	case 'D':
		if (!parse_dur(optarg, &o->max_duration) || o->max_duration < 100000000ull)
			return usage_error("run", "--max-duration %s; expected a duration of at least 100ms", optarg);
		return 0;
	case 'B':
		o->trace_kb = strtol(optarg, &end, 10);
		if (*end || o->trace_kb < 4 || o->trace_kb > 1 << 20)
			return usage_error("run", "--trace-buffer %s; expected KiB per CPU, 4 to 1048576", optarg);
		o->trace = true;
		return 0;
	case 'P':
		v = strtol(optarg, &end, 10);
		if (*end || v < 1 || v > 10000)
			return usage_error("run", "--monitor-period %s; expected milliseconds, 1 to 10000", optarg);
		o->ro.monitor_period_ms = (unsigned)v;
		return 0;
	case SCHED_OPT_ATTACH_TIMEOUT:
	case SCHED_OPT_WATCHDOG:
		return sched_opts_parse("run", &o->so, c, optarg);
	case 'C':
		if (!parse_name(optarg, false))
			return usage_error("run", "--cgroup-root %s; expected a plain name", optarg);
		snprintf(o->root_name, sizeof(o->root_name), "%s", optarg);
		return 0;
	default:
		return usage_error("run", "bad option");
	}
}

static int parse_run_args(int argc, char **argv, struct run_cli *o)
{
	snprintf(o->root_name, sizeof(o->root_name), "ktstr-%d", (int)getpid());
	cli_load_opts(&o->lo);
	int c, rc;
	size_t nf;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, run_options)) != -1) {
		switch (c) {
		case 's': o->lo.scheduler = optarg; break;
		case 'F':
			free(o->flags);	/* given twice: the last wins */
			if (!(o->flags = cmd_split_list(optarg, &nf)))
				return usage_error("run", "--flags '%s' has an empty entry; expected a,b,... ('' for none)", optarg);
			o->lo.flags = (const char *const *)o->flags;
			break;
		case 'q': break;
		case 'd': o->dump = true; break;
		case 'k': o->ro.kernel = optarg; break;
		case 'v': o->ro.verbose = true; break;
		case 'j': o->json = true; break;
		case 'J': o->junit = optarg; break;
		case 'H': o->host = true; break;
		case 'N': o->ro.no_monitor = true; break;
		case 'T': o->trace = true; break;
		case 'W': o->html = true; break;
		case 'A': o->lo.sched_args = optarg; break;
		default:
			if ((rc = run_option_value(o, c)))
				return rc;
		}
	}
	return optind < argc ? 0 : usage_error("run", "no scenario given");
}

/* The command line's changes to a loaded program; 0 or an exit status. */
static int adjust_program(const struct run_cli *o, struct kb_program *p, const char *file)
{
	char why[256];
	if (!sched_opts_apply(&o->so, p, why, sizeof(why))) {
		fprintf(stderr, "ktstr: %s: %s\n", file, why);
		return KT_EXIT_USAGE;
	}
	if (o->trace && !kb_has_trace(p)) {
		static const char *const groups[] = {"sched", "sched_ext"};
		kb_add_trace(p, groups, 2);
	}
	if (o->trace_kb)
		set_trace_buffer(p, o->trace_kb);
	if (o->max_duration && p->duration_ns > o->max_duration)
		p->duration_ns = o->max_duration;	/* holds are fractions of it: the whole run shrinks */
	if (o->host && kb_has_trace(p)) {
		fprintf(stderr, "ktstr: %s: tracing records the guest kernel; it cannot run with --host\n", file);
		return KT_EXIT_USAGE;
	}
	if (o->dump) {
		struct strbuf sb = {0};
		kb_disasm(p, &sb);
		fputs(sb.buf, stdout);
		sb_free(&sb);
	}
	return 0;
}

/* The result of a run: built, saved, rendered as HTML when asked, and
 * printed (text or JSON). */
static cJSON *record_result(const struct run_cli *o, struct kb_program *p, struct run_output *out, const char *file)
{
	const struct kb_insn *sc = &p->insn[0];
	struct result_meta meta = {.scenario = kb_get_str(p, sc, "name"), .source = kb_get_str(p, sc, "source"),
				   .scheduler = program_scheduler(p)};
	char stem[4096], saved[4200] = "", why[1024], page[4200] = "";
	result_stem(meta.scenario ? meta.scenario : "run", runs_dir(), stem, sizeof(stem));
	if (!trace_attach(out->records, out->trace_dat.buf, out->trace_dat.len, stem, why, sizeof(why)))
		fprintf(stderr, "ktstr: %s: trace: %s\n", file, why);
	cJSON *res = result_build(p, &meta, out);
	snprintf(saved, sizeof(saved), "%s.json", stem);
	if (!result_write(res, saved)) {
		fprintf(stderr, "ktstr: cannot save the result as %s\n", saved);
		saved[0] = 0;
	}
	if (o->html && *saved) {
		const char *label = strrchr(saved, '/') + 1, *path = saved;
		html_path_for(saved, page, sizeof(page));
		if (!html_report_file(&res, &path, &label, 1, page, why, sizeof(why))) {
			fprintf(stderr, "ktstr: %s: html: %s\n", file, why);
			page[0] = 0;
		}
	}
	if (o->json) {
		char *text = cJSON_Print(res);
		puts(text);
		cJSON_free(text);
		return res;
	}
	result_print(res, stdout, isatty(STDOUT_FILENO));
	if (*saved)
		printf("  result: %s\n", saved);
	if (*page)
		printf("  html: %s\n", page);
	return res;
}

/* One scenario file from load to printed verdict; its exit status, and
 * its result in *res (NULL when nothing ran). */
static int run_file(const struct run_cli *o, const char *file, cJSON **res)
{
	struct kb_program p;
	char unfit[512];
	*res = NULL;
	int rc = load_program(file, &p, &o->lo, unfit, sizeof(unfit));
	if (rc)
		return rc;
	if ((rc = adjust_program(o, &p, file))) {
		kb_free(&p);
		return rc;
	}
	struct run_output out;
	int rr = *unfit ? skip_unfit(&out, unfit)
		 : o->host ? run_on_host(&p, &o->ro, o->root_name, &out) : run_in_vm(&p, &o->ro, &out);
	if (rr && !out.vm.reason[0] && !interrupted) {
		/* Nothing booted: no kernel, no executor, an unreadable payload. */
		fprintf(stderr, "ktstr: %s: ERROR: %s\n", file, out.reason);
		rc = out.bad_input ? KT_EXIT_USAGE : KT_EXIT_INFRA;
	} else {
		*res = record_result(o, &p, &out, file);
		rc = interrupted ? 130 : verdict_exit(result_verdict(*res));
	}
	run_output_free(&out);
	kb_free(&p);
	return rc;
}

static int write_junit(const char *path, cJSON *const *results, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "ktstr: cannot write %s\n", path);
		return KT_EXIT_INFRA;
	}
	result_junit(results, n, f);
	fclose(f);
	return KT_EXIT_PASS;
}

int cmd_run(int argc, char **argv)
{
	struct run_cli o = {0};
	int worst = parse_run_args(argc, argv, &o);
	if (worst) {
		free(o.flags);
		return worst;
	}
	cJSON **results = NULL;	/* every result, for --junit */
	size_t nresults = 0;
	for (int i = optind; i < argc && !interrupted; i++) {	/* after Ctrl-C the rest are not started */
		cJSON *res;
		int rc = run_file(&o, argv[i], &res);
		worst = rc > worst ? rc : worst;
		if (res) {
			results = xrealloc(results, (nresults + 1) * sizeof(*results));
			results[nresults++] = res;
		}
	}
	if (o.junit) {
		int rc = write_junit(o.junit, results, nresults);
		worst = rc > worst ? rc : worst;
	}
	for (size_t k = 0; k < nresults; k++)
		cJSON_Delete(results[k]);
	free(results);
	free(o.flags);
	return worst;
}
