/* /proc/vmstat for a container: pure functions from (host file, container facts) to text. */
#ifndef VP_PROC_VIEWS_VMSTAT_H
#define VP_PROC_VIEWS_VMSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "proc_views/meminfo.h"
#include "util/strbuf.h"

#define PV_VMSTAT_MAX_KEYS 512
#define PV_VMSTAT_NAME_MAX 64

/* The host's /proc/vmstat, parsed: its keys in the kernel's order (the host's values are
 * checked, not kept: the container's file shows none of them). */
struct pv_host_vmstat {
	size_t n;
	struct pv_vmstat_key {
		char name[PV_VMSTAT_NAME_MAX];
		short rule; /* the renderer's rule for this key (set by the parser), -1: none */
	} key[PV_VMSTAT_MAX_KEYS];
};

/* Parse the host file. Every line must be "name number" (name of [a-z0-9_]); -EINVAL
 * otherwise, on an empty file or a name twice; -E2BIG past PV_VMSTAT_MAX_KEYS lines. */
int pv_host_vmstat_parse(const char *text, struct pv_host_vmstat *ret);

/* Container facts (see vmstat.c for the rule per key). */
struct pv_vmstat_ctr {
	struct pv_meminfo_ctr mem; /* sizes in bytes, as for the container's /proc/meminfo */
	uint64_t free_kb;          /* its MemFree there (pv_meminfo_free()) */
	uint64_t io_rbytes, io_wbytes; /* block I/O, bytes read and written over all devices */
	uint64_t oom_kill;             /* v2 memory.events oom_kill; 0 on v1 */
	/* The cgroup's event counters, each named as in /proc/vmstat (pgfault, pswpin...). */
	size_t n_events;
	const char *const *event_name;
	const uint64_t *event;
};

/* Render the container's /proc/vmstat into out (replacing its content): the host's keys in
 * the host's order, "name value" each. page_size is the host's (bytes, > 0); thp_size the
 * size of a PMD-mapped huge page (bytes; 0: unknown, the THP page counts are then 0). */
int pv_vmstat_render(const struct pv_host_vmstat *host, const struct pv_vmstat_ctr *c,
		     uint64_t page_size, uint64_t thp_size, struct strbuf *out);

#endif
