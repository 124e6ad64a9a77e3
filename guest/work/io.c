/* io: block-I/O work types on a per-worker temporary file (unlinked as
 * soon as it is open, so nothing is left behind even if the worker is
 * killed):
 *   io_sync       16 x 4 KiB pwrite + fdatasync; wake = fdatasync time
 *   io_rand_read  one random 4 KiB pread of a prepared 1 MiB file;
 *                 wake = pread time
 *   io_convoy     a sequential 4 KiB pwrite and a random 4 KiB pread,
 *                 fdatasync every 16 iterations; wake = the whole op
 * The reads and writes use O_DIRECT where the file system allows it;
 * tmpfs (the guest's /tmp) does not, and then they go through the page
 * cache. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IO_BLOCK 4096
#define IO_FILE_BYTES (1024 * 1024)
#define IO_BLOCKS (IO_FILE_BYTES / IO_BLOCK)

struct io_file {
	int fd;
	void *buf;	/* IO_BLOCK * 16, aligned for O_DIRECT */
};

/* Open a temp file, fill it (when prefill), and switch it to O_DIRECT
 * where that works. */
static bool io_open(struct worker *w, struct io_file *f, const char *tag, bool prefill)
{
	f->fd = -1;
	if (posix_memalign(&f->buf, IO_BLOCK, IO_BLOCK * 16)) {
		f->buf = NULL;
		wu_error(w, "%s: out of memory", w->type->name);
		return false;
	}
	memset(f->buf, 0x5a, IO_BLOCK * 16);
	f->fd = wu_tmpfile(w, tag, 0);
	if (f->fd < 0)
		return false;
	if (prefill) {
		for (off_t off = 0; off < IO_FILE_BYTES; off += IO_BLOCK * 16)
			if (pwrite(f->fd, f->buf, IO_BLOCK * 16, off) != IO_BLOCK * 16) {
				wu_error(w, "%s: prefill: %s", w->type->name, strerror(errno));
				return false;
			}
		fdatasync(f->fd);
	}
	/* O_DIRECT where the file system takes it; where it does not (EINVAL)
	 * the file stays buffered */
	int fl = fcntl(f->fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(f->fd, F_SETFL, fl | O_DIRECT);
	return true;
}

static void io_close(struct io_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->buf);
}

/* pread/pwrite that falls back to buffered I/O if O_DIRECT is refused
 * at I/O time (some file systems accept the flag but not the I/O). */
static ssize_t io_rw(struct io_file *f, bool wr, size_t len, off_t off)
{
	ssize_t n = wr ? pwrite(f->fd, f->buf, len, off) : pread(f->fd, f->buf, len, off);
	if (n < 0 && errno == EINVAL) {
		int fl = fcntl(f->fd, F_GETFL);
		if (fl >= 0 && (fl & O_DIRECT) && fcntl(f->fd, F_SETFL, fl & ~O_DIRECT) == 0)
			n = wr ? pwrite(f->fd, f->buf, len, off) : pread(f->fd, f->buf, len, off);
	}
	return n;
}

static void run_io_sync(struct worker *w)
{
	struct io_file f;
	if (io_open(w, &f, "iosync", false)) {
		/* each worker has its own file, so its 64 KiB stripe is offset 0 */
		while (!wu_stopped(w)) {
			for (int i = 0; i < 16; i++) {
				if (io_rw(&f, true, IO_BLOCK, (off_t)i * IO_BLOCK) != IO_BLOCK) {
					wu_error(w, "io_sync: pwrite: %s", strerror(errno));
					goto out;
				}
				tm_work(w->tm, 1);
			}
			uint64_t t0 = tm_now_ns();
			if (fdatasync(f.fd)) {
				wu_error(w, "io_sync: fdatasync: %s", strerror(errno));
				break;
			}
			tm_wake(w->tm, tm_now_ns() - t0);
			tm_iter(w->tm);
		}
	}
out:
	io_close(&f);
}

static void run_io_rand_read(struct worker *w)
{
	struct io_file f;
	uint64_t rng = w->seed | 1;
	if (io_open(w, &f, "iorand", true)) {
		while (!wu_stopped(w)) {
			off_t off = (off_t)(xorshift64(&rng) % IO_BLOCKS) * IO_BLOCK;
			uint64_t t0 = tm_now_ns();
			if (io_rw(&f, false, IO_BLOCK, off) != IO_BLOCK) {
				wu_error(w, "io_rand_read: pread: %s", strerror(errno));
				break;
			}
			tm_wake(w->tm, tm_now_ns() - t0);
			tm_work(w->tm, 1);
			tm_iter(w->tm);
		}
	}
	io_close(&f);
}

static void run_io_convoy(struct worker *w)
{
	struct io_file f;
	uint64_t rng = w->seed | 1, cursor = 0, iter = 0;
	if (io_open(w, &f, "ioconvoy", true)) {
		while (!wu_stopped(w)) {
			uint64_t t0 = tm_now_ns();
			off_t roff = (off_t)(xorshift64(&rng) % IO_BLOCKS) * IO_BLOCK;
			if (io_rw(&f, true, IO_BLOCK, (off_t)cursor * IO_BLOCK) != IO_BLOCK ||
			    io_rw(&f, false, IO_BLOCK, roff) != IO_BLOCK) {
				wu_error(w, "io_convoy: %s", strerror(errno));
				break;
			}
			cursor = (cursor + 1) % IO_BLOCKS;
			if (++iter % 16 == 0 && fdatasync(f.fd)) {
				wu_error(w, "io_convoy: fdatasync: %s", strerror(errno));
				break;
			}
			tm_wake(w->tm, tm_now_ns() - t0);
			tm_work(w->tm, 2);
			tm_iter(w->tm);
		}
	}
	io_close(&f);
}

const struct work_type work_io_sync = {.name = "io_sync", .run = run_io_sync};
const struct work_type work_io_rand_read = {.name = "io_rand_read", .run = run_io_rand_read};
const struct work_type work_io_convoy = {.name = "io_convoy", .run = run_io_convoy};
