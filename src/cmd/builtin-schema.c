/* builtin-schema: prints the JSON Schema of the scenario format, or with
 * --man the generated reference section of ktstr-scenario(5), or with
 * --result the JSON Schema of a run result (src/resultschema.c).  Both come
 * from the same ty tables the validator uses; schema/ and man/ hold the
 * committed copies and `make update-generated` refreshes them. */
#include "builtin.h"
#include "result.h"
#include "bytecode.h"
#include "vocab.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static void man_opcodes(struct strbuf *o)
{
	sb_puts(o, ".SS Bytecode instructions\n");
	for (unsigned i = 0; i < OPC__COUNT; i++) {
		sb_printf(o, ".TP\n.B %s\n", kb_opcode_name(i));
		for (const char *s = kb_opcode_doc(i); *s; s++)
			if (*s == '-')
				sb_puts(o, "\\-");
			else
				sb_putc(o, *s);
		sb_putc(o, '\n');
	}
}

static const struct cmd_option opts[] = {
	{"man", 0, no_argument, 'm', NULL, "print the generated reference section of ktstr-scenario(5)"},
	{"result", 0, no_argument, 'r', NULL, "print the JSON Schema of a run result"},
	{0},
};

const struct cmd_usage schema_usage[] = {{NULL, opts, NULL}, {0}};

int cmd_schema(int argc, char **argv)
{
	bool man = false, result = false;
	int c;
	optind = 1;
	opterr = 0;	/* the error below names the option */
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		if (c == 'm')
			man = true;
		else if (c == 'r')
			result = true;
		else
			break;
	}
	opterr = 1;
	if (c != -1)
		return usage_error("schema", "unknown option '%s'", argv[optind - 1]);
	if (optind < argc)
		return usage_error("schema", "unknown option '%s'", argv[optind]);
	if (man) {
		struct strbuf sb = {0};
		const struct ty *const roots[] = {&ty_scenario, &ty_include_file};
		ty_man_reference(roots, ARRAY_SIZE(roots), &sb);
		man_opcodes(&sb);
		fputs(sb.buf, stdout);
		sb_free(&sb);
		return KT_EXIT_PASS;
	}
	if (result) {
		char *r = result_json_schema();
		puts(r);
		free(r);
		return KT_EXIT_PASS;
	}
	char *s = ty_json_schema(&ty_scenario, "ktstr scenario");
	puts(s);
	free(s);
	return KT_EXIT_PASS;
}
