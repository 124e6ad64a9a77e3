/* initramfs: cpio newc writer, ELF dependency closure, gzip. */
#include "initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

void cpio_init(struct cpio *c)
{
	memset(c, 0, sizeof(*c));
	c->ino = 1000;
}

void cpio_free(struct cpio *c)
{
	for (size_t i = 0; i < c->ndirs; i++)
		free(c->dirs[i]);
	free(c->dirs);
	sb_free(&c->buf);
}

static void pad4(struct strbuf *b)
{
	while (b->len % 4)
		sb_putc(b, 0);
}

static void entry(struct cpio *c, const char *name, mode_t mode, unsigned maj,
		  unsigned min, const void *data, size_t len)
{
	while (*name == '/')
		name++;
	sb_printf(&c->buf, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		  c->ino++, (unsigned)mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u,
		  (unsigned)len, 0u, 0u, maj, min, (unsigned)strlen(name) + 1, 0u);
	sb_add(&c->buf, name, strlen(name) + 1);
	pad4(&c->buf);
	if (len)
		sb_add(&c->buf, data, len);
	pad4(&c->buf);
}

static bool have_dir(struct cpio *c, const char *path)
{
	for (size_t i = 0; i < c->ndirs; i++)
		if (!strcmp(c->dirs[i], path))
			return true;
	return false;
}

static void parents(struct cpio *c, const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		cpio_dir(c, p, 0755);
		*s = '/';
	}
	free(p);
}

void cpio_dir(struct cpio *c, const char *path, mode_t mode)
{
	const char *p = path;
	while (*p == '/')
		p++;
	if (!*p || have_dir(c, p))
		return;
	parents(c, p);
	c->dirs = xrealloc(c->dirs, (c->ndirs + 1) * sizeof(*c->dirs));
	c->dirs[c->ndirs++] = xstrdup(p);
	entry(c, p, S_IFDIR | (mode & 07777), 0, 0, NULL, 0);
}

void cpio_file(struct cpio *c, const char *path, mode_t mode, const void *data, size_t len)
{
	parents(c, path[0] == '/' ? path + 1 : path);
	entry(c, path, S_IFREG | (mode & 07777), 0, 0, data, len);
}

void cpio_symlink(struct cpio *c, const char *path, const char *target)
{
	parents(c, path[0] == '/' ? path + 1 : path);
	entry(c, path, S_IFLNK | 0777, 0, 0, target, strlen(target));
}

void cpio_char_dev(struct cpio *c, const char *path, mode_t mode, unsigned maj, unsigned min)
{
	parents(c, path[0] == '/' ? path + 1 : path);
	entry(c, path, S_IFCHR | (mode & 07777), maj, min, NULL, 0);
}

bool cpio_host_file(struct cpio *c, const char *path, const char *host_path, mode_t mode)
{
	size_t len;
	char *data = read_file(host_path, &len, 1u << 30);
	if (!data)
		return false;
	if (!mode) {
		struct stat st;
		mode = stat(host_path, &st) ? 0644 : st.st_mode & 07777;
	}
	cpio_file(c, path, mode, data, len);
	free(data);
	return true;
}

void cpio_finish(struct cpio *c)
{
	entry(c, "TRAILER!!!", 0, 0, 0, NULL, 0);
	while (c->buf.len % 512)
		sb_putc(&c->buf, 0);
}

/* ---- ELF closure ----------------------------------------------------------- */

static const char *const std_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
};

static bool deps_has(const struct elf_deps *d, const char *p)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->paths[i], p))
			return true;
	return false;
}

static void deps_add(struct elf_deps *d, const char *p)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->paths = xrealloc(d->paths, d->cap * sizeof(*d->paths));
	}
	d->paths[d->n++] = xstrdup(p);
}

void elf_deps_free(struct elf_deps *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->paths[i]);
	free(d->paths);
	memset(d, 0, sizeof(*d));
}

struct elf_info {
	char *interp;
	char *needed[64];
	size_t nneeded;
	char *search;		/* RPATH/RUNPATH, ':' separated, $ORIGIN expanded */
};

static void info_free(struct elf_info *in)
{
	free(in->interp);
	for (size_t i = 0; i < in->nneeded; i++)
		free(in->needed[i]);
	free(in->search);
}

static char *expand_origin(const char *rpath, const char *file)
{
	char *dir = xstrdup(file);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	struct strbuf sb = {0};
	for (const char *p = rpath; *p;) {
		if (!strncmp(p, "$ORIGIN", 7)) {
			sb_puts(&sb, dir);
			p += 7;
		} else if (!strncmp(p, "${ORIGIN}", 9)) {
			sb_puts(&sb, dir);
			p += 9;
		} else {
			sb_putc(&sb, *p++);
		}
	}
	free(dir);
	return sb_detach(&sb);
}

static bool read_elf(const char *path, struct elf_info *in, char *err, size_t errlen)
{
	memset(in, 0, sizeof(*in));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return false;
	}
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		snprintf(err, errlen, "%s is not an ELF file", path);
		if (e)
			elf_end(e);
		close(fd);
		return false;
	}
	size_t nph;
	elf_getphdrnum(e, &nph);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_INTERP && ph.p_filesz < 4096) {
			char *buf = xcalloc(1, ph.p_filesz + 1);
			if (pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset) == (ssize_t)ph.p_filesz)
				in->interp = buf;
			else
				free(buf);
		}
	}
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; data && i < n; i++) {
			GElf_Dyn dyn;
			if (!gelf_getdyn(data, (int)i, &dyn))
				continue;
			const char *s = NULL;
			if (dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_RPATH || dyn.d_tag == DT_RUNPATH)
				s = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_NEEDED && in->nneeded < ARRAY_SIZE(in->needed))
				in->needed[in->nneeded++] = xstrdup(s);
			else if (dyn.d_tag != DT_NEEDED && !in->search)
				in->search = expand_origin(s, path);
		}
	}
	elf_end(e);
	close(fd);
	return true;
}

static bool find_lib(const char *soname, const char *search, char *out, size_t n)
{
	if (strchr(soname, '/')) {
		snprintf(out, n, "%s", soname);
		return access(out, R_OK) == 0;
	}
	if (search) {
		char *s = xstrdup(search), *save = NULL;
		for (char *dir = strtok_r(s, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			snprintf(out, n, "%s/%s", dir, soname);
			if (access(out, R_OK) == 0) {
				free(s);
				return true;
			}
		}
		free(s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(std_dirs); i++) {
		snprintf(out, n, "%s/%s", std_dirs[i], soname);
		if (access(out, R_OK) == 0)
			return true;
	}
	return false;
}

static bool closure(const char *path, struct elf_deps *out, int depth, char *err, size_t errlen)
{
	struct elf_info in;
	if (depth > 16) {
		snprintf(err, errlen, "library dependencies nest too deeply at %s", path);
		return false;
	}
	if (!read_elf(path, &in, err, errlen))
		return false;
	bool ok = true;
	if (in.interp && !deps_has(out, in.interp))
		deps_add(out, in.interp);
	size_t missing = 0;
	for (size_t i = 0; i < in.nneeded; i++) {
		char lib[4096];
		if (!find_lib(in.needed[i], in.search, lib, sizeof(lib))) {
			/* every missing library in one message, not the first only */
			size_t len = missing ? strlen(err) : 0;
			if (!missing++)
				len = (size_t)snprintf(err, errlen, "%s needs", path);
			if (len < errlen)
				snprintf(err + len, errlen - len, "%s %s", missing > 1 ? "," : "", in.needed[i]);
			ok = false;
			continue;
		}
		if (!ok || deps_has(out, lib))
			continue;
		deps_add(out, lib);
		ok = closure(lib, out, depth + 1, err, errlen);
	}
	if (missing && strlen(err) + 1 < errlen)
		snprintf(err + strlen(err), errlen - strlen(err),
			 ", not found in its RPATH/RUNPATH or the standard library directories");
	info_free(&in);
	return ok;
}

bool elf_closure(const char *binary, struct elf_deps *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!closure(binary, out, 0, err, errlen)) {
		elf_deps_free(out);
		return false;
	}
	return true;
}

bool cpio_binary_with_deps(struct cpio *c, const char *dest, const char *host_path,
			   char *err, size_t errlen)
{
	struct elf_deps d;
	if (!elf_closure(host_path, &d, err, errlen))
		return false;
	bool ok = cpio_host_file(c, dest, host_path, 0755), libc = false;
	for (size_t i = 0; ok && i < d.n; i++) {
		ok = cpio_host_file(c, d.paths[i], d.paths[i], 0755);
		libc |= !strcmp(strrchr(d.paths[i], '/') ? strrchr(d.paths[i], '/') + 1 : d.paths[i], "libc.so.6");
	}
	/* glibc dlopens libgcc_s for pthread_exit and cancellation: a threaded
	 * program without it aborts when a thread exits */
	char gcc_s[4096];
	if (ok && libc && find_lib("libgcc_s.so.1", NULL, gcc_s, sizeof(gcc_s)))
		ok = cpio_host_file(c, gcc_s, gcc_s, 0755);
	if (!ok)
		snprintf(err, errlen, "cannot read %s: %s", host_path, strerror(errno));
	elf_deps_free(&d);
	return ok;
}

void *gzip_buffer(const void *buf, size_t len, size_t *outlen)
{
	z_stream z = {0};
	deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	size_t cap = deflateBound(&z, len);
	unsigned char *out = xmalloc(cap);
	z.next_in = (unsigned char *)buf;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}
