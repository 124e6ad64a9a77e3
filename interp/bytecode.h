/* bytecode: the versioned binary program (.ktbc) that the host ships to
 * the in-guest executor.  Layout, all little-endian:
 *
 *   header (48 bytes)
 *     magic "KTBC", u16 version, u16 header size, u32 flags,
 *     u32 total size, u32 crc32 (of the file with this field zeroed),
 *     u16 numa_nodes, llcs, cores, threads, u32 memory_mib,
 *     u64 duration_ns, u64 watchdog_ns
 *   counts: u32 string count, u32 instruction count
 *   string table: per string u32 length + bytes (no NUL inside)
 *   instructions: u16 opcode, u16 operand count, then per operand
 *     u32 key (string index), u8 type, value:
 *     INT/DUR i64, NUM f64, STR/CPUS u32 string index, BOOL u8 (0/1)
 *
 * Operands are named, so the program is self-describing; repeated keys
 * form lists (args).  The decoder accepts only what the encoder writes,
 * so decode followed by encode reproduces the input byte for byte. */
#ifndef KTSTR_BYTECODE_H
#define KTSTR_BYTECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topology.h"

#define KTBC_MAGIC "KTBC"
#define KTBC_VERSION 1
#define KTBC_HEADER_SIZE 48
#define KTBC_MAX_SIZE (16u << 20)
#define KTBC_MAX_OPERANDS 1024
/* Durations (header and operands) are refused above a day: the format's
 * longest is an hour, and the executor multiplies them (a hold of 10x
 * the duration) and adds them to clocks, which must not overflow. */
#define KTBC_MAX_DURATION_NS (24ull * 3600 * 1000000000)
/* Guest memory, as the format bounds memory_mib. */
#define KTBC_MIN_MEMORY_MIB 128
#define KTBC_MAX_MEMORY_MIB (1u << 20)

enum kb_opcode {
#define OPC(e, m, req, d) OPC_##e,
#include "opcodes.def"
#undef OPC
	OPC__COUNT
};

enum kb_type { KB_INT = 1, KB_NUM, KB_STR, KB_BOOL, KB_DUR, KB_CPUS, KB__MAX = KB_CPUS };

struct kb_operand {
	uint32_t key;
	uint8_t type;
	union {
		int64_t i;	/* INT, DUR (ns), BOOL */
		double f;	/* NUM */
		uint32_t s;	/* STR, CPUS */
	};
};

struct kb_insn {
	uint16_t op;
	uint16_t nops;
	uint32_t first;		/* index into program operands */
};

struct kb_program {
	uint16_t version;
	uint32_t flags;
	struct topology topo;
	uint32_t memory_mib;
	uint64_t duration_ns, watchdog_ns;
	char **str;
	uint32_t *slen;
	uint32_t nstr, capstr;
	struct kb_insn *insn;
	uint32_t ninsn, capinsn;
	struct kb_operand *opnd;
	uint32_t nopnd, capopnd;
	/* string interning while building */
	uint32_t *hash;
	uint32_t hashcap;
};

const char *kb_opcode_name(unsigned op);
const char *kb_opcode_doc(unsigned op);
/* Space-separated operand keys every instruction of op must carry. */
const char *kb_opcode_required(unsigned op);
int kb_opcode_by_name(const char *name);

void kb_init(struct kb_program *p);
void kb_free(struct kb_program *p);
uint32_t kb_intern(struct kb_program *p, const char *s);
/* Start an instruction; operands added next belong to it. */
void kb_emit(struct kb_program *p, enum kb_opcode op);
void kb_int(struct kb_program *p, const char *key, int64_t v);
void kb_dur(struct kb_program *p, const char *key, uint64_t ns);
void kb_num(struct kb_program *p, const char *key, double v);
void kb_bool(struct kb_program *p, const char *key, bool v);
void kb_str(struct kb_program *p, const char *key, const char *v);
void kb_cpus(struct kb_program *p, const char *key, const struct cpuset *s);

/* Serialise; returns a malloc'd buffer. */
uint8_t *kb_encode(const struct kb_program *p, size_t *len);
/* Parse and verify; on failure returns false with a reason in err. */
bool kb_decode(const uint8_t *buf, size_t len, struct kb_program *p,
	       char *err, size_t errlen);

/* Operand lookup for consumers (executor, checker, disassembler). */
const struct kb_operand *kb_get(const struct kb_program *p,
				const struct kb_insn *in, const char *key);
/* The PAYLOAD definition named name, or NULL (the executor starts it,
 * the host reads its output format). */
const struct kb_insn *kb_payload_def(const struct kb_program *p, const char *name);
const char *kb_get_str(const struct kb_program *p, const struct kb_insn *in,
		       const char *key);
bool kb_get_int(const struct kb_program *p, const struct kb_insn *in,
		const char *key, int64_t *out);

uint32_t crc32_le(uint32_t crc, const uint8_t *buf, size_t len);
/* buf begins with the magic. */
bool kb_is_bytecode(const uint8_t *buf, size_t len);
/* Whether a file given as a program is bytecode rather than YAML, and
 * why (in why): it begins with the magic, its name ends .ktbc, it begins
 * with the magic one byte off (a damaged header), or, unless its name
 * ends .yaml or .yml, it has a NUL byte where a header would be (text
 * has none there, a header always does).  So a damaged program is
 * reported as bytecode, not as bad YAML. */
bool kb_taken_for_bytecode(const char *name, const uint8_t *buf, size_t len, char *why, size_t n);

#endif
