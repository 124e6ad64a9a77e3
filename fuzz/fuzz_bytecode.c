/* fuzz_bytecode: libFuzzer target for the bytecode decoder.
 *
 * Each input is a candidate .ktbc file.  kb_decode must reject bad input
 * with an error and never crash; an accepted input must re-encode to the
 * same bytes (the decoder accepts only what the encoder writes), and the
 * disassembler must handle any accepted program.
 *
 * A mutated file almost never carries a correct size and CRC, which would
 * keep the fuzzer in the header checks.  So each input is decoded twice:
 * as given (exercising the size and checksum checks) and, when it has a
 * whole header, with the size field (offset 12) and CRC (offset 16) fixed
 * up, which lets mutations reach the string table and instructions.
 * Build with fuzz/build.sh. */
#include "bytecode.h"
#include "disasm.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void check(const uint8_t *data, size_t size, const char *what)
{
	struct kb_program p;
	char err[256] = "";
	if (!kb_decode(data, size, &p, err, sizeof(err))) {
		if (!err[0]) {
			fprintf(stderr, "fuzz_bytecode: kb_decode (%s input) failed without a reason\n",
				what);
			abort();
		}
		return;
	}
	size_t len = 0;
	uint8_t *enc = kb_encode(&p, &len);
	if (!enc || len != size || memcmp(enc, data, size)) {
		size_t at = 0;
		while (enc && at < len && at < size && enc[at] == data[at])
			at++;
		fprintf(stderr, "fuzz_bytecode: decode+encode of the %s input is not the identity: %zu bytes in, %zu out, first difference at offset %zu\n",
			what, size, len, at);
		abort();
	}
	free(enc);

	struct strbuf sb = {0};
	kb_disasm(&p, &sb);
	sb_free(&sb);
	kb_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, "raw");
	if (size < KTBC_HEADER_SIZE || size > KTBC_MAX_SIZE)
		return 0;
	uint8_t *fixed = malloc(size);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	put32(fixed + 12, (uint32_t)size);
	put32(fixed + 16, 0);
	put32(fixed + 16, crc32_le(0, fixed, size));
	if (memcmp(fixed, data, size))
		check(fixed, size, "size/CRC fixed-up");
	free(fixed);
	return 0;
}
