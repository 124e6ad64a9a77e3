/* bytecode: building, encoding and strict decoding of .ktbc programs.
 * The decoder treats its input as hostile: every length is checked
 * against what remains before it is used, and anything the encoder would
 * not have produced is rejected with a reason. */
#include "bytecode.h"
#include "util.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>
#include <limits.h>
#include <math.h>
#include <zlib.h>

static const char *const opc_names[] = {
#define OPC(e, m, req, d) m,
#include "opcodes.def"
#undef OPC
};
static const char *const opc_docs[] = {
#define OPC(e, m, req, d) d,
#include "opcodes.def"
#undef OPC
};
static const char *const opc_required[] = {
#define OPC(e, m, req, d) req,
#include "opcodes.def"
#undef OPC
};

const char *kb_opcode_name(unsigned op)
{
	return op < OPC__COUNT ? opc_names[op] : "?";
}

const char *kb_opcode_doc(unsigned op)
{
	return op < OPC__COUNT ? opc_docs[op] : "";
}

const char *kb_opcode_required(unsigned op)
{
	return op < OPC__COUNT ? opc_required[op] : "";
}

/* The first required operand instruction in lacks (into missing); false
 * when it has them all. */
static bool lacks_operand(const struct kb_program *p, const struct kb_insn *in, char *missing, size_t n)
{
	const char *r = kb_opcode_required(in->op);
	while (*r) {
		size_t len = strcspn(r, " ");
		snprintf(missing, n, "%.*s", (int)len, r);
		if (!kb_get(p, in, missing))
			return true;
		r += len;
		r += strspn(r, " ");
	}
	return false;
}

int kb_opcode_by_name(const char *name)
{
	for (unsigned i = 0; i < OPC__COUNT; i++)
		if (!strcmp(opc_names[i], name))
			return (int)i;
	return -1;
}

/* zlib's crc32() is this CRC-32 (IEEE 802.3, reflected) and is linked
 * into both binaries anyway; this keeps the name the formats document. */
uint32_t crc32_le(uint32_t crc, const uint8_t *buf, size_t len)
{
	while (len > UINT_MAX) {
		crc = (uint32_t)crc32(crc, buf, UINT_MAX);
		buf += UINT_MAX, len -= UINT_MAX;
	}
	return (uint32_t)crc32(crc, buf, (uInt)len);
}

void kb_init(struct kb_program *p)
{
	memset(p, 0, sizeof(*p));
	p->version = KTBC_VERSION;
}

void kb_free(struct kb_program *p)
{
	for (uint32_t i = 0; i < p->nstr; i++)
		free(p->str[i]);
	free(p->str);
	free(p->slen);
	free(p->insn);
	free(p->opnd);
	free(p->hash);
	memset(p, 0, sizeof(*p));
}

static uint32_t fnv(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static void rehash(struct kb_program *p)
{
	uint32_t cap = p->hashcap ? p->hashcap * 2 : 64;
	free(p->hash);
	p->hash = xcalloc(cap, sizeof(uint32_t));
	p->hashcap = cap;
	for (uint32_t i = 0; i < p->nstr; i++) {
		uint32_t h = fnv(p->str[i], p->slen[i]) & (cap - 1);
		while (p->hash[h])
			h = (h + 1) & (cap - 1);
		p->hash[h] = i + 1;
	}
}

static uint32_t add_string(struct kb_program *p, const char *s, size_t n)
{
	if (p->nstr == p->capstr) {
		p->capstr = p->capstr ? p->capstr * 2 : 32;
		p->str = xrealloc(p->str, p->capstr * sizeof(*p->str));
		p->slen = xrealloc(p->slen, p->capstr * sizeof(*p->slen));
	}
	char *c = xmalloc(n + 1);
	memcpy(c, s, n);
	c[n] = 0;
	p->str[p->nstr] = c;
	p->slen[p->nstr] = (uint32_t)n;
	return p->nstr++;
}

uint32_t kb_intern(struct kb_program *p, const char *s)
{
	size_t n = strlen(s);
	if ((p->nstr + 1) * 2 > p->hashcap)
		rehash(p);
	uint32_t h = fnv(s, n) & (p->hashcap - 1);
	while (p->hash[h]) {
		uint32_t i = p->hash[h] - 1;
		if (p->slen[i] == n && !memcmp(p->str[i], s, n))
			return i;
		h = (h + 1) & (p->hashcap - 1);
	}
	uint32_t idx = add_string(p, s, n);
	p->hash[h] = idx + 1;
	return idx;
}

void kb_emit(struct kb_program *p, enum kb_opcode op)
{
	if (p->ninsn == p->capinsn) {
		p->capinsn = p->capinsn ? p->capinsn * 2 : 64;
		p->insn = xrealloc(p->insn, p->capinsn * sizeof(*p->insn));
	}
	p->insn[p->ninsn++] = (struct kb_insn){.op = (uint16_t)op, .first = p->nopnd};
}

static struct kb_operand *new_operand(struct kb_program *p, const char *key,
				      uint8_t type)
{
	if (p->nopnd == p->capopnd) {
		p->capopnd = p->capopnd ? p->capopnd * 2 : 256;
		p->opnd = xrealloc(p->opnd, p->capopnd * sizeof(*p->opnd));
	}
	struct kb_operand *o = &p->opnd[p->nopnd++];
	memset(o, 0, sizeof(*o));
	o->key = kb_intern(p, key);
	o->type = type;
	p->insn[p->ninsn - 1].nops++;
	return o;
}

void kb_int(struct kb_program *p, const char *key, int64_t v)
{
	new_operand(p, key, KB_INT)->i = v;
}

void kb_dur(struct kb_program *p, const char *key, uint64_t ns)
{
	new_operand(p, key, KB_DUR)->i = (int64_t)ns;
}

void kb_num(struct kb_program *p, const char *key, double v)
{
	new_operand(p, key, KB_NUM)->f = v;
}

void kb_bool(struct kb_program *p, const char *key, bool v)
{
	new_operand(p, key, KB_BOOL)->i = v;
}

void kb_str(struct kb_program *p, const char *key, const char *v)
{
	uint32_t s = kb_intern(p, v);
	new_operand(p, key, KB_STR)->s = s;
}

void kb_cpus(struct kb_program *p, const char *key, const struct cpuset *set)
{
	char buf[1024];
	cpuset_format(set, buf, sizeof(buf));
	uint32_t s = kb_intern(p, buf);
	new_operand(p, key, KB_CPUS)->s = s;
}

/* ---- encoding ----------------------------------------------------------- */

static void put16(struct strbuf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	sb_add(b, x, 2);
}

static void put32(struct strbuf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	sb_add(b, x, 4);
}

static void put64(struct strbuf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static void wr32(uint8_t *at, uint32_t v)
{
	at[0] = (uint8_t)v;
	at[1] = (uint8_t)(v >> 8);
	at[2] = (uint8_t)(v >> 16);
	at[3] = (uint8_t)(v >> 24);
}

uint8_t *kb_encode(const struct kb_program *p, size_t *len)
{
	struct strbuf b = {0};
	sb_add(&b, KTBC_MAGIC, 4);
	put16(&b, p->version);
	put16(&b, KTBC_HEADER_SIZE);
	put32(&b, p->flags);
	put32(&b, 0);	/* total size, patched */
	put32(&b, 0);	/* crc, patched */
	put16(&b, (uint16_t)p->topo.numa_nodes);
	put16(&b, (uint16_t)p->topo.llcs);
	put16(&b, (uint16_t)p->topo.cores);
	put16(&b, (uint16_t)p->topo.threads);
	put32(&b, p->memory_mib);
	put64(&b, p->duration_ns);
	put64(&b, p->watchdog_ns);
	put32(&b, p->nstr);
	put32(&b, p->ninsn);
	for (uint32_t i = 0; i < p->nstr; i++) {
		put32(&b, p->slen[i]);
		sb_add(&b, p->str[i], p->slen[i]);
	}
	for (uint32_t i = 0; i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		put16(&b, in->op);
		put16(&b, in->nops);
		for (uint32_t k = 0; k < in->nops; k++) {
			const struct kb_operand *o = &p->opnd[in->first + k];
			put32(&b, o->key);
			sb_putc(&b, (char)o->type);
			switch (o->type) {
			case KB_INT:
			case KB_DUR:
				put64(&b, (uint64_t)o->i);
				break;
			case KB_NUM: {
				uint64_t bits;
				memcpy(&bits, &o->f, 8);
				put64(&b, bits);
				break;
			}
			case KB_BOOL:
				sb_putc(&b, (char)(o->i ? 1 : 0));
				break;
			default:
				put32(&b, o->s);
				break;
			}
		}
	}
	uint8_t *out = (uint8_t *)b.buf;
	wr32(out + 12, (uint32_t)b.len);
	wr32(out + 16, crc32_le(0, out, b.len));
	*len = b.len;
	return out;
}

/* ---- decoding ----------------------------------------------------------- */

struct reader {
	const uint8_t *p;
	size_t left;
};

static bool rd(struct reader *r, void *out, size_t n)
{
	if (r->left < n)
		return false;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static bool rd16(struct reader *r, uint16_t *v)
{
	uint8_t x[2];
	if (!rd(r, x, 2))
		return false;
	*v = (uint16_t)(x[0] | x[1] << 8);
	return true;
}

static bool rd32(struct reader *r, uint32_t *v)
{
	uint8_t x[4];
	if (!rd(r, x, 4))
		return false;
	*v = (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
	return true;
}

static bool rd64(struct reader *r, uint64_t *v)
{
	uint32_t lo, hi;
	if (!rd32(r, &lo) || !rd32(r, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

bool kb_is_bytecode(const uint8_t *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, KTBC_MAGIC, 4);
}

/* The magic with one byte off, or in another case: a damaged header. */
static bool near_magic(const uint8_t *buf, size_t len)
{
	int same = 0, folded = 0;
	for (size_t i = 0; i < 4 && len >= 4; i++) {
		same += buf[i] == (uint8_t)KTBC_MAGIC[i];
		folded += toupper(buf[i]) == KTBC_MAGIC[i];
	}
	return same >= 3 || folded == 4;
}

static bool ends_with_ext(const char *name, const char *ext)
{
	size_t l = strlen(name), e = strlen(ext);
	return l > e && !strcmp(name + l - e, ext);
}

bool kb_taken_for_bytecode(const char *name, const uint8_t *buf, size_t len, char *why, size_t n)
{
	const void *nul = memchr(buf, 0, len < KTBC_HEADER_SIZE ? len : KTBC_HEADER_SIZE);
	if (kb_is_bytecode(buf, len))
		snprintf(why, n, "it begins with the magic");
	else if (ends_with_ext(name, ".ktbc"))
		snprintf(why, n, "its name ends .ktbc");
	else if (near_magic(buf, len))
		snprintf(why, n, "it begins like the magic");
	else if (nul && !ends_with_ext(name, ".yaml") && !ends_with_ext(name, ".yml"))	/* YAML locates it */
		snprintf(why, n, "it looks binary, with a NUL byte at offset %zu", (size_t)((const uint8_t *)nul - buf));
	else
		return false;
	return true;
}

/* The first bytes of buf, as text: '\xNN' for what is not printable. */
static void magic_text(const uint8_t *buf, size_t len, char *out, size_t n)
{
	size_t k = 0;
	out[0] = 0;
	for (size_t i = 0; i < 4 && i < len && k + 5 < n; i++)
		k += (size_t)snprintf(out + k, n - k, isprint(buf[i]) && buf[i] != '\'' && buf[i] != '\\' ? "%c" : "\\x%02X",
				      buf[i]);
}

static bool decode_header(struct reader *r, struct kb_program *p, size_t len,
			  const uint8_t *buf, char *err, size_t errlen)
{
	uint8_t magic[4];
	uint16_t hsize, t16[4];
	uint32_t total, crc;
	/* The magic first: a file of another kind is named as such, not as
	 * a short or corrupt program. */
	if (memcmp(buf, KTBC_MAGIC, len < 4 ? len : 4)) {
		char m[24];
		magic_text(buf, len, m, sizeof(m));
		FAIL("not ktstr bytecode: magic is '%s'; expected '%s'", m, KTBC_MAGIC);
	}
	if (len < KTBC_HEADER_SIZE)
		FAIL("truncated: %zu bytes, a header needs %d", len, KTBC_HEADER_SIZE);
	if (len > KTBC_MAX_SIZE)
		FAIL("oversized: %zu bytes, the limit is %u", len, KTBC_MAX_SIZE);
	rd(r, magic, 4);
	rd16(r, &p->version);
	if (p->version != KTBC_VERSION)
		FAIL("bytecode version %u; this ktstr reads version %d (re-lower the scenario)",
		     p->version, KTBC_VERSION);
	rd16(r, &hsize);
	if (hsize != KTBC_HEADER_SIZE)
		FAIL("header size %u; expected %d", hsize, KTBC_HEADER_SIZE);
	rd32(r, &p->flags);
	if (p->flags)
		FAIL("unknown header flags 0x%x", p->flags);
	rd32(r, &total);
	if (total != len)
		FAIL("%s: header says %u bytes, got %zu", total > len ? "truncated" : "trailing bytes",
		     total, len);
	rd32(r, &crc);
	uint8_t *copy = xmalloc(len);
	memcpy(copy, buf, len);
	memset(copy + 16, 0, 4);
	uint32_t want = crc32_le(0, copy, len);
	free(copy);
	if (want != crc)
		FAIL("corrupted: checksum 0x%08x, content gives 0x%08x", crc, want);
	for (int i = 0; i < 4; i++)
		rd16(r, &t16[i]);
	p->topo = (struct topology){t16[0], t16[1], t16[2], t16[3]};
	char why[256];
	if (!topo_valid(&p->topo, why, sizeof(why)))
		FAIL("topology %s", why);
	rd32(r, &p->memory_mib);
	if (p->memory_mib < KTBC_MIN_MEMORY_MIB || p->memory_mib > KTBC_MAX_MEMORY_MIB)
		FAIL("memory_mib %u; expected %d to %u MiB of guest memory", p->memory_mib,
		     KTBC_MIN_MEMORY_MIB, KTBC_MAX_MEMORY_MIB);
	rd64(r, &p->duration_ns);
	if (!p->duration_ns || p->duration_ns > KTBC_MAX_DURATION_NS)
		FAIL("duration %llu ns; expected more than 0 and at most %llu ns (24h)",
		     (unsigned long long)p->duration_ns, KTBC_MAX_DURATION_NS);
	rd64(r, &p->watchdog_ns);
	if (p->watchdog_ns > KTBC_MAX_DURATION_NS)
		FAIL("watchdog %llu ns; expected at most %llu ns (24h), or 0 for none",
		     (unsigned long long)p->watchdog_ns, KTBC_MAX_DURATION_NS);
	return true;
fail:
	return false;
}

static bool decode_operand(struct reader *r, struct kb_program *p,
			   struct kb_operand *o, char *err, size_t errlen)
{
	uint64_t v;
	if (!rd32(r, &o->key) || !rd(r, &o->type, 1))
		FAIL("truncated operand");
	if (o->key >= p->nstr)
		FAIL("operand key %u is not a string (table has %u)", o->key, p->nstr);
	switch (o->type) {
	case KB_INT:
	case KB_DUR:
		if (!rd64(r, &v))
			FAIL("truncated operand");
		o->i = (int64_t)v;
		if (o->type == KB_DUR && v > KTBC_MAX_DURATION_NS)
			FAIL("duration operand '%s' of %llu ns overflows; expected at most %llu ns (24h)",
			     p->str[o->key], (unsigned long long)v, KTBC_MAX_DURATION_NS);
		break;
	case KB_NUM:
		if (!rd64(r, &v))
			FAIL("truncated operand");
		memcpy(&o->f, &v, 8);
		/* Thresholds and fractions compare with it: NaN compares false
		 * both ways and would pass any check. */
		if (!isfinite(o->f))
			FAIL("number operand '%s' is %s; expected a finite number", p->str[o->key],
			     isnan(o->f) ? "NaN" : "infinite");
		break;
	case KB_BOOL: {
		uint8_t b;
		if (!rd(r, &b, 1))
			FAIL("truncated operand");
		if (b > 1)
			FAIL("boolean operand %u is not 0 or 1", b);
		o->i = b;
		break;
	}
	case KB_STR:
	case KB_CPUS:
		if (!rd32(r, &o->s))
			FAIL("truncated operand");
		if (o->s >= p->nstr)
			FAIL("string operand %u out of range (table has %u)", o->s, p->nstr);
		if (o->type == KB_CPUS) {
			struct cpuset cs;
			if (!cpuset_parse(p->str[o->s], &cs))
				FAIL("CPU list operand is malformed");
		}
		break;
	default:
		FAIL("unknown operand type %u", o->type);
	}
	return true;
fail:
	return false;
}

bool kb_decode(const uint8_t *buf, size_t len, struct kb_program *p,
	       char *err, size_t errlen)
{
	struct reader r = {buf, len};
	uint32_t nstr, ninsn;
	kb_init(p);
	if (!decode_header(&r, p, len, buf, err, errlen))
		goto fail;
	if (!rd32(&r, &nstr) || !rd32(&r, &ninsn))
		FAIL("truncated: no string and instruction counts after the header");
	/* Each string needs >= 4 bytes and each instruction >= 4. */
	if (nstr > r.left / 4 || ninsn > r.left / 4)
		FAIL("truncated: counts exceed the file size");
	if (!ninsn)
		FAIL("empty program: no instructions; expected at least the scenario instruction");
	p->str = xcalloc(nstr, sizeof(*p->str));
	p->slen = xcalloc(nstr, sizeof(*p->slen));
	p->capstr = nstr;
	for (uint32_t i = 0; i < nstr; i++) {
		uint32_t n;
		if (!rd32(&r, &n) || n > r.left)
			FAIL("truncated string table at string %u", i);
		if (memchr(r.p, 0, n))
			FAIL("string %u contains a NUL byte", i);
		add_string(p, (const char *)r.p, n);
		r.p += n;
		r.left -= n;
	}
	p->insn = xcalloc(ninsn, sizeof(*p->insn));
	p->capinsn = ninsn;
	for (uint32_t i = 0; i < ninsn; i++) {
		uint16_t op, nops;
		if (!rd16(&r, &op) || !rd16(&r, &nops))
			FAIL("truncated at instruction %u", i);
		if (op >= OPC__COUNT)
			FAIL("instruction %u has unknown opcode %u", i, op);
		if (nops > KTBC_MAX_OPERANDS || (size_t)nops * 6 > r.left)
			FAIL("instruction %u claims %u operands, more than the file holds", i, nops);
		kb_emit(p, op);
		for (uint16_t k = 0; k < nops; k++) {
			if (p->nopnd == p->capopnd) {
				p->capopnd = p->capopnd ? p->capopnd * 2 : 256;
				p->opnd = xrealloc(p->opnd, p->capopnd * sizeof(*p->opnd));
			}
			struct kb_operand *o = &p->opnd[p->nopnd];
			memset(o, 0, sizeof(*o));
			if (!decode_operand(&r, p, o, err, errlen))
				goto fail;
			p->nopnd++;
			p->insn[p->ninsn - 1].nops++;
		}
		char missing[64];
		if (lacks_operand(p, &p->insn[p->ninsn - 1], missing, sizeof(missing)))
			FAIL("instruction %u (%s) lacks its required operand '%s'", i, kb_opcode_name(op), missing);
	}
	if (r.left)
		FAIL("%zu trailing bytes after the last instruction", r.left);
	return true;
fail:
	kb_free(p);
	return false;
}

const struct kb_operand *kb_get(const struct kb_program *p,
				const struct kb_insn *in, const char *key)
{
	for (uint32_t k = 0; k < in->nops; k++) {
		const struct kb_operand *o = &p->opnd[in->first + k];
		if (!strcmp(p->str[o->key], key))
			return o;
	}
	return NULL;
}

const char *kb_get_str(const struct kb_program *p, const struct kb_insn *in,
		       const char *key)
{
	const struct kb_operand *o = kb_get(p, in, key);
	return o && (o->type == KB_STR || o->type == KB_CPUS) ? p->str[o->s] : NULL;
}

const struct kb_insn *kb_payload_def(const struct kb_program *p, const char *name)
{
	for (uint32_t i = 0; name && i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		const char *n = in->op == OPC_PAYLOAD ? kb_get_str(p, in, "name") : NULL;
		if (n && !strcmp(n, name))
			return in;
	}
	return NULL;
}

bool kb_get_int(const struct kb_program *p, const struct kb_insn *in,
		const char *key, int64_t *out)
{
	const struct kb_operand *o = kb_get(p, in, key);
	if (!o || (o->type != KB_INT && o->type != KB_DUR && o->type != KB_BOOL))
		return false;
	*out = o->i;
	return true;
}
