/*
 * A view's /sys/devices/system/cpu: the directory row of the served-file table whose
 * children are not rows but this tree (proc_views/cputree.c: cpu0..cpu(n-1) of the view's n
 * CPUs with their topology, the top-level ranges, and the host's entries that carry no CPU
 * numbers or belong to the host CPU behind a visible one).
 *
 * Node numbers: VP_CPUTREE_BASE + scope * 256 + entry, scope 0 for the top level and 1 + i for
 * cpu i; within a scope the fixed entries have fixed numbers and the host's files the place of
 * their name in the host directory, sorted (the same for the host's whole uptime). They do not
 * depend on the view or on n: the kernel keeps them, across our restarts too.
 *
 * Served from the host (read-only, read when read): the files of vulnerabilities/ and cpuidle/,
 * modalias, and of the host CPU behind cpuN: the files of cpufreq/ and cache/indexK/ (K < 8).
 * Subdirectories of those (cache/indexK/power, ...) are not served.
 */
#ifndef VP_CORE_CPUTREE_H
#define VP_CORE_CPUTREE_H

#include <stdbool.h>

#include "core/core.h"

#define VP_CPUTREE_BASE 4096
#define VP_CPUTREE_MAX_CPUS 4000 /* node numbers stay below 2^20 */

static inline bool vp_cputree_node(unsigned node)
{
	return node >= VP_CPUTREE_BASE && node < (1u << 20);
}

/* The child called name of directory node parent (the table row of the tree's root, or a
 * directory of the tree), for view v: its node and whether it is a directory. -ENOENT. */
int vp_cputree_child(struct vp_core *core, const struct vp_view *v, unsigned parent,
		     const char *name, unsigned *ret_node, bool *ret_dir);
/* Whether node exists for v now (0: *ret_dir says what it is; -ENOENT: not any more). */
int vp_cputree_stat(struct vp_core *core, const struct vp_view *v, unsigned node, bool *ret_dir);
/* The entries of directory dir: fn(name, node, is_dir, u) each, stopping at a negative
 * return, which is returned. */
int vp_cputree_list(struct vp_core *core, const struct vp_view *v, unsigned dir,
		    int (*fn)(const char *name, unsigned node, bool is_dir, void *u), void *u);
/* The parent directory's node of a node of the tree. */
unsigned vp_cputree_parent(unsigned node);
/* File node's content for v into out. */
int vp_cputree_render(struct vp_core *core, const struct vp_view *v, unsigned node,
		      struct strbuf *out, char *err, size_t errsz);

#endif
