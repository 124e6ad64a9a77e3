/* Unit tests of the VM plumbing that needs no VM: the cpio writer, the
 * ELF dependency closure, the QEMU topology mapping and record framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "initramfs.h"
#include "record.h"
#include "vm.h"

static void test_cpio_layout(void **st)
{
	(void)st;
	struct cpio c;
	cpio_init(&c);
	cpio_file(&c, "/a/b/file", 0644, "hello", 5);
	cpio_symlink(&c, "/a/link", "b/file");
	cpio_finish(&c);
	const char *b = c.buf.buf;
	/* parents first: a, a/b, then the file */
	assert_memory_equal(b, "070701", 6);
	assert_int_equal(c.buf.len % 512, 0);
	const char *name_a = b + 110;
	assert_string_equal(name_a, "a");
	assert_non_null(memmem(b, c.buf.len, "a/b/file", 9));
	assert_non_null(memmem(b, c.buf.len, "hello", 5));
	assert_non_null(memmem(b, c.buf.len, "TRAILER!!!", 11));
	/* every header starts 4-byte aligned and parses */
	size_t off = 0, entries = 0;
	while (off + 110 <= c.buf.len && !memcmp(b + off, "070701", 6)) {
		char f[9] = {0};
		memcpy(f, b + off + 54, 8);
		unsigned long fsize = strtoul(f, NULL, 16);
		memcpy(f, b + off + 94, 8);
		unsigned long nsize = strtoul(f, NULL, 16);
		const char *name = b + off + 110;
		off = (off + 110 + nsize + 3) & ~3ul;
		off = (off + fsize + 3) & ~3ul;
		entries++;
		if (!strcmp(name, "TRAILER!!!"))
			break;
	}
	assert_int_equal(entries, 5);	/* a, a/b, file, link, trailer */
	cpio_free(&c);
}

static void test_elf_closure_of_a_dynamic_binary(void **st)
{
	(void)st;
	struct elf_deps d;
	char err[512];
	/* /bin/sh is dynamically linked on Debian (dash): needs libc + ld.so */
	assert_true(elf_closure("/bin/sh", &d, err, sizeof(err)));
	bool libc = false, interp = false;
	for (size_t i = 0; i < d.n; i++) {
		libc |= strstr(d.paths[i], "libc.so.6") != NULL;
		interp |= strstr(d.paths[i], "ld-linux") != NULL;
		assert_int_equal(access(d.paths[i], R_OK), 0);
	}
	assert_true(libc);
	assert_true(interp);
	elf_deps_free(&d);
	assert_false(elf_closure("/etc/passwd", &d, err, sizeof(err)));
	assert_non_null(strstr(err, "not an ELF"));
}

static bool has_arg(char **argv, const char *want)
{
	for (size_t i = 0; argv[i]; i++)
		if (!strcmp(argv[i], want))
			return true;
	return false;
}

static void test_qemu_topology_mapping(void **st)
{
	(void)st;
	struct vm_config c = {.topo = {2, 4, 2, 1}, .memory_mib = 1024, .kernel = "bz", .initrd = "rd"};
	char **argv = vm_qemu_argv(&c, ACCEL_TCG, "/t/con", "/t/sock");
	assert_true(has_arg(argv, "8,sockets=2,dies=2,cores=2,threads=1"));
	assert_true(has_arg(argv, "node,nodeid=1,cpus=4-7,memdev=mem1"));
	assert_true(has_arg(argv, "memory-backend-ram,id=mem1,size=512M"));
	assert_true(has_arg(argv, "Skylake-Server-v4"));
	assert_true(has_arg(argv, "tcg,thread=single"));
	assert_true(has_arg(argv, "-no-reboot"));
	vm_argv_free(argv);
	struct vm_config s = {.topo = {1, 1, 2, 2}, .memory_mib = 300, .kernel = "bz", .initrd = "rd"};
	argv = vm_qemu_argv(&s, ACCEL_KVM, "/t/con", "/t/sock");
	assert_true(has_arg(argv, "4,sockets=1,dies=1,cores=2,threads=2"));
	assert_false(has_arg(argv, "-numa"));
	assert_true(has_arg(argv, "host"));
	vm_argv_free(argv);
	struct vm_config m = {.topo = {2, 2, 1, 1}, .memory_mib = 900, .kernel = "bz", .initrd = "rd",
			      .numa_distance = 20, .mem_only_nodes = 1};
	argv = vm_qemu_argv(&m, ACCEL_TCG, "/t/con", "/t/sock");
	assert_true(has_arg(argv, "node,nodeid=2,memdev=mem2"));
	assert_true(has_arg(argv, "node,nodeid=1,cpus=1,memdev=mem1"));
	assert_true(has_arg(argv, "dist,src=0,dst=2,val=20"));
	assert_true(has_arg(argv, "memory-backend-ram,id=mem0,size=300M"));
	vm_argv_free(argv);
	assert_int_equal(vm_memory_mib(0, 320, 0), 320);
	assert_int_equal(vm_memory_mib(0, 320, 100u << 20), 656);
	assert_int_equal(vm_memory_mib(1024, 320, 100u << 20), 1024);
}

static void test_record_framing_survives_garbage_and_cuts(void **st)
{
	(void)st;
	uint8_t a[REC_HEADER + 5], b[REC_HEADER + 3];
	rec_encode(a, REC_STDOUT, "hello", 5);
	rec_encode(b, REC_EXIT, "\x02\0\0", 3);
	struct rec_reader r = {0};
	struct rec out;
	rec_reader_feed(&r, "junk", 4);
	rec_reader_feed(&r, a, 7);
	assert_false(rec_reader_next(&r, &out));
	rec_reader_feed(&r, a + 7, sizeof(a) - 7);
	assert_true(rec_reader_next(&r, &out));
	assert_int_equal(out.type, REC_STDOUT);
	assert_memory_equal(out.payload, "hello", 5);
	assert_int_equal(r.dropped, 4);
	/* a record whose payload is corrupted is dropped, the next survives */
	a[REC_HEADER] ^= 1;
	rec_reader_feed(&r, a, sizeof(a));
	rec_reader_feed(&r, b, sizeof(b));
	assert_true(rec_reader_next(&r, &out));
	assert_int_equal(out.type, REC_EXIT);
	assert_false(rec_reader_next(&r, &out));
	rec_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpio_layout),
		cmocka_unit_test(test_elf_closure_of_a_dynamic_binary),
		cmocka_unit_test(test_qemu_topology_mapping),
		cmocka_unit_test(test_record_framing_survives_garbage_and_cuts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
