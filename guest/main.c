/* ktstr-guest: the program that runs as PID 1 inside the VM.  It mounts
 * the kernel filesystems, opens the data port to the host, says hello,
 * runs what the kernel command line asks for (ktstr.mode=exec: a shell
 * command with its output relayed as records; ktstr.mode=shell: an
 * interactive shell on the console), reports the exit status, waits for
 * the host's acknowledgement and powers the VM off.  Static, so the
 * initramfs needs no libraries for it. */
#include "executor.h"
#include "json.h"
#include "work.h"
#include <sched.h>
#include "guest.h"
#include "report.h"
#include "record.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int data_fd = -1;
static bool on_host;	/* ktstr run --host */

void send_record(unsigned type, const void *payload, size_t len)
{
	if (data_fd < 0 || len > REC_MAX_PAYLOAD)
		return;
	uint8_t *buf = malloc(REC_HEADER + len);
	if (!buf)
		return;
	rec_encode(buf, type, payload, (uint32_t)len);
	write_full(data_fd, buf, REC_HEADER + len);
	free(buf);
}

void guest_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	send_record(REC_LOG, line, (size_t)n);
	fprintf(stderr, "ktstr-guest: %s\n", line);
}

static void mount_one(const char *src, const char *dst, const char *type, const char *opts)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, 0, opts) && errno != EBUSY)
		fprintf(stderr, "ktstr-guest: mount %s on %s: %s\n", type, dst, strerror(errno));
}

static void setup_mounts(void)
{
	mount_one("proc", "/proc", "proc", NULL);
	mount_one("sysfs", "/sys", "sysfs", NULL);
	mount_one("devtmpfs", "/dev", "devtmpfs", NULL);
	mount_one("tmpfs", "/tmp", "tmpfs", "mode=1777");
	mount_one("cgroup2", "/sys/fs/cgroup", "cgroup2", NULL);
	mount_one("debugfs", "/sys/kernel/debug", "debugfs", NULL);
}


/* The virtio-serial port named DATA_PORT_NAME, found through sysfs. */
static int open_data_port(void)
{
	for (int tries = 0; tries < 200; tries++) {
		DIR *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char path[300], name[64] = "";
			snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
			FILE *f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(name, sizeof(name), f))
				name[strcspn(name, "\n")] = 0;
			fclose(f);
			if (strcmp(name, DATA_PORT_NAME))
				continue;
			snprintf(path, sizeof(path), "/dev/%s", e->d_name);
			closedir(d);
			return open(path, O_RDWR | O_CLOEXEC);
		}
		if (d)
			closedir(d);
		usleep(10000);
	}
	return -1;
}

/* Value of key=... on the kernel command line, or NULL. */
const char *cmdline_get(const char *key)
{
	static char buf[4096];
	static bool loaded;
	if (!loaded) {
		int fd = open("/proc/cmdline", O_RDONLY);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;
		buf[n > 0 ? n : 0] = 0;
		if (fd >= 0)
			close(fd);
		loaded = true;
	}
	static char val[512];
	size_t kl = strlen(key);
	for (const char *p = buf; *p;) {
		while (*p == ' ' || *p == '\n')
			p++;
		const char *end = p + strcspn(p, " \n");
		if ((size_t)(end - p) > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			snprintf(val, sizeof(val), "%.*s", (int)(end - p - kl - 1), p + kl + 1);
			return val;
		}
		p = end;
	}
	return NULL;
}

static void emit_record(const char *json, void *ctx)
{
	(void)ctx;
	send_record(REC_JSON, json, strlen(json));
}

/* ktstr.mode=run: execute /ktstr/program.ktbc under cgroup mount/root. */
static int run_program_in(const char *path, const char *mount, const char *root)
{
	size_t len;
	char *buf = read_file(path, &len, KTBC_MAX_SIZE);
	if (!buf) {
		guest_log("cannot read %s: %s", path, strerror(errno));
		return GS_NO_PROGRAM;
	}
	struct exec *x = calloc(1, sizeof(*x));
	char err[256], missing[128];
	if (!kb_decode((uint8_t *)buf, len, &x->prog, err, sizeof(err))) {
		guest_log("invalid program: %s", err);
		free(buf);
		return GS_BAD_PROGRAM;
	}
	free(buf);
	int e = cg_init(&x->cg, mount, root, missing, sizeof(missing));
	if (e) {
		guest_log("cannot create the workload cgroup: %s", strerror(-e));
		return GS_NO_CGROUP;
	}
	if (*missing)
		guest_log("controllers not enabled: %s", missing);
	x->emit = emit_record;
	x->on_host = on_host;
	int rc = exec_program(x);
	cg_destroy_root(&x->cg);
	kb_free(&x->prog);
	free(x);
	/* Reap whatever was left to PID 1. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return rc;
}

static int run_program(const char *path)
{
	return run_program_in(path, "/sys/fs/cgroup", "ktstr");
}

/* `ktstr-guest --host PROGRAM MOUNT ROOT`: ktstr run --host runs the same
 * executor on the host, records framed on stdout. */
static int host_main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: ktstr-guest --host PROGRAM.ktbc CGROUP2_MOUNT ROOT_NAME\n");
		return GS_USAGE;
	}
	on_host = true;
	data_fd = dup(1);
	int nul = open("/dev/null", O_WRONLY);
	dup2(nul, 1);	/* stray prints must not corrupt the record stream */
	char hello[64];
	snprintf(hello, sizeof(hello), "ktstr-guest %s (host)", KTSTR_VERSION);
	send_record(REC_HELLO, hello, strlen(hello));
	int32_t st = run_program_in(argv[2], argv[3], argv[4]);
	send_record(REC_EXIT, &st, sizeof(st));
	return st;
}

/* ktstr.mode=records ktstr.mb=N: send N MB of latency-sample JSON, the
 * shape of worker reports, as 1 MB records (bench/telemetry-bench.sh). */
static int send_sample_records(void)
{
	const char *mb = cmdline_get("ktstr.mb");
	int n = mb ? atoi(mb) : 10;
	if (n < 1 || n > 512)
		n = 10;
	/* Built first, sent back to back: the host times the channel, not
	 * the formatting. */
	struct jw *docs = calloc((size_t)n, sizeof(*docs));
	uint64_t x = 88172645463325252ull;
	for (int i = 0; i < n; i++) {
		struct jw *j = &docs[i];
		jw_init(j);
		jw_obj(j);
		jw_kstr(j, "type", "samples");
		jw_key(j, "wake_samples_ns");
		jw_arr(j);
		while (j->len < (1u << 20) - 32) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			jw_uint(j, 1000 + x % 10000000);
		}
		jw_end_arr(j);
		jw_end_obj(j);
	}
	for (int i = 0; i < n; i++) {
		send_record(REC_JSON, docs[i].buf, docs[i].len);
		jw_free(&docs[i]);
	}
	free(docs);
	return 0;
}

static void power_off(int status)
{
	int32_t st = status;
	send_record(REC_EXIT, &st, sizeof(st));
	/* Wait (bounded) for the host to confirm it has the exit record, so
	 * powering off cannot race the last bytes out of the virtqueue. */
	if (data_fd >= 0) {
		struct pollfd p = {.fd = data_fd, .events = POLLIN};
		if (poll(&p, 1, 3000) > 0) {
			uint8_t b[64];
			if (read(data_fd, b, sizeof(b)) < 0)
				fprintf(stderr, "ktstr-guest: ack read: %s\n", strerror(errno));
		}
	}
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Work units per ns of the spin_wait loop for `seconds`/10, with its
 * telemetry checkpointing or (checkpoints false) never checkpointing. */
static double spin_rate(const struct phase_clock *clock, bool checkpoints, double seconds)
{
	struct telemetry tm;
	tm_start(&tm, clock, false);
	if (!checkpoints)
		tm.next_checkpoint = UINT64_MAX;
	uint64_t end = tm_now_ns() + (uint64_t)(seconds * 1e8), t0 = tm_now_ns();
	while (tm_now_ns() < end)
		for (int k = 0; k < 64; k++) {
			spin_units(&tm, 1024);
			tm_iter(&tm);
		}
	double r = (double)tm.work_units / (double)(tm_now_ns() - t0);
	tm_free(&tm);
	return r;
}

/* The same arithmetic as spin_wait, counted in a plain local. */
static double bare_rate(double seconds)
{
	uint64_t end = tm_now_ns() + (uint64_t)(seconds * 1e8);
	volatile uint64_t sink = 1;
	uint64_t x = 1, units = 0, t0 = tm_now_ns();
	while (tm_now_ns() < end)
		for (int k = 0; k < 64 * 16; k++) {
			for (int i = 0; i < 64; i++)
				x = x * 6364136223846793005ull + 1442695040888963407ull;
			units += 64;
		}
	sink = x;
	(void)sink;
	return (double)units / (double)(tm_now_ns() - t0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* `/init --bench-spin SECONDS` (in a ktstr shell): on one CPU, 20 rounds
 * of the spin_wait loop with full telemetry, the same loop with its
 * checkpoints off (what telemetry costs, same code otherwise), and a
 * bare loop of the same arithmetic (what TCG makes of different code);
 * per-round ratios, median and range (bench/telemetry-bench.sh). */
static int bench_spin(double seconds)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	enum { ROUNDS = 20 };
	double vs_off[ROUNDS], vs_bare[ROUNDS], with = 0;
	size_t clock_bytes;
	struct phase_clock *clock = phase_clock_new(0, &clock_bytes);
	for (int round = 0; round < ROUNDS; round++) {
		double w = spin_rate(clock, true, seconds), off = spin_rate(clock, false, seconds);
		double bare = bare_rate(seconds);
		with += w / ROUNDS;
		vs_off[round] = w / off;
		vs_bare[round] = w / bare;
	}
	qsort(vs_off, ROUNDS, sizeof(double), cmp_double);
	qsort(vs_bare, ROUNDS, sizeof(double), cmp_double);
	printf("spin with telemetry: %.1f Munits/s; per-round ratio vs checkpoints off: median %.3f (min %.3f, max %.3f); vs a bare loop: median %.3f (min %.3f, max %.3f), %d rounds\n",
	       with * 1e3, (vs_off[9] + vs_off[10]) / 2, vs_off[0], vs_off[ROUNDS - 1],
	       (vs_bare[9] + vs_bare[10]) / 2, vs_bare[0], vs_bare[ROUNDS - 1], ROUNDS);
	printf("checkpoint spacing (gap resolution): %.3f ms\n", (double)tm_spacing_ns() / 1e6);
	munmap(clock, clock_bytes);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--bench-spin"))
		return bench_spin(atof(argv[2]));
	if (argc > 1 && !strcmp(argv[1], "--host"))
		return host_main(argc, argv);
	if (getpid() != 1) {
		fprintf(stderr, "ktstr-guest runs as PID 1 inside a ktstr VM (or with --host from ktstr run --host)\n");
		return 2;
	}
	setup_mounts();
	sysenv_setup();
	setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin:/include-files", 1);
	setenv("HOME", "/tmp", 1);
	setenv("TERM", "linux", 1);
	data_fd = open_data_port();
	if (data_fd < 0)
		fprintf(stderr, "ktstr-guest: no data port '%s'; results cannot reach the host\n", DATA_PORT_NAME);
	char hello[64];
	snprintf(hello, sizeof(hello), "ktstr-guest %s", KTSTR_VERSION);
	send_record(REC_HELLO, hello, strlen(hello));

	const char *mode = cmdline_get("ktstr.mode"), *disk_why;
	int status;
	if (mode && !strcmp(mode, "exec"))
		status = run_exec("/ktstr/exec.sh");
	else if (mode && !strcmp(mode, "run"))
		status = (disk_why = sysenv_disk(cmdline_get("ktstr.disk")))
				 ? (guest_log("%s", disk_why), GS_NO_DISK) : run_program("/ktstr/program.ktbc");
	else if (mode && !strcmp(mode, "records"))
		status = send_sample_records();
	else if (mode && !strcmp(mode, "shell"))
		status = run_shell();
	else {
		guest_log("unknown ktstr.mode '%s'", mode ? mode : "(none)");
		status = 125;
	}
	power_off(status);
}
