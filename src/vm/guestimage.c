/* guestimage: base initramfs (cached) and per-run part. */
#include "guestimage.h"
#include "kernel.h"
#include "proc.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUSYBOX "/bin/busybox"

bool guest_binary(char *out, size_t n)
{
	const char *env = getenv("KTSTR_GUEST");
	if (env && *env && access(env, X_OK) == 0) {
		snprintf(out, n, "%s", env);
		return true;
	}
	char self[PATH_MAX];
	if (exe_path(self, sizeof(self), true)) {
		snprintf(out, n, "%s/ktstr-guest", self);
		if (access(out, X_OK) == 0)
			return true;
	}
	snprintf(out, n, "%s/ktstr-guest", KTSTR_LIBEXECDIR);
	return access(out, X_OK) == 0;
}

static uint64_t hash_file(uint64_t h, const char *path)
{
	size_t len;
	char *data = read_file(path, &len, 256u << 20);
	for (size_t i = 0; data && i < len; i++)
		h = (h ^ (uint8_t)data[i]) * 1099511628211ull;
	free(data);
	return h;
}

static void add_busybox(struct cpio *c)
{
	cpio_host_file(c, "/bin/busybox", BUSYBOX, 0755);
	FILE *p = popen(BUSYBOX " --list-full", "r");
	char line[256];
	while (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (!*line || !strcmp(line, "bin/busybox") || !strcmp(line, "linuxrc"))
			continue;
		char link[300];
		snprintf(link, sizeof(link), "/%s", line);
		cpio_symlink(c, link, "/bin/busybox");
	}
	if (p)
		pclose(p);
}

static bool build_base(const char *guest, const char *out, char *err, size_t errlen)
{
	struct cpio c;
	cpio_init(&c);
	static const char *const dirs[] = {"/proc", "/sys", "/dev", "/tmp", "/ktstr", "/include-files",
					   "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/etc", "/root"};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		cpio_dir(&c, dirs[i], 0755);
	cpio_char_dev(&c, "/dev/console", 0600, 5, 1);
	cpio_char_dev(&c, "/dev/null", 0666, 1, 3);
	if (!cpio_host_file(&c, "/init", guest, 0755)) {
		snprintf(err, errlen, "cannot read %s: %s", guest, strerror(errno));
		cpio_free(&c);
		return false;
	}
	if (access(BUSYBOX, X_OK) == 0)
		add_busybox(&c);
	cpio_finish(&c);
	size_t glen;
	void *gz = gzip_buffer(c.buf.buf, c.buf.len, &glen);
	cpio_free(&c);
	char tmp[PATH_MAX];
	pathf(tmp, sizeof(tmp), "%s.%d", out, getpid());
	FILE *f = fopen(tmp, "wb");
	bool ok = f && fwrite(gz, 1, glen, f) == glen;
	ok = f && !fclose(f) && ok && rename(tmp, out) == 0;
	free(gz);
	if (!ok)
		snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
	return ok;
}

static bool base_path(char *out, size_t n, char *err, size_t errlen)
{
	char guest[PATH_MAX];
	if (!guest_binary(guest, sizeof(guest))) {
		snprintf(err, errlen, "ktstr-guest not found beside ktstr, in $KTSTR_GUEST or %s; expected a complete build",
			 KTSTR_LIBEXECDIR);
		return false;
	}
	uint64_t h = hash_file(hash_file(1469598103934665603ull, guest), BUSYBOX);
	char dir[PATH_MAX];
	pathf(dir, sizeof(dir), "%s/initramfs", cache_dir());
	mkdir(dir, 0755);
	pathf(out, n, "%s/base-%016llx.cpio.gz", dir, (unsigned long long)h);
	if (access(out, R_OK) == 0)
		return true;
	return build_base(guest, out, err, errlen);
}

bool guest_initrd_write(const char *path, struct cpio *extra, char *err, size_t errlen)
{
	char base[PATH_MAX];
	if (!base_path(base, sizeof(base), err, errlen))
		return false;
	size_t blen, glen;
	char *b = read_file(base, &blen, 512u << 20);
	if (!b) {
		snprintf(err, errlen, "cannot read %s: %s", base, strerror(errno));
		return false;
	}
	void *gz = gzip_buffer(extra->buf.buf, extra->buf.len, &glen);
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(b, 1, blen, f) == blen && fwrite(gz, 1, glen, f) == glen;
	ok = f && !fclose(f) && ok;
	if (!ok)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	free(b);
	free(gz);
	return ok;
}

bool guest_add_include(struct cpio *extra, const char *host_path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(host_path, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "include file %s: %s; expected a readable file", host_path,
			 errno ? strerror(errno) : "not a regular file");
		return false;
	}
	const char *base = strrchr(host_path, '/');
	char dest[PATH_MAX];
	pathf(dest, sizeof(dest), "/include-files/%s", base ? base + 1 : host_path);
	if (st.st_mode & 0111) {
		char e2[512];
		if (cpio_binary_with_deps(extra, dest, host_path, e2, sizeof(e2)))
			return true;
		/* Static or script: copy as is. */
	}
	if (!cpio_host_file(extra, dest, host_path, st.st_mode & 07777)) {
		snprintf(err, errlen, "cannot read %s: %s", host_path, strerror(errno));
		return false;
	}
	return true;
}
