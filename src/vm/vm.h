/* vm: launching the guest under QEMU with an exact CPU topology and
 * watching it.  The topology N nodes, L LLCs, C cores, T threads maps to
 * -smp sockets=N,dies=L/N,cores=C,threads=T with one NUMA node per socket;
 * an Intel CPU model is used under TCG because it reports one L3 per die
 * (AMD models under TCG report one L3 across dies).  The kernel console
 * goes to a file (or the terminal for an interactive shell); records come
 * back over a virtio-serial port through a UNIX socket.  A wall-clock
 * watchdog kills a hung guest; a panic reboots it (panic=-1) and
 * -no-reboot turns that into a QEMU exit that is classified from the
 * console. */
#ifndef KTSTR_VM_H
#define KTSTR_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "monitor.h"
#include "topology.h"

enum accel { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };

struct vm_config {
	struct topology topo;
	unsigned memory_mib;
	const char *kernel;		/* bzImage */
	const char *initrd;
	const char *append;		/* extra kernel command line */
	enum accel accel;
	bool interactive;		/* console on the terminal */
	uint64_t timeout_ns;		/* wall-clock watchdog from launch */
	unsigned numa_distance;		/* remote distance (local 10); 0 = QEMU default */
	unsigned mem_only_nodes;	/* extra NUMA nodes with memory and no CPUs */
	const char *qemu;		/* binary; NULL = qemu-system-x86_64 */
	const char *disk;		/* scratch disk image (raw) behind virtio-blk; NULL = none */
	/* The host-side monitor (monitor.h): guest RAM in shared files under
	 * /dev/shm, the guest booted with nokaslr, a sampler thread. */
	bool monitor;
	struct monitor_cfg mon;
	char *const *ram_paths;		/* set by vm_run: one file per NUMA node */
	size_t nram;
};

enum vm_outcome {
	VM_EXITED,	/* guest reported an exit status */
	VM_PANIC,	/* kernel panic on the console */
	VM_HUNG,	/* watchdog fired */
	VM_CRASHED,	/* QEMU or the guest ended without an exit record */
	VM_INTERRUPTED,	/* the user interrupted ktstr */
	VM_LAUNCH_FAILED,
};

struct vm_result {
	enum vm_outcome outcome;
	int guest_status;		/* valid for VM_EXITED */
	char reason[512];		/* one line */
	char *console_tail;		/* last 8 KiB of the console (malloc'd) */
	char *console;			/* the console, up to its last 4 MiB (malloc'd) */
	const char *accel_used;		/* "kvm" or "tcg" */
	double boot_ms;			/* launch -> executor hello */
	double wall_ms;
	size_t records, dropped_bytes;
	struct cJSON *monitor;		/* monitor_json, when vm_config.monitor */
};

/* Called for every record as it arrives (stdout/stderr/json/log...). */
typedef void (*vm_record_fn)(const struct rec *r, void *ctx);

enum accel accel_choose(enum accel want, char *why, size_t whylen);
/* "auto", "kvm" or "tcg"; false for anything else. */
bool accel_parse(const char *s, enum accel *out);
/* Guest memory: the topology's default, but at least enough to unpack an
 * initramfs of initrd_bytes (compressed) into the rootfs with room left. */
unsigned vm_memory_mib(unsigned want, unsigned topo_default, size_t initrd_bytes);
/* The QEMU argument vector (NULL-terminated, malloc'd strings). */
char **vm_qemu_argv(const struct vm_config *c, enum accel accel, const char *console,
		    const char *data_sock);
void vm_argv_free(char **argv);
/* Boot, relay records to fn, wait for the end.  Always fills res. */
void vm_run(const struct vm_config *c, vm_record_fn fn, void *ctx, struct vm_result *res);
void vm_result_free(struct vm_result *r);
const char *vm_outcome_name(enum vm_outcome o);

#endif
