/* fuzz_yaml: libFuzzer target for the scenario front end.
 *
 * Each input is a scenario file.  It is loaded with scenario_load_buf
 * (parse, includes, type check, semantic validation); a valid scenario is
 * lowered, encoded, decoded and re-encoded, and the two encodings must be
 * identical.  Everything is freed so LeakSanitizer can see leaks.
 *
 * The path is "fuzz.yaml", so includes resolve against the working
 * directory: fuzz/run.sh starts the fuzzer in an empty directory (with
 * stdin from /dev/null) so they fail to read.  Build with fuzz/build.sh. */
#include "bytecode.h"
#include "diag.h"
#include "scenario.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct kb_program *p)
{
	size_t len1 = 0, len2 = 0;
	uint8_t *enc1 = kb_encode(p, &len1);
	if (!enc1) {
		fprintf(stderr, "fuzz_yaml: kb_encode of a lowered program failed\n");
		abort();
	}
	struct kb_program q;
	char err[256] = "";
	if (!kb_decode(enc1, len1, &q, err, sizeof(err))) {
		fprintf(stderr, "fuzz_yaml: kb_decode rejected kb_encode output (%zu bytes): %s\n",
			len1, err);
		abort();
	}
	uint8_t *enc2 = kb_encode(&q, &len2);
	if (!enc2 || len1 != len2 || memcmp(enc1, enc2, len1)) {
		fprintf(stderr, "fuzz_yaml: encode(decode(encode(P))) differs from encode(P) (%zu vs %zu bytes)\n",
			len1, len2);
		abort();
	}
	free(enc2);
	free(enc1);
	kb_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario s;
	struct diag d = {0};
	bool ok = scenario_load_buf(&s, "fuzz.yaml", (const char *)data, size, NULL, &d);
	if (ok && d.errors) {
		fprintf(stderr, "fuzz_yaml: scenario_load_buf returned true with %zu errors\n",
			d.errors);
		abort();
	}
	if (ok) {
		struct kb_program p;
		kb_init(&p);
		scenario_lower(&s, &p);
		roundtrip(&p);
		kb_free(&p);
	}
	diag_free(&d);
	scenario_free(&s);
	return 0;
}
