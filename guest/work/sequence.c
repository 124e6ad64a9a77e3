/* sequence: a list of phases run in order, over and over; one iteration
 * is one pass over the list.  Lowering gives the list as
 *   work.phases.<i>="<kind>"  work.phases.<i>.<kind>=<duration>
 * with kind spin, sleep, yield or io.  A zero-length phase is a no-op.
 * Wake samples: sleep records its oversleep, yield the time inside each
 * sched_yield, io the oversleep of the 100 us pause after each
 * 64 KiB write + fsync. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEQ_MAX_PHASES 256
#define SEQ_IO_BYTES (64 * 1024)
#define SEQ_IO_PAUSE_NS 100000ull

enum phase_kind { PH_SPIN, PH_SLEEP, PH_YIELD, PH_IO };

struct phase {
	enum phase_kind kind;
	uint64_t ns;
};

struct seq_io {
	int fd;
	char *buf;
};

static void phase_sleep(struct worker *w, uint64_t ns)
{
	wu_sleep_wake(w, ns);
}

static void phase_yield(struct worker *w, uint64_t ns)
{
	uint64_t end = tm_now_ns() + ns;
	do {
		tm_work(w->tm, 1);
		wu_yield_wake(w);
	} while (!wu_stopped(w) && tm_now_ns() < end);
}

static void phase_io(struct worker *w, struct seq_io *io, uint64_t ns)
{
	if (io->fd < 0) {
		if (!io->buf && !(io->buf = calloc(1, SEQ_IO_BYTES))) {
			wu_error(w, "sequence: out of memory");
			phase_sleep(w, ns);
			return;
		}
		io->fd = wu_tmpfile(w, "seq", 0);
		if (io->fd < 0) {
			phase_sleep(w, ns);	/* error recorded; keep the timing */
			return;
		}
	}
	uint64_t end = tm_now_ns() + ns;
	do {
		uint64_t t0 = tm_now_ns();
		if (pwrite(io->fd, io->buf, SEQ_IO_BYTES, 0) < 0 || fsync(io->fd) < 0) {
			wu_error(w, "sequence: io phase: %s", strerror(errno));
			phase_sleep(w, ns);
			return;
		}
		tm_blocked(w->tm, tm_now_ns() - t0);	/* waiting for the I/O */
		tm_work(w->tm, SEQ_IO_BYTES / 4096);
		phase_sleep(w, SEQ_IO_PAUSE_NS);
	} while (!wu_stopped(w) && tm_now_ns() < end);
}

static int load_phases(struct worker *w, struct phase *ph)
{
	int n = 0;
	for (int i = 0; i < SEQ_MAX_PHASES; i++) {
		char key[64];
		snprintf(key, sizeof(key), "phases.%d", i);
		const char *kind = wp_str(w, key, NULL);
		if (!kind)
			break;
		static const char *const names[] = {"spin", "sleep", "yield", "io"};
		int k = -1;
		for (int j = 0; j < 4; j++)
			if (!strcmp(kind, names[j]))
				k = j;
		if (k < 0) {
			wu_error(w, "sequence: phase %d: unknown kind \"%s\"", i, kind);
			continue;
		}
		snprintf(key, sizeof(key), "phases.%d.%s", i, kind);
		ph[n++] = (struct phase){.kind = (enum phase_kind)k, .ns = wp_dur(w, key, 0)};
	}
	return n;
}

static void run_sequence(struct worker *w)
{
	struct phase ph[SEQ_MAX_PHASES];
	int n = load_phases(w, ph);
	uint64_t total = 0;
	for (int i = 0; i < n; i++)
		total += ph[i].ns;
	if (!n || !total) {
		wu_error(w, "sequence: no phase with a duration");
		return;
	}
	struct seq_io io = {.fd = -1};
	while (!wu_stopped(w)) {
		for (int i = 0; i < n && !wu_stopped(w); i++) {
			if (!ph[i].ns)
				continue;
			switch (ph[i].kind) {
			case PH_SPIN:
				wu_spin_for(w, ph[i].ns);
				break;
			case PH_SLEEP:
				phase_sleep(w, ph[i].ns);
				break;
			case PH_YIELD:
				phase_yield(w, ph[i].ns);
				break;
			case PH_IO:
				phase_io(w, &io, ph[i].ns);
				break;
			}
		}
		tm_iter(w->tm);
	}
	if (io.fd >= 0)
		close(io.fd);
	free(io.buf);
}

const struct work_type work_sequence = {.name = "sequence", .run = run_sequence};
