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

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *scheduler_name(const struct kb_program *p)
{
	for (uint32_t i = 0; i < p->ninsn; i++)
		if (p->insn[i].op == OPC_SCHEDULER)
			return kb_get_str(p, &p->insn[i], "name");
	return "eevdf";
}

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

static const char **split_flags(char *s)
{
	static const char *v[65];
	size_t n = 0;
	for (char *tok = strtok(s, ","); tok && n < 64; tok = strtok(NULL, ","))
		v[n++] = tok;
	v[n] = NULL;
	return v;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"scheduler", required_argument, NULL, 's'},
		{"flags", required_argument, NULL, 'F'},
		{"quiet", no_argument, NULL, 'q'},
		{"dump", no_argument, NULL, 'd'},
		{"kernel", required_argument, NULL, 'k'},
		{"accel", required_argument, NULL, 'a'},
		{"verbose", no_argument, NULL, 'v'},
		{"json", no_argument, NULL, 'j'},
		{"junit", required_argument, NULL, 'J'},
		{"host", no_argument, NULL, 'H'},
		{"cgroup-root", required_argument, NULL, 'C'},
		{"no-monitor", no_argument, NULL, 'N'},
		{"monitor-period", required_argument, NULL, 'P'},
		{"trace", no_argument, NULL, 'T'},
		{"html", no_argument, NULL, 'W'},
		{"trace-buffer", required_argument, NULL, 'B'},
		{"topology", required_argument, NULL, 't'},
		{"sched-args", required_argument, NULL, 'A'},
		{"max-duration", required_argument, NULL, 'D'},
		{0},
	};
	bool host = false;
	char root_name[128];
	snprintf(root_name, sizeof(root_name), "ktstr-%d", (int)getpid());
	bool json = false;
	const char *junit = NULL;
	struct load_opts lo = {0};
	struct topology topo;
	cli_load_opts(&lo);
	struct run_opts ro = {0};
	bool dump = false, trace = false, html = false;
	long trace_kb = 0;
	uint64_t max_duration = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qvdk:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			lo.scheduler = optarg;
			break;
		case 'F':
			lo.flags = split_flags(optarg);
			break;
		case 'q':
			break;
		case 'd':
			dump = true;
			break;
		case 'k':
			ro.kernel = optarg;
			break;
		case 'a':
			if (!accel_parse(optarg, &ro.accel))
				return usage_error("run", "--accel %s; expected auto, kvm or tcg", optarg);
			break;
		case 'v':
			ro.verbose = true;
			break;
		case 'j':
			json = true;
			break;
		case 'J':
			junit = optarg;
			break;
		case 'H':
			host = true;
			break;
		case 'N':
			ro.no_monitor = true;
			break;
		case 'T':
			trace = true;
			break;
		case 'W':
			html = true;
			break;
		case 't': {
			char why[256];
			if (!parse_topology_arg(optarg, &topo, why, sizeof(why)))
				return usage_error("run", "--topology %s: %s", optarg, why);
			lo.topology = &topo;
			break;
		}
		case 'A':
			lo.sched_args = optarg;
			break;
		case 'D':
			if (!parse_dur(optarg, &max_duration) || max_duration < 100000000ull)
				return usage_error("run", "--max-duration %s; expected a duration of at least 100ms", optarg);
			break;
		case 'B': {
			char *end;
			trace_kb = strtol(optarg, &end, 10);
			if (*end || trace_kb < 4 || trace_kb > 1 << 20)
				return usage_error("run", "--trace-buffer %s; expected KiB per CPU, 4 to 1048576", optarg);
			trace = true;
			break;
		}
		case 'P': {
			char *end;
			long ms = strtol(optarg, &end, 10);
			if (*end || ms < 1 || ms > 10000)
				return usage_error("run", "--monitor-period %s; expected milliseconds, 1 to 10000", optarg);
			ro.monitor_period_ms = (unsigned)ms;
			break;
		}
		case 'C':
			if (!parse_name(optarg, false))
				return usage_error("run", "--cgroup-root %s; expected a plain name", optarg);
			snprintf(root_name, sizeof(root_name), "%s", optarg);
			break;
		default:
			return usage_error("run", "bad option");
		}
	}
	if (optind >= argc)
		return usage_error("run", "no scenario given");
	int worst = KT_EXIT_PASS;
	cJSON **results = NULL;	/* every result, for --junit */
	size_t nresults = 0;
	for (int i = optind; i < argc; i++) {
		struct kb_program p;
		char unfit[512];
		int rc = load_program(argv[i], &p, &lo, unfit, sizeof(unfit));
		if (rc) {
			worst = rc > worst ? rc : worst;
			continue;
		}
		if (trace && !kb_has_trace(&p)) {
			static const char *const groups[] = {"sched", "sched_ext"};
			kb_add_trace(&p, groups, 2);
		}
		if (trace_kb)
			set_trace_buffer(&p, trace_kb);
		if (max_duration && p.duration_ns > max_duration)
			p.duration_ns = max_duration;	/* holds are fractions of it: the whole run shrinks */
		if (host && kb_has_trace(&p)) {
			fprintf(stderr, "ktstr: %s: tracing records the guest kernel; it cannot run with --host\n", argv[i]);
			kb_free(&p);
			worst = KT_EXIT_USAGE > worst ? KT_EXIT_USAGE : worst;
			continue;
		}
		if (dump) {
			struct strbuf sb = {0};
			kb_disasm(&p, &sb);
			fputs(sb.buf, stdout);
			sb_free(&sb);
		}
		struct run_output out;
		int rr = *unfit ? skip_unfit(&out, unfit)
			 : host ? run_on_host(&p, &ro, root_name, &out) : run_in_vm(&p, &ro, &out);
		if (rr && !out.vm.reason[0] && !interrupted) {
			/* Nothing booted: no kernel, no executor, an unreadable payload. */
			fprintf(stderr, "ktstr: %s: ERROR: %s\n", argv[i], out.reason);
			rc = out.bad_input ? KT_EXIT_USAGE : KT_EXIT_INFRA;
			run_output_free(&out);
			kb_free(&p);
			worst = rc > worst ? rc : worst;
			continue;
		}
		const struct kb_insn *sc = &p.insn[0];
		struct result_meta meta = {.scenario = kb_get_str(&p, sc, "name"),
					   .source = kb_get_str(&p, sc, "source"),
					   .scheduler = scheduler_name(&p)};
		char stem[4096], saved[4200] = "", why[1024];
		result_stem(meta.scenario ? meta.scenario : "run", runs_dir(), stem, sizeof(stem));
		if (!trace_attach(out.records, out.trace_dat.buf, out.trace_dat.len, stem, why, sizeof(why)))
			fprintf(stderr, "ktstr: %s: trace: %s\n", argv[i], why);
		cJSON *res = result_build(&p, &meta, &out);
		snprintf(saved, sizeof(saved), "%s.json", stem);
		if (!result_write(res, saved)) {
			fprintf(stderr, "ktstr: cannot save the result as %s\n", saved);
			saved[0] = 0;
		}
		char page[4200] = "";
		if (html && *saved) {
			const char *label = strrchr(saved, '/') + 1, *path = saved;
			html_path_for(saved, page, sizeof(page));
			if (!html_report_file(&res, &path, &label, 1, page, why, sizeof(why))) {
				fprintf(stderr, "ktstr: %s: html: %s\n", argv[i], why);
				page[0] = 0;
			}
		}
		if (json) {
			char *text = cJSON_Print(res);
			puts(text);
			cJSON_free(text);
		} else {
			result_print(res, stdout, isatty(STDOUT_FILENO));
			if (*saved)
				printf("  result: %s\n", saved);
			if (*page)
				printf("  html: %s\n", page);
		}
		rc = interrupted ? 130 : verdict_exit(result_verdict(res));
		results = xrealloc(results, (nresults + 1) * sizeof(*results));
		results[nresults++] = res;
		worst = rc > worst ? rc : worst;
		run_output_free(&out);
		kb_free(&p);
		if (interrupted)
			break;	/* the rest of the files are not started */
	}
	if (junit) {
		FILE *f = fopen(junit, "w");
		if (!f) {
			fprintf(stderr, "ktstr: cannot write %s\n", junit);
			worst = KT_EXIT_INFRA > worst ? KT_EXIT_INFRA : worst;
		} else {
			result_junit(results, nresults, f);
			fclose(f);
		}
	}
	for (size_t k = 0; k < nresults; k++)
		cJSON_Delete(results[k]);
	free(results);
	return worst;
}
