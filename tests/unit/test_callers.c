/* The callers' kept views (core/callers.c) on the fake host (fakehost.h): moved threads and
 * namespace inits, recreated cgroups, memos, the table's bounds and concurrent callers. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "fakehost.h"
#include "helpers.h"
#include "util/cleanup.h"

TestSuite(callers, .fini = host_done);

/* The memory path of tid's view (CG_MASK_ALL: through the kept views), and its inode. */
static char *view_path(pid_t tid, uint64_t *ret_ino)
{
	struct vp_view v;
	char *p;

	cr_assert_eq(vp_view_of(fh.core, tid, CG_MASK_ALL, &v), 0, "view of %d", (int)tid);
	p = strdup(v.c.path[CG_MEMORY]);
	cr_assert_not_null(p);
	if (ret_ino)
		*ret_ino = v.ino[CG_MEMORY];
	vp_view_done(&v);
	return p;
}

static uint64_t dir_ino(const char *rel)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", fh.cg, rel);
	cr_assert_eq(stat(p, &st), 0, "%s", p);
	return (uint64_t)st.st_ino;
}

Test(callers, moved_thread_gets_its_new_view_on_the_next_call)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	v2_host(PV_COUNT_QUOTA);
	a = view_path(700, NULL);
	cr_assert_str_eq(a, V2_CTR);
	cr_assert_eq(vp_callers_count(fh.core->callers), 1, "kept");
	tmp_write(fh.proc, "700/cgroup", "0::/vp_fixture\n");
	b = view_path(700, NULL);
	cr_assert_str_eq(b, "/vp_fixture", "no time to live: the move shows at once");
	tmp_write(fh.proc, "700/cgroup", "0::" V2_CTR "\n");
	c = view_path(700, NULL);
	cr_assert_str_eq(c, V2_CTR);
	cr_assert_eq(vp_callers_count(fh.core->callers), 1, "one thread, one entry");
}

/* systemd inside a container moving itself: the namespace init's cgroup is read again too. */
Test(callers, namespace_init_moved_changes_the_view)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

	v2_host(PV_COUNT_QUOTA);
	a = view_path(405, NULL);
	cr_assert_str_eq(a, V2_CTR);
	/* Init in an ancestor of the thread's cgroup: that is the container now. */
	tmp_write(fh.proc, "403/cgroup", "0::/vp_fixture\n");
	b = view_path(405, NULL);
	cr_assert_str_eq(b, "/vp_fixture");
	tmp_write(fh.proc, "403/cgroup", "0::" V2_CTR "/init.scope\n");
	c = view_path(405, NULL);
	cr_assert_str_eq(c, V2_CTR);
}

/* A cgroup removed and created again at the same path while the thread was elsewhere: the
 * texts read the same, the directory's inode number is checked again within a second. */
Test(callers, recreated_cgroup_gets_the_new_inode_within_a_second, .timeout = 20)
{
	_cleanup_free_ char *a = NULL, *b = NULL;
	uint64_t old_ino, ino;
	char cmd[8500];

	v2_host(PV_COUNT_QUOTA);
	a = view_path(700, &old_ino);
	cr_assert_eq(old_ino, dir_ino(V2_CTR));
	snprintf(cmd, sizeof(cmd), "mv '%s" V2_CTR "' '%s" V2_CTR ".old' && cp -a '%s" V2_CTR
		 ".old' '%s" V2_CTR "'", fh.cg, fh.cg, fh.cg, fh.cg);
	cr_assert_eq(system(cmd), 0);
	cr_assert_neq(dir_ino(V2_CTR), old_ino);
	usleep(1100 * 1000);
	b = view_path(700, &ino);
	cr_assert_str_eq(b, V2_CTR);
	cr_assert_eq(ino, dir_ino(V2_CTR), "the new directory's inode, not %" PRIu64, old_ino);
}

Test(callers, memo_belongs_to_one_resolution)
{
	uint64_t memo, serial, again;

	v2_host(PV_COUNT_QUOTA);
	cr_assert_eq(vp_view_recall(fh.core, 700, NULL, &memo, &serial), 0);
	cr_assert_eq(memo, 0);
	cr_assert_neq(serial, 0);
	vp_view_memo(fh.core, 700, serial, 42);
	cr_assert_eq(vp_view_recall(fh.core, 700, NULL, &memo, &again), 0);
	cr_assert_eq(memo, 42);
	cr_assert_eq(again, serial);
	/* Another view: another resolution, no memo; the old one's memo is not stored. */
	tmp_write(fh.proc, "700/cgroup", "0::/vp_fixture\n");
	cr_assert_eq(vp_view_recall(fh.core, 700, NULL, &memo, &again), 0);
	cr_assert_eq(memo, 0);
	cr_assert_neq(again, serial);
	vp_view_memo(fh.core, 700, serial, 43);
	cr_assert_eq(vp_view_recall(fh.core, 700, NULL, &memo, NULL), 0);
	cr_assert_eq(memo, 0);
}

static int fd_count(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	cr_assert_not_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* More threads than entries: the table stays bounded, evicted entries' files are closed, and
 * every thread still gets its own view. */
Test(callers, bounded_table_and_descriptors, .timeout = 60)
{
	enum { N = VP_CALLERS + 100, BASE = 20000 };
	int fds;

	v2_host(PV_COUNT_QUOTA);
	for (int i = 0; i < N; i++) {
		char cg[64];

		snprintf(cg, sizeof(cg), "0::%s\n", i % 2 ? V2_CTR : "/vp_fixture");
		fake_pid(fh.proc, BASE + i, "host", 1, "1", cg);
	}
	fds = fd_count();
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < N; i++) {
			_cleanup_free_ char *p = view_path(BASE + i, NULL);

			cr_assert_str_eq(p, i % 2 ? V2_CTR : "/vp_fixture", "pid %d", BASE + i);
		}
	cr_assert_leq(vp_callers_count(fh.core->callers), VP_CALLERS);
	cr_assert_geq(vp_callers_count(fh.core->callers), VP_CALLERS / 2);
	cr_assert_leq(fd_count() - fds, VP_CALLERS, "one fd per host-namespace thread kept");
}

struct racer {
	pid_t tid;
	const char *want;
};

static void *race(void *arg)
{
	const struct racer *r = arg;

	for (int i = 0; i < 2000; i++) {
		struct vp_view v;

		if (vp_view_of(fh.core, r->tid, CG_MASK_ALL, &v) < 0)
			return (void *)1;
		if (strcmp(v.c.path[CG_MEMORY], r->want) != 0) {
			vp_view_done(&v);
			return (void *)2;
		}
		vp_view_done(&v);
	}
	return NULL;
}

/* Threads of one set and of others, concurrently: each gets its own view, always. */
Test(callers, concurrent_callers, .timeout = 60)
{
	struct racer rs[4] = {{700, V2_CTR}, {800, "/vp_fixture"}, {405, V2_CTR}, {1, "/"}};
	pthread_t t[4];

	v2_host(PV_COUNT_QUOTA);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, race, &rs[i]), 0);
	for (int i = 0; i < 4; i++) {
		void *res;

		cr_assert_eq(pthread_join(t[i], &res), 0);
		cr_assert_null(res, "thread %d: %p", i, res);
	}
}
