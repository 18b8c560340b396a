/*
 * cgroup/: discovers the cgroup hierarchies (v1, v2, hybrid) and reads limits and usage into
 * plain structs. Knows nothing about /proc formats or FUSE.
 *
 * Error convention: functions return 0 or -errno; ret_* out-parameters are written only on
 * success. -ESRCH means "the process in question has exited".
 */
#ifndef VP_CGROUP_CGROUP_H
#define VP_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* "No limit": v1's 9223372036854771712 (and anything at least PAGE_COUNTER_MAX with 64 KiB
 * pages) and v2's "max" both map to this. */
#define CG_UNLIMITED UINT64_MAX
/* Smallest value a v1 limit file prints for "unlimited" (LONG_MAX rounded down to 64 KiB). */
#define CG_V1_UNLIMITED_MIN UINT64_C(9223372036854710272)

enum cg_version {
	CG_NONE = 0, /* controller not mounted */
	CG_V1 = 1,
	CG_V2 = 2,
};

struct cg_mem_ops;

/* One hierarchy holding a controller. */
struct cg_hier {
	enum cg_version version;
	int rootfd;  /* O_DIRECTORY fd of the hierarchy's mount point, -1 when CG_NONE */
	char *mount; /* mount point path, for messages */
	const struct cg_mem_ops *mem; /* memory backend, chosen once by version */
};

/* Where each controller vprocfs reads lives. */
struct cg_layout {
	struct cg_hier memory;
};

/* Discovers the host's layout with libcgroup (controller -> mount point) and statfs()
 * (cgroup1 or cgroup2 on that mount point). */
int cg_layout_discover(struct cg_layout *ret);
/* A layout whose memory controller is the tree at dir with the given version: fixture trees
 * in tests, or an explicit override. */
int cg_layout_from_dir(const char *dir, enum cg_version v, struct cg_layout *ret);
void cg_layout_done(struct cg_layout *l);
const char *cg_version_name(enum cg_version v);

/* ---- /proc/PID/cgroup ------------------------------------------------------------------ */

/* From the text of /proc/PID/cgroup, the path of the hierarchy holding `controller` in
 * hierarchy version v (v1: the line whose controller list names it, e.g. "memory"; v2: the
 * "0::" line, controller ignored). The returned path starts with '/', is relative to the
 * hierarchy root and is malloc()ed. -ENOENT: no such line; -EINVAL: malformed text;
 * -ESRCH: the cgroup is marked " (deleted)" (the process is exiting). */
int cg_proc_cgroup_path(const char *text, enum cg_version v, const char *controller,
			char **ret_path);

/* ---- whose view -------------------------------------------------------------------------- */

/* The container for a caller whose own cgroup is `caller` when the init of its pid namespace
 * is in `init` (NULL when the caller is in the daemon's pid namespace): init's cgroup with a
 * trailing "/init.scope" removed, if that is the caller's cgroup or one of its ancestors;
 * otherwise the caller's own cgroup. Returns a malloc()ed path. */
int cg_pick_container(const char *caller, const char *init, char **ret_path);
/* Whether a is b or an ancestor of b (both absolute cgroup paths). */
bool cg_path_is_ancestor(const char *a, const char *b);

/* ---- memory ------------------------------------------------------------------------------- */

/* memory.stat, normalized to v2 names. v1 values come from the hierarchical total_* keys.
 * A key absent from the file reads 0. */
struct cg_memstat {
	uint64_t anon, file, shmem, file_mapped, file_dirty, file_writeback;
	uint64_t active_anon, inactive_anon, active_file, inactive_file, unevictable;
	uint64_t anon_thp, file_thp, shmem_thp;
	uint64_t slab, slab_reclaimable, slab_unreclaimable;
	uint64_t kernel_stack, pagetables, sec_pagetables, percpu, vmalloc;
	uint64_t zswap, zswapped;
};

/* Parse memory.stat text of the given version into *ret. Unknown keys are ignored; a line
 * that is not "key number" is -EINVAL. */
int cg_parse_memstat(const char *text, enum cg_version v, struct cg_memstat *ret);

/* Parse a one-value limit file: a decimal number or "max", optional trailing newline. v1
 * values >= CG_V1_UNLIMITED_MIN and "max" give CG_UNLIMITED. -EINVAL (garbage, empty),
 * -ERANGE (overflow). */
int cg_parse_limit(const char *text, uint64_t *ret);

/* What a container's memory looks like. Byte values. */
struct cg_memory {
	uint64_t limit;      /* effective: minimum over the cgroup and its ancestors */
	uint64_t usage;      /* the cgroup's own: v1 memory.usage_in_bytes, v2 memory.current */
	bool swap_accounted; /* false: no memsw / memory.swap.* files */
	uint64_t swap_limit; /* effective swap limit (v1: memsw - memory limit) */
	uint64_t swap_usage;
	struct cg_memstat stat;
};

/* Read the memory facts of cgroup `path` (absolute within hierarchy h). Every file must exist
 * and parse, else the call fails (-ENOENT, -EINVAL, -ERANGE...): nothing is guessed. The only
 * optional files are the swap ones (absent: swap_accounted = false). */
int cg_memory_read(const struct cg_hier *h, const char *path, struct cg_memory *ret);

#endif
