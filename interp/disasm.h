/* disasm: human-readable listing of a bytecode program (ktstr dump). */
#ifndef KTSTR_DISASM_H
#define KTSTR_DISASM_H

#include "bytecode.h"
#include "util.h"

void kb_disasm(const struct kb_program *p, struct strbuf *out);
/* One operand's value as text (strings quoted, durations 500ms). */
void kb_format_operand(const struct kb_program *p, const struct kb_operand *o,
		       struct strbuf *out);

#endif
