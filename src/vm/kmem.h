/* kmem: the guest kernel's memory as the host sees it.  The guest's RAM
 * is a shared file per NUMA node (QEMU memory-backend-file, share=on)
 * that ktstr maps too; kmem translates guest kernel addresses to host
 * pointers (kernel image, direct map, per-CPU areas, and anything else
 * through a page-table walk from init_top_pgt), every access bounds-checked
 * against the mapped RAM so a garbage pointer read from a crashing guest
 * is "unreadable", never a host fault.  Symbol addresses come from the
 * cache entry's vmlinux (libelf), struct member offsets from its BTF
 * (libbpf): no offset is hard-coded, and a field the kernel's BTF lacks
 * degrades that one reading with a reason. */
#ifndef KTSTR_KMEM_H
#define KTSTR_KMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMEM_MAX_REGIONS 16

struct guest_ram {
	struct {
		uint8_t *p;
		size_t len;
	} region[KMEM_MAX_REGIONS];	/* in guest RAM order (node 0 first) */
	size_t nregions, total;
	uint64_t lowmem;		/* RAM below 4 GiB; the rest starts at 4 GiB */
};

/* Map the RAM files (paths in node order, each of its size); false with
 * err on failure.  ram_close unmaps. */
bool ram_open(struct guest_ram *r, char *const *paths, size_t n, char *err, size_t errlen);
void ram_close(struct guest_ram *r);
/* Host pointer to len bytes at guest-physical pa; NULL when any byte is
 * outside RAM or the range crosses a region. */
void *ram_at(const struct guest_ram *r, uint64_t pa, size_t len);

/* Symbols the monitor needs, looked up once in vmlinux. */
enum ksym {
	KS_RUNQUEUES, KS_PER_CPU_OFFSET, KS_PAGE_OFFSET_BASE, KS_PHYS_BASE, KS_INIT_TOP_PGT,
	KS_PGTABLE_L5, KS_JIFFIES, KS_NR_CPU_IDS, KS_SCX_ENABLE_STATE, KS_SCX_WATCHDOG_TIMEOUT,
	KS_SCX_WATCHDOG_TIMESTAMP, KS_GLOBAL_DSQS,
	KS__COUNT
};
/* Struct members, by dotted path through nested and anonymous members. */
enum kfield {
	KF_RQ_NR_RUNNING, KF_RQ_NR_SWITCHES, KF_RQ_CPU, KF_RQ_CLOCK, KF_RQ_CURR, KF_RQ_SCX_NR_RUNNING,
	KF_RQ_SCX_LOCAL_DSQ_NR, KF_RQ_SCX_RUNNABLE_LIST, KF_TASK_PID, KF_TASK_COMM,
	KF_TASK_SCX_RUNNABLE_NODE, KF_TASK_SCX_RUNNABLE_AT, KF_DSQ_NR,
	KF__COUNT
};

struct kfield_loc {
	bool ok;
	uint32_t off, size;
};

struct kernel_map {
	uint64_t sym[KS__COUNT];	/* 0: absent */
	struct kfield_loc field[KF__COUNT];
	char why[KS__COUNT + KF__COUNT][160];	/* per item: why it is missing */
};

/* Look up every symbol and field in vmlinux (its .symtab and .BTF).
 * False with err when the file cannot be read at all; missing items are
 * recorded per item in why[] and leave the rest usable. */
bool kmap_load(struct kernel_map *k, const char *vmlinux, char *err, size_t errlen);
const char *ksym_name(enum ksym s);
const char *kfield_name(enum kfield f);

/* A guest kernel seen through its RAM. */
struct kview {
	const struct guest_ram *ram;
	const struct kernel_map *map;
	uint64_t page_offset, phys_base;	/* read from the guest once it runs */
	bool l5;
};
/* Read the translation bases from guest memory; false until the guest
 * kernel has set them up (call again later). */
bool kview_ready(struct kview *v);
/* Kernel virtual -> guest physical (false: not mapped / unreadable). */
bool kv_to_phys(const struct kview *v, uint64_t va, uint64_t *pa);
/* Copy len bytes at kernel virtual va; false when unreadable. */
bool kv_read(const struct kview *v, uint64_t va, void *out, size_t len);
bool kv_write(const struct kview *v, uint64_t va, const void *in, size_t len);
/* An unsigned integer field of the struct at va (1-8 bytes). */
bool kv_field(const struct kview *v, uint64_t va, enum kfield f, uint64_t *out);
/* Address of per-CPU variable sym on cpu. */
bool kv_percpu(const struct kview *v, enum ksym sym, unsigned cpu, uint64_t *va);

#endif
