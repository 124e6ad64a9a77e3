/* run: host side of one scenario run in a VM. */
#include "run.h"
#include "report.h"
#include "guestimage.h"
#include "record.h"
#include "kernel.h"
#include "proc.h"
#include "scenario.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct collect {
	cJSON *records;
	struct strbuf *trace_dat;
	double t0, first_op_ms;
	bool verbose;
	bool progress;		/* stderr is a terminal */
	const char *name;
	int nsteps;
	double duration_ms;
};

/* One status line on a terminal, rewritten in place; nothing otherwise. */
static void progress(const struct collect *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const struct collect *c, const char *fmt, ...)
{
	if (!c->progress)
		return;
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "\r\033[K[%s] %s", c->name, line);
	fflush(stderr);
}


static void on_record(const struct rec *r, void *ctx)
{
	struct collect *c = ctx;
	if (r->type == REC_JSON) {
		cJSON *j = cJSON_ParseWithLength((const char *)r->payload, r->len);
		if (!j) {
			fprintf(stderr, "ktstr: a record from the guest is not JSON (%u bytes)\n", r->len);
			return;
		}
		enum rec_kind kind = rec_kind_of(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, RK(TYPE))));
		if (kind == RT_FIRST_OP && !c->first_op_ms)
			c->first_op_ms = mono_ms() - c->t0;
		if (kind == RT_STEP_START) {
			double at = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, RK(AT_NS))) / 1e6;
			progress(c, "step %d/%d, about %.1fs left", (int)cJSON_GetNumberValue(
				 cJSON_GetObjectItemCaseSensitive(j, RK(STEP))), c->nsteps,
				 (c->duration_ms - at) / 1e3 > 0 ? (c->duration_ms - at) / 1e3 : 0);
		} else if (kind == RT_BACKDROP_START) {
			progress(c, "running backdrop");
		} else if (kind == RT_END) {
			progress(c, "collecting");
		} else if (kind == RT_SCHEDULER) {
			progress(c, "scheduler %s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, RK(EVENT))));
		}
		cJSON_AddItemToArray(c->records, j);
	} else if (r->type == REC_LOG) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, RK(TYPE), RT(LOG));
		char *msg = strndup((const char *)r->payload, r->len);
		cJSON_AddStringToObject(j, RK(MESSAGE), msg);
		if (c->verbose)
			fprintf(stderr, "guest: %s\n", msg);
		free(msg);
		cJSON_AddItemToArray(c->records, j);
	} else if (r->type == REC_FILE && r->len >= 2) {
		size_t nl = (size_t)r->payload[0] | (size_t)r->payload[1] << 8;
		if (nl + 2 <= r->len && nl == 9 && !memcmp(r->payload + 2, "trace.dat", 9))
			sb_add(c->trace_dat, r->payload + 2 + nl, r->len - 2 - nl);
	} else if ((r->type == REC_STDOUT || r->type == REC_STDERR) && c->verbose) {
		fwrite(r->payload, 1, r->len, stderr);
	}
}

#define HOST_STDBUF_LIB "/usr/libexec/coreutils/libstdbuf.so"

static bool is_elf(const char *path)
{
	char magic[4] = "";
	FILE *f = fopen(path, "rb");
	bool elf = f && fread(magic, 1, 4, f) == 4 && !memcmp(magic, "\177ELF", 4);
	if (f)
		fclose(f);
	return elf;
}

/* A payload's binary on the host: a path, kernel:PATH inside the kernel
 * cache entry, or a name on PATH. */
static bool payload_binary(const char *bin, const struct kernel *k, char *path, size_t n)
{
	if (!strncmp(bin, "kernel:", 7)) {
		if (!k->dir[0])
			return false;
		pathf(path, n, "%s/%s", k->dir, bin + 7);
		return access(path, X_OK) == 0;
	}
	if (strchr(bin, '/')) {
		snprintf(path, n, "%s", bin);
		return access(path, X_OK) == 0;
	}
	return find_on_path(bin, path, n);
}

/* Payload binaries go into /include-files with their libraries (a
 * missing binary or library is an error before boot, naming it), and
 * so do their include_files. */
static bool add_payloads(const struct kb_program *p, const struct kernel *k, struct cpio *extra, char *err,
			 size_t n)
{
	for (uint32_t i = 0; i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		if (in->op != OPC_PAYLOAD)
			continue;
		const char *bin = kb_get_str(p, in, "binary"), *name = kb_get_str(p, in, "name");
		char path[PATH_MAX], e2[400];
		if (!payload_binary(bin, k, path, sizeof(path))) {
			snprintf(err, n, "payload %.60s: binary '%.100s' not found or not executable (%s)", name, bin,
				 !strncmp(bin, "kernel:", 7) ? "looked in the kernel cache entry; `ktstr kernel build` makes it"
				 : strchr(bin, '/') ? "looked at that path" : "looked on PATH; is its package installed? scripts/setup.sh installs the catalog's");
			return false;
		}
		const char *base = strrchr(path, '/');
		char dest[PATH_MAX];
		pathf(dest, sizeof(dest), "/include-files/%s", base ? base + 1 : path);
		if (!cpio_binary_with_deps(extra, dest, path, e2, sizeof(e2)) &&
		    (is_elf(path) || !guest_add_include(extra, path, e2, sizeof(e2)))) {
			snprintf(err, n, "payload %.60s: %.300s", name, e2);
			return false;
		}
		int64_t lb = 0;
		if (kb_get_int(p, in, "line_buffered", &lb) && lb &&
		    !cpio_binary_with_deps(extra, GUEST_STDBUF_LIB, HOST_STDBUF_LIB, e2, sizeof(e2))) {
			snprintf(err, n, "payload %.60s is line_buffered, which needs %s (coreutils): %.200s", name,
				 HOST_STDBUF_LIB, e2);
			return false;
		}
		for (uint32_t k2 = 0; k2 < in->nops; k2++) {
			const struct kb_operand *o = &p->opnd[in->first + k2];
			if (o->type == KB_STR && !strcmp(p->str[o->key], "include_files") &&
			    !guest_add_include(extra, p->str[o->s], err, n))
				return false;
		}
	}
	return true;
}

/* The scheduler binary: a path, a scheduler of the kernel cache entry, or
 * a name on PATH; packed at /ktstr/sched/<name> with its libraries. */
static bool add_scheduler(const struct kb_program *p, const struct kernel *k, struct cpio *extra,
			  struct run_output *out)
{
	for (uint32_t i = 0; i < p->ninsn; i++) {
		const struct kb_insn *in = &p->insn[i];
		const char *bin = in->op == OPC_SCHEDULER ? kb_get_str(p, in, "binary") : NULL;
		if (!bin)
			continue;
		char path[PATH_MAX];
		bool found = strchr(bin, '/') ? (snprintf(path, sizeof(path), "%s", bin), access(path, X_OK) == 0)
					      : kernel_scheduler(k, bin, path, sizeof(path)) ||
						find_on_path(bin, path, sizeof(path));
		if (!found) {
			snprintf(out->reason, sizeof(out->reason),
				 "scheduler binary '%.100s' not found or not executable (looked at the path, in %.200s/schedulers and on PATH)",
				 bin, k->dir[0] ? k->dir : "the kernel entry");
			out->bad_input = true;
			return false;
		}
		const char *base = strrchr(bin, '/');
		char dest[PATH_MAX], err[512];
		pathf(dest, sizeof(dest), "/ktstr/sched/%s", base ? base + 1 : bin);
		if (!cpio_binary_with_deps(extra, dest, path, err, sizeof(err))) {
			snprintf(out->reason, sizeof(out->reason), "scheduler %.100s: %.300s", path, err);
			out->bad_input = true;
			return false;
		}
	}
	return true;
}

/* A traced program gets the host's trace-cmd (with its libraries) at
 * /ktstr/bin/trace-cmd, and guest memory for its per-CPU buffers plus
 * the extracted trace.dat (tmpfs), which can be as large. */
static bool add_tracer(const struct kb_program *p, struct cpio *extra, unsigned *extra_mib,
		       struct run_output *out)
{
	int64_t kb = 0;
	for (uint32_t i = 0; i < p->ninsn; i++)
		if (p->insn[i].op == OPC_TRACE)
			kb_get_int(p, &p->insn[i], "buffer_kb", &kb);
	if (!kb)
		return true;
	char path[PATH_MAX], err[512];
	if (!find_on_path("trace-cmd", path, sizeof(path))) {
		snprintf(out->reason, sizeof(out->reason),
			 "tracing needs trace-cmd on the host (Debian package trace-cmd; scripts/setup.sh installs it)");
		return false;
	}
	if (!cpio_binary_with_deps(extra, "/ktstr/bin/trace-cmd", path, err, sizeof(err))) {
		snprintf(out->reason, sizeof(out->reason), "trace-cmd %.200s: %.250s", path, err);
		return false;
	}
	*extra_mib = (unsigned)(2 * kb * topo_ncpus(&p->topo) / 1024);
	return true;
}

/* The trace record's reason, when tracing could not start. */
static void trace_failure(const cJSON *records, char *reason, size_t n)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, records) {
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, RK(REASON)));
		if (rec_kind_of(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, RK(TYPE)))) == RT_TRACE && why)
			snprintf(reason, n, "tracing could not start: %s", why);
	}
}

/* The scratch disk of a DISK instruction: a sparse file in the run's temp
 * dir (so it goes with the dir, Ctrl-C included), made ext4 on the host
 * when asked — mkfs.ext4 works on a plain file without privileges. */
static bool make_disk(const struct kb_program *p, const char *dir, char *path, size_t n, const char **format,
		      struct run_output *out)
{
	const struct kb_insn *in = NULL;
	for (uint32_t i = 0; i < p->ninsn && !in; i++)
		if (p->insn[i].op == OPC_DISK)
			in = &p->insn[i];
	if (!in)
		return true;
	int64_t mib = 256;
	kb_get_int(p, in, "size_mib", &mib);
	*format = kb_get_str(p, in, "format") ? kb_get_str(p, in, "format") : "ext4";
	pathf(path, n, "%s/scratch.img", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)mib << 20)) {
		snprintf(out->reason, sizeof(out->reason), "cannot make the scratch disk %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	if (strcmp(*format, "ext4"))
		return true;
	char mkfs[PATH_MAX] = "/sbin/mkfs.ext4";	/* sbin is not on every user's PATH */
	if (access(mkfs, X_OK) && !find_on_path("mkfs.ext4", mkfs, sizeof(mkfs))) {
		snprintf(out->reason, sizeof(out->reason),
			 "an ext4 scratch disk needs mkfs.ext4 on the host (Debian package e2fsprogs)");
		return false;
	}
	const char *argv[] = {mkfs, "-q", "-F", "-E", "lazy_itable_init=1,lazy_journal_init=1", path, NULL};
	if (run_logged(argv, NULL, -1)) {
		snprintf(out->reason, sizeof(out->reason), "mkfs.ext4 %s failed", path);
		return false;
	}
	return true;
}

/* The sum of the program's wait_payload timeouts. */
static uint64_t payload_waits(const struct kb_program *p)
{
	uint64_t sum = 0;
	int64_t t;
	for (uint32_t i = 0; i < p->ninsn; i++)
		if (p->insn[i].op == OPC_WAIT_PAYLOAD && kb_get_int(p, &p->insn[i], "timeout", &t) && t > 0)
			sum += (uint64_t)t;
	return sum;
}

int run_in_vm(const struct kb_program *p, const struct run_opts *o, struct run_output *out)
{
	memset(out, 0, sizeof(*out));
	out->records = cJSON_CreateArray();
	out->monitor_off = o->no_monitor ? "the host monitor is off (--no-monitor)" : "";
	struct kernel k;
	if (!kernel_resolve(o->kernel, &k, out->reason, sizeof(out->reason)))
		return -1;
	snprintf(out->kernel, sizeof(out->kernel), "%s", k.dir[0] ? k.key : k.bzimage);
	struct cpio extra;
	cpio_init(&extra);
	size_t len;
	uint8_t *bc = kb_encode(p, &len);
	cpio_file(&extra, "/ktstr/program.ktbc", 0644, bc, len);
	free(bc);
	if (!add_scheduler(p, &k, &extra, out)) {
		cpio_free(&extra);
		return -1;
	}
	if (!add_payloads(p, &k, &extra, out->reason, sizeof(out->reason))) {
		out->bad_input = true;
		cpio_free(&extra);
		return -1;
	}
	unsigned trace_mib = 0;
	if (!add_tracer(p, &extra, &trace_mib, out)) {
		cpio_free(&extra);
		return -1;
	}
	cpio_finish(&extra);
	char dir[128];
	if (!make_temp_dir("run", dir, sizeof(dir))) {
		snprintf(out->reason, sizeof(out->reason), "cannot create a temp dir: %s", strerror(errno));
		cpio_free(&extra);
		return -1;
	}
	cleanup_add_dir(dir);
	char initrd[160], disk[PATH_MAX] = "", append[64] = "ktstr.mode=run";
	const char *disk_format = NULL;
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	bool ok = guest_initrd_write(initrd, &extra, out->reason, sizeof(out->reason)) &&
		  make_disk(p, dir, disk, sizeof(disk), &disk_format, out);
	if (disk_format)
		snprintf(append, sizeof(append), "ktstr.mode=run ktstr.disk=%s", disk_format);
	cpio_free(&extra);
	struct stat st;
	size_t isize = ok && !stat(initrd, &st) ? (size_t)st.st_size : 0;
	/* Boot allowance: TCG boots in ~3 s; be generous, a hang still ends.
	 * Payload waits may outlast the duration (a benchmark run to its
	 * end): their timeouts are added, so the watchdog is never the
	 * shorter limit. */
	uint64_t timeout = o->timeout_ns ? o->timeout_ns : p->duration_ns * 4 + 90ull * 1000000000ull + payload_waits(p);
	char config[4200];
	snprintf(config, sizeof(config), "%s/config", k.dir);
	struct vm_config vc = {
		.topo = p->topo, .kernel = k.bzimage, .initrd = initrd, .accel = o->accel,
		.memory_mib = vm_memory_mib(0, p->memory_mib + trace_mib, isize),
		.append = append, .timeout_ns = timeout, .disk = disk[0] ? disk : NULL,
		.monitor = !o->no_monitor,
		.mon = {.vmlinux = k.vmlinux, .ncpus = topo_ncpus(&p->topo), .nnodes = p->topo.numa_nodes,
			.period_ms = o->monitor_period_ms, .hz = k.dir[0] ? kconfig_hz(config) : 0,
			.watchdog_ms = p->watchdog_ns / 1000000},
	};
	struct collect c = {.records = out->records, .trace_dat = &out->trace_dat, .t0 = mono_ms(), .verbose = o->verbose,
			    .progress = isatty(STDERR_FILENO) && !o->verbose,
			    .name = kb_get_str(p, &p->insn[0], "name"),
			    .duration_ms = (double)p->duration_ns / 1e6};
	for (uint32_t i = 0; i < p->ninsn; i++)
		c.nsteps += p->insn[i].op == OPC_STEP;
	progress(&c, "booting %s", k.key);
	if (ok)
		vm_run(&vc, on_record, &c, &out->vm);
	if (c.progress)
		fputs("\r\033[K", stderr);
	if (out->vm.monitor)
		cJSON_AddItemToArray(out->records, monitor_record(out->vm.monitor));
	rm_rf(dir);
	cleanup_remove_dir(dir);
	if (!ok)
		return -1;
	out->first_op_ms = c.first_op_ms;
	out->guest_status = out->vm.guest_status;
	out->ok = out->vm.outcome == VM_EXITED && out->vm.guest_status == 0;
	if (!out->ok)
		snprintf(out->reason, sizeof(out->reason), "%s", out->vm.outcome == VM_EXITED
			 ? "the executor could not run the program" : out->vm.reason);
	if (out->vm.outcome == VM_EXITED && out->vm.guest_status)
		snprintf(out->reason, sizeof(out->reason), "the executor exited with status %d (%s)",
			 out->vm.guest_status,
			 guest_status_text(out->vm.guest_status) ? guest_status_text(out->vm.guest_status)
								  : "not an executor status; see the log records");
	if (out->vm.outcome == VM_EXITED && out->vm.guest_status == GS_NO_TRACE)
		trace_failure(out->records, out->reason, sizeof(out->reason));
	return 0;
}

void run_output_free(struct run_output *o)
{
	cJSON_Delete(o->records);
	vm_result_free(&o->vm);
	sb_free(&o->trace_dat);
	o->records = NULL;
}
