/* record: framing of guest -> host records (see record.h). */
#include "record.h"
#include "bytecode.h"	/* crc32_le, shared with the .ktbc checksum */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *rec_type_name(unsigned type)
{
	static const char *const names[] = {"?", "hello", "stdout", "stderr", "exit", "log", "json", "ack", "file"};
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void rec_encode(uint8_t *out, unsigned type, const void *payload, uint32_t len)
{
	put32(out, REC_MAGIC);
	out[4] = (uint8_t)type, out[5] = (uint8_t)(type >> 8), out[6] = out[7] = 0;
	put32(out + 8, len);
	put32(out + 12, crc32_le(0, payload, len));
	if (len)
		memcpy(out + REC_HEADER, payload, len);
}

void rec_reader_feed(struct rec_reader *r, const void *data, size_t n)
{
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n)
			cap *= 2;
		uint8_t *nb = realloc(r->buf, cap);
		if (!nb)
			abort();
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, n);
	r->len += n;
}

bool rec_reader_next(struct rec_reader *r, struct rec *out)
{
	if (r->consumed) {
		memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
		r->len -= r->consumed;
		r->consumed = 0;
	}
	while (r->len >= REC_HEADER) {
		uint32_t len = get32(r->buf + 8);
		if (get32(r->buf) != REC_MAGIC || len > REC_MAX_PAYLOAD || r->buf[6] || r->buf[7]) {
			memmove(r->buf, r->buf + 1, --r->len);
			r->dropped++;
			continue;
		}
		if (r->len < REC_HEADER + (size_t)len)
			return false;
		if (crc32_le(0, r->buf + REC_HEADER, len) != get32(r->buf + 12)) {
			memmove(r->buf, r->buf + 1, --r->len);
			r->dropped++;
			continue;
		}
		out->type = (unsigned)(r->buf[4] | r->buf[5] << 8);
		out->len = len;
		out->payload = r->buf + REC_HEADER;
		r->consumed = REC_HEADER + len;
		return true;
	}
	return false;
}

void rec_reader_free(struct rec_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

bool write_full(int fd, const void *p, size_t n)
{
	const char *b = p;
	while (n) {
		ssize_t r = write(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		b += r;
		n -= (size_t)r;
	}
	return true;
}
