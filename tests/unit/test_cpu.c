/* cgroup/cpustat.c: cpu lists, quotas, CPU time parsers; cgroup/cpu.c: cg_cpu_read() over
 * fixture trees of real v1 and v2 hosts (and copies of them edited to reach the other cases). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "helpers.h"
#include "util/cleanup.h"

static void assert_list(const char *text, const unsigned *want, unsigned n)
{
	struct cg_cpulist l;

	cr_assert_eq(cg_parse_cpulist(text, &l), 0, "%s", text);
	cr_assert_eq(l.n, n, "%s: %u CPUs", text, l.n);
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(l.cpu[i], want[i], "%s: [%u]", text, i);
	cg_cpulist_done(&l);
}

Test(cpulist, forms)
{
	assert_list("0-3\n", (unsigned[]){0, 1, 2, 3}, 4);
	assert_list("2-3", (unsigned[]){2, 3}, 2);
	assert_list("0,2,4-5,9\n", (unsigned[]){0, 2, 4, 5, 9}, 5);
	assert_list("7", (unsigned[]){7}, 1);
	/* Overlaps and disorder are normalized. */
	assert_list("4-5,0-4", (unsigned[]){0, 1, 2, 3, 4, 5}, 6);
	assert_list("", NULL, 0);
	assert_list("\n", NULL, 0);
}

Test(cpulist, malformed)
{
	static const char *bad[] = {"a",   "1-",  "-1", "3-1", "1,",   ",1",    "1,,2",
				    "1 2", "1-2-3", "8192", "0-99999", "1\n\n", " 1"};
	struct cg_cpulist l;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(cg_parse_cpulist(bad[i], &l), -EINVAL, "'%s'", bad[i]);
}

Test(cpulist, index)
{
	struct cg_cpulist l;

	cr_assert_eq(cg_parse_cpulist("2-3,8", &l), 0);
	cr_assert_eq(cg_cpulist_index(&l, 2), 0);
	cr_assert_eq(cg_cpulist_index(&l, 8), 2);
	cr_assert_eq(cg_cpulist_index(&l, 4), -1);
	cg_cpulist_done(&l);
}

Test(quota, cpu_max)
{
	uint64_t q;

	cr_assert_eq(cg_parse_cpu_max("50000 100000\n", &q), 0);
	cr_assert_eq(q, 500000);
	cr_assert_eq(cg_parse_cpu_max("150000 100000", &q), 0);
	cr_assert_eq(q, 1500000);
	cr_assert_eq(cg_parse_cpu_max("max 100000\n", &q), 0);
	cr_assert_eq(q, CG_UNLIMITED);
	/* A fractional quota keeps its fraction: 0.333... CPU. */
	cr_assert_eq(cg_parse_cpu_max("10000 30000", &q), 0);
	cr_assert_eq(q, 333333);
	cr_assert_eq(cg_parse_cpu_max("50000 0", &q), -EINVAL);
	cr_assert_eq(cg_parse_cpu_max("50000", &q), -EINVAL);
	cr_assert_eq(cg_parse_cpu_max("max", &q), -EINVAL);
	cr_assert_eq(cg_parse_cpu_max("-1 100000", &q), -EINVAL);
	cr_assert_eq(cg_parse_cpu_max("", &q), -EINVAL);
	/* Found by fuzzing: a zero quota (the kernel refuses one) is garbage, and a positive
	 * quota never rounds down to zero CPUs. */
	cr_assert_eq(cg_parse_cpu_max("00 0501080000", &q), -EINVAL);
	cr_assert_eq(cg_parse_cpu_max("1 1000000000", &q), 0);
	cr_assert_eq(q, 1);
}

Test(quota, cfs)
{
	uint64_t q;

	cr_assert_eq(cg_parse_cfs_quota("-1\n", "100000\n", &q), 0);
	cr_assert_eq(q, CG_UNLIMITED);
	cr_assert_eq(cg_parse_cfs_quota("25000\n", "100000\n", &q), 0);
	cr_assert_eq(q, 250000);
	cr_assert_eq(cg_parse_cfs_quota("200000\n", "50000\n", &q), 0);
	cr_assert_eq(q, 4000000);
	cr_assert_eq(cg_parse_cfs_quota("0\n", "100000\n", &q), -EINVAL);
	cr_assert_eq(cg_parse_cfs_quota("-2\n", "100000\n", &q), -EINVAL);
	cr_assert_eq(cg_parse_cfs_quota("1000\n", "0\n", &q), -EINVAL);
	cr_assert_eq(cg_parse_cfs_quota("x", "100000", &q), -EINVAL);
}

Test(cpuacct, v2_cpu_stat)
{
	_cleanup_free_ char *text = fixture("fixtures/v2/cgroup/vp_fixture/ctr/cpu.stat");
	struct cg_cpuacct a;

	cr_assert_eq(cg_parse_cpu_stat(text, &a), 0);
	cr_assert_eq(a.user_us, 3085751);
	cr_assert_eq(a.system_us, 84711);
	cr_assert_eq(a.nice_us, 0);
	cr_assert_eq(a.ncpu, 0);
	/* nice_usec is optional (older kernels); usage/user/system are not. */
	cr_assert_eq(cg_parse_cpu_stat("usage_usec 3\nuser_usec 2\nsystem_usec 1\n", &a), 0);
	cr_assert_eq(cg_parse_cpu_stat("user_usec 2\nsystem_usec 1\n", &a), -EINVAL);
	cr_assert_eq(cg_parse_cpu_stat("usage_usec 3\nuser_usec x\nsystem_usec 1\n", &a),
		     -EINVAL);
	cr_assert_eq(cg_parse_cpu_stat("usage_usec 3\nuser_usec\n", &a), -EINVAL);
	cr_assert_eq(cg_parse_cpu_stat("", &a), -EINVAL);
}

Test(cpuacct, v1_usage_all)
{
	_cleanup_free_ char *text = fixture("fixtures/v1/cgroup/pod/ctr/cpuacct.usage_all");
	struct cg_cpuacct a;

	cr_assert_eq(cg_parse_cpuacct_usage_all(text, &a), 0);
	cr_assert_eq(a.ncpu, 2);
	cr_assert_eq(a.cpu_user_us[0], 0);
	cr_assert_eq(a.cpu_user_us[1], 2111993);
	cr_assert_eq(a.user_us, 2111993);
	cr_assert_eq(a.system_us, 0);
	cg_cpuacct_done(&a);
	cr_assert_eq(cg_parse_cpuacct_usage_all("cpu user system\n", &a), -EINVAL);
	cr_assert_eq(cg_parse_cpuacct_usage_all("cpu user system\n1 2 3\n", &a), -EINVAL,
		     "CPUs must be listed from 0 in order");
	cr_assert_eq(cg_parse_cpuacct_usage_all("cpu user system\n0 2\n", &a), -EINVAL);
	cr_assert_eq(cg_parse_cpuacct_usage_all("0 2 3\n", &a), -EINVAL);
	cr_assert_eq(cg_parse_cpuacct_usage_all("cpu user system\n0 2 3 \n", &a), -EINVAL);
}

/* ---- cg_cpu_read over trees --------------------------------------------------------------- */

static int read_cpu(const char *path, struct cg_cpu *c)
{
	char *paths[CG_NCONTROLLERS];

	for (int i = 0; i < CG_NCONTROLLERS; i++)
		paths[i] = (char *)path;
	return cg_cpu_read(&fx_layout, paths, true, c, NULL);
}

static void write_file(const char *rel, const char *content)
{
	tmp_write(fx_tree, rel, content);
}

Test(cpu_read, v2_container)
{
	struct cg_cpu c;

	open_tree("fixtures/v2/cgroup", CG_V2);
	cr_assert_eq(read_cpu("/vp_fixture/ctr", &c), 0);
	cr_assert_eq(c.quota, 500000, "the container's 0.5 is below the pod's 1.5");
	cr_assert_eq(c.cpus.n, 2);
	cr_assert_eq(c.cpus.cpu[0], 2);
	cr_assert_eq(c.cpus.cpu[1], 3);
	cr_assert_eq(c.acct.user_us, 3085751);
	cg_cpu_done(&c);
	cr_assert_eq(read_cpu("/vp_fixture", &c), 0);
	cr_assert_eq(c.quota, 1500000);
	cr_assert_eq(c.cpus.n, 4);
	cg_cpu_done(&c);
	close_tree();
}

/* cg_cpu_usage(): the load sampler's one read per container. */
Test(cpu_read, usage_of_both_layouts)
{
	uint64_t ns = 0;

	open_tree("fixtures/v2/cgroup", CG_V2);
	cr_assert_eq(cg_cpu_usage(&fx_layout.h[CG_CPUACCT], "/vp_fixture/ctr", &ns), 0);
	cr_assert_eq(ns, (3085751 + 84711) * UINT64_C(1000), "cpu.stat's user and system");
	write_file("vp_fixture/ctr/cpu.stat", "usage_usec 12\n");
	cr_assert_eq(cg_cpu_usage(&fx_layout.h[CG_CPUACCT], "/vp_fixture/ctr", &ns), -EINVAL);
	close_tree();
	open_tree("fixtures/v1/cgroup", CG_V1);
	cr_assert_eq(cg_cpu_usage(&fx_layout.h[CG_CPUACCT], "/pod/ctr", &ns), 0);
	cr_assert_eq(ns, 2111993420, "cpuacct.usage");
	write_file("pod/ctr/cpuacct.usage", "lots\n");
	cr_assert_eq(cg_cpu_usage(&fx_layout.h[CG_CPUACCT], "/pod/ctr", &ns), -EINVAL);
	tmp_unlink(fx_tree, "pod/ctr/cpuacct.usage");
	cr_assert_eq(cg_cpu_usage(&fx_layout.h[CG_CPUACCT], "/pod/ctr", &ns), -ENOENT);
	close_tree();
}

Test(cpu_read, v2_quota_on_ancestor_only)
{
	struct cg_cpu c;

	open_tree("fixtures/v2/cgroup", CG_V2);
	write_file("vp_fixture/ctr/cpu.max", "max 100000\n");
	cr_assert_eq(read_cpu("/vp_fixture/ctr", &c), 0);
	cr_assert_eq(c.quota, 1500000);
	cg_cpu_done(&c);
	close_tree();
}

Test(cpu_read, v2_controllers_not_enabled)
{
	struct cg_cpu c;

	/* Without cpu and cpuset enabled in the container, its files are absent: the pod's
	 * quota and cpuset apply. */
	open_tree("fixtures/v2/cgroup", CG_V2);
	tmp_unlink(fx_tree, "vp_fixture/ctr/cpu.max");
	tmp_unlink(fx_tree, "vp_fixture/ctr/cpuset.cpus.effective");
	cr_assert_eq(read_cpu("/vp_fixture/ctr", &c), 0);
	cr_assert_eq(c.quota, 1500000);
	cr_assert_eq(c.cpus.n, 4);
	cr_assert_eq(c.cpus.cpu[0], 2);
	cg_cpu_done(&c);
	close_tree();
}

Test(cpu_read, v2_malformed_or_missing_accounting)
{
	struct cg_cpu c;

	open_tree("fixtures/v2/cgroup", CG_V2);
	write_file("vp_fixture/ctr/cpu.max", "lots 100000\n");
	cr_assert_eq(read_cpu("/vp_fixture/ctr", &c), -EINVAL);
	write_file("vp_fixture/ctr/cpu.max", "50000 100000\n");
	write_file("vp_fixture/cpuset.cpus.effective", "2-x\n");
	tmp_unlink(fx_tree, "vp_fixture/ctr/cpuset.cpus.effective");
	cr_assert_eq(read_cpu("/vp_fixture/ctr", &c), -EINVAL);
	write_file("vp_fixture/cpuset.cpus.effective", "2-5\n");
	tmp_unlink(fx_tree, "vp_fixture/ctr/cpu.stat");
	cr_assert_eq(read_cpu("/vp_fixture/ctr", &c), -ENOENT);
	close_tree();
}

Test(cpu_read, v1_container)
{
	struct cg_cpu c;

	open_tree("fixtures/v1/cgroup", CG_V1);
	cr_assert_eq(read_cpu("/pod/ctr", &c), 0);
	cr_assert_eq(c.quota, 500000);
	cr_assert_eq(c.cpus.n, 1);
	cr_assert_eq(c.cpus.cpu[0], 1);
	cr_assert_eq(c.acct.ncpu, 2);
	cr_assert_eq(c.acct.cpu_user_us[1], 2111993);
	cg_cpu_done(&c);
	cr_assert_eq(read_cpu("/", &c), 0);
	cr_assert_eq(c.quota, CG_UNLIMITED, "the root's quota is -1");
	cr_assert_eq(c.cpus.n, 2);
	cg_cpu_done(&c);
	close_tree();
}

Test(cpu_read, v1_empty_cpuset_walks_up)
{
	struct cg_cpu c;

	/* Without effective_cpus (old kernels), an empty cpuset.cpus means "inherit". */
	open_tree("fixtures/v1/cgroup", CG_V1);
	tmp_unlink(fx_tree, "pod/ctr/cpuset.effective_cpus");
	write_file("pod/ctr/cpuset.cpus", "\n");
	cr_assert_eq(read_cpu("/pod/ctr", &c), 0);
	cr_assert_eq(c.cpus.n, 2, "the pod's 0-1");
	cg_cpu_done(&c);
	close_tree();
}

Test(cpu_read, v1_quota_on_ancestor_and_fractional)
{
	struct cg_cpu c;

	open_tree("fixtures/v1/cgroup", CG_V1);
	write_file("pod/ctr/cpu.cfs_quota_us", "-1\n");
	write_file("pod/cpu.cfs_quota_us", "125000\n");
	cr_assert_eq(read_cpu("/pod/ctr", &c), 0);
	cr_assert_eq(c.quota, 1250000);
	cg_cpu_done(&c);
	/* "-1" needs no period; a quota does. */
	write_file("pod/ctr/cpu.cfs_period_us", "garbage\n");
	cr_assert_eq(read_cpu("/pod/ctr", &c), 0);
	cg_cpu_done(&c);
	write_file("pod/cpu.cfs_period_us", "garbage\n");
	cr_assert_eq(read_cpu("/pod/ctr", &c), -EINVAL);
	close_tree();
}

Test(cpu_read, unmounted_controllers)
{
	struct cg_cpu c;
	char *paths[CG_NCONTROLLERS] = {"/pod/ctr", NULL, "/pod/ctr", NULL};

	open_tree("fixtures/v1/cgroup", CG_V1);
	cr_assert_eq(cg_cpu_read(&fx_layout, paths, true, &c, NULL), 0);
	cr_assert_eq(c.quota, CG_UNLIMITED);
	cr_assert_eq(c.cpus.n, 0, "no cpuset: the caller falls back to the host's online CPUs");
	cg_cpu_done(&c);
	paths[CG_CPUACCT] = NULL;
	cr_assert_eq(cg_cpu_read(&fx_layout, paths, true, &c, NULL), -ENODEV);
	/* cpuinfo and the sys ranges need no accounting. */
	paths[CG_CPUSET] = "/pod/ctr";
	cr_assert_eq(cg_cpu_read(&fx_layout, paths, false, &c, NULL), 0);
	cr_assert_eq(c.cpus.n, 1);
	cr_assert_eq(c.acct.user_us, 0);
	cg_cpu_done(&c);
	close_tree();
}

Test(cpu_read, acct_ino_identifies_the_cgroup)
{
	struct cg_cpu c;
	ino_t ino = 0, other = 0;

	/* stat/uptime (cg_cpu_read) and loadavg (cg_cpuacct_ino) must key a container alike. */
	open_tree("fixtures/v2/cgroup", CG_V2);
	cr_assert_eq(read_cpu("/vp_fixture/ctr", &c), 0);
	cr_assert_eq(cg_cpuacct_ino(&fx_layout.h[CG_CPUACCT], "/vp_fixture/ctr", &ino), 0);
	cr_assert_neq(ino, 0);
	cr_assert_eq(c.acct_ino, ino);
	cg_cpu_done(&c);
	cr_assert_eq(cg_cpuacct_ino(&fx_layout.h[CG_CPUACCT], "/vp_fixture", &other), 0);
	cr_assert_neq(other, ino);
	cr_assert_eq(cg_cpuacct_ino(&fx_layout.h[CG_CPUACCT], "/gone", &other), -ENOENT);
	close_tree();
}

/* ---- errors name the file and the cgroup ------------------------------------------------ */

static int read_cpu_err(const char *path, struct cg_error *e)
{
	char *paths[CG_NCONTROLLERS];
	struct cg_cpu c;
	int r;

	for (int i = 0; i < CG_NCONTROLLERS; i++)
		paths[i] = (char *)path;
	*e = (struct cg_error){.err = -1};
	r = cg_cpu_read(&fx_layout, paths, true, &c, e);
	if (r == 0)
		cg_cpu_done(&c);
	return r;
}

Test(cpu_errors, v2_missing_and_malformed_files)
{
	static const struct damage d[] = {
		{"vp_fixture/cpu.max", "lots 100000\n", EINVAL, NULL},
		{"vp_fixture/ctr/cpuset.cpus.effective", "3-2\n", EINVAL, NULL},
		{"vp_fixture/ctr/cpu.stat", NULL, ENOENT, NULL},
		{"vp_fixture/ctr/cpu.stat", "usage_usec 1\n", EINVAL, NULL},
	};

	check_damages("fixtures/v2/cgroup", CG_V2, "/vp_fixture/ctr", read_cpu_err, d,
		      VP_ARRAY_SIZE(d));
}

Test(cpu_errors, v1_missing_and_malformed_files)
{
	static const struct damage d[] = {
		/* A quota whose period is malformed, and the reverse: the refused file. */
		{"pod/cpu.cfs_period_us", "garbage\n", EINVAL, NULL},
		{"pod/cpu.cfs_quota_us", "0\n", EINVAL, NULL},
		{"pod/ctr/cpu.cfs_quota_us", NULL, ENOENT, NULL},
		{"pod/ctr/cpuset.effective_cpus", "x\n", EINVAL, NULL},
		{"pod/ctr/cpuacct.usage_all", NULL, ENOENT, NULL},
	};

	check_damages("fixtures/v1/cgroup", CG_V1, "/pod/ctr", read_cpu_err, d, VP_ARRAY_SIZE(d));
}

Test(cpu_errors, no_accounting_cgroup)
{
	char *paths[CG_NCONTROLLERS] = {"/pod/ctr", "/pod/ctr", NULL, "/pod/ctr"};
	struct cg_error e = {0};
	struct cg_cpu c;

	open_tree("fixtures/v1/cgroup", CG_V1);
	cr_assert_eq(cg_cpu_read(&fx_layout, paths, true, &c, &e), -ENODEV);
	cr_assert_eq(e.err, ENODEV);
	cr_assert_str_eq(e.where, "cpuacct: no cgroup: No such device");
	close_tree();
}
