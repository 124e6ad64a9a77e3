/* kernel: the guest kernel cache.  `ktstr kernel build` turns a kernel
 * source (Debian's linux-source-6.12 by default) into a cache entry under
 * $XDG_CACHE_HOME/ktstr/kernels/<release>-<fragment hash>/ holding
 * bzImage, vmlinux, .config and the kernel tree's example sched_ext
 * schedulers.  Entries are assembled in a temporary directory and renamed
 * into place, so an entry that exists is complete.  Runs resolve a kernel
 * from --kernel, then $KTSTR_KERNEL, then the newest entry built from the
 * current fragment (the one compiled into this ktstr). */
#ifndef KTSTR_KERNEL_H
#define KTSTR_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

#define KTSTR_DEFAULT_KERNEL_SOURCE "/usr/src/linux-source-6.12.tar.xz"

extern const char ktstr_kconfig_fragment[];

struct kernel {
	char dir[4096];		/* cache entry, or "" for a bare bzImage */
	char bzimage[4096];
	char vmlinux[4096];	/* "" when unknown */
	char key[256];
};

/* $XDG_CACHE_HOME/ktstr (or ~/.cache/ktstr), created if needed. */
const char *cache_dir(void);
/* 12 hex digits identifying the fragment and the base config recipe. */
const char *fragment_hash(void);

/* Resolve the kernel for a run.  spec: --kernel value or NULL.  On
 * failure, err says why and what command to run. */
bool kernel_resolve(const char *spec, struct kernel *k, char *err, size_t errlen);
/* Whether spec names a kernel source (a tree with kernel/sched, or a
 * .tar.* of one) rather than a built kernel. */
bool kernel_is_source(const char *spec);
/* Path of scheduler `name` in the entry, or NULL. */
bool kernel_scheduler(const struct kernel *k, const char *name, char *out, size_t n);

struct kernel_build_opts {
	const char *source;	/* dir or tarball */
	int jobs;
	bool force;
	char *entry;		/* if set: the built (or found) entry's directory */
	size_t entry_size;
};
int kernel_build(const struct kernel_build_opts *o);
int kernel_list(void);

#endif
