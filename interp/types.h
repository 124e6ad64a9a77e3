/* types: the descriptor language in which the scenario format is defined.
 *
 * Every key, value type, range, default and doc string of the YAML format
 * lives in static `struct ty` tables (format.c, ops.c, worktypes.c,
 * claims.c).  One generic walker checks a document against them; the same
 * tables generate the JSON Schema (schema/) and the vocabulary sections of
 * ktstr-scenario(5), and lowering reads defaults from them.  Adding a key
 * therefore means adding one table row. */
#ifndef KTSTR_TYPES_H
#define KTSTR_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct diag;
struct ynode;
struct strbuf;

enum ty_kind {
	TY_BOOL,
	TY_INT,		/* imin..imax */
	TY_NUM,		/* finite number nmin..nmax */
	TY_FRAC,	/* 0.5 or 50%, within nmin..nmax (default 0..1) */
	TY_DUR,		/* 500ms, 2s, 1m; imin..imax ns */
	TY_STR,		/* any non-empty text (imax: max length, 0 = 4096) */
	TY_NAME,	/* identifier [A-Za-z0-9_.-]; TYF_SLASH allows a/b paths */
	TY_CPUS,	/* CPU list: [0, 1] or "0-3,8" */
	TY_LIST,
	TY_STRUCT,
	TY_DICT,	/* free keys (names) -> elem */
	TY_VARIANT,	/* bare alt name, or {alt: payload} */
};

/* ty.flags */
#define TYF_SLASH	0x1	/* TY_NAME: nested path a/b/c */
#define TYF_OFF		0x2	/* scalar may be `off` (or false) to switch it off */
#define TYF_NONEMPTY	0x4	/* TY_LIST: at least one item */
#define TYF_DOTTED	0x8	/* TY_DICT: keys are parts joined by '.' or '/', none empty (sysctl names) */

/* ty_field.flags */
#define TF_REQUIRED	0x1

/* ty_alt.flags */
#define ALT_BARE	0x1	/* payload type but bare name allowed (defaults) */

struct ty;

struct ty_field {
	const char *key;
	const struct ty *ty;
	unsigned flags;
	const char *def;	/* default as YAML text, shown in docs; NULL = none */
	const char *doc;
	const void *ext;	/* domain descriptor (check info for claims) */
};

struct ty_alt {
	const char *name;
	const struct ty *ty;	/* NULL: bare name only */
	unsigned flags;
	const char *doc;
	int code;		/* domain code (an opcode for ops) */
	const void *ext;	/* domain descriptor (work type info) */
};

struct ty {
	enum ty_kind kind;
	const char *id;		/* shared definition name (schema $defs, docs) */
	const char *doc;
	unsigned flags;
	int64_t imin, imax;	/* INT, DUR (ns), STR (max length), LIST (length; 0,0 = any) */
	double nmin, nmax;	/* NUM, FRAC */
	const struct ty *elem;		/* LIST item, DICT value */
	const struct ty_field *fields;	/* STRUCT, {0}-terminated */
	const char *shorthand;		/* STRUCT: a bare scalar sets this field */
	const struct ty_alt *alts;	/* VARIANT, {0}-terminated */
	const char *scalar_alt;		/* VARIANT: alt a non-name scalar goes to */
	/* STRUCT: also accept this scalar form (e.g. "1n2l4c2t"). */
	bool (*from_scalar)(const char *s, char *why, size_t whylen);
	const char *scalar_pattern;	/* JSON Schema pattern of that form */
	const char *scalar_doc;
	/* DUR: why the bounds are what they are (a kernel limit), told
	 * with an out-of-range error. */
	const char *range_why;
};

/* Check n against t; every problem is added to d.  what names the value
 * in messages ("workers", "cgroup").  Returns true when n is valid. */
bool ty_check(struct diag *d, const struct ynode *n, const struct ty *t,
	      const char *what);

const struct ty_field *ty_field(const struct ty *t, const char *key);
const struct ty_alt *ty_alt(const struct ty *t, const char *name);
/* For a valid VARIANT node: the alt and its payload node (NULL if bare). */
const struct ty_alt *ty_variant_of(const struct ty *t, const struct ynode *n,
				   const struct ynode **payload);

/* Scalar parsers shared by the checker, lowering and the CLI. Each
 * returns false on malformed input and leaves a reason in why. */
bool parse_int(const char *s, int64_t *out);
bool parse_num(const char *s, double *out);
bool parse_frac(const char *s, double *out);
bool parse_dur(const char *s, uint64_t *ns);
bool parse_bool(const char *s, bool *out);
bool parse_name(const char *s, bool slash);
/* "0-3,8" -> bitmap; max_cpu bounds ids; returns count or -1. */
int parse_cpulist(const char *s, uint64_t *mask, int max_cpu);

/* Short human description: "integer 1..4096", "duration", "list of X". */
void ty_describe(const struct ty *t, struct strbuf *out);

/* JSON Schema (draft 2020-12) for root, with shared ids under $defs. */
char *ty_json_schema(const struct ty *root, const char *title);
/* roff reference of every type reachable from root. */
void ty_man_reference(const struct ty *const *roots, size_t nroots, struct strbuf *out);

#endif
