/* compute: CPU- and memory-bound work types without blocking —
 * alu_hot (four independent multiply chains, 1024 steps an iteration),
 * smt_sibling_spin (pairs of spinners meant for SMT siblings),
 * ipc_variance (alternating multiply chains and random cache-line
 * touches) and page_locality (read-modify-write over a private region,
 * for NUMA placement checks: where the region's pages are is measured
 * with tm_numa_region before it is unmapped).
 *
 * alu_hot widths: scalar runs 64-bit chains; vec128 runs SSE2 32-bit
 * lanes (baseline on x86-64); vec256 runs AVX2 lanes when the CPU has
 * AVX2.  AVX-512 is never used (it may fault or throttle under some
 * hypervisors and TCG): vec512 and widest run the widest of the above,
 * with a one-time note on stderr when that is narrower than asked. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "work_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ALU_STEPS 1024

static const uint64_t mul64[4] = {
	0x9E3779B97F4A7C15ull, 0xBF58476D1CE4E5B9ull, 0x94D049BB133111EBull, 0x2545F4914F6CDD1Dull,
};

static void alu_scalar(uint64_t *s)
{
	uint64_t a = s[0], b = s[1], c = s[2], d = s[3];
	for (int i = 0; i < ALU_STEPS; i++) {
		a = a * mul64[0] + 1;
		b = b * mul64[1] + 3;
		c = c * mul64[2] + 5;
		d = d * mul64[3] + 7;
		__asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
	}
	s[0] = a, s[1] = b, s[2] = c, s[3] = d;
}

#if defined(__x86_64__)
typedef uint32_t v4u __attribute__((vector_size(16)));
typedef uint32_t v8u __attribute__((vector_size(32)));

static void alu_v128(void *state)
{
	v4u *s = state;
	const v4u m = {0x9E3779B9u, 0x7F4A7C15u, 0xBF58476Du, 0x1CE4E5B9u};
	const v4u k = {1, 3, 5, 7};
	v4u a = s[0], b = s[1], c = s[2], d = s[3];
	for (int i = 0; i < ALU_STEPS; i++) {
		a = a * m + k;
		b = b * m + k;
		c = c * m + k;
		d = d * m + k;
		__asm__ volatile("" : "+x"(a), "+x"(b), "+x"(c), "+x"(d));
	}
	s[0] = a, s[1] = b, s[2] = c, s[3] = d;
}

__attribute__((target("avx2"))) static void alu_v256(void *state)
{
	v8u *s = state;
	const v8u m = {0x9E3779B9u, 0x7F4A7C15u, 0xBF58476Du, 0x1CE4E5B9u,
		       0x94D049BBu, 0x133111EBu, 0x2545F491u, 0x4F6CDD1Du};
	const v8u k = {1, 3, 5, 7, 9, 11, 13, 15};
	v8u a = s[0], b = s[1], c = s[2], d = s[3];
	for (int i = 0; i < ALU_STEPS; i++) {
		a = a * m + k;
		b = b * m + k;
		c = c * m + k;
		d = d * m + k;
		__asm__ volatile("" : "+x"(a), "+x"(b), "+x"(c), "+x"(d));
	}
	s[0] = a, s[1] = b, s[2] = c, s[3] = d;
}
#endif

static void alu_note(const char *asked, const char *used)
{
	static int noted;
	if (!__atomic_exchange_n(&noted, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "ktstr-guest: alu_hot: width %s runs the %s chain\n", asked, used);
}

typedef void (*alu_fn)(void *);

static void alu_scalar_fn(void *s)
{
	alu_scalar(s);
}

/* The kernel for a width, resolved once per worker. */
static alu_fn alu_resolve(const char *width)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	bool avx2 = __builtin_cpu_supports("avx2");
	bool avx512 = __builtin_cpu_supports("avx512f");
	alu_fn widest = avx2 ? alu_v256 : alu_v128;
	const char *widest_name = avx2 ? "vec256" : "vec128";
	if (!strcmp(width, "scalar"))
		return alu_scalar_fn;
	if (!strcmp(width, "vec128"))
		return alu_v128;
	if (!strcmp(width, "vec256")) {
		if (!avx2)
			alu_note(width, "vec128 (no AVX2)");
		return widest;
	}
	if (!strcmp(width, "vec512") || (!strcmp(width, "widest") && avx512))
		alu_note(width, widest_name);
	return widest;
#else
	if (strcmp(width, "scalar"))
		alu_note(width, "scalar");
	return alu_scalar_fn;
#endif
}

static void run_alu_hot(struct worker *w)
{
	alu_fn fn = alu_resolve(wp_str(w, "width", "scalar"));
	/* 4 streams of up to 256 bits */
	uint64_t state[16] __attribute__((aligned(32)));
	for (int i = 0; i < 16; i++)
		state[i] = w->seed + (uint64_t)i * mul64[i & 3] + 1;
	while (!wu_stopped(w)) {
		fn(state);
		tm_work(w->tm, ALU_STEPS);
		tm_iter(w->tm);
	}
	__asm__ volatile("" : : "r"(state[0] ^ state[15]));	/* keep the chains live */
}

static void run_smt_sibling_spin(struct worker *w)
{
	while (!wu_stopped(w)) {
		spin_units(w->tm, 1024);
		tm_iter(w->tm);
	}
}

#define IPC_COLD_BYTES (512 * 1024)

static void run_ipc_variance(struct worker *w)
{
	uint64_t hot = (uint64_t)wp_int(w, "hot_iters", 1024);
	uint64_t cold = (uint64_t)wp_int(w, "cold_iters", 64);
	uint64_t period = (uint64_t)wp_int(w, "period_iters", 4);
	volatile uint8_t *buf = malloc(IPC_COLD_BYTES);
	if (!buf) {
		wu_error(w, "ipc_variance: out of memory");
		return;
	}
	for (size_t i = 0; i < IPC_COLD_BYTES; i += 64)
		buf[i] = (uint8_t)i;
	uint64_t rng = w->seed | 1, x = w->seed | 1, sum = 0;
	while (!wu_stopped(w)) {
		for (uint64_t p = 0; p < period && !wu_stopped(w); p++) {
			/* hot: a dependent multiply chain */
			for (uint64_t left = hot; left;) {
				uint64_t block = left < 256 ? left : 256;
				for (uint64_t i = 0; i < block; i++) {
					x = x * mul64[0] + 1;
					__asm__ volatile("" : "+r"(x));
				}
				left -= block;
				tm_work(w->tm, block);
			}
			/* cold: random cache lines of a 512 KiB buffer */
			for (uint64_t left = cold; left;) {
				uint64_t block = left < 64 ? left : 64;
				for (uint64_t i = 0; i < block; i++)
					sum += buf[(xorshift64(&rng) % (IPC_COLD_BYTES / 64)) * 64];
				left -= block;
				tm_work(w->tm, block);
			}
		}
		tm_iter(w->tm);
	}
	__asm__ volatile("" : : "r"(x + sum));
	free((void *)buf);
}

static void run_page_locality(struct worker *w)
{
	uint64_t kib = (uint64_t)wp_int(w, "region_kib", 8192);
	size_t len = (size_t)(kib ? kib : 1) * 1024;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p == MAP_FAILED) {
		wu_error(w, "page_locality: mmap %zu KiB failed", len / 1024);
		return;
	}
	volatile uint64_t *q = p;
	size_t words = len / sizeof(uint64_t);
	while (!wu_stopped(w)) {
		/* one read-modify-write per cache line, counted per page */
		for (size_t page = 0; page < words && !wu_stopped(w); page += 512) {
			size_t end = page + 512 < words ? page + 512 : words;
			for (size_t i = page; i < end; i += 8)
				q[i] = q[i] + 1;
			tm_work(w->tm, (end - page + 7) / 8);
		}
		tm_iter(w->tm);
	}
	tm_numa_region(w->tm, p, len);	/* while the region is still mapped */
	munmap(p, len);
}

const struct work_type work_alu_hot = {.name = "alu_hot", .run = run_alu_hot};
const struct work_type work_smt_sibling_spin = {.name = "smt_sibling_spin", .run = run_smt_sibling_spin};
const struct work_type work_ipc_variance = {.name = "ipc_variance", .run = run_ipc_variance};
const struct work_type work_page_locality = {.name = "page_locality", .run = run_page_locality};
