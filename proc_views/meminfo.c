/*
 * /proc/meminfo of a container, key by key. All figures in kB; L = effective limit, U = usage.
 *
 *   MemTotal      min(L, host MemTotal)
 *   MemFree       MemTotal - U, saturating at 0
 *   MemAvailable  MemFree + active_file + inactive_file + slab_reclaimable, at most MemTotal
 *   Buffers, SwapCached                               0
 *   Cached, Active, Inactive, their (anon)/(file) parts, Unevictable, Dirty, Writeback,
 *   AnonPages, Mapped, Shmem, KReclaimable, Slab, SReclaimable, SUnreclaim, KernelStack,
 *   PageTables, SecPageTables, Percpu, VmallocUsed, AnonHugePages, ShmemHugePages,
 *   FileHugePages, Zswap, Zswapped     the cgroup's memory.stat figure (0 where the cgroup
 *                                      version has none: the slab/kernel ones on v1), at most
 *                                      MemTotal
 *   SwapTotal     min(effective swap limit, host SwapTotal); 0 without swap accounting
 *   SwapFree      SwapTotal - swap in use, saturating
 *   CommitLimit   MemTotal scaled by the host's overcommit ratio, plus SwapTotal
 *   Committed_AS  AnonPages + Shmem: the resident part of what the container committed (a
 *                 lower bound; the kernel does not account commitments per cgroup)
 *   VmallocTotal, Hugepagesize        the host's: sizes of address space and of a page,
 *                                     not amounts of memory
 *   everything else (Mlocked, NFS_Unstable, Bounce, WritebackTmp, VmallocChunk,
 *   HardwareCorrupted, ShmemPmdMapped, FilePmdMapped, Cma*, Unaccepted, Balloon,
 *   HugePages_*, Hugetlb, DirectMap*, and keys this table does not know)    0
 *
 * So MemFree <= MemAvailable <= MemTotal always, and no figure exceeds the container's.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "proc_views/meminfo.h"
#include "util/cleanup.h"
#include "util/parse.h"

enum rule {
	R_HOST,
	R_TOTAL,
	R_FREE,
	R_AVAIL,
	R_SWAPTOTAL,
	R_SWAPFREE,
	R_FIELD,  /* one pv_meminfo_ctr field */
	R_FIELD2, /* sum of two fields */
	R_COMMITLIMIT,
};

struct key_rule {
	const char *name;
	enum rule rule;
	size_t a, b; /* field offsets for R_FIELD / R_FIELD2 */
};

#define F(n) offsetof(struct pv_meminfo_ctr, n)
static const struct key_rule rules[] = {
	{"MemTotal", R_TOTAL, 0, 0},
	{"MemFree", R_FREE, 0, 0},
	{"MemAvailable", R_AVAIL, 0, 0},
	{"Cached", R_FIELD, F(file), 0},
	{"Active", R_FIELD2, F(active_anon), F(active_file)},
	{"Inactive", R_FIELD2, F(inactive_anon), F(inactive_file)},
	{"Active(anon)", R_FIELD, F(active_anon), 0},
	{"Inactive(anon)", R_FIELD, F(inactive_anon), 0},
	{"Active(file)", R_FIELD, F(active_file), 0},
	{"Inactive(file)", R_FIELD, F(inactive_file), 0},
	{"Unevictable", R_FIELD, F(unevictable), 0},
	{"SwapTotal", R_SWAPTOTAL, 0, 0},
	{"SwapFree", R_SWAPFREE, 0, 0},
	{"Zswap", R_FIELD, F(zswap), 0},
	{"Zswapped", R_FIELD, F(zswapped), 0},
	{"Dirty", R_FIELD, F(dirty), 0},
	{"Writeback", R_FIELD, F(writeback), 0},
	{"AnonPages", R_FIELD, F(anon), 0},
	{"Mapped", R_FIELD, F(mapped), 0},
	{"Shmem", R_FIELD, F(shmem), 0},
	{"KReclaimable", R_FIELD, F(slab_reclaimable), 0},
	{"Slab", R_FIELD, F(slab), 0},
	{"SReclaimable", R_FIELD, F(slab_reclaimable), 0},
	{"SUnreclaim", R_FIELD, F(slab_unreclaimable), 0},
	{"KernelStack", R_FIELD, F(kernel_stack), 0},
	{"PageTables", R_FIELD, F(pagetables), 0},
	{"SecPageTables", R_FIELD, F(sec_pagetables), 0},
	{"CommitLimit", R_COMMITLIMIT, 0, 0},
	{"Committed_AS", R_FIELD2, F(anon), F(shmem)},
	{"VmallocTotal", R_HOST, 0, 0},
	{"VmallocUsed", R_FIELD, F(vmalloc), 0},
	{"Percpu", R_FIELD, F(percpu), 0},
	{"AnonHugePages", R_FIELD, F(anon_thp), 0},
	{"ShmemHugePages", R_FIELD, F(shmem_thp), 0},
	{"FileHugePages", R_FIELD, F(file_thp), 0},
	{"Hugepagesize", R_HOST, 0, 0},
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
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '(' || c == ')';
}

int pv_host_meminfo_parse(const char *text, struct pv_host_meminfo *ret)
{
	const char *line = text;
	size_t n = 0;

	while (*line) {
		const char *eol = strchr(line, '\n');
		const char *end = eol ? eol : line + strlen(line);
		const char *colon = memchr(line, ':', (size_t)(end - line));
		const char *num, *numend;
		struct pv_meminfo_line *l;

		if (!colon || colon == line || (size_t)(colon - line) >= PV_MEMINFO_NAME_MAX)
			return -EINVAL;
		if (n == PV_MEMINFO_MAX_KEYS)
			return -E2BIG;
		l = &ret->line[n];
		for (const char *p = line; p < colon; p++)
			if (!name_char_ok(*p))
				return -EINVAL;
		memcpy(l->name, line, (size_t)(colon - line));
		l->name[colon - line] = '\0';
		num = colon + 1;
		while (num < end && *num == ' ')
			num++;
		if (num == colon + 1)
			return -EINVAL;
		numend = num;
		while (numend < end && *numend >= '0' && *numend <= '9')
			numend++;
		if (parse_u64_n(num, (size_t)(numend - num), &l->value) < 0)
			return -EINVAL;
		if (numend == end)
			l->kb = false;
		else if (end - numend == 3 && memcmp(numend, " kB", 3) == 0)
			l->kb = true;
		else
			return -EINVAL;
		l->rule = rule_index(l->name);
		n++;
		if (!eol)
			break;
		line = eol + 1;
	}
	if (n == 0)
		return -EINVAL;
	ret->n = n;
	return 0;
}

int pv_host_meminfo_get(const struct pv_host_meminfo *h, const char *name, uint64_t *ret)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->line[i].name, name) == 0) {
			*ret = h->line[i].value;
			return 0;
		}
	return -ENOENT;
}

/* Figures every key is computed from, in kB. */
struct mi {
	const struct pv_meminfo_ctr *c;
	uint64_t total, free, avail, swap_total, swap_free, commit_limit;
};

static uint64_t kb(uint64_t bytes)
{
	return bytes / 1024;
}

static uint64_t field(const struct pv_meminfo_ctr *c, size_t off)
{
	return *(const uint64_t *)((const char *)c + off);
}

static int mi_compute(const struct pv_host_meminfo *host, const struct pv_meminfo_ctr *c,
		      struct mi *ret)
{
	uint64_t host_total, host_swap = 0, host_cl = 0, reclaim;
	struct mi m = {.c = c};

	if (pv_host_meminfo_get(host, "MemTotal", &host_total) < 0)
		return -EINVAL;
	(void)pv_host_meminfo_get(host, "SwapTotal", &host_swap);

	m.total = min_u64(c->limit == UINT64_MAX ? UINT64_MAX : kb(c->limit), host_total);
	m.free = sat_sub(m.total, kb(c->usage));
	reclaim = sat_add(sat_add(c->active_file, c->inactive_file), c->slab_reclaimable);
	m.avail = min_u64(sat_add(m.free, kb(reclaim)), m.total);

	if (c->swap_accounted && host_swap > 0) {
		m.swap_total = min_u64(c->swap_limit == UINT64_MAX ? UINT64_MAX : kb(c->swap_limit),
				       host_swap);
		m.swap_free = sat_sub(m.swap_total, kb(c->swap_usage));
	}

	/* The host's overcommit ratio applied to the container's memory. */
	if (pv_host_meminfo_get(host, "CommitLimit", &host_cl) == 0 && host_total > 0)
		m.commit_limit = sat_add((uint64_t)((unsigned __int128)sat_sub(host_cl, host_swap) *
						    m.total / host_total),
					 m.swap_total);
	*ret = m;
	return 0;
}

static uint64_t value_for(const struct mi *m, const struct pv_meminfo_line *l)
{
	const struct key_rule *k = l->rule >= 0 ? &rules[l->rule] : NULL;

	if (!k)
		return 0;
	switch (k->rule) {
	case R_HOST:
		return l->value;
	case R_TOTAL:
		return m->total;
	case R_FREE:
		return m->free;
	case R_AVAIL:
		return m->avail;
	case R_SWAPTOTAL:
		return m->swap_total;
	case R_SWAPFREE:
		return m->swap_free;
	case R_COMMITLIMIT:
		return m->commit_limit;
	case R_FIELD:
		return min_u64(kb(field(m->c, k->a)), m->total);
	case R_FIELD2:
		return min_u64(kb(sat_add(field(m->c, k->a), field(m->c, k->b))), m->total);
	}
	return 0;
}

/* Append "Name:<pad to 16>%8llu[ kB]\n" without printf: the hot path of every read. */
static int put_line(struct strbuf *out, const char *name, uint64_t v, bool kb)
{
	char buf[PV_MEMINFO_NAME_MAX + 48], digits[24];
	size_t nl = strlen(name), len = 0, nd = 0;

	memcpy(buf, name, nl);
	buf[nl] = ':';
	len = nl + 1;
	while (len < 16)
		buf[len++] = ' ';
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = nd; i < 8; i++)
		buf[len++] = ' ';
	while (nd)
		buf[len++] = digits[--nd];
	if (kb) {
		memcpy(buf + len, " kB", 3);
		len += 3;
	}
	buf[len++] = '\n';
	return sb_append(out, buf, len);
}

int pv_meminfo_render(const struct pv_host_meminfo *host, const struct pv_meminfo_ctr *c,
		      struct strbuf *out)
{
	struct mi m;
	int r;

	r = mi_compute(host, c, &m);
	if (r < 0)
		return r;
	sb_reset(out);
	for (size_t i = 0; i < host->n; i++) {
		const struct pv_meminfo_line *l = &host->line[i];

		/* The kernel's layout: "Name:" padded to 16 columns, the number in 8. */
		r = put_line(out, l->name, value_for(&m, l), l->kb);
		if (r < 0)
			return r;
	}
	return 0;
}

int pv_meminfo_swap(const struct pv_host_meminfo *host, const struct pv_meminfo_ctr *c,
		    uint64_t *ret_total_kb, uint64_t *ret_free_kb)
{
	struct mi m;
	int r = mi_compute(host, c, &m);

	if (r < 0)
		return r;
	*ret_total_kb = m.swap_total;
	*ret_free_kb = m.swap_free;
	return 0;
}

int pv_meminfo_free(const struct pv_host_meminfo *host, const struct pv_meminfo_ctr *c,
		    uint64_t *ret_free_kb)
{
	struct mi m;
	int r = mi_compute(host, c, &m);

	if (r < 0)
		return r;
	*ret_free_kb = m.free;
	return 0;
}
