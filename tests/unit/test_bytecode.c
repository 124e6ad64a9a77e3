/* Unit tests: bytecode encoding, strict decoding and its error paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "bytecode.h"
#include "disasm.h"

static uint8_t *sample(size_t *len)
{
	struct kb_program p;
	kb_init(&p);
	p.topo = (struct topology){1, 2, 2, 1};
	p.memory_mib = 512;
	p.duration_ns = 2000000000ull;
	p.watchdog_ns = 4000000000ull;
	kb_emit(&p, OPC_SCENARIO);
	kb_str(&p, "name", "t");
	kb_emit(&p, OPC_BACKDROP);
	kb_emit(&p, OPC_SPAWN);
	kb_str(&p, "cgroup", "cg_0");
	kb_int(&p, "workers", 4);
	kb_int(&p, "group_size", 1);
	kb_str(&p, "work", "spin_wait");
	kb_str(&p, "policy", "normal");
	kb_str(&p, "affinity", "inherit");
	kb_str(&p, "mem_policy", "default");
	kb_str(&p, "clone", "fork");
	kb_dur(&p, "hold", 500000000ull);
	kb_num(&p, "frac", 0.25);
	kb_bool(&p, "flag", true);
	struct cpuset cs;
	cpuset_parse("0-1", &cs);
	kb_cpus(&p, "cpus", &cs);
	kb_str(&p, "args", "-a");
	kb_str(&p, "args", "-b");
	kb_emit(&p, OPC_END);
	uint8_t *buf = kb_encode(&p, len);
	kb_free(&p);
	return buf;
}

static void test_round_trip(void **st)
{
	(void)st;
	size_t len, len2;
	uint8_t *buf = sample(&len);
	struct kb_program p;
	char err[256];
	assert_true(kb_decode(buf, len, &p, err, sizeof(err)));
	assert_int_equal(p.ninsn, 4);
	const struct kb_insn *spawn = &p.insn[2];
	assert_int_equal(spawn->op, OPC_SPAWN);
	int64_t w;
	assert_true(kb_get_int(&p, spawn, "workers", &w));
	assert_int_equal(w, 4);
	assert_string_equal(kb_get_str(&p, spawn, "cgroup"), "cg_0");
	assert_string_equal(kb_get_str(&p, spawn, "cpus"), "0-1");
	assert_null(kb_get(&p, spawn, "missing"));
	uint8_t *again = kb_encode(&p, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, again, len);
	struct strbuf sb = {0};
	kb_disasm(&p, &sb);
	assert_non_null(strstr(sb.buf, "spawn cgroup=\"cg_0\" workers=4 group_size=1 work=\"spin_wait\" policy=\"normal\" affinity=\"inherit\" mem_policy=\"default\" clone=\"fork\" hold=500ms frac=0.25 flag=true cpus=cpus:0-1 args=\"-a\" args=\"-b\""));
	sb_free(&sb);
	free(again);
	kb_free(&p);
	free(buf);
}

static void test_every_truncation_rejected(void **st)
{
	(void)st;
	size_t len;
	uint8_t *buf = sample(&len);
	for (size_t n = 0; n < len; n++) {
		struct kb_program p;
		char err[256] = "";
		assert_false(kb_decode(buf, n, &p, err, sizeof(err)));
		assert_true(err[0] != 0);
	}
	free(buf);
}

static void test_every_bit_flip_rejected(void **st)
{
	(void)st;
	size_t len;
	uint8_t *buf = sample(&len);
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b++) {
			struct kb_program p;
			char err[256];
			buf[i] ^= (uint8_t)(1 << b);
			assert_false(kb_decode(buf, len, &p, err, sizeof(err)));
			buf[i] ^= (uint8_t)(1 << b);
		}
	}
	free(buf);
}

/* Patch a field and fix the checksum so the structural check is hit. */
static void reseal(uint8_t *buf, size_t len)
{
	memset(buf + 16, 0, 4);
	uint32_t c = crc32_le(0, buf, len);
	memcpy(buf + 16, &c, 4);
}

static void test_structural_errors(void **st)
{
	(void)st;
	size_t len;
	struct kb_program p;
	char err[256];
	uint8_t *buf = sample(&len);

	buf[4] = 2;	/* version */
	reseal(buf, len);
	assert_false(kb_decode(buf, len, &p, err, sizeof(err)));
	assert_non_null(strstr(err, "version 2"));
	buf[4] = 1;

	uint8_t *big = malloc(len + 3);
	memcpy(big, buf, len);
	memset(big + len, 0, 3);
	uint32_t tl = (uint32_t)len + 3;
	memcpy(big + 12, &tl, 4);
	reseal(big, len + 3);
	assert_false(kb_decode(big, len + 3, &p, err, sizeof(err)));
	assert_non_null(strstr(err, "trailing"));
	free(big);

	assert_false(kb_decode(buf, KTBC_MAX_SIZE + 1, &p, err, sizeof(err)));
	assert_non_null(strstr(err, "oversized"));

	memcpy(buf, "XXXX", 4);
	assert_false(kb_decode(buf, len, &p, err, sizeof(err)));
	assert_non_null(strstr(err, "magic"));
	free(buf);
}

/* Decode buf and require the error to contain want. */
static void rejects(const uint8_t *buf, size_t len, const char *want)
{
	struct kb_program p;
	char err[256] = "";
	assert_false(kb_decode(buf, len, &p, err, sizeof(err)));
	if (!strstr(err, want))
		fail_msg("decode error '%s' lacks '%s'", err, want);
}

/* An empty program with a valid header: 1n1l2c1t, 512 MiB, 1 s. */
static void bare_program(struct kb_program *p)
{
	kb_init(p);
	p->topo = (struct topology){1, 1, 2, 1};
	p->memory_mib = 512;
	p->duration_ns = 1000000000ull;
}

/* A one-instruction program whose instruction carries one operand set
 * by add; encoded. */
static uint8_t *one_operand(void (*add)(struct kb_program *), size_t *len)
{
	struct kb_program p;
	bare_program(&p);
	kb_emit(&p, OPC_SCENARIO);
	kb_str(&p, "name", "t");
	if (add)
		add(&p);
	uint8_t *buf = kb_encode(&p, len);
	kb_free(&p);
	return buf;
}

static void add_nan(struct kb_program *p) { kb_num(p, "value", NAN); }
static void add_inf(struct kb_program *p) { kb_num(p, "value", -INFINITY); }
static void add_huge_dur(struct kb_program *p) { kb_dur(p, "hold", UINT64_MAX / 2 + 1); }
static void add_long_dur(struct kb_program *p) { kb_dur(p, "hold", KTBC_MAX_DURATION_NS + 1); }

/* Which files dump and run read as bytecode: the magic, a .ktbc name,
 * the magic one byte off, a NUL where a header would be (not in a file
 * named .yaml, whose NUL the YAML reader locates); else YAML. */
static void test_taken_for_bytecode(void **st)
{
	(void)st;
	char why[96];
	const uint8_t *text = (const uint8_t *)"description: x\n", *elf = (const uint8_t *)"\x7f" "ELF\2\1\1\0";
	assert_true(kb_taken_for_bytecode("a.bin", (const uint8_t *)"KTBC\1\0", 6, why, sizeof(why)));
	assert_true(kb_taken_for_bytecode("a.ktbc", text, 15, why, sizeof(why)));
	assert_string_equal(why, "its name ends .ktbc");
	assert_true(kb_taken_for_bytecode("a.yaml", (const uint8_t *)"KTBD\1\0", 6, why, sizeof(why)));
	assert_true(kb_taken_for_bytecode("a", (const uint8_t *)"ktbc\1\0", 6, why, sizeof(why)));
	assert_true(kb_taken_for_bytecode("a.bin", elf, 8, why, sizeof(why)));
	assert_string_equal(why, "it looks binary, with a NUL byte at offset 7");
	assert_false(kb_taken_for_bytecode("a.yaml", elf, 8, why, sizeof(why)));
	assert_false(kb_taken_for_bytecode("a.yaml", text, 15, why, sizeof(why)));
	assert_false(kb_taken_for_bytecode("a", (const uint8_t *)"KTXY: 1\n", 8, why, sizeof(why)));
}

/* What the encoder never writes is refused with a reason: another kind
 * of file, no instructions, no memory, durations that overflow, numbers
 * a threshold cannot be compared with. */
static void test_strictness(void **st)
{
	(void)st;
	rejects((const uint8_t *)"name: fanout\n", 13, "not ktstr bytecode: magic is 'name'; expected 'KTBC'");
	rejects((const uint8_t *)"KTBX", 4, "magic is 'KTBX'");
	rejects((const uint8_t *)"\x7f" "E\0\x01", 4, "magic is '\\x7FE\\x00\\x01'");
	rejects((const uint8_t *)"KT", 2, "truncated");

	struct kb_program p;
	bare_program(&p);
	size_t len;
	uint8_t *buf = kb_encode(&p, &len);
	rejects(buf, len, "empty program");
	free(buf);

	buf = sample(&len);
	uint64_t v64;
	uint32_t v32 = 0;
	memcpy(buf + 28, &v32, 4);	/* memory_mib */
	reseal(buf, len);
	rejects(buf, len, "memory_mib 0; expected 128 to");
	free(buf);

	buf = sample(&len);
	v64 = UINT64_MAX;
	memcpy(buf + 32, &v64, 8);	/* duration_ns */
	reseal(buf, len);
	rejects(buf, len, "duration 18446744073709551615 ns; expected more than 0 and at most");
	v64 = 0;
	memcpy(buf + 32, &v64, 8);
	reseal(buf, len);
	rejects(buf, len, "duration 0 ns");
	v64 = 1000000000ull;
	memcpy(buf + 32, &v64, 8);
	v64 = KTBC_MAX_DURATION_NS + 1;
	memcpy(buf + 40, &v64, 8);	/* watchdog_ns */
	reseal(buf, len);
	rejects(buf, len, "watchdog");
	free(buf);

	static const struct {
		void (*add)(struct kb_program *);
		const char *want;
	} bad[] = {
		{add_nan, "number operand 'value' is NaN; expected a finite number"},
		{add_inf, "number operand 'value' is infinite"},
		{add_huge_dur, "duration operand 'hold' of 9223372036854775808 ns overflows"},
		{add_long_dur, "duration operand 'hold'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf = one_operand(bad[i].add, &len);
		rejects(buf, len, bad[i].want);
		free(buf);
	}
	buf = one_operand(NULL, &len);
	assert_true(kb_decode(buf, len, &p, (char[64]){0}, 64));
	kb_free(&p);
	free(buf);
}

static void test_opcode_table(void **st)
{
	(void)st;
	assert_string_equal(kb_opcode_name(OPC_SPAWN), "spawn");
	assert_int_equal(kb_opcode_by_name("capture_cgroup_procs"), OPC_CAPTURE_CGROUP_PROCS);
	assert_int_equal(kb_opcode_by_name("nope"), -1);
	assert_string_equal(kb_opcode_name(9999), "?");
}

/* A missing operand is an error at load, naming the instruction and the
 * operand, never a silent default in the executor. */
static void test_missing_operand_rejected(void **st)
{
	(void)st;
	const char *req = kb_opcode_required(OPC_SPAWN);
	assert_non_null(strstr(req, "workers"));
	static const char *const keys[] = {"work", "workers", "group_size", "policy", "affinity",
					   "mem_policy", "clone"};
	for (size_t drop = 0; drop < sizeof(keys) / sizeof(keys[0]); drop++) {
		struct kb_program p;
		bare_program(&p);
		kb_emit(&p, OPC_SCENARIO);
		kb_str(&p, "name", "t");
		kb_emit(&p, OPC_SPAWN);
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (k != drop)
				kb_str(&p, keys[k], "1");
		size_t len;
		uint8_t *buf = kb_encode(&p, &len);
		kb_free(&p);
		char err[256];
		assert_false(kb_decode(buf, len, &p, err, sizeof(err)));
		if (!strstr(err, "instruction 1 (spawn) lacks its required operand"))
			fail_msg("decode error: %s", err);
		assert_non_null(strstr(err, keys[drop]));
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_truncation_rejected),
		cmocka_unit_test(test_every_bit_flip_rejected),
		cmocka_unit_test(test_structural_errors),
		cmocka_unit_test(test_strictness),
		cmocka_unit_test(test_taken_for_bytecode),
		cmocka_unit_test(test_opcode_table),
		cmocka_unit_test(test_missing_operand_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
