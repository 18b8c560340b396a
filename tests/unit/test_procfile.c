#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "cgroup/caller.h"
#include "cgroup/cgroup.h"
#include "helpers.h"

static char *path_of(const char *text, enum cg_version v, const char *ctl, int want)
{
	char *p = NULL;

	cr_assert_eq(cg_proc_cgroup_path(text, v, ctl, &p), want);
	return p;
}

Test(proc_cgroup, v1_host_capture)
{
	char *text = fixture("fixtures/v1/proc/self.cgroup");
	char *p = path_of(text, CG_V1, "memory", 0);

	cr_assert_str_eq(p, "/pod/ctr");
	free(p);
	p = path_of(text, CG_V1, "cpuacct", 0);
	cr_assert_str_eq(p, "/");
	free(p);
	/* On this hybrid host the v2 line is "0::/". */
	p = path_of(text, CG_V2, NULL, 0);
	cr_assert_str_eq(p, "/");
	free(p);
	path_of(text, CG_V1, "hugetlb", -ENOENT);
	free(text);
}

Test(proc_cgroup, v2_capture)
{
	char *text = fixture("fixtures/v2/proc/init.cgroup");
	char *p = path_of(text, CG_V2, "memory", 0);

	cr_assert_str_eq(p, "/vp_fixture/ctr");
	free(p);
	path_of(text, CG_V1, "memory", -ENOENT);
	free(text);
}

Test(proc_cgroup, hybrid_and_comounted)
{
	const char *t = "12:cpu,cpuacct:/a/b\n"
			"11:name=systemd:/user.slice\n"
			"4:memory:/docker/abc\n"
			"0::/docker/abc\n";
	char *p = path_of(t, CG_V1, "cpuacct", 0);

	cr_assert_str_eq(p, "/a/b");
	free(p);
	p = path_of(t, CG_V1, "cpu", 0);
	cr_assert_str_eq(p, "/a/b");
	free(p);
	path_of(t, CG_V1, "cpua", -ENOENT);
	path_of(t, CG_V1, "systemd", -ENOENT);
	p = path_of(t, CG_V1, "name=systemd", 0);
	cr_assert_str_eq(p, "/user.slice");
	free(p);
	p = path_of(t, CG_V2, NULL, 0);
	cr_assert_str_eq(p, "/docker/abc");
	free(p);
}

Test(proc_cgroup, paths_with_spaces_and_colons)
{
	char *p = path_of("4:memory:/my pod/ctr: one\n0::/x\n", CG_V1, "memory", 0);

	cr_assert_str_eq(p, "/my pod/ctr: one");
	free(p);
	p = path_of("0::/a b/c", CG_V2, NULL, 0); /* no final newline */
	cr_assert_str_eq(p, "/a b/c");
	free(p);
}

Test(proc_cgroup, deleted_means_exiting)
{
	path_of("0::/pod/ctr (deleted)\n", CG_V2, NULL, -ESRCH);
	path_of("4:memory:/gone (deleted)\n", CG_V1, "memory", -ESRCH);
}

Test(proc_cgroup, malformed)
{
	path_of("garbage\n", CG_V2, NULL, -EINVAL);
	path_of("x::/a\n", CG_V2, NULL, -EINVAL);
	path_of("0:/a\n", CG_V2, NULL, -EINVAL);
	path_of("0::relative\n", CG_V2, NULL, -EINVAL);
	path_of("0::\n", CG_V2, NULL, -EINVAL);
	path_of("", CG_V2, NULL, -ENOENT);
	free(path_of("4:memory:/a\n\n", CG_V1, "memory", 0));
}

Test(pick, whose_view_rule)
{
	char *p;

	/* Caller in the daemon's pid namespace: its own cgroup. */
	cr_assert_eq(cg_pick_container("/pod/ctr", NULL, &p), 0);
	cr_assert_str_eq(p, "/pod/ctr");
	free(p);
	/* systemd-in-container: init in <ctr>/init.scope, worker deeper: the whole container. */
	cr_assert_eq(cg_pick_container("/ctr/system.slice/x.service", "/ctr/init.scope", &p), 0);
	cr_assert_str_eq(p, "/ctr");
	free(p);
	/* Init's cgroup equal to the caller's. */
	cr_assert_eq(cg_pick_container("/ctr", "/ctr", &p), 0);
	cr_assert_str_eq(p, "/ctr");
	free(p);
	/* Shared pid namespace pod: init (pause) in a sibling: the caller's own. */
	cr_assert_eq(cg_pick_container("/pod/app", "/pod/pause", &p), 0);
	cr_assert_str_eq(p, "/pod/app");
	free(p);
	/* A prefix that is not a path ancestor. */
	cr_assert_eq(cg_pick_container("/ctr2/x", "/ctr", &p), 0);
	cr_assert_str_eq(p, "/ctr2/x");
	free(p);
	/* Init in /init.scope of the root: the root. */
	cr_assert_eq(cg_pick_container("/system.slice/a", "/init.scope", &p), 0);
	cr_assert_str_eq(p, "/");
	free(p);
	/* Only a trailing init.scope is removed. */
	cr_assert_eq(cg_pick_container("/init.scope.d/x", "/init.scope.d", &p), 0);
	cr_assert_str_eq(p, "/init.scope.d");
	free(p);
}

Test(pick, ancestor)
{
	cr_assert(cg_path_is_ancestor("/", "/a"));
	cr_assert(cg_path_is_ancestor("/a", "/a"));
	cr_assert(cg_path_is_ancestor("/a", "/a/b"));
	cr_assert_not(cg_path_is_ancestor("/a", "/ab"));
	cr_assert_not(cg_path_is_ancestor("/a/b", "/a"));
}

Test(status, nspid_and_ppid)
{
	char *text = fixture("fixtures/v2/proc/init.status");
	pid_t ppid, inner;

	cr_assert_eq(cg_parse_status(text, &ppid, &inner), 0);
	cr_assert_eq(ppid, 398);
	cr_assert_eq(inner, 403);
	free(text);
	cr_assert_eq(cg_parse_status("Name:\tsh\nPPid:\t7\nNSpid:\t1234\t56\t1\n", &ppid, &inner), 0);
	cr_assert_eq(ppid, 7);
	cr_assert_eq(inner, 1);
	cr_assert_eq(cg_parse_status("PPid:\t7\n", &ppid, &inner), -EINVAL);
	cr_assert_eq(cg_parse_status("PPid:\tx\nNSpid:\t1\n", &ppid, &inner), -EINVAL);
	cr_assert_eq(cg_parse_status("PPid:\t1\nNSpid:\t99999999999\n", &ppid, &inner), -EINVAL);
	/* Found by fuzzing: no pid is 0 (a PPid is, for init). */
	cr_assert_eq(cg_parse_status("PPid:\t1\nNSpid:\t40 0\n", &ppid, &inner), -EINVAL);
	cr_assert_eq(cg_parse_status("PPid:\t0\nNSpid:\t1\n", &ppid, &inner), 0);
}
