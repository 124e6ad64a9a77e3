/* ydom: a scenario as an editable tree — the parsed YAML (ynode) turned
 * into cJSON objects, arrays and scalars, in file order — and that tree
 * written back as clean block-style YAML.  A scalar written unquoted in
 * the file is a raw cJSON item (written back as it was: `null`, `2s`,
 * `1n2l2c1t`), a quoted one a cJSON string (written back quoted), so the
 * reducer's output means what the input meant. */
#ifndef KTSTR_YDOM_H
#define KTSTR_YDOM_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct ynode;
struct strbuf;

struct cJSON *ydom_from_ynode(const struct ynode *n);
/* Parses YAML text (errors to stderr with file:line:col); NULL on error. */
struct cJSON *ydom_parse(const char *path, const char *text, size_t len);
void ydom_emit(const struct cJSON *doc, struct strbuf *out);
/* A scalar's text (raw or string), or NULL. */
const char *ydom_text(const struct cJSON *n);
struct cJSON *ydom_scalar(const char *text);

#endif
