/*
 * The per-view trees below directory rows of the served-file table (enum vp_tree): the cpu
 * tree (core/cputree.h) and the block tree (core/blocktree.c), behind one interface for fs/.
 *
 * Node numbers: the cpu tree's from VP_CPUTREE_BASE below 2^20; the block tree's from
 * VP_BLOCKTREE_BASE (2^31): VP_BLOCKTREE_BASE | major << 21 | minor << 1 | (1 for NAME/stat,
 * 0 for the directory NAME). Block majors are below 512 (the kernel's BLKDEV_MAJOR_MAX) and
 * minors below 2^20, so a device's numbers are its own for as long as it exists, across our
 * restarts too, whatever else comes and goes.
 */
#ifndef VP_CORE_TREE_H
#define VP_CORE_TREE_H

#include <stdbool.h>

#include "core/core.h"
#include "core/cputree.h"

#define VP_BLOCKTREE_BASE 0x80000000u
#define VP_BLOCK_MAJOR_MAX 512u

static inline bool vp_blocktree_node(unsigned node)
{
	return node >= VP_BLOCKTREE_BASE;
}

/* Whether node is below a tree row (a node of either tree). */
static inline bool vp_tree_node(unsigned node)
{
	return vp_cputree_node(node) || vp_blocktree_node(node);
}

/* As the vp_cputree_*() functions (core/cputree.h), for either tree: parent and dir may be
 * a tree row's node or a node of its tree. */
int vp_tree_child(struct vp_core *core, const struct vp_view *v, unsigned parent,
		  const char *name, unsigned *ret_node, bool *ret_dir);
int vp_tree_stat(struct vp_core *core, const struct vp_view *v, unsigned node, bool *ret_dir);
int vp_tree_list(struct vp_core *core, const struct vp_view *v, unsigned dir,
		 int (*fn)(const char *name, unsigned node, bool is_dir, void *u), void *u);
unsigned vp_tree_parent(unsigned node);
int vp_tree_render(struct vp_core *core, const struct vp_view *v, unsigned node,
		   struct strbuf *out, char *err, size_t errsz);

#endif
