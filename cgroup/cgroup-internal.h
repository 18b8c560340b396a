/* Private to cgroup/: the per-version memory and CPU backends and the file helpers they
 * share. */
#ifndef VP_CGROUP_INTERNAL_H
#define VP_CGROUP_INTERNAL_H

#include "cgroup/cgroup.h"
#include <limits.h>
#include <sys/types.h>

#include "util/strbuf.h"

/* ---- error.c: which file failed ---------------------------------------------------------- */

/* Where a read of one hierarchy failed: the cgroup and the file (NULL: the cgroup itself).
 * The helpers below record it when they fail (never NULL), and the entry point makes it a
 * struct cg_error only when its whole read fails: a failure a reader expects (an optional
 * file is missing) costs a copy of the path, no formatting. */
struct cg_where {
	const char *file;
	char path[512]; /* as long as a cg_error's where; longer paths are shortened */
};

/* Record path and file in w; returns r. */
int cg_where_set(struct cg_where *w, const char *path, const char *file, int r);
/* Fill err (nothing when NULL) for the failure r: "<fmt...>: <strerror(-r)>". */
void cg_error_printf(struct cg_error *err, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same for file (NULL: none) of cgroup path of hierarchy h: "<mount>:<path>/<file>: ...". */
void cg_error_set(struct cg_error *err, const struct cg_hier *h, const char *path,
		  const char *file, int r);

/* ---- the per-version backends ------------------------------------------------------------ */

struct cg_mem_ops {
	int (*read)(const struct cg_hier *h, const char *path, struct cg_memory *ret,
		    struct cg_where *w);
};

extern const struct cg_mem_ops cg_mem_v1_ops;
extern const struct cg_mem_ops cg_mem_v2_ops;

/* What differs between v1 and v2 CPU files; the walk over the hierarchies is cpu.c's. The
 * readers record in w where they failed. */
struct cg_cpu_ops {
	/* Minimum quota over path and its ancestors, micro-CPUs (CG_UNLIMITED: none). */
	int (*read_quota)(const struct cg_hier *h, const char *path, struct strbuf *sb,
			  uint64_t *ret, struct cg_where *w);
	/* Effective cpuset of path; n == 0 when no level restricts it. */
	int (*read_cpuset)(const struct cg_hier *h, const char *path, struct strbuf *sb,
			   struct cg_cpulist *ret, struct cg_where *w);
	/* The CPU time file of a cgroup (its inode identifies the cgroup) and its parser. */
	const char *acct_file;
	int (*parse_acct)(const char *text, struct cg_cpuacct *ret);
};

extern const struct cg_cpu_ops cg_cpu_v1_ops;
extern const struct cg_cpu_ops cg_cpu_v2_ops;

/* ---- cgfile.c: the files of one cgroup ---------------------------------------------------- */

/* Read file `name` of cgroup `path` (absolute, "/" = hierarchy root) of hierarchy h into sb:
 * through h's cache of open files on a real cgroup file system (see fdcache.c), else with
 * openat() relative to h->rootfd. */
int cg_read_file(const struct cg_hier *h, const char *path, const char *name, struct strbuf *sb);
/* The same, also giving the file's inode number. */
int cg_read_file_ino(const struct cg_hier *h, const char *path, const char *name,
		     struct strbuf *sb, ino_t *ret_ino);
/* Parse a one-number file of one cgroup; on failure, w says which. */
int cg_read_u64(const struct cg_hier *h, const char *path, const char *name, struct strbuf *sb,
		uint64_t *ret, struct cg_where *w);
/* Minimum over `path` and its ancestors of file `name` parsed with parse (CG_UNLIMITED when
 * no level counts). The hierarchy root counts only with CG_MIN_ROOT (v2's root has no limit
 * files); a level without the file is passed over with CG_MIN_OPTIONAL (v2: the controller
 * is not enabled there), else it fails. On failure, w says which file. */
enum {
	CG_MIN_ROOT = 1 << 0,
	CG_MIN_OPTIONAL = 1 << 1,
};
int cg_read_min(const struct cg_hier *h, const char *path, const char *name,
		int (*parse)(const char *text, uint64_t *ret), unsigned flags, struct strbuf *sb,
		uint64_t *ret, struct cg_where *w);

/* Whether cgroup path of h may be read: -EOPNOTSUPP when h is not mounted, -EINVAL for a
 * relative path or one that could climb out of the hierarchy (such a path is never opened). */
int cg_path_usable(const struct cg_hier *h, const char *path);

/* The walk up a cgroup path: copy an absolute path into a buffer (-EINVAL when relative,
 * -ENAMETOOLONG), then cg_path_up() it in place, "/a/b" -> "/a" -> "/"; false at the root. */
int cg_path_copy(char dst[PATH_MAX], const char *src);
bool cg_path_up(char *cur);

/* ---- fdcache.c: open cgroup files kept for pread() -------------------------------------- */

struct cg_fdcache;

/* A cache of at most cap open files under rootfd (which it does not own). */
int cg_fdcache_new(int rootfd, size_t cap, struct cg_fdcache **ret);
void cg_fdcache_free(struct cg_fdcache *c);
/* Read rel (relative to rootfd) into sb, through a kept fd: opened on first use, re-opened
 * when the kernel says the file is gone (ENODEV: its cgroup was removed; a cgroup of the same
 * path may exist again). */
int cg_fdcache_read(struct cg_fdcache *c, const char *rel, struct strbuf *sb, ino_t *ret_ino);
/* Close the files not read for max_idle_s seconds (they pin removed cgroups in memory). */
void cg_fdcache_sweep(struct cg_fdcache *c, unsigned max_idle_s);

#endif
