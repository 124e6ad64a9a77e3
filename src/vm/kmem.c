/* kmem: guest RAM mapping, kernel address translation, and the symbols
 * and BTF member offsets of the guest kernel (see kmem.h). */
#include "kmem.h"

#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GIB (1ull << 30)
#define START_KERNEL_MAP 0xffffffff80000000ull
#define DIRECT_MAP_SPAN (1ull << 46)	/* 64 TiB with 4-level paging */
#define PTE_PRESENT 0x1ull
#define PTE_HUGE 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

/* ---- RAM --------------------------------------------------------------- */

bool ram_open(struct guest_ram *r, char *const *paths, size_t n, char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (n > KMEM_MAX_REGIONS) {
		snprintf(err, errlen, "%zu RAM regions, at most %d", n, KMEM_MAX_REGIONS);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		int fd = open(paths[i], O_RDWR | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) || st.st_size <= 0) {
			snprintf(err, errlen, "guest RAM %s: %s", paths[i], fd < 0 ? strerror(errno) : "empty");
			if (fd >= 0)
				close(fd);
			ram_close(r);
			return false;
		}
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "mmap of guest RAM %s: %s", paths[i], strerror(errno));
			ram_close(r);
			return false;
		}
		r->region[r->nregions].p = p;
		r->region[r->nregions++].len = (size_t)st.st_size;
		r->total += (size_t)st.st_size;
	}
	/* QEMU's pc machine: RAM below 3.5 GiB stays low; from 3.5 GiB up,
	 * 3 GiB stays low and the rest starts at 4 GiB. */
	r->lowmem = r->total >= 0xe0000000ull ? 0xc0000000ull : r->total;
	return true;
}

void ram_close(struct guest_ram *r)
{
	for (size_t i = 0; i < r->nregions; i++)
		munmap(r->region[i].p, r->region[i].len);
	memset(r, 0, sizeof(*r));
}

void *ram_at(const struct guest_ram *r, uint64_t pa, size_t len)
{
	uint64_t off;
	if (pa < r->lowmem)
		off = pa;
	else if (pa >= 4 * GIB && pa - 4 * GIB < r->total - r->lowmem)
		off = r->lowmem + (pa - 4 * GIB);
	else
		return NULL;
	for (size_t i = 0; i < r->nregions; i++) {
		if (off < r->region[i].len)
			return len <= r->region[i].len - off ? r->region[i].p + off : NULL;
		off -= r->region[i].len;
	}
	return NULL;
}

/* ---- symbols and BTF ------------------------------------------------------- */

static const char *const ksym_names[KS__COUNT] = {
	[KS_RUNQUEUES] = "runqueues",
	[KS_PER_CPU_OFFSET] = "__per_cpu_offset",
	[KS_PAGE_OFFSET_BASE] = "page_offset_base",
	[KS_PHYS_BASE] = "phys_base",
	[KS_INIT_TOP_PGT] = "init_top_pgt",
	[KS_PGTABLE_L5] = "__pgtable_l5_enabled",
	[KS_JIFFIES] = "jiffies",
	[KS_NR_CPU_IDS] = "nr_cpu_ids",
	[KS_SCX_ENABLE_STATE] = "scx_ops_enable_state_var",
	[KS_SCX_WATCHDOG_TIMEOUT] = "scx_watchdog_timeout",
	[KS_SCX_WATCHDOG_TIMESTAMP] = "scx_watchdog_timestamp",
	[KS_GLOBAL_DSQS] = "global_dsqs",
};

static const struct {
	const char *type, *path;
} kfields[KF__COUNT] = {
	[KF_RQ_NR_RUNNING] = {"rq", "nr_running"},
	[KF_RQ_NR_SWITCHES] = {"rq", "nr_switches"},
	[KF_RQ_CPU] = {"rq", "cpu"},
	[KF_RQ_CLOCK] = {"rq", "clock"},
	[KF_RQ_CURR] = {"rq", "curr"},
	[KF_RQ_SCX_NR_RUNNING] = {"rq", "scx.nr_running"},
	[KF_RQ_SCX_LOCAL_DSQ_NR] = {"rq", "scx.local_dsq.nr"},
	[KF_RQ_SCX_RUNNABLE_LIST] = {"rq", "scx.runnable_list"},
	[KF_TASK_SCX_RUNNABLE_NODE] = {"task_struct", "scx.runnable_node"},
	[KF_TASK_SCX_RUNNABLE_AT] = {"task_struct", "scx.runnable_at"},
	[KF_TASK_PID] = {"task_struct", "pid"},
	[KF_TASK_COMM] = {"task_struct", "comm"},
	[KF_DSQ_NR] = {"scx_dispatch_q", "nr"},
};

const char *ksym_name(enum ksym s)
{
	return ksym_names[s];
}

const char *kfield_name(enum kfield f)
{
	static char buf[KF__COUNT][64];
	snprintf(buf[f], sizeof(buf[f]), "%s.%s", kfields[f].type, kfields[f].path);
	return buf[f];
}

static bool load_symbols(struct kernel_map *k, const char *vmlinux, char *err, size_t errlen)
{
	elf_version(EV_CURRENT);
	int fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", vmlinux, strerror(errno));
		return false;
	}
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	Elf_Scn *scn = NULL;
	bool have_symtab = false;
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		have_symtab = true;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = d && sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s))
				continue;
			const char *name = elf_strptr(e, sh.sh_link, s.st_name);
			for (int j = 0; name && j < KS__COUNT; j++)
				if (!k->sym[j] && !strcmp(name, ksym_names[j]))
					k->sym[j] = s.st_value;
		}
	}
	if (!e)
		snprintf(err, errlen, "%s: not an ELF file (%s)", vmlinux, elf_errmsg(-1));
	else if (!have_symtab)
		snprintf(err, errlen, "%s has no symbol table (stripped)", vmlinux);
	if (e)
		elf_end(e);
	close(fd);
	return e && have_symtab;
}

/* Member `name` of composite type id, looking through anonymous struct
 * and union members; adds its bit offset to *bits and sets *type. */
static bool find_member(const struct btf *btf, __u32 id, const char *name, __u32 *bits, __u32 *type)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t || !btf_is_composite(t))
		return false;
	const struct btf_member *m = btf_members(t);
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		__u32 off = btf_member_bit_offset(t, i);
		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			*bits += off;
			*type = m[i].type;
			return true;
		}
		__u32 inner_bits = 0;
		int inner = btf__resolve_type(btf, m[i].type);
		if (inner > 0 && find_member(btf, (__u32)inner, name, &inner_bits, type)) {
			*bits += off + inner_bits;
			return true;
		}
	}
	return false;
}

static void load_field(struct kernel_map *k, const struct btf *btf, enum kfield f)
{
	char *why = k->why[KS__COUNT + f], path[64];
	int id = btf__find_by_name_kind(btf, kfields[f].type, BTF_KIND_STRUCT);
	if (id <= 0) {
		snprintf(why, 160, "no struct %s in the kernel's BTF", kfields[f].type);
		return;
	}
	snprintf(path, sizeof(path), "%s", kfields[f].path);
	__u32 bits = 0, type = (__u32)id;
	for (char *save = NULL, *part = strtok_r(path, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
		int comp = btf__resolve_type(btf, type);
		if (comp <= 0 || !find_member(btf, (__u32)comp, part, &bits, &type)) {
			snprintf(why, 160, "struct %s has no member %s in the kernel's BTF", kfields[f].type,
				 kfields[f].path);
			return;
		}
	}
	long size = btf__resolve_size(btf, type);
	if (bits % 8 || size <= 0) {
		snprintf(why, 160, "%.40s.%.40s is a bit field or has no size", kfields[f].type, kfields[f].path);
		return;
	}
	k->field[f] = (struct kfield_loc){true, bits / 8, (uint32_t)size};
}

bool kmap_load(struct kernel_map *k, const char *vmlinux, char *err, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	if (!load_symbols(k, vmlinux, err, errlen))
		return false;
	for (int s = 0; s < KS__COUNT; s++)
		if (!k->sym[s])
			snprintf(k->why[s], sizeof(k->why[s]), "no symbol %s in vmlinux", ksym_names[s]);
	struct btf *btf = btf__parse(vmlinux, NULL);
	if (!btf) {
		for (int f = 0; f < KF__COUNT; f++)
			snprintf(k->why[KS__COUNT + f], sizeof(k->why[0]), "vmlinux has no usable BTF (%s)",
				 strerror(errno));
		return true;
	}
	for (int f = 0; f < KF__COUNT; f++)
		load_field(k, btf, (enum kfield)f);
	btf__free(btf);
	return true;
}

/* ---- translation ------------------------------------------------------------- */

static bool image_read(const struct kview *v, uint64_t sym, void *out, size_t len)
{
	if (!sym || sym < START_KERNEL_MAP)
		return false;
	const void *p = ram_at(v->ram, sym - START_KERNEL_MAP + v->phys_base, len);
	if (!p)
		return false;
	memcpy(out, p, len);
	return true;
}

bool kview_ready(struct kview *v)
{
	const struct kernel_map *k = v->map;
	uint64_t pob = 0, pcpu0 = 0;
	uint32_t l5 = 0;
	v->phys_base = 0;	/* where the image sits with nokaslr */
	if (!image_read(v, k->sym[KS_PHYS_BASE], &v->phys_base, 8) ||
	    !image_read(v, k->sym[KS_PAGE_OFFSET_BASE], &pob, 8) ||
	    !image_read(v, k->sym[KS_PER_CPU_OFFSET], &pcpu0, 8))
		return false;
	if (k->sym[KS_PGTABLE_L5])
		image_read(v, k->sym[KS_PGTABLE_L5], &l5, 4);
	/* Until the kernel sets them, these hold link-time values. */
	if (pob < 0xff00000000000000ull || !pcpu0)
		return false;
	v->page_offset = pob;
	v->l5 = l5 != 0;
	return true;
}

static bool walk(const struct kview *v, uint64_t va, uint64_t *pa)
{
	uint64_t table;
	if (!v->map->sym[KS_INIT_TOP_PGT] || v->map->sym[KS_INIT_TOP_PGT] < START_KERNEL_MAP)
		return false;
	table = v->map->sym[KS_INIT_TOP_PGT] - START_KERNEL_MAP + v->phys_base;
	static const int shifts5[] = {48, 39, 30, 21, 12}, shifts4[] = {39, 30, 21, 12};
	const int *shift = v->l5 ? shifts5 : shifts4;
	int levels = v->l5 ? 5 : 4;
	for (int l = 0; l < levels; l++) {
		const uint64_t *e = ram_at(v->ram, table + ((va >> shift[l]) & 511) * 8, 8);
		if (!e || !(*e & PTE_PRESENT))
			return false;
		uint64_t next = *e & PTE_ADDR;
		bool last = l == levels - 1;
		if (!last && (*e & PTE_HUGE) && (shift[l] == 30 || shift[l] == 21)) {
			uint64_t span = 1ull << shift[l];
			*pa = (next & ~(span - 1)) | (va & (span - 1));
			return true;
		}
		if (last) {
			*pa = next | (va & 0xfff);
			return true;
		}
		table = next;
	}
	return false;
}

bool kv_to_phys(const struct kview *v, uint64_t va, uint64_t *pa)
{
	if (va >= START_KERNEL_MAP) {
		*pa = va - START_KERNEL_MAP + v->phys_base;
		return true;
	}
	if (v->page_offset && va >= v->page_offset && va - v->page_offset < DIRECT_MAP_SPAN) {
		*pa = va - v->page_offset;
		return true;
	}
	return walk(v, va, pa);
}

/* Copy in pieces that never cross a page: consecutive virtual pages need
 * not be consecutive in RAM. */
static bool kv_copy(const struct kview *v, uint64_t va, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;
	while (len) {
		size_t chunk = 4096 - (va & 4095);
		if (chunk > len)
			chunk = len;
		uint64_t pa;
		uint8_t *p = kv_to_phys(v, va, &pa) ? ram_at(v->ram, pa, chunk) : NULL;
		if (!p)
			return false;
		if (write)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		va += chunk;
		b += chunk;
		len -= chunk;
	}
	return true;
}

bool kv_read(const struct kview *v, uint64_t va, void *out, size_t len)
{
	return kv_copy(v, va, out, len, false);
}

bool kv_write(const struct kview *v, uint64_t va, const void *in, size_t len)
{
	return kv_copy(v, va, (void *)in, len, true);
}

bool kv_field(const struct kview *v, uint64_t va, enum kfield f, uint64_t *out)
{
	const struct kfield_loc *l = &v->map->field[f];
	uint64_t x = 0;
	if (!l->ok || l->size > 8 || !kv_read(v, va + l->off, &x, l->size))
		return false;
	*out = x;	/* little-endian: the low bytes are the value */
	return true;
}

bool kv_percpu(const struct kview *v, enum ksym sym, unsigned cpu, uint64_t *va)
{
	uint64_t off;
	if (!v->map->sym[sym] || !v->map->sym[KS_PER_CPU_OFFSET] ||
	    !kv_read(v, v->map->sym[KS_PER_CPU_OFFSET] + 8ull * cpu, &off, 8) || !off)
		return false;
	*va = v->map->sym[sym] + off;
	return true;
}
