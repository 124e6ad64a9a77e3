/* disasm: renders a program as a header comment plus one line per
 * instruction, indented inside backdrop/step blocks. */
#include "disasm.h"

#include <stdio.h>

static void quote(struct strbuf *out, const char *s)
{
	sb_putc(out, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			sb_printf(out, "\\%c", ch);
		else if (ch == '\n')
			sb_puts(out, "\\n");
		else if (ch < 0x20 || ch == 0x7f)
			sb_printf(out, "\\x%02x", ch);
		else
			sb_putc(out, (char)ch);
	}
	sb_putc(out, '"');
}

void kb_format_operand(const struct kb_program *p, const struct kb_operand *o,
		       struct strbuf *out)
{
	char buf[64];
	switch (o->type) {
	case KB_INT:
		sb_printf(out, "%lld", (long long)o->i);
		break;
	case KB_DUR:
		fmt_duration(buf, sizeof(buf), (uint64_t)o->i);
		sb_puts(out, buf);
		break;
	case KB_NUM:
		sb_printf(out, "%.17g", o->f);
		break;
	case KB_BOOL:
		sb_puts(out, o->i ? "true" : "false");
		break;
	case KB_CPUS:
		sb_printf(out, "cpus:%s", p->str[o->s]);
		break;
	default:
		quote(out, p->str[o->s]);
		break;
	}
}

void kb_disasm(const struct kb_program *p, struct strbuf *out)
{
	char topo[64], dur[32], wd[32];
	topo_format(&p->topo, topo, sizeof(topo));
	fmt_duration(dur, sizeof(dur), p->duration_ns);
	fmt_duration(wd, sizeof(wd), p->watchdog_ns);
	sb_printf(out, "; ktstr bytecode v%u: topology %s (%u cpus), memory %u MiB, duration %s, watchdog %s\n",
		  p->version, topo, topo_ncpus(&p->topo), p->memory_mib, dur, wd);
	sb_printf(out, "; %u instructions, %u strings\n", p->ninsn, p->nstr);
	int depth = 0;
	for (uint32_t i = 0; i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		if (in->op == OPC_END && depth)
			depth--;
		sb_printf(out, "%4u  %*s%s", i, depth * 2, "", kb_opcode_name(in->op));
		for (uint32_t k = 0; k < in->nops; k++) {
			const struct kb_operand *o = &p->opnd[in->first + k];
			sb_printf(out, " %s=", p->str[o->key]);
			kb_format_operand(p, o, out);
		}
		sb_putc(out, '\n');
		if (in->op == OPC_BACKDROP || in->op == OPC_STEP)
			depth++;
	}
}
