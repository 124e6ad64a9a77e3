/* builtin-shell: `ktstr shell` boots the guest kernel with a topology and
 * gives an interactive busybox shell on the terminal, or runs one command
 * (--exec) whose output and exit status become ktstr's. */
#include "builtin.h"
#include "guestimage.h"
#include "kernel.h"
#include "proc.h"
#include "vm.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "scenario.h"
#include "types.h"

static struct termios saved_tty;
static bool tty_saved;

static void restore_tty(void)
{
	if (tty_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
}

/* "1n2l2c1t" or "N,L,C,T". */
bool parse_topology_arg(const char *s, struct topology *t, char *why, size_t n)
{
	unsigned a, b, c, d;
	char extra;
	if (sscanf(s, "%u,%u,%u,%u%c", &a, &b, &c, &d, &extra) == 4) {
		*t = (struct topology){a, b, c, d};
		return topo_valid(t, why, n);
	}
	return topo_parse(s, t, why, n);
}

static size_t initrd_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? 0 : (size_t)st.st_size;
}

struct relay_ctx {
	bool verbose;
	double first_ms, last_ms;
	size_t bytes, first_len;
};


static void relay(const struct rec *r, void *ctx)
{
	struct relay_ctx *rc = ctx;
	bool verbose = rc->verbose;
	if (r->type == REC_JSON) {
		if (!rc->bytes) {
			rc->first_ms = mono_ms();
			rc->first_len = r->len;
		}
		rc->bytes += r->len;
		rc->last_ms = mono_ms();
	}
	if (r->type == REC_STDOUT)
		fwrite(r->payload, 1, r->len, stdout), fflush(stdout);
	else if (r->type == REC_STDERR)
		fwrite(r->payload, 1, r->len, stderr);
	else if (r->type == REC_LOG && verbose)
		fprintf(stderr, "guest: %.*s\n", (int)r->len, r->payload);
}

struct shell_opts {
	struct topology topo;
	const char *exec, *kernel;
	const char *includes[64];
	int nincludes;
	unsigned memory;
	enum accel accel;
	uint64_t timeout_ns;
	unsigned numa_distance, mem_only_nodes;
	int records_mb;		/* --records-bench: guest -> host throughput */
	bool verbose;
	bool monitor;		/* --monitor: the host monitor, a line a second */
};

static const struct cmd_option opts[] = {
	{"topology", 't', required_argument, 't', "1n2l2c1t|N,L,C,T", "the guest's topology (default 1n1l2c1t)"},
	{"include", 'i', required_argument, 'i', "FILE", "pack FILE into /include-files (repeatable)"},
	{"exec", 'e', required_argument, 'e', "CMD", "run CMD instead of a shell and exit with its status"},
	{"kernel", 'k', required_argument, 'k', "K", "a bzImage, a cache entry or an entry name"},
	{"accel", 'a', required_argument, 'a', "auto|kvm|tcg", "the accelerator (default auto)"},
	{"memory", 'm', required_argument, 'm', "MIB", "guest memory in MiB"},
	{"numa-distance", 0, required_argument, 'D', "D", "the distance between NUMA nodes, 11 to 254"},
	{"memory-only-nodes", 0, required_argument, 'M', "K", "add K NUMA nodes with memory and no CPUs, 0 to 8"},
	{"timeout", 'T', required_argument, 'T', "DUR", "kill a guest still running after DUR (default 600s with --exec)"},
	{"monitor", 0, no_argument, 'W', NULL, "run the host monitor, a line a second"},
	{"records-bench", 'R', required_argument, 'R', "MB", "measure guest-to-host record throughput, 1 to 512 MB"},
	{"verbose", 'v', no_argument, 'v', NULL, "print the boot time and the accelerator"},
	{0},
};

const struct cmd_usage shell_usage[] = {{NULL, opts, NULL}, {0}};

static int parse_opts(int argc, char **argv, struct shell_opts *o)
{
	char why[256];
	unsigned long u;
	int c;
	optind = 1;
	while ((c = cmd_getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case 't':
			if (!parse_topology_arg(optarg, &o->topo, why, sizeof(why)))
				return usage_error("shell", "topology '%s' %s", optarg, why);
			break;
		case 'i':
			if (o->nincludes == 64)
				return usage_error("shell", "too many -i files (64 at most)");
			o->includes[o->nincludes++] = optarg;
			break;
		case 'e':
			o->exec = optarg;
			break;
		case 'm':
			if (!cmd_parse_ulong(optarg, 128, 1u << 20, &u))
				return usage_error("shell", "--memory %s; expected MiB, 128 to 1048576", optarg);
			o->memory = (unsigned)u;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'a':
			if (!accel_parse(optarg, &o->accel))
				return usage_error("shell", "--accel %s; expected auto, kvm or tcg", optarg);
			break;
		case 'T':
			if (!parse_dur(optarg, &o->timeout_ns) || !o->timeout_ns)
				return usage_error("shell", "--timeout %s; expected a duration like 30s", optarg);
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'W':
			o->monitor = true;
			break;
		case 'D':
			if (!cmd_parse_ulong(optarg, 11, 254, &u))
				return usage_error("shell", "--numa-distance %s; expected 11..254 (local is 10)", optarg);
			o->numa_distance = (unsigned)u;
			break;
		case 'R':
			if (!cmd_parse_ulong(optarg, 1, 512, &u))
				return usage_error("shell", "--records-bench %s; expected 1..512 MB", optarg);
			o->records_mb = (int)u;
			break;
		case 'M':
			if (!cmd_parse_ulong(optarg, 0, 8, &u))
				return usage_error("shell", "--memory-only-nodes %s; expected 0..8", optarg);
			o->mem_only_nodes = (unsigned)u;
			break;
		default:
			return usage_error("shell", "bad option");
		}
	}
	if (optind != argc)
		return usage_error("shell", "unexpected argument '%s' (quote the --exec command)", argv[optind]);
	return 0;
}

int cmd_shell(int argc, char **argv)
{
	struct shell_opts o = {.topo = {1, 1, 2, 1}, .timeout_ns = 0};
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	struct kernel k;
	char err[1024];
	if (!kernel_resolve(o.kernel, &k, err, sizeof(err))) {
		fprintf(stderr, "ktstr: %s\n", err);
		return KT_EXIT_INFRA;
	}
	struct cpio extra;
	cpio_init(&extra);
	if (o.exec) {
		char *script = xasprintf("#!/bin/sh\n%s\n", o.exec);
		cpio_file(&extra, "/ktstr/exec.sh", 0755, script, strlen(script));
		free(script);
	}
	for (int i = 0; i < o.nincludes; i++) {
		if (!guest_add_include(&extra, o.includes[i], err, sizeof(err))) {
			fprintf(stderr, "ktstr: %s\n", err);
			cpio_free(&extra);
			return KT_EXIT_USAGE;
		}
	}
	cpio_finish(&extra);
	char dir[128];
	if (!make_temp_dir("shell", dir, sizeof(dir))) {
		perror("ktstr: mkdtemp");
		return KT_EXIT_INFRA;
	}
	cleanup_add_dir(dir);
	char initrd[160];
	snprintf(initrd, sizeof(initrd), "%s/initrd.img", dir);
	bool ok = guest_initrd_write(initrd, &extra, err, sizeof(err));
	cpio_free(&extra);
	if (!ok) {
		fprintf(stderr, "ktstr: %s\n", err);
		return KT_EXIT_INFRA;
	}
	char append[64];
	if (o.records_mb)
		snprintf(append, sizeof(append), "ktstr.mode=records ktstr.mb=%d", o.records_mb);
	else
		snprintf(append, sizeof(append), "ktstr.mode=%s", o.exec ? "exec" : "shell");
	struct vm_config vc = {
		.topo = o.topo, .kernel = k.bzimage, .initrd = initrd, .accel = o.accel,
		.memory_mib = vm_memory_mib(o.memory, default_memory_mib(&o.topo), initrd_size(initrd)),
		.numa_distance = o.numa_distance, .mem_only_nodes = o.mem_only_nodes,
		.append = append,
		.interactive = !o.exec && !o.records_mb,
		.timeout_ns = o.timeout_ns ? o.timeout_ns : (o.exec ? 600 : 24 * 3600) * 1000000000ull,
	};
	char config[4200];
	snprintf(config, sizeof(config), "%s/config", k.dir);
	if (o.monitor) {
		vc.monitor = true;
		vc.mon = (struct monitor_cfg){.vmlinux = k.vmlinux, .ncpus = topo_ncpus(&o.topo),
					      .nnodes = o.topo.numa_nodes, .hz = k.dir[0] ? kconfig_hz(config) : 0,
					      .live = stderr};
	}
	if (vc.interactive && isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved_tty)) {
		tty_saved = true;
		atexit(restore_tty);
	}
	struct vm_result res;
	struct relay_ctx rctx = {.verbose = o.verbose};
	vm_run(&vc, relay, &rctx, &res);
	if (res.monitor && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res.monitor, "available")))
		fprintf(stderr, "ktstr: monitor unavailable: %s\n",
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res.monitor, "reason")));
	/* Timed from the first record's arrival to the last's, so the bytes
	 * counted are those after the first record. */
	if (o.records_mb && rctx.bytes > rctx.first_len) {
		double mb = (double)(rctx.bytes - rctx.first_len) / 1048576, ms = rctx.last_ms - rctx.first_ms;
		printf("%.1f MB of sample records guest -> host (after the first) in %.0f ms: %.1f MB/s, 10 MB in %.0f ms\n",
		       mb, ms, mb / (ms / 1e3), 10 * ms / mb);
	}
	restore_tty();
	rm_rf(dir);
	cleanup_remove_dir(dir);
	if (o.verbose)
		fprintf(stderr, "ktstr: %s; accel %s; boot to executor %.0f ms; wall %.0f ms\n",
			res.reason, res.accel_used, res.boot_ms, res.wall_ms);
	if (res.outcome == VM_EXITED) {
		vm_result_free(&res);
		return res.guest_status & 0xff;
	}
	fprintf(stderr, "ktstr: error: %s\n", res.reason);
	if (res.console_tail && *res.console_tail) {
		fprintf(stderr, "ktstr: console tail:\n");
		const char *t = res.console_tail;
		size_t len = strlen(t);
		fputs(len > 3000 ? t + len - 3000 : t, stderr);
	}
	vm_result_free(&res);
	return res.outcome == VM_INTERRUPTED ? 130 : KT_EXIT_INFRA;
}
