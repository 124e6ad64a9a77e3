/* ynode: a YAML document as a tree of scalars, sequences and mappings,
 * every node marked with file, line and column.  Built from libyaml's
 * event stream so that duplicate keys, merge keys (<<) and alias
 * expansion limits are under our control rather than libyaml's. */
#ifndef KTSTR_YNODE_H
#define KTSTR_YNODE_H

#include <stddef.h>
#include <stdbool.h>
#include "util.h"

struct diag;

enum ynode_kind { YN_SCALAR, YN_SEQ, YN_MAP };

struct ynode {
	enum ynode_kind kind;
	const char *file;
	int line, col;		/* 1-based */
	char *str;		/* YN_SCALAR text */
	bool plain;		/* scalar was unquoted (so `null`, `~` mean null) */
	size_t n;		/* items (SEQ) or pairs (MAP) */
	struct ynode **items;	/* SEQ items / MAP values */
	struct ynode **keys;	/* MAP keys (scalars) */
};

/* Upper bound on nodes visited when aliases are expanded; guards against
 * "billion laughs" documents. */
#define YNODE_MAX_WEIGHT 1000000

/* Parse buf into a tree allocated in arena.  file is kept by reference.
 * Returns NULL after adding errors to d. */
struct ynode *ynode_parse(struct arena *a, const char *file, const char *buf,
			  size_t len, struct diag *d);

struct ynode *ynode_get(const struct ynode *map, const char *key);
struct ynode *ynode_key(const struct ynode *map, const char *key);
bool ynode_is_null(const struct ynode *n);
const char *ynode_kind_name(const struct ynode *n);

#endif
