/* record: the framed records the guest sends to the host over the data
 * port (a virtio-serial port named "ktstr.data").  Each record is
 *   u32 magic "KTRC", u16 type, u16 reserved, u32 length, u32 crc32,
 *   then length payload bytes,
 * little-endian.  The CRC covers the payload, so a record cut short by a
 * crash is detected and dropped while every earlier record survives.
 * Shared by the guest (writer) and the host (reader). */
#ifndef KTSTR_RECORD_H
#define KTSTR_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REC_MAGIC 0x4352544bu	/* "KTRC" */
#define REC_HEADER 16
#define REC_MAX_PAYLOAD (64u << 20)
#define DATA_PORT_NAME "ktstr.data"
/* Where the host packs coreutils' libstdbuf for line_buffered payloads. */
#define GUEST_STDBUF_LIB "/ktstr/lib/libstdbuf.so"

enum rec_type {
	REC_HELLO = 1,		/* executor started: text "ktstr-guest <version>" */
	REC_STDOUT = 2,		/* bytes of the guest command's stdout */
	REC_STDERR = 3,		/* bytes of its stderr */
	REC_EXIT = 4,		/* i32 exit status of the guest command/program */
	REC_LOG = 5,		/* a line of executor diagnostics */
	REC_JSON = 6,		/* a JSON document (reports, topology, ...) */
	REC_ACK = 7,		/* host -> guest: EXIT received, safe to power off */
	REC_FILE = 8,		/* a chunk of a file: u16 name length, name, bytes (appended) */
};

const char *rec_type_name(unsigned type);
/* Write all n bytes to fd (retrying short writes and EINTR); false when
 * the other end is gone or the write fails. */
bool write_full(int fd, const void *p, size_t n);
/* Encode header + payload into out (REC_HEADER + len bytes). */
void rec_encode(uint8_t *out, unsigned type, const void *payload, uint32_t len);

/* Incremental decoder: feed bytes, get complete records. */
struct rec_reader {
	uint8_t *buf;
	size_t len, cap;
	size_t dropped;		/* bytes skipped while resynchronising */
	size_t consumed;	/* bytes of the record returned last */
};
struct rec {
	unsigned type;
	uint32_t len;
	const uint8_t *payload;
};
void rec_reader_feed(struct rec_reader *r, const void *data, size_t n);
/* Next complete record, valid until the next feed/next call; false if
 * none is complete yet.  Corrupt frames are skipped byte by byte. */
bool rec_reader_next(struct rec_reader *r, struct rec *out);
void rec_reader_free(struct rec_reader *r);


#endif
