/* Unit tests: validation messages, locations, all-errors reporting,
 * includes and their override rules, and lowering of defaults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disasm.h"
#include "scenario.h"

static bool load(const char *yaml, struct diag *d, struct scenario *s)
{
	return scenario_load_buf(s, "t.yaml", yaml, strlen(yaml), NULL, d);
}

/* True when d holds an error at line:col whose message contains sub. */
static bool has(const struct diag *d, int line, int col, const char *sub)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].line == line && d->items[i].col == col &&
		    strstr(d->items[i].msg, sub))
			return true;
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  have %d:%d: %s\n", d->items[i].line, d->items[i].col, d->items[i].msg);
	return false;
}

static void check_one(const char *yaml, int line, int col, const char *sub)
{
	struct diag d = {0};
	struct scenario s;
	assert_false(load(yaml, &d, &s));
	assert_true(has(&d, line, col, sub));
	for (size_t i = 0; i < d.n; i++)
		assert_non_null(strstr(d.items[i].msg, "; "));	/* what; expected */
	diag_free(&d);
	scenario_free(&s);
}

static void test_valid_minimal(void **st)
{
	(void)st;
	struct diag d = {0};
	struct scenario s;
	assert_true(load("backdrop:\n  cgroups:\n    - name: a\n", &d, &s));
	assert_int_equal(d.errors, 0);
	assert_string_equal(s.name, "t");
	assert_int_equal(topo_ncpus(&s.topo), 2);
	scenario_free(&s);
}

static void test_three_mistakes_three_errors(void **st)
{
	(void)st;
	const char *y =
		"duration: 2 s\n"				/* 1: bad duration */
		"backdrop:\n"
		"  cgroups:\n"
		"    - name: a\n"
		"      wokers: 4\n"				/* 5: unknown key */
		"steps:\n"
		"  - ops:\n"
		"      - stop_cgroup: ghost\n";		/* 8: undefined ref */
	struct diag d = {0};
	struct scenario s;
	assert_false(load(y, &d, &s));
	assert_int_equal(d.errors, 3);
	assert_true(has(&d, 1, 11, "duration '2 s' is not valid; expected duration"));
	assert_true(has(&d, 5, 7, "did you mean it?"));
	assert_true(has(&d, 5, 7, "'workers'"));
	assert_true(has(&d, 8, 22, "cgroup 'ghost', which does not exist"));
	diag_free(&d);
	scenario_free(&s);
}

static void test_type_errors(void **st)
{
	(void)st;
	check_one("topology: 2n3l2c1t\n", 1, 11, "multiple of numa_nodes");
	check_one("topology: {llcs: 16, cores: 16, threads: 2}\n", 1, 11, "vCPUs");
	check_one("backdrop: {cgroups: [{name: a, workers: 0}]}\n", 1, 41, "out of range");
	check_one("backdrop: {cgroups: [{name: a, work: spin_wiat}]}\n", 1, 38, "did you mean");
	check_one("backdrop: {cgroups: [{name: a, comm: abcdefghijklmnopq}]}\n", 1, 38, "at most 15");
	check_one("steps: [{hold: 0%}]\n", 1, 16, "out of range");
	check_one("steps: [{ops: [{frobnicate: x}]}]\n", 1, 17, "unknown op 'frobnicate'");
	check_one("a: 1\na: 2\n", 2, 1, "duplicate key 'a'");
	check_one("backdrop: [\n", 2, 1, "YAML syntax error");
	check_one("", 1, 1, "empty document");
	check_one("- 1\n", 1, 1, "expected a mapping");
}

static void test_semantic_errors(void **st)
{
	(void)st;
	check_one("topology: 1n2l2c1t\nbackdrop: {cgroups: [{name: a, cpuset: {llc: 2}}]}\n",
		  2, 40, "names LLC 2 but the topology has 2 LLCs");
	check_one("backdrop: {cgroups: [{name: a, workers: 3, work: pipe_io}]}\n",
		  1, 41, "multiple of 2");
	check_one("backdrop: {cgroups: [{name: a, workers: 4, work: {futex_fan_out: {fan_out: 4}}}]}\n",
		  1, 41, "groups of 5");
	check_one("backdrop: {cgroups: [{name: a, work: fork_exit, clone: thread}]}\n",
		  1, 56, "thread clone mode");
	check_one("steps:\n  - ops: [{add_cgroup: a}, {remove_cgroup: a}, {freeze: a}]\n",
		  2, 57, "does not exist at this point");
	check_one("backdrop: {ops: [{add_cgroup: a}, {add_cgroup: a/b}, {remove_cgroup: a}]}\n",
		  1, 70, "while its child 'a/b' exists");
	check_one("backdrop: {cgroups: [{name: a}]}\nsteps: [{ops: [{remove_cgroup: a}]}, {ops: [{freeze: a}]}]\n",
		  2, 54, "does not exist at this point");
	check_one("backdrop: {cgroups: [{name: a, workers: \"2\"}]}\n", 1, 41, "quoted text");
	check_one("claims: {metrics: [{metric: workers, step: 1, at_least: 1}]}\n", 1, 44, "has no steps");
	check_one("backdrop: {ops: [{add_cgroup: x/y}]}\n", 1, 31, "nests under 'x'");
	check_one("steps: [{ops: [{run_payload: nope}]}]\n", 1, 30, "payload 'nope' is not defined");
	check_one("claims: {metrics: [{metric: p99_wake_latency_us, at_most: 1, at_least: 0}]}\n",
		  1, 20, "exactly one of");
	check_one("claims: {metrics: [{metric: p99_wakeup_us, at_most: 1}]}\n", 1, 29, "unknown metric");
	check_one("claims: {cgroups: {ghost: {max_gap_ms: 10}}}\n", 1, 20, "never creates");
	check_one("backdrop: {cgroups: [{name: a, policy: {deadline: {runtime: 2ms, deadline: 1ms}}}]}\n",
		  1, 51, "runtime <= deadline");
	check_one("scheduler: simpel\nschedulers: [{name: simple, binary: scx_simple}]\n",
		  1, 12, "did you mean 'simple'");
	check_one("scheduler: {name: s, flags: [b]}\n"
		  "schedulers: [{name: s, binary: x, flags: [{name: a}, {name: b, requires: [a]}]}]\n",
		  1, 30, "requires flag 'a'");
	check_one("backdrop: {cgroups: [{name: a, affinity: smt_pair}]}\n", 1, 42, "threads >= 2");
	check_one("backdrop: {cgroups: [{name: a, mem_policy: local, mpol_flags: [relative_nodes]}]}\n",
		  1, 64, "with mem_policy local, which the kernel refuses");
	check_one("topology: 2n2l2c1t\nbackdrop: {cgroups: [{name: a, mem_policy: {interleave: [0, 1]}, mpol_flags: [numa_balancing]}]}\n",
		  2, 79, "numa_balancing with mem_policy interleave");
	check_one("payloads: [{name: p, binary: x, args: [--cpu=2, --tmeout, 5], known_flags: [cpu, timeout]}]\n",
		  1, 49, "no flag '--tmeout' in its known_flags; expected '--timeout' (did you mean it?)");
	struct diag d = {0};
	struct scenario s;
	assert_true(load("payloads: [{name: p, binary: x, args: [--cpu, --, --other], known_flags: [cpu]}]\n"
			 "backdrop: {payloads: [{payload: p, args: [--cpu=3, -x]}]}\n", &d, &s));
	diag_free(&d);
	scenario_free(&s);
}

/* The NUMA work types need two nodes: refused on one, at the work's
 * own position, bare or with parameters; accepted on two. */
static void test_numa_work_needs_nodes(void **st)
{
	(void)st;
	check_one("backdrop: {cgroups: [{name: a, work: numa_working_set_sweep}]}\n", 1, 38,
		  "numa_working_set_sweep needs at least 2 NUMA nodes but the topology has 1; expected topology numa_nodes >= 2");
	check_one("topology: 1n2l2c1t\n"
		  "backdrop: {cgroups: [{name: a, workers: 2, work: {numa_migration_churn: {period: 10ms}}}]}\n",
		  2, 50, "numa_migration_churn needs at least 2 NUMA nodes");
	struct diag d = {0};
	struct scenario s;
	assert_true(load("topology: 2n2l2c1t\n"
			 "backdrop: {cgroups: [{name: a, workers: 2, work: {numa_migration_churn: {period: 10ms}}},\n"
			 "  {name: b, work: {numa_working_set_sweep: {size_kib: 64, rebind: true, hop: true}}}]}\n",
			 &d, &s));
	assert_int_equal(d.errors, 0);
	diag_free(&d);
	scenario_free(&s);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_includes(void **st)
{
	(void)st;
	char dir[] = "/tmp/ktstr-inc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char lib[256], main_ok[256], main_dup[256], main_cycle[256], main_ovr[256];
	snprintf(lib, sizeof(lib), "%s/lib.yaml", dir);
	snprintf(main_ok, sizeof(main_ok), "%s/ok.yaml", dir);
	snprintf(main_dup, sizeof(main_dup), "%s/dup.yaml", dir);
	snprintf(main_cycle, sizeof(main_cycle), "%s/cycle.yaml", dir);
	snprintf(main_ovr, sizeof(main_ovr), "%s/ovr.yaml", dir);
	write_file(lib, "schedulers: [{name: simple, binary: scx_simple, args: [-v]}]\n");
	write_file(main_ok, "include: [lib.yaml]\nscheduler: simple\n");
	write_file(main_dup, "include: [lib.yaml]\nschedulers: [{name: simple, binary: other}]\n");
	write_file(main_ovr, "include: [lib.yaml]\nscheduler: simple\n"
			     "schedulers: [{name: simple, binary: other, override: true}]\n");
	write_file(main_cycle, "include: [cycle.yaml]\n");

	struct diag d = {0};
	struct scenario s;
	assert_true(scenario_load(&s, main_ok, NULL, &d));
	assert_non_null(s.sched);
	assert_string_equal(ynode_get(s.sched, "binary")->str, "scx_simple");
	scenario_free(&s);

	assert_false(scenario_load(&s, main_dup, NULL, &d));
	assert_true(has(&d, 2, 21, "already defined at"));
	assert_true(has(&d, 2, 21, "override: true"));
	diag_free(&d);
	scenario_free(&s);

	assert_true(scenario_load(&s, main_ovr, NULL, &d));
	assert_string_equal(ynode_get(s.sched, "binary")->str, "other");
	scenario_free(&s);

	assert_false(scenario_load(&s, main_cycle, NULL, &d));
	assert_true(has(&d, 1, 11, "include cycle"));
	diag_free(&d);
	scenario_free(&s);

	/* Files are told apart by real path: a cycle through "x/.." is a
	 * cycle, the same file twice in one list an error, a diamond (two
	 * files including one) loads it once. */
	char sub[256], sub_lib[256];
	snprintf(sub, sizeof(sub), "%s/x", dir);
	snprintf(sub_lib, sizeof(sub_lib), "%s/x/lib2.yaml", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	write_file(main_cycle, "include: [./x/../cycle.yaml]\n");
	assert_false(scenario_load(&s, main_cycle, NULL, &d));
	assert_true(has(&d, 1, 11, "include cycle: './x/../cycle.yaml' is"));
	diag_free(&d);
	scenario_free(&s);
	write_file(main_dup, "include: [lib.yaml, x/../lib.yaml]\n");
	assert_false(scenario_load(&s, main_dup, NULL, &d));
	assert_true(has(&d, 1, 21, "'x/../lib.yaml' is the file already included as 'lib.yaml'"));
	assert_int_equal(d.errors, 1);
	diag_free(&d);
	scenario_free(&s);
	write_file(sub_lib, "include: [../lib.yaml]\n");
	write_file(main_dup, "include: [lib.yaml, x/lib2.yaml]\nscheduler: simple\n");
	assert_true(scenario_load(&s, main_dup, NULL, &d));
	assert_int_equal(d.errors, 0);
	scenario_free(&s);
	unlink(sub_lib);
	rmdir(sub);

	write_file(main_ok, "include: [missing.yaml]\n");
	assert_false(scenario_load(&s, main_ok, NULL, &d));
	assert_true(has(&d, 1, 11, "cannot read"));
	diag_free(&d);
	scenario_free(&s);

	/* Errors inside an included file carry that file's name. */
	write_file(lib, "schedulers: [{name: simple, bnary: x}]\n");
	write_file(main_ok, "include: [lib.yaml]\n");
	assert_false(scenario_load(&s, main_ok, NULL, &d));
	assert_true(has(&d, 1, 29, "unknown key 'bnary'"));
	bool in_lib = false;
	for (size_t i = 0; i < d.n; i++)
		in_lib |= strstr(d.items[i].file, "lib.yaml") != NULL;
	assert_true(in_lib);
	diag_free(&d);
	scenario_free(&s);

	unlink(lib), unlink(main_ok), unlink(main_dup), unlink(main_cycle), unlink(main_ovr);
	rmdir(dir);
}

static void test_alias_bomb_bounded(void **st)
{
	(void)st;
	struct strbuf sb = {0};
	sb_puts(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (int i = 1; i < 9; i++)
		sb_printf(&sb, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			  i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	struct diag d = {0};
	struct scenario s;
	assert_false(load(sb.buf, &d, &s));
	bool found = false;
	for (size_t i = 0; i < d.n; i++)
		found |= strstr(d.items[i].msg, "expands to more than") != NULL;
	assert_true(found);
	diag_free(&d);
	scenario_free(&s);
	sb_free(&sb);
}

/* Merge keys follow YAML: an explicit key beats a merged one, before or
 * after the '<<', and the first merged map with a key beats later ones;
 * neither is a duplicate-key error. */
static void test_merge_key_explicit_wins(void **st)
{
	(void)st;
	struct diag d = {0};
	struct scenario s;
	assert_true(load("backdrop:\n"
			 "  cgroups:\n"
			 "    - &base {name: a, workers: 2, nice: 5}\n"
			 "    - {name: b, <<: *base, workers: 3}\n"
			 "    - {workers: 4, <<: [{name: c, nice: 1}, *base]}\n",
			 &d, &s));
	assert_int_equal(d.errors, 0);
	const struct ynode *cgs = ynode_get(ynode_get(s.root, "backdrop"), "cgroups");
	assert_string_equal(ynode_get(cgs->items[1], "name")->str, "b");
	assert_string_equal(ynode_get(cgs->items[1], "workers")->str, "3");
	assert_string_equal(ynode_get(cgs->items[1], "nice")->str, "5");
	assert_string_equal(ynode_get(cgs->items[2], "name")->str, "c");
	assert_string_equal(ynode_get(cgs->items[2], "workers")->str, "4");
	assert_string_equal(ynode_get(cgs->items[2], "nice")->str, "1");
	scenario_free(&s);
	/* An explicit key twice is still a duplicate, merge or not. */
	check_one("backdrop:\n  cgroups:\n    - &base {name: a}\n    - {<<: *base, name: b, name: c}\n",
		  4, 28, "duplicate key 'name'");
}

/* Like check_one for text that strlen cannot measure (NUL bytes). */
static void check_bytes(const char *yaml, size_t len, int line, int col,
			const char *sub)
{
	struct diag d = {0};
	struct scenario s;
	assert_false(scenario_load_buf(&s, "t.yaml", yaml, len, NULL, &d));
	assert_int_equal(d.errors, 1);
	assert_true(has(&d, line, col, sub));
	diag_free(&d);
	scenario_free(&s);
}
#define BYTES(lit) lit, sizeof(lit) - 1

/* Bytes that are not YAML text are reported at their own line:col (libyaml
 * itself says 1:1); columns count characters, CR LF is one break. */
static void test_bad_bytes(void **st)
{
	(void)st;
	check_bytes(BYTES("description: x\nname: a\0b\n"), 2, 8, "NUL byte; expected UTF-8 text");
	check_bytes(BYTES("description: x\nname: ab\xff" "cd\n"), 2, 9, "invalid UTF-8 (byte 0xFF)");
	check_bytes(BYTES("name: \"ab\xc3\"\n"), 1, 10, "invalid UTF-8 (byte 0xC3)");
	check_bytes(BYTES("name: \xc0\xaf\n"), 1, 7, "invalid UTF-8 (byte 0xC0)");	/* overlong */
	check_bytes(BYTES("name: \xed\xa0\x80\n"), 1, 7, "invalid UTF-8 (byte 0xED)");	/* surrogate */
	check_bytes(BYTES("name: ab\xe2\x82"), 1, 9, "invalid UTF-8 (byte 0xE2)");	/* cut short */
	check_bytes(BYTES("description: x\r\nname: \xc3\xa9\x01\n"), 2, 8, "control character U+0001");
	check_bytes(BYTES("description: x\rname: a\x7f\n"), 2, 8, "control character U+007F");
	check_bytes(BYTES("name: a\xc2\x80\n"), 1, 8, "control character U+0080");
	check_bytes(BYTES("\xef\xbb\xbfname: a\x01\n"), 1, 8, "control character U+0001");
	check_bytes(BYTES("\xff\xfen\0a\0m\0e\0"), 1, 1, "UTF-16 text");
	/* Tabs, a BOM and non-ASCII text are fine. */
	struct diag d = {0};
	struct scenario s;
	assert_true(load("\xef\xbb\xbf" "description: \"caf\xc3\xa9\tbar\"\nbackdrop: {cgroups: [{name: a}]}\n", &d, &s));
	scenario_free(&s);
}

/* libyaml finds an unclosed quote at the end of the file (or at a '---'
 * line); the error points at the opening quote instead. */
static void test_unclosed_quote(void **st)
{
	(void)st;
	check_one("description: x\nname: 'abc\nduration: 2s\n", 2, 7,
		  "quoted text opened here is still open at the end of the file");
	check_one("name: [a, \"b\n", 1, 11, "still open at the end of the file");
	check_one("description: \"x\n---\nname: a\n", 1, 14,
		  "still open at the document marker on line 2");
}

/* An alias is located where it is used: a '*key' that repeats a key, a
 * wrong value or a merge of a non-mapping through an alias is reported
 * at the alias, not at the anchor. */
static void test_alias_located_at_use(void **st)
{
	(void)st;
	check_one("description: &k duration\n*k : 2s\nduration: 3s\n", 3, 1,
		  "duplicate key 'duration' (first at line 2)");
	check_one("description: &k duration\nduration: 2s\n*k : 3s\n", 3, 1,
		  "duplicate key 'duration' (first at line 2)");
	check_one("description: &d 2 s\nduration: *d\n", 2, 11, "duration '2 s' is not valid");
	check_one("backdrop: &b {cgroups: [{name: a}]}\nsteps: *b\n", 2, 8, "steps is a mapping");
	check_one("description: &d x\nbackdrop: {cgroups: [{name: a, <<: *d}]}\n", 2, 36,
		  "merge key '<<' needs a mapping");
}

/* Echoes of user input in messages: a quoted %s is shortened around a
 * "...", control characters anywhere are escaped, and every other
 * conversion prints as printf would. */
static void test_echo(void **st)
{
	(void)st;
	struct diag d = {0};
	diag_add(&d, DIAG_ERROR, "f", 1, 1,
		 "%s '%s' %d %u %lld %zu %g %c %x %5.2f %-3s| %.*s %*d %% \"%s\" %hhu %ld",
		 "what", "v", -1, 2u, -3LL, (size_t)4, 0.5, 'c', 255u, 3.14159, "a",
		 2, "xyz", 4, 7, "q", (unsigned char)200, -5L);
	assert_string_equal(d.items[0].msg,
			    "what 'v' -1 2 -3 4 0.5 c ff  3.14 a  | xy    7 % \"q\" 200 -5");
	char big[201];
	memset(big, 'x', 200);
	big[0] = 'A', big[199] = 'Z', big[200] = 0;
	diag_add(&d, DIAG_ERROR, "f", 1, 1, "'%s' %s", big, big);
	const char *m = d.items[1].msg;
	assert_int_equal(strlen(m), 2 + 60 + 1 + 200);
	assert_memory_equal(m, "'Axxx", 5);
	assert_memory_equal(m + 38, "...", 3);
	assert_memory_equal(m + 58, "xxZ' Axx", 8);
	/* a cut never splits a UTF-8 character */
	char wide[200] = "";
	for (int i = 0; i < 40; i++)
		strcat(wide, "\xc3\xa9");
	diag_add(&d, DIAG_ERROR, "f", 1, 1, "'%s'", wide);
	assert_string_equal(d.items[2].msg, "'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			    "...\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'");
	diag_add(&d, DIAG_ERROR, "f", 1, 1, "'%s'", "a\nb\x01\x1b[1m\x7f\xc2\x85\t\xc3\xa9");
	assert_string_equal(d.items[3].msg, "'a\\nb\\x01\\x1b[1m\\x7f\\u0085\\t\xc3\xa9'");
	diag_free(&d);
}

/* Load a valid scenario and return the disassembly of its program. */
static char *listing(const char *yaml)
{
	struct diag d = {0};
	struct scenario s;
	assert_true(load(yaml, &d, &s));
	struct kb_program p;
	scenario_lower(&s, &p);
	struct strbuf sb = {0};
	kb_disasm(&p, &sb);
	kb_free(&p);
	scenario_free(&s);
	return sb_detach(&sb);
}

static void test_lowering_fills_defaults(void **st)
{
	(void)st;
	char *l = listing("topology: 1n2l2c1t\n"
			  "backdrop:\n  cgroups:\n    - name: a\n      cpuset: {llc: 1}\n      work: pipe_io\n      workers: 2\n"
			  "claims: {max_gap_ms: off}\n");
	struct strbuf sb = {.buf = l};
	assert_non_null(strstr(sb.buf, "cgroup name=\"a\" cpuset=\"llc\" cpuset.llc=1 cpuset.cpus=cpus:2-3"));
	assert_non_null(strstr(sb.buf, "work=\"pipe_io\" work.burst_iters=1024"));
	assert_non_null(strstr(sb.buf, "check name=\"not_starved\" value=true"));
	assert_null(strstr(sb.buf, "max_gap_ms"));	/* switched off */
	assert_non_null(strstr(sb.buf, "duration 2s"));
	free(l);
}

static void test_claim_layering(void **st)
{
	(void)st;
	char *l = listing("scheduler: s\n"
			  "schedulers: [{name: s, binary: x, claims: {max_gap_ms: 500, max_spread_pct: 40}}]\n"
			  "claims: {max_spread_pct: 20, cgroups: {a: {max_gap_ms: off}}}\n"
			  "backdrop: {cgroups: [{name: a}]}\n");
	struct strbuf sb = {.buf = l};
	assert_non_null(strstr(sb.buf, "check name=\"max_gap_ms\" value=500"));
	assert_non_null(strstr(sb.buf, "check name=\"max_spread_pct\" value=20"));
	assert_non_null(strstr(sb.buf, "scheduler name=\"s\" binary=\"x\" attach_timeout=20s"));
	/* off at cgroup scope is emitted, to override the scenario's check */
	assert_non_null(strstr(sb.buf, "check name=\"max_gap_ms\" cgroup=\"a\" value=\"off\""));
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_minimal),
		cmocka_unit_test(test_three_mistakes_three_errors),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_semantic_errors),
		cmocka_unit_test(test_numa_work_needs_nodes),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_alias_bomb_bounded),
		cmocka_unit_test(test_merge_key_explicit_wins),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_unclosed_quote),
		cmocka_unit_test(test_alias_located_at_use),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_lowering_fills_defaults),
		cmocka_unit_test(test_claim_layering),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
