/* A view's /sys/devices/system/cpu by node number (see core/cputree.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cputree.h"
#include "proc_views/cputree.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/parse.h"

#define SCOPE 256
/* Entries of the top scope. */
#define TOP_FIXED 1    /* + index in top[] */
#define TOP_VULN 64    /* + index of the host file, sorted (< 64) */
#define TOP_IDLE 128   /* + index (< 32) */
/* Entries of a cpu scope. */
#define CPU_DIR 0
#define CPU_FIXED 1    /* + index in cpu_fixed[] */
#define CPU_TOPO 16    /* + index in the topology listing (< 32) */
#define CPU_FREQ 64    /* + index of the host file, sorted (< 64) */
#define CPU_CACHE 128  /* + K * 16 for cache/indexK (K < 8), + 1 + index of its file (< 15) */

static const char *const top[] = {"online",	    "possible", "present",	   "enabled",
				  "offline",	    "isolated", "kernel_max",	   "vulnerabilities",
				  "modalias",	    "cpuidle"};
static const char *const cpu_fixed[] = {"online", "topology", "cpufreq", "cache"};

static unsigned root_node(void)
{
	for (size_t i = 0; i < vp_nentries; i++)
		if (vp_entries[i].tree == VP_TREE_CPU)
			return vp_entries[i].node;
	return 0;
}

/* The view's CPUs as the tree's input (host_cpu allocated: free it). */
static int tree_in(struct vp_core *core, const struct vp_view *v, struct pv_cputree_in *in,
		   unsigned **host_cpu, char *err, size_t errsz)
{
	unsigned n;
	int r = vp_view_cpus(core, v, host_cpu, &n, err, errsz);

	if (r < 0)
		return r;
	if (n > VP_CPUTREE_MAX_CPUS)
		n = VP_CPUTREE_MAX_CPUS;
	*in = (struct pv_cputree_in){.n = n, .host_cpu = *host_cpu,
				     .kernel_max = core->kernel_max >= n - 1 ? core->kernel_max : n - 1};
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The host's entries of directory rel (under the host's devices/system/cpu) that are regular
 * files (dirs: directories), sorted; *ret and each name malloc()ed. */
static int host_list(struct vp_core *core, const char *rel, bool dirs, char ***ret, size_t *ret_n)
{
	int fd = openat(core->cpu_sysfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*ret = NULL;
	*ret_n = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (dirs ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)))
			continue;
		if (n == cap) {
			char **nv = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));

			if (!nv)
				break;
			v = nv;
		}
		if (!(v[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Index of name in the host's sorted listing of rel, or -1. */
static long host_index(struct vp_core *core, const char *rel, bool dirs, const char *name)
{
	char **v;
	size_t n;
	long idx = -1;

	if (host_list(core, rel, dirs, &v, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			idx = (long)i;
	names_free(v, n);
	return idx;
}

/* The name at index i of the host's sorted listing of rel, into out. */
static int host_name(struct vp_core *core, const char *rel, bool dirs, unsigned i, char *out,
		     size_t outsz)
{
	char **v;
	size_t n;
	int r = host_list(core, rel, dirs, &v, &n);

	if (r < 0)
		return -ENOENT;
	r = i < n ? 0 : -ENOENT;
	if (r == 0)
		snprintf(out, outsz, "%s", v[i]);
	names_free(v, n);
	return r;
}

static long find(const char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return (long)i;
	return -1;
}

/* The topology file names, in the tree's order. */
struct names {
	char v[32][64];
	size_t n;
};

static int collect(const char *name, enum pv_cputree_type type, void *u)
{
	struct names *nm = u;

	(void)type;
	if (nm->n < 32)
		snprintf(nm->v[nm->n++], sizeof(nm->v[0]), "%s", name);
	return 0;
}

static long topo_index(const struct pv_cputree_in *in, const char *name)
{
	struct names nm = {.n = 0};

	if (pv_cputree_list(in, "cpu0/topology", collect, &nm) < 0)
		return -1;
	for (size_t i = 0; i < nm.n; i++)
		if (strcmp(nm.v[i], name) == 0)
			return (long)i;
	return -1;
}

/* The path (relative to the tree) of node, for in; the host path of cpuN's host CPU where a
 * host listing decides. -ENOENT for what does not exist (any more). */
static int node_path(struct vp_core *core, const struct pv_cputree_in *in, unsigned node,
		     char *out, size_t outsz)
{
	unsigned scope, e, cpu;
	char rel[96], name[128];

	if (node == root_node()) {
		out[0] = '\0';
		return 0;
	}
	if (!vp_cputree_node(node))
		return -ENOENT;
	scope = (node - VP_CPUTREE_BASE) / SCOPE;
	e = (node - VP_CPUTREE_BASE) % SCOPE;
	if (scope == 0) {
		if (e >= TOP_FIXED && e < TOP_FIXED + VP_ARRAY_SIZE(top))
			snprintf(out, outsz, "%s", top[e - TOP_FIXED]);
		else if (e >= TOP_VULN && e < TOP_IDLE &&
			 host_name(core, "vulnerabilities", false, e - TOP_VULN, name, sizeof(name)) == 0)
			snprintf(out, outsz, "vulnerabilities/%s", name);
		else if (e >= TOP_IDLE && e < TOP_IDLE + 32 &&
			 host_name(core, "cpuidle", false, e - TOP_IDLE, name, sizeof(name)) == 0)
			snprintf(out, outsz, "cpuidle/%s", name);
		else
			return -ENOENT;
		return 0;
	}
	cpu = scope - 1;
	if (cpu >= in->n)
		return -ENOENT;
	if (e == CPU_DIR) {
		snprintf(out, outsz, "cpu%u", cpu);
	} else if (e >= CPU_FIXED && e < CPU_FIXED + VP_ARRAY_SIZE(cpu_fixed)) {
		snprintf(out, outsz, "cpu%u/%s", cpu, cpu_fixed[e - CPU_FIXED]);
	} else if (e >= CPU_TOPO && e < CPU_TOPO + 32) {
		struct names nm = {.n = 0};

		if (pv_cputree_list(in, "cpu0/topology", collect, &nm) < 0 || e - CPU_TOPO >= nm.n)
			return -ENOENT;
		snprintf(out, outsz, "cpu%u/topology/%s", cpu, nm.v[e - CPU_TOPO]);
	} else if (e >= CPU_FREQ && e < CPU_CACHE) {
		snprintf(rel, sizeof(rel), "cpu%u/cpufreq", in->host_cpu[cpu]);
		if (host_name(core, rel, false, e - CPU_FREQ, name, sizeof(name)) < 0)
			return -ENOENT;
		snprintf(out, outsz, "cpu%u/cpufreq/%s", cpu, name);
	} else if (e >= CPU_CACHE) {
		unsigned k = (e - CPU_CACHE) / 16, j = (e - CPU_CACHE) % 16;

		if (k >= 8)
			return -ENOENT;
		if (j == 0) {
			snprintf(out, outsz, "cpu%u/cache/index%u", cpu, k);
		} else {
			snprintf(rel, sizeof(rel), "cpu%u/cache/index%u", in->host_cpu[cpu], k);
			if (host_name(core, rel, false, j - 1, name, sizeof(name)) < 0)
				return -ENOENT;
			snprintf(out, outsz, "cpu%u/cache/index%u/%s", cpu, k, name);
		}
	} else {
		return -ENOENT;
	}
	return 0;
}

/* The node of path child (relative to the tree, its last component name, its parent parent
 * node) for in. */
static int path_node(struct vp_core *core, const struct pv_cputree_in *in, unsigned parent,
		     const char *name, unsigned *ret)
{
	unsigned scope = parent == root_node() ? 0 : (parent - VP_CPUTREE_BASE) / SCOPE;
	unsigned pe = parent == root_node() ? 0 : (parent - VP_CPUTREE_BASE) % SCOPE;
	char rel[128];
	uint64_t cpu;
	long i;

	if (parent == root_node()) {
		if (strncmp(name, "cpu", 3) == 0 && name[3] && (name[3] != '0' || !name[4]) &&
		    parse_u64_n(name + 3, strlen(name + 3), &cpu) == 0 && cpu < in->n) {
			*ret = VP_CPUTREE_BASE + (unsigned)(cpu + 1) * SCOPE + CPU_DIR;
			return 0;
		}
		i = find(top, VP_ARRAY_SIZE(top), name);
		if (i < 0)
			return -ENOENT;
		*ret = VP_CPUTREE_BASE + TOP_FIXED + (unsigned)i;
		return 0;
	}
	if (scope == 0) {
		bool vuln = pe == TOP_FIXED + (unsigned)find(top, VP_ARRAY_SIZE(top), "vulnerabilities");
		bool idle = pe == TOP_FIXED + (unsigned)find(top, VP_ARRAY_SIZE(top), "cpuidle");

		i = vuln || idle ? host_index(core, vuln ? "vulnerabilities" : "cpuidle", false, name)
				 : -1;
		if (i < 0 || i >= (vuln ? 64 : 32))
			return -ENOENT;
		*ret = VP_CPUTREE_BASE + (vuln ? TOP_VULN : TOP_IDLE) + (unsigned)i;
		return 0;
	}
	cpu = scope - 1;
	if (cpu >= in->n)
		return -ENOENT;
	if (pe == CPU_DIR) {
		i = find(cpu_fixed, VP_ARRAY_SIZE(cpu_fixed), name);
		if (i < 0)
			return -ENOENT;
		*ret = parent + CPU_FIXED + (unsigned)i;
		return 0;
	}
	if (pe == CPU_FIXED + 1) { /* topology */
		i = topo_index(in, name);
		if (i < 0 || i >= 32)
			return -ENOENT;
		*ret = parent - pe + CPU_TOPO + (unsigned)i;
		return 0;
	}
	if (pe == CPU_FIXED + 2) { /* cpufreq */
		snprintf(rel, sizeof(rel), "cpu%u/cpufreq", in->host_cpu[cpu]);
		i = host_index(core, rel, false, name);
		if (i < 0 || i >= CPU_CACHE - CPU_FREQ)
			return -ENOENT;
		*ret = parent - pe + CPU_FREQ + (unsigned)i;
		return 0;
	}
	if (pe == CPU_FIXED + 3) { /* cache */
		if (strncmp(name, "index", 5) != 0 || !name[5] || name[6] || name[5] < '0' ||
		    name[5] > '7')
			return -ENOENT;
		*ret = parent - pe + CPU_CACHE + (unsigned)(name[5] - '0') * 16;
		return 0;
	}
	if (pe >= CPU_CACHE && (pe - CPU_CACHE) % 16 == 0) { /* cache/indexK */
		snprintf(rel, sizeof(rel), "cpu%u/cache/index%u", in->host_cpu[cpu],
			 (pe - CPU_CACHE) / 16);
		i = host_index(core, rel, false, name);
		if (i < 0 || i >= 15)
			return -ENOENT;
		*ret = parent + 1 + (unsigned)i;
		return 0;
	}
	return -ENOENT;
}

/* What path is for in: a directory, a file of the view, or a host entry (host_path). */
static int path_type(struct vp_core *core, const struct pv_cputree_in *in, const char *path,
		     struct pv_cputree_node *node, bool *ret_dir)
{
	int r = pv_cputree_lookup(in, path, node);
	struct stat st;

	if (r < 0)
		return r;
	if (node->type != PV_CPUTREE_HOST) {
		*ret_dir = node->type == PV_CPUTREE_DIR;
		return 0;
	}
	if (fstatat(core->cpu_sysfd, node->host_path, &st, 0) < 0)
		return -ENOENT;
	*ret_dir = S_ISDIR(st.st_mode);
	return 0;
}

int vp_cputree_child(struct vp_core *core, const struct vp_view *v, unsigned parent,
		     const char *name, unsigned *ret_node, bool *ret_dir)
{
	struct pv_cputree_in in;
	struct pv_cputree_node pn;
	unsigned *hc = NULL, node;
	char path[PV_CPUTREE_PATH_MAX], err[64];
	int r = tree_in(core, v, &in, &hc, err, sizeof(err));

	if (r >= 0)
		r = path_node(core, &in, parent, name, &node);
	if (r >= 0)
		r = node_path(core, &in, node, path, sizeof(path));
	if (r >= 0)
		r = path_type(core, &in, path, &pn, ret_dir);
	free(hc);
	if (r >= 0)
		*ret_node = node;
	return r < 0 && r != -ENOMEM ? -ENOENT : r;
}

int vp_cputree_stat(struct vp_core *core, const struct vp_view *v, unsigned node, bool *ret_dir)
{
	struct pv_cputree_in in;
	struct pv_cputree_node pn;
	unsigned *hc = NULL;
	char path[PV_CPUTREE_PATH_MAX], err[64];
	int r = tree_in(core, v, &in, &hc, err, sizeof(err));

	if (r >= 0)
		r = node_path(core, &in, node, path, sizeof(path));
	if (r >= 0)
		r = path_type(core, &in, path, &pn, ret_dir);
	free(hc);
	return r < 0 && r != -ENOMEM ? -ENOENT : r;
}

unsigned vp_cputree_parent(unsigned node)
{
	unsigned scope, e;

	if (!vp_cputree_node(node))
		return root_node();
	scope = (node - VP_CPUTREE_BASE) / SCOPE;
	e = (node - VP_CPUTREE_BASE) % SCOPE;
	if (scope == 0)
		return e >= TOP_VULN ? VP_CPUTREE_BASE + TOP_FIXED +
					       (unsigned)find(top, VP_ARRAY_SIZE(top),
							      e >= TOP_IDLE ? "cpuidle" : "vulnerabilities")
				     : root_node();
	if (e == CPU_DIR)
		return root_node();
	if (e < CPU_TOPO)
		return node - e;
	if (e < CPU_FREQ)
		return node - e + CPU_FIXED + 1;
	if (e < CPU_CACHE)
		return node - e + CPU_FIXED + 2;
	if ((e - CPU_CACHE) % 16 == 0)
		return node - e + CPU_FIXED + 3;
	return node - (e - CPU_CACHE) % 16;
}

struct list_ctx {
	struct vp_core *core;
	const struct pv_cputree_in *in;
	unsigned dir;
	int (*fn)(const char *name, unsigned node, bool is_dir, void *u);
	void *u;
};

static int list_one(const char *name, enum pv_cputree_type type, void *u)
{
	struct list_ctx *c = u;
	unsigned node;
	char path[PV_CPUTREE_PATH_MAX];
	struct pv_cputree_node pn;
	bool dir = type == PV_CPUTREE_DIR;

	(void)type;
	/* Entries this tree has no number for, or the host lacks, are not listed. */
	if (path_node(c->core, c->in, c->dir, name, &node) < 0 ||
	    node_path(c->core, c->in, node, path, sizeof(path)) < 0 ||
	    path_type(c->core, c->in, path, &pn, &dir) < 0)
		return 0;
	return c->fn(name, node, dir, c->u);
}

int vp_cputree_list(struct vp_core *core, const struct vp_view *v, unsigned dir,
		    int (*fn)(const char *name, unsigned node, bool is_dir, void *u), void *u)
{
	struct pv_cputree_in in;
	struct pv_cputree_node pn;
	struct list_ctx c = {core, &in, dir, fn, u};
	unsigned *hc = NULL;
	char path[PV_CPUTREE_PATH_MAX], err[64];
	bool is_dir = false;
	int r = tree_in(core, v, &in, &hc, err, sizeof(err));

	if (r >= 0)
		r = node_path(core, &in, dir, path, sizeof(path));
	if (r >= 0)
		r = path_type(core, &in, path, &pn, &is_dir);
	if (r >= 0 && !is_dir)
		r = -ENOTDIR;
	if (r >= 0 && pn.type == PV_CPUTREE_HOST) {
		/* A host directory: its files (cache: its indexK directories). */
		char **names;
		size_t n;
		bool cache = strcmp(path + strcspn(path, "/"), "/cache") == 0;

		r = host_list(core, pn.host_path, cache, &names, &n);
		for (size_t i = 0; r >= 0 && i < n; i++)
			r = list_one(names[i], cache ? PV_CPUTREE_DIR : PV_CPUTREE_FILE, &c);
		if (r >= 0 || names)
			names_free(names, n);
	} else if (r >= 0) {
		r = pv_cputree_list(&in, path, list_one, &c);
	}
	free(hc);
	return r;
}

int vp_cputree_render(struct vp_core *core, const struct vp_view *v, unsigned node,
		      struct strbuf *out, char *err, size_t errsz)
{
	struct pv_cputree_in in;
	struct pv_cputree_node pn;
	unsigned *hc = NULL;
	char path[PV_CPUTREE_PATH_MAX];
	bool dir = false;
	int r = tree_in(core, v, &in, &hc, err, errsz);

	if (r >= 0)
		r = node_path(core, &in, node, path, sizeof(path));
	if (r >= 0)
		r = path_type(core, &in, path, &pn, &dir);
	if (r >= 0 && dir)
		r = -EISDIR;
	if (r >= 0 && pn.type == PV_CPUTREE_HOST)
		r = read_file_at(core->cpu_sysfd, pn.host_path, out);
	else if (r >= 0)
		r = pv_cputree_render(&in, path, out);
	if (r < 0 && err && errsz && !*err)
		snprintf(err, errsz, "sys/devices/system/cpu/%s: %s", r == -ENOENT ? "?" : path,
			 strerror(-r));
	free(hc);
	return r;
}
