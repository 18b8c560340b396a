/*
 * /proc/vmstat of a container, key by key. The kernel prints most figures in pages, a few in
 * other units; memory.stat gives sizes in bytes. P = page size, H = PMD huge page size.
 *
 *   nr_free_pages              MemFree of the container's /proc/meminfo / P (so free(1),
 *                              vmstat's "free" and meminfo agree: limit minus usage)
 *   nr_anon_pages, nr_mapped, nr_file_pages, nr_dirty, nr_writeback, nr_shmem,
 *   nr_{in,}active_{anon,file}, nr_unevictable, nr_zone_{in,}active_{anon,file},
 *   nr_zone_unevictable, nr_slab_reclaimable, nr_slab_unreclaimable, nr_page_table_pages,
 *   nr_sec_page_table_pages    the memory.stat figure / P (the nr_zone_* ones summed over
 *                              zones: one zone's worth is not known per cgroup)
 *   nr_zone_write_pending      (file_dirty + file_writeback) / P, as the kernel counts it
 *   nr_anon_transparent_hugepages, nr_shmem_hugepages, nr_file_hugepages
 *                              anon_thp, shmem_thp, file_thp / H: the kernel prints these
 *                              in huge pages (0 when H is not known)
 *   nr_kernel_stack            kernel_stack / 1024: the kernel prints it in KiB
 *   pgpgin, pgpgout            the cgroup's block I/O read and written (io.stat, blkio),
 *                              bytes / 1024: the kernel prints KiB (sectors / 2), and
 *                              vmstat's bi/bo come from here. Not v1 memory.stat's pgpgin and
 *                              pgpgout: those count pages charged to the cgroup, not I/O.
 *                              On stacked devices (dm, md) the cgroup's I/O is counted at each
 *                              level, so these can exceed the kernel's count for it.
 *   oom_kill                   memory.events oom_kill (v2; 0 on v1)
 *   a key named like one of the cgroup's event counters (pgfault, pgmajfault, pswpin,
 *   pswpout, pgscan_*, pgsteal_*, workingset_*, thp_fault_alloc, ...: the kernel gives
 *   them the same names in memory.stat)    that counter, in the kernel's unit (events or
 *                              pages, both files alike)
 *   everything else (nr_mlock, numa_hit, pgalloc_*, pgfree, compact_*, nr_dirty_threshold,
 *   nr_swapcached as meminfo's SwapCached, ...: no cgroup keeps it)           0
 *
 * Every figure comes from the container; none from the host, whose keys only give the order.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "proc_views/vmstat.h"
#include "util/cleanup.h"
#include "util/parse.h"

enum rule {
	R_FREE,
	R_PAGES,  /* one pv_meminfo_ctr field / page size */
	R_PAGES2, /* sum of two fields / page size */
	R_THP,    /* one field / huge page size */
	R_KIB,    /* one field / 1024 */
	R_PGPGIN,
	R_PGPGOUT,
	R_OOM_KILL,
};

struct key_rule {
	const char *name;
	enum rule rule;
	size_t a, b; /* pv_meminfo_ctr field offsets */
};

#define F(n) offsetof(struct pv_meminfo_ctr, n)
static const struct key_rule rules[] = {
	{"nr_free_pages", R_FREE, 0, 0},
	{"nr_zone_inactive_anon", R_PAGES, F(inactive_anon), 0},
	{"nr_zone_active_anon", R_PAGES, F(active_anon), 0},
	{"nr_zone_inactive_file", R_PAGES, F(inactive_file), 0},
	{"nr_zone_active_file", R_PAGES, F(active_file), 0},
	{"nr_zone_unevictable", R_PAGES, F(unevictable), 0},
	{"nr_zone_write_pending", R_PAGES2, F(dirty), F(writeback)},
	{"nr_inactive_anon", R_PAGES, F(inactive_anon), 0},
	{"nr_active_anon", R_PAGES, F(active_anon), 0},
	{"nr_inactive_file", R_PAGES, F(inactive_file), 0},
	{"nr_active_file", R_PAGES, F(active_file), 0},
	{"nr_unevictable", R_PAGES, F(unevictable), 0},
	{"nr_slab_reclaimable", R_PAGES, F(slab_reclaimable), 0},
	{"nr_slab_unreclaimable", R_PAGES, F(slab_unreclaimable), 0},
	{"nr_anon_pages", R_PAGES, F(anon), 0},
	{"nr_mapped", R_PAGES, F(mapped), 0},
	{"nr_file_pages", R_PAGES, F(file), 0},
	{"nr_dirty", R_PAGES, F(dirty), 0},
	{"nr_writeback", R_PAGES, F(writeback), 0},
	{"nr_shmem", R_PAGES, F(shmem), 0},
	{"nr_shmem_hugepages", R_THP, F(shmem_thp), 0},
	{"nr_file_hugepages", R_THP, F(file_thp), 0},
	{"nr_anon_transparent_hugepages", R_THP, F(anon_thp), 0},
	{"nr_kernel_stack", R_KIB, F(kernel_stack), 0},
	{"nr_page_table_pages", R_PAGES, F(pagetables), 0},
	{"nr_sec_page_table_pages", R_PAGES, F(sec_pagetables), 0},
	{"pgpgin", R_PGPGIN, 0, 0},
	{"pgpgout", R_PGPGOUT, 0, 0},
	{"oom_kill", R_OOM_KILL, 0, 0},
};
#undef F

static short rule_index(const char *name)
{
	for (size_t i = 0; i < VP_ARRAY_SIZE(rules); i++)
		if (strcmp(rules[i].name, name) == 0)
			return (short)i;
	return -1;
}

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int host_kv(const char *key, size_t klen, uint64_t v, void *u)
{
	struct pv_host_vmstat *h = u;
	struct pv_vmstat_key *k;

	(void)v;
	if (klen >= PV_VMSTAT_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < klen; i++)
		if (!name_char_ok(key[i]))
			return -EINVAL;
	for (size_t i = 0; i < h->n; i++)
		if (memcmp(h->key[i].name, key, klen) == 0 && h->key[i].name[klen] == '\0')
			return -EINVAL;
	if (h->n == PV_VMSTAT_MAX_KEYS)
		return -E2BIG;
	k = &h->key[h->n++];
	memcpy(k->name, key, klen);
	k->name[klen] = '\0';
	k->rule = rule_index(k->name);
	return 0;
}

int pv_host_vmstat_parse(const char *text, struct pv_host_vmstat *ret)
{
	int r;

	ret->n = 0;
	r = parse_kv_lines(text, host_kv, ret);
	if (r == 0 && ret->n == 0)
		r = -EINVAL;
	if (r < 0)
		ret->n = 0;
	return r;
}

static uint64_t field(const struct pv_meminfo_ctr *c, size_t off)
{
	return *(const uint64_t *)((const char *)c + off);
}

static uint64_t sat_u64(unsigned __int128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* The cgroup's counter of that name, 0 when it has none. */
static uint64_t event(const struct pv_vmstat_ctr *c, const char *name)
{
	for (size_t i = 0; i < c->n_events; i++)
		if (c->event_name[i] && strcmp(c->event_name[i], name) == 0)
			return c->event[i];
	return 0;
}

static uint64_t value_for(const struct pv_vmstat_ctr *c, const struct pv_vmstat_key *k,
			  uint64_t page_size, uint64_t thp_size)
{
	const struct key_rule *r = k->rule >= 0 ? &rules[k->rule] : NULL;

	if (!r)
		return event(c, k->name);
	switch (r->rule) {
	case R_FREE:
		return sat_u64((unsigned __int128)c->free_kb * 1024 / page_size);
	case R_PAGES:
		return field(&c->mem, r->a) / page_size;
	case R_PAGES2:
		return sat_add(field(&c->mem, r->a), field(&c->mem, r->b)) / page_size;
	case R_THP:
		return thp_size ? field(&c->mem, r->a) / thp_size : 0;
	case R_KIB:
		return field(&c->mem, r->a) / 1024;
	case R_PGPGIN:
		return c->io_rbytes / 1024;
	case R_PGPGOUT:
		return c->io_wbytes / 1024;
	case R_OOM_KILL:
		return c->oom_kill;
	}
	return 0;
}

int pv_vmstat_render(const struct pv_host_vmstat *host, const struct pv_vmstat_ctr *c,
		     uint64_t page_size, uint64_t thp_size, struct strbuf *out)
{
	if (page_size == 0 || host->n == 0)
		return -EINVAL;
	sb_reset(out);
	for (size_t i = 0; i < host->n; i++) {
		const struct pv_vmstat_key *k = &host->key[i];
		int r = sb_appendf(out, "%s %llu\n", k->name,
				   (unsigned long long)value_for(c, k, page_size, thp_size));

		if (r < 0)
			return r;
	}
	return 0;
}
