/* vm: QEMU command line, launch, record relay, watchdog, classification. */
#include "vm.h"
#include "monitor.h"
#include "proc.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QBOOT "/usr/share/qemu/qboot.rom"


static bool cpu_has_virt(void)
{
	size_t len;
	char *info = read_file("/proc/cpuinfo", &len, 16u << 20);
	bool yes = info && (strstr(info, " vmx") || strstr(info, " svm"));
	free(info);
	return yes;
}

enum accel accel_choose(enum accel want, char *why, size_t whylen)
{
	if (want != ACCEL_AUTO) {
		snprintf(why, whylen, "requested");
		return want;
	}
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "/dev/kvm: %s", strerror(errno));
		return ACCEL_TCG;
	}
	close(fd);
	/* A /dev/kvm without vmx/svm (e.g. PVM) cannot run a stock kernel. */
	if (!cpu_has_virt()) {
		snprintf(why, whylen, "/dev/kvm present but the CPU flags lack vmx/svm");
		return ACCEL_TCG;
	}
	snprintf(why, whylen, "/dev/kvm usable");
	return ACCEL_KVM;
}

struct argv_b {
	char **v;
	size_t n, cap;
};

static void add(struct argv_b *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct argv_b *a, const char *fmt, ...)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	va_list ap;
	va_start(ap, fmt);
	struct strbuf sb = {0};
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	a->v[a->n++] = sb_detach(&sb);
	a->v[a->n] = NULL;
}

unsigned vm_memory_mib(unsigned want, unsigned topo_default, size_t initrd_bytes)
{
	if (want)
		return want;
	/* The compressed image, its unpacked copy (about 3x) and headroom. */
	unsigned floor = 256 + (unsigned)(initrd_bytes * 4 / (1024 * 1024));
	return topo_default > floor ? topo_default : floor;
}

static void add_numa(struct argv_b *a, const struct vm_config *c)
{
	const struct topology *t = &c->topo;
	unsigned cpu_nodes = t->numa_nodes, nodes = cpu_nodes + c->mem_only_nodes;
	unsigned per = topo_ncpus(t) / cpu_nodes;
	unsigned mem_per = c->memory_mib / nodes;
	for (unsigned n = 0; n < nodes; n++) {
		unsigned mem = n + 1 == nodes ? c->memory_mib - mem_per * (nodes - 1) : mem_per;
		add(a, "-object");
		if (c->ram_paths)
			add(a, "memory-backend-file,id=mem%u,size=%uM,mem-path=%s,share=on", n, mem,
			    c->ram_paths[n]);
		else
			add(a, "memory-backend-ram,id=mem%u,size=%uM", n, mem);
		add(a, "-numa");
		if (n >= cpu_nodes)
			add(a, "node,nodeid=%u,memdev=mem%u", n, n);
		else if (per == 1)
			add(a, "node,nodeid=%u,cpus=%u,memdev=mem%u", n, n * per, n);
		else
			add(a, "node,nodeid=%u,cpus=%u-%u,memdev=mem%u", n, n * per, (n + 1) * per - 1, n);
	}
	nodes = nodes > cpu_nodes ? nodes : cpu_nodes;
	if (c->numa_distance && nodes > 1) {
		for (unsigned i = 0; i < nodes; i++)
			for (unsigned j = i + 1; j < nodes; j++) {
				add(a, "-numa");
				add(a, "dist,src=%u,dst=%u,val=%u", i, j, c->numa_distance);
			}
	}
}

char **vm_qemu_argv(const struct vm_config *c, enum accel accel, const char *console,
		    const char *data_sock)
{
	struct argv_b a = {0};
	const struct topology *t = &c->topo;
	add(&a, "%s", c->qemu ? c->qemu : "qemu-system-x86_64");
	add(&a, "-nodefaults");
	add(&a, "-no-reboot");
	add(&a, "-display");
	add(&a, "none");
	add(&a, "-monitor");
	add(&a, "none");
	add(&a, "-M");
	add(&a, "pc");
	if (access(QBOOT, R_OK) == 0) {
		add(&a, "-bios");
		add(&a, QBOOT);
	}
	add(&a, "-accel");
	/* Single-threaded TCG on purpose.  With thread=multi, QEMU 7.2 lets a
	 * vCPU run a stale translation of kernel text that another vCPU just
	 * patched (static keys use int3 + IPIs): measured here, boots and
	 * cgroup writes oopsed with "int3" in enqueue_task_fair /
	 * dequeue_entities / sched_clock_idle_wakeup_event in about 1 run of
	 * 10.  One TCG thread cannot race itself.  KTSTR_TCG_THREAD=multi
	 * restores the faster mode for experiments. */
	const char *tcg_thread = getenv("KTSTR_TCG_THREAD");
	add(&a, accel == ACCEL_KVM ? "kvm" : tcg_thread && !strcmp(tcg_thread, "multi")
					       ? "tcg,thread=multi" : "tcg,thread=single");
	add(&a, "-cpu");
	add(&a, accel == ACCEL_KVM ? "host" : "Skylake-Server-v4");
	add(&a, "-m");
	add(&a, "%uM", c->memory_mib);
	add(&a, "-smp");
	add(&a, "%u,sockets=%u,dies=%u,cores=%u,threads=%u", topo_ncpus(t), t->numa_nodes,
	    t->llcs / t->numa_nodes, t->cores, t->threads);
	if (t->numa_nodes > 1 || c->mem_only_nodes) {
		add_numa(&a, c);
	} else if (c->ram_paths) {
		add(&a, "-object");
		add(&a, "memory-backend-file,id=mem0,size=%uM,mem-path=%s,share=on", c->memory_mib,
		    c->ram_paths[0]);
		add(&a, "-machine");
		add(&a, "memory-backend=mem0");
	}
	add(&a, "-kernel");
	add(&a, "%s", c->kernel);
	add(&a, "-initrd");
	add(&a, "%s", c->initrd);
	add(&a, "-append");
	add(&a, "console=ttyS0 quiet loglevel=4 panic=-1 oops=panic mitigations=off rdinit=/init%s%s%s",
	    c->ram_paths ? " nokaslr" : "", c->append ? " " : "", c->append ? c->append : "");
	add(&a, "-chardev");
	if (c->interactive)
		add(&a, "stdio,id=con,signal=off,logfile=%s", console);
	else
		add(&a, "file,id=con,path=%s", console);
	add(&a, "-serial");
	add(&a, "chardev:con");
	if (c->disk) {
		add(&a, "-drive");
		add(&a, "file=%s,if=none,id=scratch,format=raw,cache=unsafe,discard=unmap", c->disk);
		add(&a, "-device");
		add(&a, "virtio-blk-pci,drive=scratch");
	}
	add(&a, "-device");
	add(&a, "virtio-serial-pci,id=vser");
	add(&a, "-chardev");
	add(&a, "socket,id=data,path=%s,server=on,wait=on", data_sock);
	add(&a, "-device");
	add(&a, "virtserialport,bus=vser.0,chardev=data,name=%s", DATA_PORT_NAME);
	return a.v;
}

bool accel_parse(const char *s, enum accel *out)
{
	static const struct { const char *name; enum accel a; } names[] = {
		{"auto", ACCEL_AUTO}, {"kvm", ACCEL_KVM}, {"tcg", ACCEL_TCG},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].name)) {
			*out = names[i].a;
			return true;
		}
	return false;
}

void vm_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

const char *vm_outcome_name(enum vm_outcome o)
{
	static const char *const n[] = {"exited", "kernel panic", "guest hung", "guest crashed",
					"interrupted", "launch failed"};
	return n[o];
}

void vm_result_free(struct vm_result *r)
{
	free(r->console_tail);
	free(r->console);
	cJSON_Delete(r->monitor);
	r->console_tail = r->console = NULL;
	r->monitor = NULL;
}

/* Guest RAM for the monitor: one shared file per NUMA node in a fresh
 * directory on /dev/shm (tmpfs: RAM, not disk), sized as add_numa splits
 * it, registered for cleanup like every temp.  False: no shared RAM. */
static bool make_ram_files(struct vm_config *c, char *dir, size_t dirlen, char ***paths, char *why,
			   size_t whylen)
{
	const struct topology *t = &c->topo;
	unsigned nodes = t->numa_nodes > 1 || c->mem_only_nodes ? t->numa_nodes + c->mem_only_nodes : 1;
	/* A container's /dev/shm is often 64 MiB: a guest that outgrew it
	 * would die of SIGBUS in QEMU.  Without room, no monitor. */
	struct statvfs fs;
	unsigned long long room = statvfs("/dev/shm", &fs) ? 0 : (unsigned long long)fs.f_bavail * fs.f_frsize;
	if (room < ((unsigned long long)c->memory_mib << 20) + (64ull << 20)) {
		snprintf(why, whylen, "/dev/shm has %llu MiB free, the guest's RAM needs %u MiB there", room >> 20,
			 c->memory_mib);
		return false;
	}
	snprintf(why, whylen, "cannot create the shared guest RAM files under /dev/shm");
	snprintf(dir, dirlen, "/dev/shm/ktstr-mem-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(dir))
		return false;
	cleanup_add_dir(dir);
	*paths = xcalloc(nodes + 1, sizeof(char *));
	unsigned per = c->memory_mib / nodes;
	for (unsigned n = 0; n < nodes; n++) {
		unsigned mib = n + 1 == nodes ? c->memory_mib - per * (nodes - 1) : per;
		char p[200];
		snprintf(p, sizeof(p), "%s/node%u", dir, n);
		(*paths)[n] = xstrdup(p);
		int fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		bool ok = fd >= 0 && !ftruncate(fd, (off_t)mib << 20);
		if (fd >= 0)
			close(fd);
		if (!ok)
			return false;
	}
	c->ram_paths = *paths;
	c->nram = nodes;
	return true;
}

static pid_t spawn_qemu(char **argv, bool interactive, const char *qlog)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int log = open(qlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!interactive) {
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(log, 1);
	}
	dup2(log, 2);
	execvp(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int connect_data(const char *path, pid_t qemu, double deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	pathf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	while (mono_ms() < deadline && !interrupted) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		if (waitpid(qemu, NULL, WNOHANG) == qemu)
			return -2;
		usleep(5000);
	}
	return -1;
}

struct watch {
	const struct vm_config *c;
	struct vm_result *res;
	vm_record_fn fn;
	void *ctx;
	struct rec_reader rr;
	double t0;
	bool got_exit;
};

static void on_records(struct watch *w, int fd)
{
	struct rec r;
	while (rec_reader_next(&w->rr, &r)) {
		w->res->records++;
		if (r.type == REC_HELLO && w->res->boot_ms == 0)
			w->res->boot_ms = mono_ms() - w->t0;
		if (r.type == REC_EXIT && r.len == 4) {
			int32_t st;
			memcpy(&st, r.payload, 4);
			w->res->guest_status = st;
			w->got_exit = true;
			uint8_t ack = REC_ACK;
			if (write(fd, &ack, 1) != 1)
				(void)0;	/* guest times out and powers off anyway */
		}
		if (w->fn)
			w->fn(&r, w->ctx);
	}
}

/* Reads until QEMU exits, the watchdog fires or we are interrupted.
 * Returns QEMU's wait status, or -1 if we had to kill it. */
static int pump(struct watch *w, pid_t qemu, int fd, double deadline, bool *hung)
{
	int st = 0;
	for (;;) {
		if (fd >= 0) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			if (poll(&p, 1, 50) > 0) {
				char buf[65536];
				ssize_t n = read(fd, buf, sizeof(buf));
				if (n > 0) {
					rec_reader_feed(&w->rr, buf, (size_t)n);
					on_records(w, fd);
				} else if (n == 0) {
					close(fd);
					fd = -1;
				}
			}
		} else {
			usleep(20000);
		}
		if (waitpid(qemu, &st, WNOHANG) == qemu)
			break;
		if (interrupted || mono_ms() > deadline) {
			*hung = !interrupted;
			kill(qemu, SIGKILL);
			waitpid(qemu, &st, 0);
			st = -1;
			break;
		}
	}
	/* Drain what the guest wrote before QEMU went away. */
	while (fd >= 0) {
		char buf[65536];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		rec_reader_feed(&w->rr, buf, (size_t)n);
		on_records(w, fd);
	}
	if (fd >= 0)
		close(fd);
	return st;
}

static void classify(struct vm_result *res, const char *console, const char *qlog,
		     int st, bool hung, bool got_exit)
{
	res->console_tail = file_tail(console, 8192);
	res->console = file_tail(console, 4u << 20);
	const char *tail = res->console_tail ? res->console_tail : "";
	const char *panic = strstr(tail, "Kernel panic");
	if (interrupted) {
		res->outcome = VM_INTERRUPTED;
		snprintf(res->reason, sizeof(res->reason), "interrupted by signal %d", interrupted);
	} else if (got_exit) {
		res->outcome = VM_EXITED;
		snprintf(res->reason, sizeof(res->reason), "guest exited with status %d", res->guest_status);
	} else if (panic) {
		res->outcome = VM_PANIC;
		snprintf(res->reason, sizeof(res->reason), "kernel panic: %.*s", (int)strcspn(panic, "\r\n"), panic);
	} else if (hung) {
		res->outcome = VM_HUNG;
		snprintf(res->reason, sizeof(res->reason), "guest hung: no exit after %.1f s (watchdog)",
			 res->wall_ms / 1e3);
	} else {
		res->outcome = VM_CRASHED;
		char *q = file_tail(qlog, 300);
		char *nl = q ? strchr(q, '\n') : NULL;
		if (nl)
			*nl = 0;
		snprintf(res->reason, sizeof(res->reason), "guest ended without reporting (qemu %s %d)%s%s",
			 WIFSIGNALED(st) ? "killed by signal" : "exit status",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), q && *q ? ": " : "", q ? q : "");
		free(q);
	}
}

void vm_run(const struct vm_config *cfg, vm_record_fn fn, void *ctx, struct vm_result *res)
{
	memset(res, 0, sizeof(*res));
	struct vm_config copy = *cfg, *c = &copy;
	char why[128];
	enum accel accel = accel_choose(c->accel, why, sizeof(why));
	res->accel_used = accel == ACCEL_KVM ? "kvm" : "tcg";
	char dir[128];
	if (!make_temp_dir("vm", dir, sizeof(dir))) {
		res->outcome = VM_LAUNCH_FAILED;
		snprintf(res->reason, sizeof(res->reason), "cannot create a temp dir: %s", strerror(errno));
		return;
	}
	cleanup_add_dir(dir);
	char console[160], sock[160], qlog[160];
	snprintf(console, sizeof(console), "%s/console.log", dir);
	snprintf(sock, sizeof(sock), "%s/data.sock", dir);
	snprintf(qlog, sizeof(qlog), "%s/qemu.log", dir);
	char ramdir[128] = "", ram_why[160] = "";
	char **ram = NULL;
	struct monitor *mon = NULL;
	if (c->monitor) {
		if (make_ram_files(c, ramdir, sizeof(ramdir), &ram, ram_why, sizeof(ram_why)))
			mon = monitor_start(&c->mon, c->ram_paths, c->nram);
		else
			c->ram_paths = NULL;
	}
	char **argv = vm_qemu_argv(c, accel, console, sock);
	struct watch w = {.c = c, .res = res, .fn = fn, .ctx = ctx, .t0 = mono_ms()};
	pid_t qemu = spawn_qemu(argv, c->interactive, qlog);
	vm_argv_free(argv);
	cleanup_add_pid(qemu);
	double deadline = w.t0 + (double)c->timeout_ns / 1e6;
	int fd = connect_data(sock, qemu, w.t0 + 30000);
	bool hung = false;
	int st = 0;
	if (fd == -2) {
		waitpid(qemu, &st, 0);
		res->outcome = VM_LAUNCH_FAILED;
		char *q = file_tail(qlog, 400);
		snprintf(res->reason, sizeof(res->reason), "qemu failed to start: %s", q ? q : "?");
		free(q);
		res->reason[strcspn(res->reason, "\n")] = 0;
	} else {
		st = pump(&w, qemu, fd, deadline, &hung);
		res->wall_ms = mono_ms() - w.t0;
		classify(res, console, qlog, st, hung, w.got_exit);
	}
	cleanup_remove_pid(qemu);
	if (mon) {
		monitor_stop(mon);
		res->monitor = monitor_json(mon);
		monitor_free(mon);
	} else if (c->monitor) {
		res->monitor = cJSON_CreateObject();
		cJSON_AddBoolToObject(res->monitor, "available", false);
		cJSON_AddStringToObject(res->monitor, "reason", ram_why);
	}
	for (size_t i = 0; ram && ram[i]; i++)
		free(ram[i]);
	free(ram);
	if (ramdir[0]) {
		rm_rf(ramdir);
		cleanup_remove_dir(ramdir);
	}
	res->dropped_bytes = w.rr.dropped;
	rec_reader_free(&w.rr);
	rm_rf(dir);
	cleanup_remove_dir(dir);
}
