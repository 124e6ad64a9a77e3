/* initramfs: builds the guest's initramfs — a cpio "newc" writer, the
 * DT_NEEDED closure of dynamically linked programs (resolved with libelf
 * the way ld.so would: interpreter, RPATH/RUNPATH, standard directories),
 * and gzip compression.  The kernel unpacks concatenated compressed cpio
 * archives in order, so a cached static part and a per-run part are simply
 * appended. */
#ifndef KTSTR_INITRAMFS_H
#define KTSTR_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct cpio {
	struct strbuf buf;
	unsigned ino;
	char **dirs;		/* directories already emitted */
	size_t ndirs;
};

void cpio_init(struct cpio *c);
void cpio_free(struct cpio *c);
/* Parents of path are created as needed. */
void cpio_dir(struct cpio *c, const char *path, mode_t mode);
void cpio_file(struct cpio *c, const char *path, mode_t mode, const void *data, size_t len);
void cpio_symlink(struct cpio *c, const char *path, const char *target);
void cpio_char_dev(struct cpio *c, const char *path, mode_t mode, unsigned maj, unsigned min);
/* Copy a host file (following symlinks); false with errno on failure. */
bool cpio_host_file(struct cpio *c, const char *path, const char *host_path, mode_t mode);
void cpio_finish(struct cpio *c);

/* Dynamic dependencies of an ELF file: interpreter and every DT_NEEDED
 * library, transitively, as resolved host paths.  Returns false with a
 * message in err if a library cannot be found or the file is not ELF. */
struct elf_deps {
	char **paths;
	size_t n, cap;
};
bool elf_closure(const char *binary, struct elf_deps *out, char *err, size_t errlen);
void elf_deps_free(struct elf_deps *d);
/* Adds the binary at dest and its closure at their host paths. */
bool cpio_binary_with_deps(struct cpio *c, const char *dest, const char *host_path,
			   char *err, size_t errlen);

/* gzip-compress buf; returns malloc'd data. */
void *gzip_buffer(const void *buf, size_t len, size_t *outlen);

#endif
