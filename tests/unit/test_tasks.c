/* cgroup/tasks.c: /proc/TID/stat state parsing and thread counting over a fixture tree and a
 * fake /proc. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgroup/caller.h"
#include "cgroup/cgroup.h"
#include "helpers.h"
#include "util/cleanup.h"

Test(stat_state, fixture_and_odd_names)
{
	_cleanup_free_ char *text = fixture("fixtures/v2/proc/init.stat");
	unsigned long long start;
	char st;

	cr_assert_eq(cg_parse_stat_state(text, &st, &start), 0);
	cr_assert_eq(st, 'S');
	cr_assert_eq(start, 2331);
	cr_assert_eq(cg_parse_stat_state("7 (a) R) (b) D 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 "
					 "18 99 5\n",
					 &st, &start),
		     0);
	cr_assert_eq(st, 'D');
	cr_assert_eq(start, 99);
	cr_assert_eq(cg_parse_stat_state("7 (a) R 1 2\n", &st, &start), -EINVAL, "truncated");
	cr_assert_eq(cg_parse_stat_state("7 (a)R 1\n", &st, &start), -EINVAL);
	cr_assert_eq(cg_parse_stat_state("no parens", &st, &start), -EINVAL);
}

Test(nspid, levels)
{
	_cleanup_free_ char *text = fixture("fixtures/v2/proc/init.status");
	pid_t v[4];
	size_t n;

	cr_assert_eq(cg_parse_nspid(text, v, 4, &n), 0);
	cr_assert_eq(n, 1, "the capture's first process is in the host's namespace");
	cr_assert_eq(v[0], 403);
	cr_assert_eq(cg_parse_nspid("Name:\tsh\nNSpid:\t4031\t17\t1\nNSsid:\t1\n", v, 4, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert_eq(v[0], 4031);
	cr_assert_eq(v[2], 1);
	cr_assert_eq(cg_parse_nspid("NSpid:\t9\t8\t7\t6\t5\n", v, 4, &n), -E2BIG);
	cr_assert_eq(cg_parse_nspid("NSpid:\t9\tx\n", v, 4, &n), -EINVAL);
	cr_assert_eq(cg_parse_nspid("NSpid:\n", v, 4, &n), -EINVAL);
	cr_assert_eq(cg_parse_nspid("NSpid:\t9\t0\n", v, 4, &n), -EINVAL);
	cr_assert_eq(cg_parse_nspid("Pid:\t3\n", v, 4, &n), -EINVAL);
}

Test(tasks, counts_subtree_by_state)
{
	char *tree = tmp_copy_tree("fixtures/v2/cgroup"), *proc = tmpdir_new();
	struct cg_layout l;
	struct cg_tasks t;
	int procfd;

	/* The container's threads 403 405 406 408 409, plus 410 in a child cgroup. */
	tmp_write(tree, "vp_fixture/ctr/sub/cgroup.threads", "410\n");
	fake_stat(proc, 403, 'S', 2331);
	fake_stat(proc, 405, 'R', 2400);
	fake_stat(proc, 406, 'D', 2500);
	fake_stat(proc, 408, 'R', 2300);
	/* 409 has exited: no /proc entry. */
	fake_stat(proc, 410, 'R', 2600);
	procfd = open(proc, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(procfd, 0);
	cr_assert_eq(cg_layout_from_dir(tree, CG_V2, &l), 0);
	cr_assert_eq(cg_tasks_count(&l.h[CG_CPUACCT], "/vp_fixture/ctr", procfd, &t, NULL), 0);
	cr_assert_eq(t.total, 5);
	cr_assert_eq(t.running, 3);
	cr_assert_eq(t.blocked, 1);
	cr_assert_eq(t.newest, 410);
	cr_assert_eq(t.oldest_start, 2300);
	/* The pod has no threads of its own but the container's count. */
	cr_assert_eq(cg_tasks_count(&l.h[CG_CPUACCT], "/vp_fixture", procfd, &t, NULL), 0);
	cr_assert_eq(t.total, 5);
	cr_assert_eq(cg_tasks_count(&l.h[CG_CPUACCT], "/gone", procfd, &t, NULL), -ENOENT);
	cg_layout_done(&l);
	close(procfd);
	tmp_remove(tree);
	tmp_remove(proc);
}

/* After the pid counter wrapped, the newest thread is the one started last, not the highest
 * TID; threads of the same tick: the higher TID. */
Test(tasks, newest_is_the_last_started_not_the_highest_tid)
{
	char *tree = tmp_copy_tree("fixtures/v2/cgroup"), *proc = tmpdir_new();
	struct cg_layout l;
	struct cg_tasks t;
	int procfd;

	tmp_write(tree, "vp_fixture/ctr/cgroup.threads", "32760\n32767\n12\n7\n");
	tmp_write(tree, "vp_fixture/ctr/sub/cgroup.threads", "");
	fake_stat(proc, 32760, 'S', 1000);
	fake_stat(proc, 32767, 'S', 1100);
	fake_stat(proc, 12, 'R', 5000);
	fake_stat(proc, 7, 'S', 5000);
	procfd = open(proc, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(procfd, 0);
	cr_assert_eq(cg_layout_from_dir(tree, CG_V2, &l), 0);
	cr_assert_eq(cg_tasks_count(&l.h[CG_CPUACCT], "/vp_fixture/ctr", procfd, &t, NULL), 0);
	cr_assert_eq(t.total, 4);
	cr_assert_eq(t.newest, 12);
	cr_assert_eq(t.newest_start, 5000);
	cr_assert_eq(t.oldest_start, 1000);
	cg_layout_done(&l);
	close(procfd);
	tmp_remove(tree);
	tmp_remove(proc);
}

Test(tasks, v1_uses_tasks_files)
{
	char *tree = tmp_copy_tree("fixtures/v1/cgroup"), *proc = tmpdir_new();
	struct cg_layout l;
	struct cg_tasks t;
	int procfd;

	tmp_write(tree, "pod/ctr/tasks", "6543\n6544\n");
	fake_stat(proc, 6543, 'R', 10);
	fake_stat(proc, 6544, 'S', 11);
	procfd = open(proc, O_RDONLY | O_DIRECTORY);
	cr_assert_eq(cg_layout_from_dir(tree, CG_V1, &l), 0);
	cr_assert_eq(cg_tasks_count(&l.h[CG_CPUACCT], "/pod/ctr", procfd, &t, NULL), 0);
	cr_assert_eq(t.total, 2);
	cr_assert_eq(t.running, 1);
	cr_assert_eq(t.oldest_start, 10);
	cg_layout_done(&l);
	close(procfd);
	tmp_remove(tree);
	tmp_remove(proc);
}

Test(tasks, errors_name_the_file_and_cgroup)
{
	char *tree = tmp_copy_tree("fixtures/v2/cgroup"), *proc = tmpdir_new();
	struct cg_error e = {0};
	struct cg_layout l;
	struct cg_tasks t;
	int procfd;

	procfd = open(proc, O_RDONLY | O_DIRECTORY);
	cr_assert_eq(cg_layout_from_dir(tree, CG_V2, &l), 0);
	cr_assert_eq(cg_tasks_count(&l.h[CG_CPUACCT], "/gone", procfd, &t, &e), -ENOENT);
	assert_cg_error(&e, tree, "gone", ENOENT);
	tmp_unlink(tree, "vp_fixture/ctr/cgroup.threads");
	cr_assert_eq(cg_tasks_count(&l.h[CG_CPUACCT], "/vp_fixture/ctr", procfd, &t, &e), -ENOENT);
	assert_cg_error(&e, tree, "vp_fixture/ctr/cgroup.threads", ENOENT);
	/* A child's missing file is no failure of the parent's count. */
	e = (struct cg_error){0};
	cr_assert_eq(cg_tasks_count(&l.h[CG_CPUACCT], "/vp_fixture", procfd, &t, &e), 0);
	cr_assert_eq(e.err, 0);
	cg_layout_done(&l);
	close(procfd);
	tmp_remove(tree);
	tmp_remove(proc);
}
