/* common: what work types share — parameter access, the spin burst that
 * defines a "work unit", a PRNG, and bounded futex waits. */
#include "work.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const struct kb_operand *param(const struct worker *w, const char *name)
{
	char key[128];
	snprintf(key, sizeof(key), "work.%s", name);
	return w->prog && w->insn ? kb_get(w->prog, w->insn, key) : NULL;
}

int64_t wp_int(const struct worker *w, const char *name, int64_t fallback)
{
	const struct kb_operand *o = param(w, name);
	return o && (o->type == KB_INT || o->type == KB_DUR || o->type == KB_BOOL) ? o->i : fallback;
}

uint64_t wp_dur(const struct worker *w, const char *name, uint64_t fallback)
{
	const struct kb_operand *o = param(w, name);
	return o && o->type == KB_DUR ? (uint64_t)o->i : fallback;
}

bool wp_bool(const struct worker *w, const char *name, bool fallback)
{
	const struct kb_operand *o = param(w, name);
	return o && o->type == KB_BOOL ? o->i != 0 : fallback;
}

const char *wp_str(const struct worker *w, const char *name, const char *fallback)
{
	const struct kb_operand *o = param(w, name);
	return o && o->type == KB_STR ? w->prog->str[o->s] : fallback;
}

/* One work unit: a short dependent arithmetic chain the compiler cannot
 * remove.  Units are counted in blocks so the checkpoint test in
 * tm_work() is paid once per block, not per unit. */
void spin_units(struct telemetry *t, uint64_t units)
{
	static volatile uint64_t sink;
	uint64_t x = sink | 1;
	while (units) {
		uint64_t block = units < 64 ? units : 64;
		for (uint64_t i = 0; i < block; i++)
			x = x * 6364136223846793005ull + 1442695040888963407ull;
		units -= block;
		tm_work(t, block);
	}
	sink = x;
}

uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

uint64_t futex_wait_bounded(volatile uint32_t *addr, uint32_t val)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)WORK_POLL_NS};
	uint64_t t0 = tm_now_ns();
	syscall(SYS_futex, addr, FUTEX_WAIT, val, &ts, NULL, 0);
	return tm_now_ns() - t0;
}

void futex_wake_n(volatile uint32_t *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}
