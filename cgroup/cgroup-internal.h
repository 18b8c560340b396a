/* Private to cgroup/: the per-version memory backends and the file helpers they share. */
#ifndef VP_CGROUP_INTERNAL_H
#define VP_CGROUP_INTERNAL_H

#include "cgroup/cgroup.h"
#include "util/strbuf.h"

struct cg_mem_ops {
	int (*read)(int rootfd, const char *path, struct cg_memory *ret);
};

extern const struct cg_mem_ops cg_mem_v1_ops;
extern const struct cg_mem_ops cg_mem_v2_ops;

/* Read file `name` of cgroup `path` (absolute, "/" = hierarchy root) under rootfd into sb. */
int cg_read_file(int rootfd, const char *path, const char *name, struct strbuf *sb);
/* Parse a limit file of one cgroup. */
int cg_read_limit(int rootfd, const char *path, const char *name, struct strbuf *sb,
		  uint64_t *ret);
/* Minimum of limit file `name` over `path` and its ancestors; the hierarchy root is included
 * only when with_root (v2's root has no limit files). */
int cg_read_min_limit(int rootfd, const char *path, const char *name, bool with_root,
		      struct strbuf *sb, uint64_t *ret);

#endif
