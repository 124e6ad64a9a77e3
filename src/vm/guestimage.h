/* guestimage: the initramfs a VM boots — a cached base (ktstr-guest as
 * /init, busybox with its applets, the directories PID 1 mounts on, and
 * /dev/console) plus a per-run part (the command or program, schedulers,
 * payloads, include files), written as two concatenated gzip'd cpio
 * archives. */
#ifndef KTSTR_GUESTIMAGE_H
#define KTSTR_GUESTIMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "initramfs.h"

/* Path of the ktstr-guest binary (beside ktstr, $KTSTR_GUEST, or the
 * installed one). */
bool guest_binary(char *out, size_t n);
/* Writes base + the finished extra archive to path. */
bool guest_initrd_write(const char *path, struct cpio *extra, char *err, size_t errlen);
/* Adds -i FILE include files under /include-files (binaries with their
 * libraries). */
bool guest_add_include(struct cpio *extra, const char *host_path, char *err, size_t errlen);

#endif
