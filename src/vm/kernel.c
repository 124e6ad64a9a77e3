/* kernel: cache layout, key, resolution and the kernel + scheduler build. */
#include "kernel.h"
#include "exitcode.h"
#include "proc.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The base recipe is part of the key: changing it must change entries. */
#define BASE_RECIPE "x86_64 defconfig + kvm_guest.config + ktstr.config v1\n"
static const char *const schedulers[] = {"scx_simple", "scx_qmap", "scx_central", "scx_flatcg"};

static int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	int rc = mkdir(p, 0755);
	free(p);
	return rc && errno != EEXIST ? -1 : 0;
}

const char *cache_dir(void)
{
	static char dir[PATH_MAX];
	if (dir[0])
		return dir;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/ktstr", xdg);
	else
		snprintf(dir, sizeof(dir), "%s/.cache/ktstr", home && *home ? home : "/tmp");
	mkdir_p(dir);
	return dir;
}

const char *fragment_hash(void)
{
	static char out[16];
	uint64_t h = 1469598103934665603ull;
	const char *parts[] = {BASE_RECIPE, ktstr_kconfig_fragment};
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		for (const char *s = parts[i]; *s; s++)
			h = (h ^ (uint8_t)*s) * 1099511628211ull;
	snprintf(out, sizeof(out), "%012llx", (unsigned long long)(h & 0xffffffffffffull));
	return out;
}

static bool file_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool dir_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void fill_entry(struct kernel *k, const char *dir, const char *key)
{
	snprintf(k->dir, sizeof(k->dir), "%s", dir);
	snprintf(k->bzimage, sizeof(k->bzimage), "%s/bzImage", dir);
	snprintf(k->vmlinux, sizeof(k->vmlinux), "%s/vmlinux", dir);
	snprintf(k->key, sizeof(k->key), "%s", key);
}

/* Newest entry whose name ends in -<hash> (any hash if hash is NULL). */
static bool newest_entry(const char *hash, char *key, size_t n)
{
	char dir[PATH_MAX];
	pathf(dir, sizeof(dir), "%s/kernels", cache_dir());
	DIR *d = opendir(dir);
	if (!d)
		return false;
	time_t best = 0;
	bool found = false;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t l = strlen(e->d_name);
		if (hash && (l < 13 || strcmp(e->d_name + l - 12, hash) || e->d_name[l - 13] != '-'))
			continue;
		char meta[PATH_MAX];
		struct stat st;
		pathf(meta, sizeof(meta), "%s/%s/bzImage", dir, e->d_name);
		if (stat(meta, &st) || st.st_mtime < best)
			continue;
		best = st.st_mtime;
		snprintf(key, n, "%s", e->d_name);
		found = true;
	}
	closedir(d);
	return found;
}

bool kernel_resolve(const char *spec, struct kernel *k, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	const char *env = getenv("KTSTR_KERNEL");
	const char *from = "--kernel";
	if (!spec || !*spec) {
		spec = env && *env ? env : NULL;
		from = "KTSTR_KERNEL";
	}
	if (spec) {
		char entry[PATH_MAX];
		pathf(entry, sizeof(entry), "%s/kernels/%s", cache_dir(), spec);
		if (dir_exists(spec) || (!strchr(spec, '/') && dir_exists(entry))) {
			const char *d = dir_exists(spec) && strchr(spec, '/') ? spec : entry;
			if (!dir_exists(d))
				d = spec;
			const char *slash = strrchr(d, '/');
			fill_entry(k, d, slash ? slash + 1 : d);
			if (file_exists(k->bzimage))
				return true;
			snprintf(err, errlen, "%s %s is a directory without a bzImage; expected a ktstr kernel cache entry or a bzImage file",
				 from, spec);
			return false;
		}
		if (file_exists(spec)) {
			snprintf(k->bzimage, sizeof(k->bzimage), "%s", spec);
			snprintf(k->key, sizeof(k->key), "%s", spec);
			return true;
		}
		snprintf(err, errlen, "%s %s is neither a bzImage, a cache entry directory, nor an entry name under %s/kernels",
			 from, spec, cache_dir());
		return false;
	}
	char key[256];
	if (newest_entry(fragment_hash(), key, sizeof(key))) {
		char d[PATH_MAX];
		pathf(d, sizeof(d), "%s/kernels/%s", cache_dir(), key);
		fill_entry(k, d, key);
		return true;
	}
	snprintf(err, errlen, "no guest kernel built from this ktstr's config fragment (hash %s) in %s/kernels; build one with: ktstr kernel build",
		 fragment_hash(), cache_dir());
	return false;
}

bool kernel_scheduler(const struct kernel *k, const char *name, char *out, size_t n)
{
	if (!k->dir[0])
		return false;
	snprintf(out, n, "%s/schedulers/%s", k->dir, name);
	return access(out, X_OK) == 0;
}

/* ---- build ------------------------------------------------------------------- */

static bool copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return false;
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return false;
	}
	struct stat st;
	fstat(in, &st);
	off_t left = st.st_size;
	bool ok = true;
	while (left > 0) {
		ssize_t r = sendfile(out, in, NULL, (size_t)left);
		if (r <= 0) {
			ok = false;
			break;
		}
		left -= r;
	}
	close(in);
	ok &= close(out) == 0;
	return ok;
}

static bool read_release(const char *src, char *out, size_t n)
{
	char mk[PATH_MAX];
	pathf(mk, sizeof(mk), "%s/Makefile", src);
	FILE *f = fopen(mk, "r");
	if (!f)
		return false;
	char line[256], v[4][64] = {"", "", "", ""};
	static const char *const keys[] = {"VERSION = ", "PATCHLEVEL = ", "SUBLEVEL = ", "EXTRAVERSION ="};
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		for (int i = 0; i < 4; i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				snprintf(v[i], sizeof(v[i]), "%s", line + strlen(keys[i]) + (i == 3 && line[strlen(keys[i])] == ' '));
	}
	fclose(f);
	if (!v[0][0] || !v[1][0])
		return false;
	snprintf(out, n, "%s.%s.%s%s", v[0], v[1], v[2][0] ? v[2] : "0", v[3]);
	return true;
}

static void step(const char *what)
{
	fprintf(stderr, "ktstr kernel: %s\n", what);
}

/* A directory with the source: given, or extracted once from a tarball
 * into the cache (extract to a temp dir, then rename). */
static bool prepare_source(const char *spec, char *src, size_t n, int log)
{
	if (dir_exists(spec)) {
		snprintf(src, n, "%s", spec);
		return true;
	}
	if (!file_exists(spec)) {
		fprintf(stderr, "ktstr: kernel source %s not found; expected a source directory or a .tar.xz (Debian: apt-get install linux-source-6.12)\n",
			spec);
		return false;
	}
	const char *base = strrchr(spec, '/');
	base = base ? base + 1 : spec;
	char name[256];
	snprintf(name, sizeof(name), "%s", base);
	char *dot = strstr(name, ".tar");
	if (dot)
		*dot = 0;
	pathf(src, n, "%s/src/%s", cache_dir(), name);
	if (dir_exists(src))
		return true;
	char tmp[PATH_MAX];
	pathf(tmp, sizeof(tmp), "%s/src/.extract-%d", cache_dir(), getpid());
	mkdir_p(tmp);
	step("extracting kernel source (once)");
	const char *argv[] = {"tar", "-xf", spec, "-C", tmp, NULL};
	if (run_logged(argv, NULL, log)) {
		fprintf(stderr, "ktstr: extracting %s failed; see the build log\n", spec);
		rm_rf(tmp);
		return false;
	}
	/* The tarball holds one top directory. */
	DIR *d = opendir(tmp);
	struct dirent *e;
	char top[PATH_MAX] = "";
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			pathf(top, sizeof(top), "%s/%s", tmp, e->d_name);
	if (d)
		closedir(d);
	bool ok = top[0] && rename(top, src) == 0;
	rm_rf(tmp);
	return ok;
}

static int make(const char *src, const char *obj, const char *target, int jobs, int log)
{
	char c[PATH_MAX], o[PATH_MAX + 4], j[32];
	snprintf(c, sizeof(c), "%s", src);
	snprintf(o, sizeof(o), "O=%s", obj);
	snprintf(j, sizeof(j), "-j%d", jobs);
	const char *argv[] = {"make", "-C", c, o, j, target, NULL};
	return run_logged(argv, NULL, log);
}

static bool config_has_fragment(const char *config, char *missing, size_t n)
{
	size_t len;
	char *cfg = read_file(config, &len, 64u << 20);
	if (!cfg)
		return false;
	bool ok = true;
	char *frag = xstrdup(ktstr_kconfig_fragment), *save = NULL;
	for (char *line = strtok_r(frag, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "CONFIG_", 7) || !strstr(line, "=y"))
			continue;
		char pat[256];
		snprintf(pat, sizeof(pat), "\n%s\n", line);
		if (!strstr(cfg, pat)) {
			snprintf(missing, n, "%s", line);
			ok = false;
			break;
		}
	}
	free(frag);
	free(cfg);
	return ok;
}

static int configure_kernel(const char *src, const char *obj, int jobs, int log)
{
	char frag[PATH_MAX], merge[PATH_MAX], cfg[PATH_MAX];
	pathf(frag, sizeof(frag), "%s/ktstr.config", obj);
	pathf(merge, sizeof(merge), "%s/scripts/kconfig/merge_config.sh", src);
	pathf(cfg, sizeof(cfg), "%s/.config", obj);
	FILE *f = fopen(frag, "w");
	if (!f || fputs(ktstr_kconfig_fragment, f) < 0 || fclose(f))
		return -1;
	if (make(src, obj, "defconfig", jobs, log) || make(src, obj, "kvm_guest.config", jobs, log))
		return -1;
	const char *argv[] = {merge, "-m", "-O", obj, cfg, frag, NULL};
	if (run_logged(argv, src, log) || make(src, obj, "olddefconfig", jobs, log))
		return -1;
	char missing[256];
	if (!config_has_fragment(cfg, missing, sizeof(missing))) {
		fprintf(stderr, "ktstr: the kernel config dropped %s (a dependency is missing in this source); see %s\n",
			missing, cfg);
		return -1;
	}
	return 0;
}

static int build_schedulers(const char *src, const char *obj, const char *entry, int jobs, int log)
{
	char dir[PATH_MAX], o[PATH_MAX + 4], btf[PATH_MAX + 16], j[32];
	pathf(dir, sizeof(dir), "%s/tools/sched_ext", src);
	pathf(o, sizeof(o), "O=%s/sched_ext", obj);
	pathf(btf, sizeof(btf), "VMLINUX_BTF=%s/vmlinux", obj);
	snprintf(j, sizeof(j), "-j%d", jobs);
	mkdir_p(o + 2);	/* tools/ Makefiles insist that O exists */
	const char *argv[] = {"make", "-C", dir, "CC=gcc", "CLANG=clang-16", "LLVM_STRIP=llvm-strip-16",
			      o, btf, j, NULL};
	if (run_logged(argv, NULL, log))
		return -1;
	char sdir[PATH_MAX];
	pathf(sdir, sizeof(sdir), "%s/schedulers", entry);
	mkdir_p(sdir);
	for (size_t i = 0; i < ARRAY_SIZE(schedulers); i++) {
		char from[PATH_MAX], to[PATH_MAX];
		pathf(from, sizeof(from), "%s/sched_ext/build/bin/%s", obj, schedulers[i]);
		pathf(to, sizeof(to), "%s/%s", sdir, schedulers[i]);
		if (!copy_file(from, to, 0755)) {
			fprintf(stderr, "ktstr: scheduler %s was not built (%s)\n", schedulers[i], from);
			return -1;
		}
	}
	return 0;
}

/* The kernel's sched_ext selftests runner (tools/testing/selftests/
 * sched_ext), built against the entry's vmlinux BTF with the schedulers'
 * clang, into ENTRY/selftests/sched_ext/runner: the catalog payload
 * sched_ext_selftests runs it as kernel:selftests/sched_ext/runner. */
static int build_selftests(const char *src, const char *obj, const char *vmlinux, const char *entry, int jobs,
			   int log)
{
	char dir[PATH_MAX], out[PATH_MAX], o[PATH_MAX + 8], btf[PATH_MAX + 16], j[32];
	pathf(dir, sizeof(dir), "%s/tools/testing/selftests/sched_ext", src);
	pathf(out, sizeof(out), "%s/selftests-sched_ext", obj);
	snprintf(o, sizeof(o), "OUTPUT=%s", out);
	snprintf(btf, sizeof(btf), "VMLINUX_BTF=%s", vmlinux);
	snprintf(j, sizeof(j), "-j%d", jobs);
	mkdir_p(out);
	const char *argv[] = {"make", "-C", dir, "CC=gcc", "CLANG=clang-16", "LLVM_STRIP=llvm-strip-16", o, btf, j, NULL};
	if (run_logged(argv, NULL, log))
		return -1;
	char from[PATH_MAX], to[PATH_MAX];
	pathf(from, sizeof(from), "%s/runner", out);
	pathf(to, sizeof(to), "%s/selftests/sched_ext", entry);
	mkdir_p(to);
	pathf(to, sizeof(to), "%s/selftests/sched_ext/runner", entry);
	if (!copy_file(from, to, 0755)) {
		fprintf(stderr, "ktstr: the sched_ext selftests runner was not built (%s)\n", from);
		return -1;
	}
	return 0;
}

/* An entry built before the selftests were part of it gets them now,
 * without rebuilding the kernel (about 20 s). */
static int complete_entry(const char *src, const char *final, const char *key, int jobs, int log)
{
	char runner[PATH_MAX], obj[PATH_MAX], vmlinux[PATH_MAX];
	pathf(runner, sizeof(runner), "%s/selftests/sched_ext/runner", final);
	if (file_exists(runner))
		return 0;
	pathf(obj, sizeof(obj), "%s/build/%s", cache_dir(), key);
	pathf(vmlinux, sizeof(vmlinux), "%s/vmlinux", final);
	mkdir_p(obj);
	step("adding the sched_ext selftests runner to the cached entry");
	return build_selftests(src, obj, vmlinux, final, jobs, log);
}

static int assemble(const char *obj, const char *tmp, const char *final, const char *release,
		    const char *srcspec)
{
	static const char *const files[][2] = {
		{"arch/x86/boot/bzImage", "bzImage"}, {"vmlinux", "vmlinux"}, {".config", "config"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char from[PATH_MAX], to[PATH_MAX];
		pathf(from, sizeof(from), "%s/%s", obj, files[i][0]);
		pathf(to, sizeof(to), "%s/%s", tmp, files[i][1]);
		if (!copy_file(from, to, 0644)) {
			fprintf(stderr, "ktstr: cannot copy %s into the cache: %s\n", from, strerror(errno));
			return -1;
		}
	}
	char meta[PATH_MAX];
	pathf(meta, sizeof(meta), "%s/meta", tmp);
	FILE *f = fopen(meta, "w");
	if (!f)
		return -1;
	fprintf(f, "release=%s\nfragment=%s\nsource=%s\nbuilt=%lld\n", release, fragment_hash(),
		srcspec, (long long)time(NULL));
	fclose(f);
	rm_rf(final);	/* --force rebuild replaces the old entry */
	if (rename(tmp, final)) {
		fprintf(stderr, "ktstr: cannot move %s to %s: %s\n", tmp, final, strerror(errno));
		return -1;
	}
	return 0;
}

/* A source other than the default gets its own cache entry, named by
 * what it holds: a git tree by its HEAD and uncommitted changes, any
 * other tree by its newest file, a tarball by its size and time.  The
 * default keeps the bare release-fragment key that `ktstr run` picks by
 * default, so a developer's branch never replaces it silently. */
static uint64_t tree_newest;
static int newest_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (flag == FTW_F && (uint64_t)st->st_mtime > tree_newest)
		tree_newest = (uint64_t)st->st_mtime;
	return 0;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static uint64_t source_identity(const char *spec)
{
	char real[PATH_MAX], git[PATH_MAX + 8];
	uint64_t h = fnv_str(1469598103934665603ull, realpath(spec, real) ? real : spec);
	struct stat st;
	pathf(git, sizeof(git), "%s/.git", spec);
	if (!stat(git, &st)) {
		char cmd[PATH_MAX + 96], line[512];
		snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse HEAD && git -C '%s' status --porcelain", spec, spec);
		FILE *p = popen(cmd, "r");
		while (p && fgets(line, sizeof(line), p))
			h = fnv_str(h, line);
		if (p)
			pclose(p);
		return h;
	}
	if (dir_exists(spec)) {
		tree_newest = 0;
		nftw(spec, newest_file, 64, FTW_PHYS);
		char t[32];
		snprintf(t, sizeof(t), "%llu", (unsigned long long)tree_newest);
		return fnv_str(h, t);
	}
	if (!stat(spec, &st)) {
		char t[64];
		snprintf(t, sizeof(t), "%lld/%lld", (long long)st.st_size, (long long)st.st_mtime);
		h = fnv_str(h, t);
	}
	return h;
}

int kernel_build(const struct kernel_build_opts *o)
{
	const char *spec = o->source ? o->source : KTSTR_DEFAULT_KERNEL_SOURCE;
	int jobs = o->jobs > 0 ? o->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	char logpath[PATH_MAX], src[PATH_MAX], release[128], key[256], obj[PATH_MAX];
	char tmp[PATH_MAX], final[PATH_MAX];
	mkdir_p(cache_dir());
	pathf(logpath, sizeof(logpath), "%s/kernel-build.log", cache_dir());
	int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log < 0) {
		fprintf(stderr, "ktstr: cannot write %s: %s\n", logpath, strerror(errno));
		return KT_EXIT_INFRA;
	}
	int rc = KT_EXIT_INFRA;
	if (!prepare_source(spec, src, sizeof(src), log))
		goto out;
	if (!read_release(src, release, sizeof(release))) {
		fprintf(stderr, "ktstr: %s has no kernel Makefile with VERSION/PATCHLEVEL\n", src);
		goto out;
	}
	if (!strcmp(spec, KTSTR_DEFAULT_KERNEL_SOURCE))
		snprintf(key, sizeof(key), "%s-%s", release, fragment_hash());
	else
		snprintf(key, sizeof(key), "%s-%s-src%08llx", release, fragment_hash(),
			 (unsigned long long)(source_identity(spec) & 0xffffffffull));
	pathf(final, sizeof(final), "%s/kernels/%s", cache_dir(), key);
	if (!o->force && file_exists(strcat(strcpy(tmp, final), "/bzImage"))) {
		if (complete_entry(src, final, key, jobs, log)) {	/* the entry itself stays */
			fprintf(stderr, "ktstr kernel: the selftests build failed; the last lines of %s:\n", logpath);
			print_file_tail(logpath, 20, stderr);
			goto out;
		}
		printf("%s\n", final);
		if (o->entry)
			snprintf(o->entry, o->entry_size, "%s", final);
		fprintf(stderr, "ktstr kernel: %s is already built (use --force to rebuild)\n", key);
		rc = KT_EXIT_PASS;
		goto out;
	}
	pathf(obj, sizeof(obj), "%s/build/%s", cache_dir(), key);
	pathf(tmp, sizeof(tmp), "%s/kernels/.tmp-%s-%d", cache_dir(), key, getpid());
	mkdir_p(obj);
	mkdir_p(tmp);
	cleanup_add_dir(tmp);	/* Ctrl-C: no half-built entry survives */
	fprintf(stderr, "ktstr kernel: building %s with %d jobs; log: %s\n", key, jobs, logpath);
	step("configuring (defconfig + kvm_guest.config + ktstr.config)");
	if (configure_kernel(src, obj, jobs, log))
		goto fail;
	step("building bzImage and vmlinux (about 12 minutes on 2 cores)");
	if (make(src, obj, "bzImage", jobs, log))
		goto fail;
	step("building sched_ext schedulers (scx_simple, scx_qmap, scx_central, scx_flatcg)");
	if (build_schedulers(src, obj, tmp, jobs, log))
		goto fail;
	step("building the sched_ext selftests runner");
	char vmlinux[PATH_MAX];
	pathf(vmlinux, sizeof(vmlinux), "%s/vmlinux", obj);
	if (build_selftests(src, obj, vmlinux, tmp, jobs, log))
		goto fail;
	if (assemble(obj, tmp, final, release, spec))
		goto fail;
	cleanup_remove_dir(tmp);	/* renamed into place */
	printf("%s\n", final);
	if (o->entry)
		snprintf(o->entry, o->entry_size, "%s", final);
	fprintf(stderr, "ktstr kernel: done: %s\n", key);
	rc = KT_EXIT_PASS;
	goto out;
fail:
	fprintf(stderr, "ktstr kernel: build failed; the last lines of %s:\n", logpath);
	print_file_tail(logpath, 20, stderr);
	rm_rf(tmp);
out:
	close(log);
	return rc;
}

int kernel_list(void)
{
	char dir[PATH_MAX];
	pathf(dir, sizeof(dir), "%s/kernels", cache_dir());
	DIR *d = opendir(dir);
	if (!d) {
		printf("no kernels in %s (build one with: ktstr kernel build)\n", dir);
		return KT_EXIT_PASS;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char bz[PATH_MAX], sch[PATH_MAX], st[PATH_MAX];
		pathf(bz, sizeof(bz), "%s/%s/bzImage", dir, e->d_name);
		pathf(sch, sizeof(sch), "%s/%s/schedulers", dir, e->d_name);
		pathf(st, sizeof(st), "%s/%s/selftests/sched_ext/runner", dir, e->d_name);
		if (!file_exists(bz))
			continue;
		size_t l = strlen(e->d_name);
		bool current = l > 12 && !strcmp(e->d_name + l - 12, fragment_hash());
		printf("%-40s %s%s%s\n", e->d_name, dir_exists(sch) ? "schedulers " : "",
		       file_exists(st) ? "selftests " : "", current ? "(current fragment)" : "(other fragment)");
	}
	closedir(d);
	return KT_EXIT_PASS;
}

bool kernel_is_source(const char *spec)
{
	char sched[PATH_MAX];
	pathf(sched, sizeof(sched), "%s/kernel/sched", spec);
	return dir_exists(sched) || (file_exists(spec) && strstr(spec, ".tar"));
}
