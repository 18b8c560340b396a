/* /proc/meminfo for a container: pure functions from (host file, container facts) to text. */
#ifndef VP_PROC_VIEWS_MEMINFO_H
#define VP_PROC_VIEWS_MEMINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "util/strbuf.h"

#define PV_MEMINFO_MAX_KEYS 128
#define PV_MEMINFO_NAME_MAX 32

/* The host's /proc/meminfo, parsed: keys in the kernel's order. Values as printed (kB for
 * lines with the kB unit, a count otherwise). */
struct pv_host_meminfo {
	size_t n;
	struct pv_meminfo_line {
		char name[PV_MEMINFO_NAME_MAX];
		uint64_t value;
		bool kb;
		short rule; /* the renderer's rule for this key (set by the parser), -1: none */
	} line[PV_MEMINFO_MAX_KEYS];
};

/* Parse the host file. Every line must be "Name:<spaces>number[ kB]". -EINVAL otherwise,
 * -E2BIG past PV_MEMINFO_MAX_KEYS lines. */
int pv_host_meminfo_parse(const char *text, struct pv_host_meminfo *ret);
/* The value of key name (kB or count), or -ENOENT. */
int pv_host_meminfo_get(const struct pv_host_meminfo *h, const char *name, uint64_t *ret);

/* Container facts in bytes, from its memory cgroup (see cgroup/). */
struct pv_meminfo_ctr {
	uint64_t limit; /* effective limit, UINT64_MAX = none */
	uint64_t usage;
	bool swap_accounted;
	uint64_t swap_limit; /* UINT64_MAX = none */
	uint64_t swap_usage;
	uint64_t anon, file, shmem, mapped, dirty, writeback;
	uint64_t active_anon, inactive_anon, active_file, inactive_file, unevictable;
	uint64_t anon_thp, file_thp, shmem_thp;
	uint64_t slab, slab_reclaimable, slab_unreclaimable;
	uint64_t kernel_stack, pagetables, sec_pagetables, percpu, vmalloc;
	uint64_t zswap, zswapped;
};

/* Render the container's /proc/meminfo into out (replacing its content): the host's keys in
 * the host's order and layout, each with the container's value (see meminfo.c for the rule
 * per key). The host must have MemTotal. */
int pv_meminfo_render(const struct pv_host_meminfo *host, const struct pv_meminfo_ctr *c,
		      struct strbuf *out);

/* The container's MemFree as its /proc/meminfo shows it, in kB (for /proc/vmstat's
 * nr_free_pages). -EINVAL when the host has no MemTotal. */
int pv_meminfo_free(const struct pv_host_meminfo *host, const struct pv_meminfo_ctr *c,
		    uint64_t *ret_free_kb);

/* The container's swap as its /proc/meminfo shows it (SwapTotal, SwapFree), in kB, for
 * /proc/swaps. -EINVAL when the host has no MemTotal. */
int pv_meminfo_swap(const struct pv_host_meminfo *host, const struct pv_meminfo_ctr *c,
		    uint64_t *ret_total_kb, uint64_t *ret_free_kb);

#endif
