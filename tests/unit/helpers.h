/* Shared helpers of the unit tests. Tests run from tests/ (the Makefile cds there). */
#ifndef VP_TESTS_HELPERS_H
#define VP_TESTS_HELPERS_H

#include <stddef.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

/* The whole file at path (relative to tests/), malloc()ed; aborts the test if missing. */
char *fixture(const char *path);
/* text with the line starting with `prefix` replaced by `line` (no newline), malloc()ed. */
char *replace_line(const char *text, const char *prefix, const char *line);
/* text without the line starting with `prefix`, malloc()ed. */
char *drop_line(const char *text, const char *prefix);
/* A fresh temporary directory (malloc()ed path). */
char *tmpdir_new(void);
/* Write content to dir/rel, creating parent directories. */
void tmp_write(const char *dir, const char *rel, const char *content);
/* Copy a fixture directory tree to a fresh temporary directory (malloc()ed path). */
char *tmp_copy_tree(const char *fixture_dir);
void tmp_remove(char *dir);
/* Remove dir/rel (must exist). */
void tmp_unlink(const char *dir, const char *rel);

/* The current test's fixture tree: open_tree() copies fixture_dir to a temporary directory
 * (fx_tree) and builds its layout (fx_layout); close_tree() frees both. */
extern struct cg_layout fx_layout;
extern char *fx_tree;
void open_tree(const char *fixture_dir, enum cg_version v);
void close_tree(void);
/* e says that file rel (relative to the tree's root, e.g. "pod/ctr/tasks") of tree failed
 * with errno err: "<tree>:/<rel>: <strerror(err)>". */
void assert_cg_error(const struct cg_error *e, const char *tree, const char *rel, int err);

/* One file of a fixture tree damaged, and what a read must then say. */
struct damage {
	const char *rel;     /* relative to the tree's root */
	const char *content; /* NULL: the file is removed */
	int err;             /* the read fails with -err... */
	const char *named;   /* ...naming this file (NULL: rel) */
};
/* For each damage, on a fresh copy of fixture_dir (fx_tree, fx_layout): read(path, &e) fails
 * as it says, with an error naming the file and its cgroup. */
void check_damages(const char *fixture_dir, enum cg_version v, const char *path,
		   int (*read)(const char *path, struct cg_error *e), const struct damage *d,
		   size_t n);

/* A fake /proc in a fresh temporary directory (malloc()ed path). Pid namespaces are stood in
 * for by hard links to files proc/ns-NAME (one inode per "namespace"); proc/self is in
 * namespace "host". */
char *fake_proc_new(void);
/* proc/PID/ns/pid in namespace ns (replacing an earlier one), proc/PID/status with PPid and
 * NSpid (tab-separated, outermost first), proc/PID/cgroup with the given text. */
void fake_pid(const char *proc, pid_t pid, const char *ns, pid_t ppid, const char *nspid,
	      const char *cgroup);
/* proc/PID/stat: scheduler state and start time (clock ticks after boot); the command name
 * holds spaces and parentheses. */
void fake_stat(const char *proc, pid_t pid, char state, unsigned long long start);

#endif
