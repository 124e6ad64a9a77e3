/* cache: memory-touching work types — cache_pressure (1024 strided
 * read-modify-writes an iteration over a private buffer), cache_yield
 * (the same, then sched_yield; wake = time inside the yield) and
 * page_fault_churn (write-fault random pages of a region, then
 * MADV_DONTNEED it all so the next cycle faults again). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>

static volatile uint8_t *cache_buf(struct worker *w, size_t *len, size_t *stride)
{
	int64_t kib = wp_int(w, "size_kib", 32), st = wp_int(w, "stride", 64);
	*len = (size_t)(kib > 0 ? kib : 1) * 1024;
	*stride = (size_t)(st > 0 ? st : 64);
	volatile uint8_t *buf = calloc(1, *len);
	if (!buf)
		wu_error(w, "%s: cannot allocate %zu bytes", w->type->name, *len);
	return buf;
}

static void cache_loop(struct worker *w, bool yield)
{
	size_t len, stride, idx = 0;
	volatile uint8_t *buf = cache_buf(w, &len, &stride);
	if (!buf)
		return;
	while (!wu_stopped(w)) {
		wu_cache_rmw(w->tm, buf, len, stride, 1024, &idx);
		if (yield)
			wu_yield_wake(w);
		tm_iter(w->tm);
	}
	free((void *)buf);
}

static void run_cache_pressure(struct worker *w)
{
	cache_loop(w, false);
}

static void run_cache_yield(struct worker *w)
{
	cache_loop(w, true);
}

static void run_page_fault_churn(struct worker *w)
{
	uint64_t kib = (uint64_t)wp_int(w, "region_kib", 4096);
	uint64_t touches = (uint64_t)wp_int(w, "touches_per_cycle", 256);
	uint64_t spin = (uint64_t)wp_int(w, "spin_iters", 64);
	if (!kib || kib > (SIZE_MAX >> 11)) {
		wu_error(w, "page_fault_churn: region_kib %llu out of range", (unsigned long long)kib);
		return;
	}
	size_t len = (size_t)kib * 1024, pages = len / 4096 ? len / 4096 : 1;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p == MAP_FAILED) {
		wu_error(w, "page_fault_churn: mmap %llu KiB failed", (unsigned long long)kib);
		return;
	}
	madvise(p, len, MADV_NOHUGEPAGE);	/* 4 KiB faults, not 2 MiB ones */
	volatile uint8_t *b = p;
	uint64_t rng = w->seed | 1;
	while (!wu_stopped(w)) {
		for (uint64_t i = 0; i < touches; i++) {
			b[(xorshift64(&rng) % pages) * 4096] = 1;
			tm_work(w->tm, 1);
		}
		madvise(p, len, MADV_DONTNEED);
		spin_units(w->tm, spin);
		tm_iter(w->tm);
	}
	munmap(p, len);
}

const struct work_type work_cache_pressure = {.name = "cache_pressure", .run = run_cache_pressure};
const struct work_type work_cache_yield = {.name = "cache_yield", .run = run_cache_yield};
const struct work_type work_page_fault_churn = {.name = "page_fault_churn", .run = run_page_fault_churn};
