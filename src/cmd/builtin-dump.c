/* builtin-dump: `ktstr dump FILE.yaml|FILE.ktbc [-o OUT.ktbc]` lowers a
 * scenario (or decodes a program) and prints the disassembly; -o also
 * writes the bytecode. */
#include "builtin.h"
#include "disasm.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_INPUT (64u << 20)

static int write_out(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "ktstr: cannot write %s: %s\n", path, strerror(errno));
		return KT_EXIT_INFRA;
	}
	return KT_EXIT_PASS;
}

const char *program_scheduler(const struct kb_program *p)
{
	for (uint32_t i = 0; i < p->ninsn; i++)
		if (p->insn[i].op == OPC_SCHEDULER)
			return kb_get_str(p, &p->insn[i], "name");
	return "eevdf";
}

/* A lowered program has its scheduler, flags and topology built in (CPU
 * lists resolved against that topology): the command line cannot change
 * them, so it refuses rather than run something else than asked.  The
 * option, or NULL when none conflicts. */
static const char *bytecode_conflict(const struct kb_program *p, const struct load_opts *lo)
{
	if (!lo)
		return NULL;
	if (lo->scheduler)
		return "--scheduler";
	if (lo->flags)
		return "--flags";
	if (lo->sched_args)
		return "--sched-args";
	const struct topology *t = lo->topology;
	if (t && (t->numa_nodes != p->topo.numa_nodes || t->llcs != p->topo.llcs || t->cores != p->topo.cores ||
		  t->threads != p->topo.threads))
		return "--topology";
	return NULL;
}

/* FILE, taken for bytecode (why says why), decoded into p; prints errors. */
static int load_bytecode(const char *path, const uint8_t *buf, size_t len, const char *why, struct kb_program *p,
			 const struct load_opts *lo)
{
	char err[256];
	if (!kb_decode(buf, len, p, err, sizeof(err))) {
		if (kb_is_bytecode(buf, len))
			fprintf(stderr, "%s: error: invalid bytecode: %s\n", path, err);
		else	/* say why it was not read as YAML */
			fprintf(stderr, "%s: error: %s (read as bytecode: %s)\n", path, err, why);
		return KT_EXIT_USAGE;
	}
	const char *opt = bytecode_conflict(p, lo);
	if (opt) {
		char topo[64];
		topo_format(&p->topo, topo, sizeof(topo));
		fprintf(stderr, "ktstr: %s is a lowered program (scheduler %s, topology %s built in); %s applies to "
			"a YAML scenario: give its YAML file instead\n", path, program_scheduler(p), topo, opt);
		kb_free(p);
		return KT_EXIT_USAGE;
	}
	return KT_EXIT_PASS;
}

/* Load FILE (YAML or bytecode, as kb_taken_for_bytecode decides) into a
 * program; prints errors. */
int load_program(const char *path, struct kb_program *p, const struct load_opts *lo, char *unfit, size_t n)
{
	if (unfit)
		*unfit = 0;
	size_t len;
	char *buf = read_file(path, &len, MAX_INPUT);
	if (!buf) {
		fprintf(stderr, "%s:1:1: error: cannot read: %s\n", path, read_file_error(errno));
		return KT_EXIT_USAGE;
	}
	char why[96];
	if (!len) {
		free(buf);
		fprintf(stderr, "%s: error: empty file; expected a YAML scenario or ktstr bytecode\n", path);
		return KT_EXIT_USAGE;
	}
	if (kb_taken_for_bytecode(path, (uint8_t *)buf, len, why, sizeof(why))) {
		int rc = load_bytecode(path, (uint8_t *)buf, len, why, p, lo);
		free(buf);
		return rc;
	}
	struct scenario s;
	struct diag d = {0};
	bool ok = scenario_load_buf(&s, path, buf, len, lo, &d);
	free(buf);
	diag_print(&d, stderr);
	diag_free(&d);
	if (ok && unfit && s.unfit)
		snprintf(unfit, n, "%s", s.unfit);
	if (ok)
		scenario_lower(&s, p);
	scenario_free(&s);
	return ok ? KT_EXIT_PASS : KT_EXIT_USAGE;
}

static const struct cmd_option opts[] = {
	{"output", 'o', required_argument, 'o', "OUT.ktbc", "write the bytecode to OUT.ktbc"},
	{"quiet", 'q', no_argument, 'q', NULL, "do not print the disassembly"},
	{0},
};

const struct cmd_usage dump_usage[] = {{NULL, opts, "FILE.yaml|FILE.ktbc"}, {0}};

int cmd_dump(int argc, char **argv)
{
	const char *out = NULL;
	bool quiet = false;
	int c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return usage_error("dump", "bad option");
	}
	if (optind != argc - 1)
		return usage_error("dump", "expected exactly one file");
	struct kb_program p;
	struct load_opts lo = {0};
	cli_load_opts(&lo);
	int rc = load_program(argv[optind], &p, &lo, NULL, 0);
	if (rc)
		return rc;
	if (out) {
		size_t len;
		uint8_t *bc = kb_encode(&p, &len);
		rc = write_out(out, bc, len);
		free(bc);
	}
	if (!quiet) {
		struct strbuf sb = {0};
		kb_disasm(&p, &sb);
		fputs(sb.buf, stdout);
		sb_free(&sb);
	}
	kb_free(&p);
	return rc;
}
