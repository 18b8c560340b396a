/*
 * /sys/devices/system/cpu as a container with n CPUs sees it: one package of n cores, no SMT,
 * numbered 0..n-1 like its /proc/cpuinfo. Masks are n bits wide (the kernel's are
 * nr_cpu_ids wide, and the container's possible CPUs are 0..n-1).
 *
 *   online possible present enabled     "0-<n-1>" ("0" for one CPU)
 *   offline isolated                    empty: "\n"
 *   kernel_max                          the host's (NR_CPUS - 1: what the kernel was built
 *                                       for, not a count of CPUs; nothing sizes by it)
 *   vulnerabilities/ modalias cpuidle/  the host's: host-wide facts with no CPU numbers
 *   cpuN/online                         "1" (every visible CPU is online)
 *   cpuN/cpufreq/ cpuN/cache/           the host's, of the host CPU behind cpuN
 *   cpuN/topology/
 *     core_id                           N
 *     cluster_id                        N: each core its own cluster, as x86 reports cores
 *                                       with a private L2
 *     physical_package_id die_id        0
 *     core_cpus thread_siblings cluster_cpus             mask of cpu N alone
 *     core_cpus_list thread_siblings_list cluster_cpus_list     "N"
 *     package_cpus core_siblings die_cpus                mask of all n CPUs
 *     package_cpus_list core_siblings_list die_cpus_list        "0-<n-1>"
 *   absent: smt/ (it describes the host's threads), the top-level cpufreq/ (its policies
 *   name host CPUs), hotplug/, power/, uevent, nohz_full, and cpuN's other entries.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proc_views/cputree.h"
#include "proc_views/sys_cpu.h"
#include "util/cleanup.h"
#include "util/parse.h"

enum content {
	C_NONE,
	C_RANGE,      /* every CPU as a list */
	C_EMPTY,      /* "\n" */
	C_KERNEL_MAX,
	C_ONE,        /* "1" */
	C_ZERO,       /* "0" */
	C_INDEX,      /* the CPU's number, also the list of it alone */
	C_MASK_SELF,  /* mask of the CPU alone */
	C_MASK_ALL,   /* mask of every CPU */
};

struct dir;

struct entry {
	const char *name;
	enum pv_cputree_type type;
	enum content content;    /* PV_CPUTREE_FILE */
	const struct dir *child; /* PV_CPUTREE_DIR */
};

struct dir {
	const struct entry *e;
	size_t n;
	bool cpus; /* also holds cpu0..cpu<n-1> */
};

#define FILE_(name, content) {name, PV_CPUTREE_FILE, content, NULL}
#define HOST_(name) {name, PV_CPUTREE_HOST, C_NONE, NULL}

static const struct entry topology_entries[] = {
	FILE_("core_id", C_INDEX),
	FILE_("cluster_id", C_INDEX),
	FILE_("physical_package_id", C_ZERO),
	FILE_("die_id", C_ZERO),
	FILE_("core_cpus", C_MASK_SELF),
	FILE_("core_cpus_list", C_INDEX),
	FILE_("thread_siblings", C_MASK_SELF),
	FILE_("thread_siblings_list", C_INDEX),
	FILE_("cluster_cpus", C_MASK_SELF),
	FILE_("cluster_cpus_list", C_INDEX),
	FILE_("package_cpus", C_MASK_ALL),
	FILE_("package_cpus_list", C_RANGE),
	FILE_("core_siblings", C_MASK_ALL),
	FILE_("core_siblings_list", C_RANGE),
	FILE_("die_cpus", C_MASK_ALL),
	FILE_("die_cpus_list", C_RANGE),
};
static const struct dir topology_dir = {topology_entries, VP_ARRAY_SIZE(topology_entries), false};

static const struct entry cpu_entries[] = {
	FILE_("online", C_ONE),
	{"topology", PV_CPUTREE_DIR, C_NONE, &topology_dir},
	HOST_("cpufreq"),
	HOST_("cache"),
};
static const struct dir cpu_dir = {cpu_entries, VP_ARRAY_SIZE(cpu_entries), false};

static const struct entry top_entries[] = {
	FILE_("online", C_RANGE),
	FILE_("possible", C_RANGE),
	FILE_("present", C_RANGE),
	FILE_("enabled", C_RANGE),
	FILE_("offline", C_EMPTY),
	FILE_("isolated", C_EMPTY),
	FILE_("kernel_max", C_KERNEL_MAX),
	HOST_("vulnerabilities"),
	HOST_("modalias"),
	HOST_("cpuidle"),
};
static const struct dir top_dir = {top_entries, VP_ARRAY_SIZE(top_entries), true};

#undef FILE_
#undef HOST_

/* Where a path led: a directory, or an entry; cpu is the visible CPU below cpuN (-1: none). */
struct walk {
	const struct dir *dir;   /* when the path names a directory of the view */
	const struct entry *ent; /* else the entry */
	long cpu;
	const char *rest;        /* below a host entry: what follows it ("" or "a/b") */
};

static int check_in(const struct pv_cputree_in *in)
{
	if (in->n == 0 || in->n > PV_CPUTREE_MAX_CPUS || in->kernel_max < in->n - 1)
		return -EINVAL;
	return 0;
}

/* "cpuN" with N a visible CPU, written as the kernel writes it (no leading zero). */
static long cpu_dir_index(const struct pv_cputree_in *in, const char *s, size_t n)
{
	uint64_t v;

	if (n < 4 || memcmp(s, "cpu", 3) != 0 || (s[3] == '0' && n > 4) ||
	    parse_u64_n(s + 3, n - 3, &v) < 0 || v >= in->n)
		return -1;
	return (long)v;
}

static const struct entry *dir_entry(const struct dir *d, const char *s, size_t n)
{
	for (size_t i = 0; i < d->n; i++)
		if (strlen(d->e[i].name) == n && memcmp(d->e[i].name, s, n) == 0)
			return &d->e[i];
	return NULL;
}

/* Every component non-empty, not "." or "..". */
static bool components_ok(const char *path)
{
	const char *p = path;

	if (!*p)
		return true;
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

static int walk(const struct pv_cputree_in *in, const char *path, struct walk *ret)
{
	struct walk w = {.dir = &top_dir, .cpu = -1, .rest = ""};
	const char *p = path;
	int r = check_in(in);

	if (r < 0)
		return r;
	if (strlen(path) >= PV_CPUTREE_PATH_MAX)
		return -ENAMETOOLONG;
	if (!components_ok(path))
		return -ENOENT;
	while (*p) {
		size_t n = strcspn(p, "/");
		const struct entry *e;
		long cpu;

		if (!w.dir)
			return -ENOTDIR;
		cpu = w.dir->cpus ? cpu_dir_index(in, p, n) : -1;
		if (cpu >= 0) {
			w.dir = &cpu_dir;
			w.cpu = cpu;
		} else {
			e = dir_entry(w.dir, p, n);
			if (!e)
				return -ENOENT;
			w.dir = e->type == PV_CPUTREE_DIR ? e->child : NULL;
			w.ent = e;
			if (e->type == PV_CPUTREE_HOST) {
				w.rest = p[n] ? p + n + 1 : "";
				break;
			}
		}
		p += n;
		if (*p)
			p++;
	}
	*ret = w;
	return 0;
}

int pv_cputree_lookup(const struct pv_cputree_in *in, const char *path,
		      struct pv_cputree_node *ret)
{
	struct pv_cputree_node node = {0};
	struct walk w;
	int r = walk(in, path, &w), len;

	if (r < 0)
		return r;
	if (w.dir) {
		node.type = PV_CPUTREE_DIR;
	} else if (w.ent->type == PV_CPUTREE_FILE) {
		node.type = PV_CPUTREE_FILE;
	} else {
		node.type = PV_CPUTREE_HOST;
		if (w.cpu >= 0 && !in->host_cpu)
			return -EINVAL;
		if (w.cpu >= 0)
			len = snprintf(node.host_path, sizeof(node.host_path), "cpu%u/%s%s%s",
				       in->host_cpu[w.cpu], w.ent->name, *w.rest ? "/" : "", w.rest);
		else
			len = snprintf(node.host_path, sizeof(node.host_path), "%s%s%s", w.ent->name,
				       *w.rest ? "/" : "", w.rest);
		if (len < 0 || (size_t)len >= sizeof(node.host_path))
			return -ENAMETOOLONG;
	}
	*ret = node;
	return 0;
}

int pv_cputree_list(const struct pv_cputree_in *in, const char *path,
		    int (*fn)(const char *name, enum pv_cputree_type type, void *u), void *u)
{
	struct walk w;
	int r = walk(in, path, &w);

	if (r < 0)
		return r;
	if (!w.dir)
		return -ENOTDIR;
	for (unsigned i = 0; w.dir->cpus && i < in->n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "cpu%u", i);
		r = fn(name, PV_CPUTREE_DIR, u);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < w.dir->n; i++) {
		r = fn(w.dir->e[i].name, w.dir->e[i].type, u);
		if (r < 0)
			return r;
	}
	return 0;
}

int pv_cpumask_render(unsigned nbits, unsigned first, unsigned last, struct strbuf *out)
{
	unsigned width, base;
	int r = 0;

	if (first > last || last >= nbits || nbits > PV_CPUTREE_MAX_CPUS)
		return -EINVAL;
	sb_reset(out);
	/* As the kernel's bitmap_string(): the top group holds nbits % 32 bits (or 32). */
	width = nbits % 32 ? nbits % 32 : 32;
	for (base = (nbits - 1) / 32 * 32;; base -= 32) {
		unsigned lo = first > base ? first : base;
		unsigned hi = last < base + width - 1 ? last : base + width - 1;
		uint32_t v = 0;

		if (lo <= hi)
			v = (uint32_t)(((UINT64_C(1) << (hi - base + 1)) - 1) &
				       ~((UINT64_C(1) << (lo - base)) - 1));
		r = sb_appendf(out, "%s%0*x", base + width < nbits ? "," : "", (int)((width + 3) / 4),
			       v);
		if (r < 0 || base == 0)
			break;
		width = 32;
	}
	return r < 0 ? r : sb_append(out, "\n", 1);
}

int pv_cputree_render(const struct pv_cputree_in *in, const char *path, struct strbuf *out)
{
	struct walk w;
	int r = walk(in, path, &w);
	unsigned cpu;

	if (r < 0)
		return r;
	if (w.dir)
		return -EISDIR;
	if (w.ent->type == PV_CPUTREE_HOST)
		return -EREMOTE;
	cpu = w.cpu >= 0 ? (unsigned)w.cpu : 0;
	sb_reset(out);
	switch (w.ent->content) {
	case C_RANGE:
		return pv_sys_cpu_range_render(in->n, out);
	case C_EMPTY:
		return sb_append(out, "\n", 1);
	case C_KERNEL_MAX:
		return sb_appendf(out, "%u\n", in->kernel_max);
	case C_ONE:
		return sb_append(out, "1\n", 2);
	case C_ZERO:
		return sb_append(out, "0\n", 2);
	case C_INDEX:
		return sb_appendf(out, "%u\n", cpu);
	case C_MASK_SELF:
		return pv_cpumask_render(in->n, cpu, cpu, out);
	case C_MASK_ALL:
		return pv_cpumask_render(in->n, 0, in->n - 1, out);
	case C_NONE:
		break;
	}
	return -EINVAL;
}
