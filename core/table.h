/*
 * The served-file table: the one list of what vprocfs serves. The FUSE tree (fs/), the OCI
 * hook's mounts, the CDI spec (`vprocfs-oci-hook --cdi`) and the README's list all derive from
 * it. Pure data: no FUSE, no I/O (the hook links it alone).
 *
 * Adding a file is one row here plus its renderer in core/render.c.
 */
#ifndef VP_CORE_TABLE_H
#define VP_CORE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The files with a renderer. Values index vp_files[]'s file rows (never stored anywhere:
 * renumbering is fine). */
enum vp_file {
	VP_MEMINFO,
	VP_CPUINFO,
	VP_STAT,
	VP_UPTIME,
	VP_LOADAVG,
	VP_SWAPS,
	VP_VMSTAT,
	VP_DISKSTATS,
	VP_PRESSURE_CPU,
	VP_PRESSURE_MEMORY,
	VP_PRESSURE_IO,
	VP_NFILES,
};

/* Which cgroups decide that a caller sees the host's file unchanged: the memory
 * controller's path is the root one, every CPU controller's path is, or the block I/O
 * controller's (v1 blkio, v2 io) is. */
enum vp_view_kind {
	VP_VIEW_MEMORY,
	VP_VIEW_CPU,
	VP_VIEW_IO,
};

/* A directory row whose children are not rows but a tree computed per view (core/tree.h). */
enum vp_tree {
	VP_TREE_NONE,
	VP_TREE_CPU,   /* /sys/devices/system/cpu (core/cputree.h) */
	VP_TREE_BLOCK, /* /sys/class/block: NAME/stat per host block device (core/blocktree.c) */
};

/* Where a host file lives: under the procfs or the sysfs the core was configured with. */
enum vp_host_root {
	VP_HOST_PROC,
	VP_HOST_SYS,
};

/* One entry of a view's tree: a directory or a file. Node numbers are stored by the kernel
 * (inode numbers of bound views, see fs/nodes.c) and survive restarts and upgrades: never
 * renumber a row; append new ones with new numbers. 0 is the view's root directory. */
struct vp_entry {
	unsigned node;       /* within a view, 1..VP_NODE_MAX */
	unsigned parent;     /* the parent directory's node, 0 for the view's root */
	const char *name;
	const char *path;    /* from the view's root (= the mount point), e.g. "proc/meminfo" */
	int file;            /* enum vp_file, or -1 for a directory */
	/* Mounted by the OCI hook and the CDI spec over "/" path in a container (the block
	 * tree: its NAME/stat files, each over the container's /sys/class/block/NAME/stat). */
	bool mount;
	/* A directory whose children are a per-view tree, not rows (VP_TREE_NONE: rows). */
	enum vp_tree tree;
	enum vp_host_root host_root;
	const char *host_rel; /* the host's file, relative to host_root */
	unsigned controllers; /* cgroup controllers its renderer reads (CG_MASK bits) */
	enum vp_view_kind kind;
	const char *what;     /* one line for the README and --list-files */
	/* Mounted by the OCI hook (and so by the CDI spec, which runs it), never with `-v`:
	 * runc refuses a bind mount of config.json (what `-v` becomes) over any /proc file but
	 * a few of its own choosing ("cannot be mounted because it is inside /proc"),
	 * /proc/vmstat and /proc/pressure/ among them; the hook attaches its mounts after that
	 * check. */
	bool hook_only;
	/* Served only where the memory controller is on cgroup v2 (pure v2 hosts) and the
	 * kernel keeps pressure stall information: elsewhere absent from every view (see
	 * vp_core_serves()). */
	bool v2_only;
};

/* Largest node number a table row may have (fs/nodes.c keeps 20 bits for it). */
#define VP_NODE_MAX 4095

extern const struct vp_entry vp_entries[];
extern const size_t vp_nentries;

/* The row of node number node, of file f, of path (relative, no leading '/'), NULL if
 * none. */
const struct vp_entry *vp_entry_by_node(unsigned node);
const struct vp_entry *vp_entry_of_file(enum vp_file f);
const struct vp_entry *vp_entry_by_path(const char *path);
/* The child called name of directory node parent, NULL if none. */
const struct vp_entry *vp_entry_child(unsigned parent, const char *name);
/* Iterate the children of directory node parent: *cursor starts at 0. */
const struct vp_entry *vp_entry_next_child(unsigned parent, size_t *cursor);

/* The README's list of served files (between its "served-files" markers; a unit test keeps
 * the two equal): one markdown table row per file. `vprocfs --list-files` prints it. */
void vp_table_markdown(FILE *f);

#endif
