/* Unit tests of kmem: guest RAM bounds, kernel address translation
 * (image, direct map, a 4-level page-table walk with 4 KiB and 2 MiB
 * pages) over a synthetic RAM file, and the symbol and BTF lookups
 * against the cached guest kernel's vmlinux (skipped without one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmem.h"

#define MIB (1ull << 20)
#define IMAGE 0xffffffff80000000ull
#define DIRECT 0xffff888000000000ull

struct fake {
	char dir[64], path[2][96];
	struct guest_ram ram;
	struct kernel_map map;
	struct kview v;
};

/* Two "NUMA node" files of 8 MiB each: 16 MiB of guest RAM. */
static void fake_open(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/ktstr-kmem-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	char *paths[2];
	for (int i = 0; i < 2; i++) {
		snprintf(f->path[i], sizeof(f->path[i]), "%s/node%d", f->dir, i);
		FILE *fp = fopen(f->path[i], "w");
		assert_non_null(fp);
		assert_int_equal(ftruncate(fileno(fp), 8 * MIB), 0);
		fclose(fp);
		paths[i] = f->path[i];
	}
	char err[256];
	assert_true(ram_open(&f->ram, paths, 2, err, sizeof(err)));
	f->v = (struct kview){.ram = &f->ram, .map = &f->map, .page_offset = DIRECT};
}

static void fake_close(struct fake *f)
{
	ram_close(&f->ram);
	for (int i = 0; i < 2; i++)
		unlink(f->path[i]);
	rmdir(f->dir);
}

static void put64(struct fake *f, uint64_t pa, uint64_t v)
{
	void *p = ram_at(&f->ram, pa, 8);
	assert_non_null(p);
	memcpy(p, &v, 8);	/* some tests write unaligned on purpose */
}

static void test_ram_bounds(void **st)
{
	(void)st;
	struct fake f;
	fake_open(&f);
	assert_int_equal(f.ram.total, 16 * MIB);
	assert_non_null(ram_at(&f.ram, 0, 8));
	assert_non_null(ram_at(&f.ram, 16 * MIB - 8, 8));
	assert_null(ram_at(&f.ram, 16 * MIB - 4, 8));	/* runs off the end */
	assert_null(ram_at(&f.ram, 8 * MIB - 4, 8));	/* crosses the node boundary */
	assert_ptr_equal(ram_at(&f.ram, 8 * MIB, 1), f.ram.region[1].p);
	assert_null(ram_at(&f.ram, 1ull << 40, 8));
	assert_null(ram_at(&f.ram, UINT64_MAX - 3, 8));
	fake_close(&f);
}

/* init_top_pgt at physical 0x1000; a vmalloc page, a 2 MiB page and a
 * hole. */
static void test_translation_and_walk(void **st)
{
	(void)st;
	struct fake f;
	fake_open(&f);
	f.map.sym[KS_INIT_TOP_PGT] = IMAGE + 0x1000;
	const uint64_t va = 0xffffc90000001000ull, big = 0xffffc90000400000ull;
	const uint64_t pud = 0x2000, pmd = 0x3000, pte = 0x4000;
	put64(&f, 0x1000 + ((va >> 39) & 511) * 8, pud | 3);
	put64(&f, pud + ((va >> 30) & 511) * 8, pmd | 3);
	put64(&f, pmd + ((va >> 21) & 511) * 8, pte | 3);
	put64(&f, pte + ((va >> 12) & 511) * 8, 0x9000 | 3);
	put64(&f, pmd + ((big >> 21) & 511) * 8, (10 * MIB) | 0x80 | 3);	/* 2 MiB page */
	put64(&f, 0x9000 + 0x10, 0xdeadbeefcafeull);
	put64(&f, 10 * MIB + 0x1234, 42);
	uint64_t x = 0, pa;
	assert_true(kv_read(&f.v, va + 0x10, &x, 8));
	assert_int_equal(x, 0xdeadbeefcafeull);
	assert_true(kv_read(&f.v, big + 0x1234, &x, 8));
	assert_int_equal(x, 42);
	assert_false(kv_to_phys(&f.v, va + 0x100000, &pa));	/* no PTE there */
	assert_false(kv_read(&f.v, 0xffffea0000000000ull, &x, 8));	/* garbage pointer */
	/* image and direct map need no walk */
	assert_true(kv_to_phys(&f.v, IMAGE + 0x5000, &pa));
	assert_int_equal(pa, 0x5000);
	assert_true(kv_to_phys(&f.v, DIRECT + 0x6000, &pa));
	assert_int_equal(pa, 0x6000);
	assert_false(kv_read(&f.v, DIRECT + 17 * MIB, &x, 8));	/* beyond RAM */
	/* a read across a page boundary stitches two pages */
	put64(&f, 0x7ffc, 0x1111111122222222ull);
	assert_true(kv_read(&f.v, DIRECT + 0x7ffc, &x, 8));
	assert_int_equal(x, 0x1111111122222222ull);
	fake_close(&f);
}

/* Per-CPU: __per_cpu_offset[cpu] + the symbol. */
static void test_percpu(void **st)
{
	(void)st;
	struct fake f;
	fake_open(&f);
	f.map.sym[KS_PER_CPU_OFFSET] = IMAGE + 0x8000;
	f.map.sym[KS_RUNQUEUES] = 0x2f680;
	put64(&f, 0x8000 + 8, DIRECT + 0x100000 - 0x2f680 + 0x40);
	uint64_t va;
	assert_true(kv_percpu(&f.v, KS_RUNQUEUES, 1, &va));
	assert_int_equal(va, DIRECT + 0x100040);
	assert_false(kv_percpu(&f.v, KS_RUNQUEUES, 0, &va));	/* offset 0: not set up */
	fake_close(&f);
}

/* The real guest kernel: every symbol and member the monitor reads. */
static void test_cached_vmlinux(void **st)
{
	(void)st;
	glob_t g;
	const char *cache = getenv("XDG_CACHE_HOME");
	char pat[512];
	snprintf(pat, sizeof(pat), "%s%s/ktstr/kernels/*/vmlinux", cache ? cache : getenv("HOME"),
		 cache ? "" : "/.cache");
	if (glob(pat, 0, NULL, &g) || !g.gl_pathc) {
		skip();
		return;
	}
	struct kernel_map k;
	char err[256];
	assert_true(kmap_load(&k, g.gl_pathv[g.gl_pathc - 1], err, sizeof(err)));
	for (int s = 0; s < KS__COUNT; s++)
		if (!k.sym[s])
			fail_msg("symbol %s missing: %s", ksym_name(s), k.why[s]);
	for (int f = 0; f < KF__COUNT; f++)
		if (!k.field[f].ok)
			fail_msg("field %s missing: %s", kfield_name(f), k.why[KS__COUNT + f]);
	assert_int_equal(k.field[KF_TASK_COMM].size, 16);
	assert_int_equal(k.field[KF_RQ_CURR].size, 8);
	assert_true(k.field[KF_RQ_SCX_LOCAL_DSQ_NR].off < k.field[KF_RQ_SCX_NR_RUNNING].off);
	globfree(&g);
	/* a file that is not a kernel: refused with a reason, no crash */
	assert_false(kmap_load(&k, "/bin/sh", err, sizeof(err)) && k.sym[KS_RUNQUEUES]);
	assert_false(kmap_load(&k, "/nonexistent/vmlinux", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/vmlinux"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ram_bounds),
		cmocka_unit_test(test_translation_and_walk),
		cmocka_unit_test(test_percpu),
		cmocka_unit_test(test_cached_vmlinux),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
