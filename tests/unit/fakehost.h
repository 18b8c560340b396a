/* The unit tests of core/ on a fake host: a fake /proc and /sys in temporary directories
 * (the host's files from the fixtures; processes whose pid namespaces are hard links, see
 * helpers.c) and a copy of a fixture cgroup tree as every controller. */
#ifndef VP_TESTS_FAKEHOST_H
#define VP_TESTS_FAKEHOST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/core.h"

#define HZ 100
#define V2_CTR "/vp_fixture/ctr"
#define V1_CTR "/pod/ctr"

struct fake_host {
	char *proc, *sys, *cg;
	struct vp_core *core;
	unsigned long long init_start; /* of the v2 container's init, 403 */
	unsigned long long task_start; /* of the v1 container's only task, 6543 */
};

extern struct fake_host fh;

/* Clock ticks after boot, s seconds ago. */
unsigned long long ticks_ago(unsigned s);
/* The v2 fixture host (16 CPUs; fakehost.c says who runs where) with the core open. */
void v2_host(enum pv_cpu_count count);
/* The v1 fixture host (2 CPUs). */
void v1_host(void);
/* The core on the fake host's files (again, after a test changed them). */
void core_open(enum cg_version v, enum pv_cpu_count count);
/* Everything of the fake host freed (a suite's .fini). */
void host_done(void);

/* File f for the view of tid (every controller), into out; err gets the error text. */
int render_err(pid_t tid, enum vp_file f, struct strbuf *out, char *err, size_t errsz);
/* File f for the view of tid (malloc()ed); it must render. */
char *render(pid_t tid, enum vp_file f);
/* File path (below the tree row at root) of tid's view, through the tree's node numbers as
 * the FUSE side walks them (malloc()ed); it must render. */
char *render_tree_at(pid_t tid, const char *root, const char *path);
/* Lines of text that start with prefix. */
int count_lines(const char *text, const char *prefix);
/* Breaking cgroup file rel of the v2 container (removed when content is NULL) makes the files
 * of fail[] fail for it, with an error naming the file and the container, and leaves ok
 * be; restored, they render again. */
void assert_broken(const char *rel, const char *content, const enum vp_file *fail,
		   size_t nfail, enum vp_file ok);

#endif
