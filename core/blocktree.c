/*
 * A view's /sys/class/block (core/tree.h): a directory NAME per block device of the host, as
 * its /proc/diskstats lists them (disks and partitions; a '/' in the name becomes '!', as
 * sysfs names them), each with one file, stat: the device's figures for the view
 * (vp_block_stat_render()). Nothing else of the device's sysfs directory is served: the OCI
 * hook mounts the stat files, one by one, over the container's own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/tree.h"
#include "proc_views/diskstats.h"

#define STAT_NAME "stat"

struct dev {
	char name[PV_DISK_NAME_MAX];
	unsigned major, minor;
};

struct devs {
	struct dev *d;
	size_t n, cap;
};

static unsigned root_node(void)
{
	for (size_t i = 0; i < vp_nentries; i++)
		if (vp_entries[i].tree == VP_TREE_BLOCK)
			return vp_entries[i].node;
	return 0;
}

static unsigned dev_node(unsigned major, unsigned minor)
{
	return VP_BLOCKTREE_BASE | major << 21 | minor << 1;
}

static void node_dev(unsigned node, unsigned *major, unsigned *minor)
{
	*major = (node >> 21) & (VP_BLOCK_MAJOR_MAX - 1);
	*minor = (node >> 1) & 0xfffff;
}

/* The name sysfs gives device name (a '/' becomes '!'). */
static void sysfs_name(const char *name, char out[PV_DISK_NAME_MAX])
{
	snprintf(out, PV_DISK_NAME_MAX, "%s", name);
	for (char *p = out; (p = strchr(p, '/'));)
		*p = '!';
}

/* Whether Linux could have device major:minor (else it has no node number). */
static bool numbered(unsigned major, unsigned minor)
{
	return major < VP_BLOCK_MAJOR_MAX && minor <= 0xfffff;
}

static int collect(const char *name, unsigned major, unsigned minor, void *u)
{
	struct devs *ds = u;
	struct dev *d;

	if (!numbered(major, minor))
		return 0;
	if (ds->n == ds->cap) {
		size_t ncap = ds->cap ? ds->cap * 2 : 32;
		struct dev *nd = reallocarray(ds->d, ncap, sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		ds->d = nd;
		ds->cap = ncap;
	}
	d = &ds->d[ds->n++];
	sysfs_name(name, d->name);
	d->major = major;
	d->minor = minor;
	return 0;
}

/* The host's devices now (collected: a listing's callback may call back into the core). */
static int devices(struct vp_core *core, struct devs *ds)
{
	int r;

	*ds = (struct devs){0};
	r = vp_block_each(core, collect, ds);
	if (r < 0) {
		free(ds->d);
		*ds = (struct devs){0};
	}
	return r;
}

/* One device looked for: by its sysfs name (name), else by the numbers of node. */
struct find {
	const char *name;
	unsigned node;
};

static int find_one(const char *name, unsigned major, unsigned minor, void *u)
{
	struct find *f = u;
	char sys[PV_DISK_NAME_MAX];

	if (!numbered(major, minor))
		return 0;
	if (f->name) {
		sysfs_name(name, sys);
		if (strcmp(sys, f->name) != 0)
			return 0;
		f->node = dev_node(major, minor);
		return 1;
	}
	return dev_node(major, minor) == (f->node & ~1u);
}

/* The directory node of the device called name, or that of node's device: 0, or -ENOENT
 * when the host has no such device now. */
static int find(struct vp_core *core, const char *name, unsigned node, unsigned *ret)
{
	struct find f = {name, node};
	int r = vp_block_each(core, find_one, &f);

	if (r < 0)
		return r;
	if (r == 0)
		return -ENOENT;
	*ret = f.node & ~1u;
	return 0;
}

/* Whether node is a directory of the tree: its root row or a device's. */
static bool dir_node(unsigned node)
{
	return node == root_node() || (vp_blocktree_node(node) && !(node & 1));
}

static int block_child(struct vp_core *core, const struct vp_view *v, unsigned parent,
		       const char *name, unsigned *ret_node, bool *ret_dir)
{
	int r;

	(void)v;
	if (!dir_node(parent) || (parent != root_node() && strcmp(name, STAT_NAME) != 0))
		return -ENOENT;
	r = parent == root_node() ? find(core, name, 0, ret_node)
				  : find(core, NULL, parent, ret_node);
	*ret_dir = parent == root_node();
	if (r >= 0 && !*ret_dir)
		*ret_node |= 1;
	return r;
}

static int block_stat(struct vp_core *core, const struct vp_view *v, unsigned node, bool *ret_dir)
{
	unsigned dir;

	(void)v;
	*ret_dir = !(node & 1);
	return vp_blocktree_node(node) ? find(core, NULL, node, &dir) : -ENOENT;
}

static int block_list(struct vp_core *core, const struct vp_view *v, unsigned dir,
		      int (*fn)(const char *name, unsigned node, bool is_dir, void *u), void *u)
{
	struct devs ds;
	unsigned found;
	int r;

	(void)v;
	if (!dir_node(dir))
		return -ENOTDIR;
	if (dir != root_node()) {
		r = find(core, NULL, dir, &found);
		return r < 0 ? r : fn(STAT_NAME, dir | 1, false, u);
	}
	r = devices(core, &ds);
	for (size_t i = 0; r >= 0 && i < ds.n; i++)
		r = fn(ds.d[i].name, dev_node(ds.d[i].major, ds.d[i].minor), true, u);
	free(ds.d);
	return r;
}

static unsigned block_parent(unsigned node)
{
	return vp_blocktree_node(node) && (node & 1) ? node & ~1u : root_node();
}

static int block_render(struct vp_core *core, const struct vp_view *v, unsigned node,
			struct strbuf *out, char *err, size_t errsz)
{
	unsigned major, minor;

	if (!vp_blocktree_node(node))
		return -ENOENT;
	if (!(node & 1))
		return -EISDIR;
	node_dev(node, &major, &minor);
	return vp_block_stat_render(core, v, major, minor, out, err, errsz);
}

/* ---- either tree ---------------------------------------------------------------------- */

/* Whether node (a row's or a tree's) belongs to the block tree. */
static bool block_side(unsigned node)
{
	return vp_blocktree_node(node) || (node && node == root_node());
}

int vp_tree_child(struct vp_core *core, const struct vp_view *v, unsigned parent,
		  const char *name, unsigned *ret_node, bool *ret_dir)
{
	return block_side(parent) ? block_child(core, v, parent, name, ret_node, ret_dir)
				  : vp_cputree_child(core, v, parent, name, ret_node, ret_dir);
}

int vp_tree_stat(struct vp_core *core, const struct vp_view *v, unsigned node, bool *ret_dir)
{
	return block_side(node) ? block_stat(core, v, node, ret_dir)
				: vp_cputree_stat(core, v, node, ret_dir);
}

int vp_tree_list(struct vp_core *core, const struct vp_view *v, unsigned dir,
		 int (*fn)(const char *name, unsigned node, bool is_dir, void *u), void *u)
{
	return block_side(dir) ? block_list(core, v, dir, fn, u)
			       : vp_cputree_list(core, v, dir, fn, u);
}

unsigned vp_tree_parent(unsigned node)
{
	return vp_blocktree_node(node) ? block_parent(node) : vp_cputree_parent(node);
}

int vp_tree_render(struct vp_core *core, const struct vp_view *v, unsigned node,
		   struct strbuf *out, char *err, size_t errsz)
{
	return vp_blocktree_node(node) ? block_render(core, v, node, out, err, errsz)
				       : vp_cputree_render(core, v, node, out, err, errsz);
}
