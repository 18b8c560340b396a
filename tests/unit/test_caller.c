/* cg_caller_container() and cg_caller_resolve() against a fake /proc: directories named after
 * real pids (children this test forks, so that pidfds work), namespaces stood in for by hard
 * links (one inode per "namespace"). No root needed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/caller.h"
#include "helpers.h"

static char *proc;
static struct cg_layout layout = {.h = {[CG_MEMORY] = {.version = CG_V2, .rootfd = -1}}};

static pid_t spawn(void)
{
	pid_t p = fork();

	cr_assert_geq(p, 0);
	if (p == 0) {
		/* Die with the test, and keep no pipe of criterion's open. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int fd = 0; fd < 1024; fd++)
			close(fd);
		pause();
		_exit(0);
	}
	return p;
}

static void reap(pid_t p)
{
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

/* A process of the fake /proc: its namespace, NSpid and cgroup. */
static void fake(pid_t pid, const char *ns, pid_t ppid, const char *nspid, const char *cgroup)
{
	char text[256];

	snprintf(text, sizeof(text), "0::%s\n", cgroup);
	fake_pid(proc, pid, ns, ppid, nspid, text);
	fake_stat(proc, pid, 'S', 1000 + (unsigned long long)pid);
}

static void setup(void)
{
	proc = fake_proc_new();
}

static void teardown(void)
{
	tmp_remove(proc);
}

TestSuite(caller, .init = setup, .fini = teardown);

static int container(struct cg_nscache *c, pid_t tid, char **ret)
{
	return cg_caller_container(c, &layout.h[CG_MEMORY], "memory", tid, ret);
}

Test(caller, host_namespace_caller_gets_own_cgroup)
{
	struct cg_nscache *c;
	char *p;
	pid_t a = spawn();

	fake(a, "host", 1, "55", "/pod/ctr");
	cr_assert_eq(cg_nscache_new(proc, &c), 0);
	cr_assert_eq(container(c, a, &p), 0);
	cr_assert_str_eq(p, "/pod/ctr");
	free(p);
	cr_assert_eq(cg_nscache_size(c), 0);
	cg_nscache_free(c);
	reap(a);
}

Test(caller, starttime_parser)
{
	char *text = fixture("fixtures/v2/proc/init.stat");
	unsigned long long st;

	cr_assert_eq(cg_parse_stat_starttime(text, &st), 0);
	cr_assert_eq(st, 2331);
	free(text);
	cr_assert_eq(cg_parse_stat_starttime("7 (a) b) c) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
					     "4242 2000 100\n",
					     &st),
		     0);
	cr_assert_eq(st, 4242);
	cr_assert_eq(cg_parse_stat_starttime("7 (a) S 1 2\n", &st), -EINVAL);
	cr_assert_eq(cg_parse_stat_starttime("7 a S 1 2\n", &st), -EINVAL);
	cr_assert_eq(cg_parse_stat_starttime("7 (a) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 x 1\n",
					     &st),
		     -EINVAL);
}

Test(caller, systemd_container_via_parent_chain)
{
	struct cg_nscache *c;
	char *p;
	pid_t init = spawn(), worker = spawn();

	fake(init, "ctr", 1, "900\t1", "/ctr/init.scope");
	fake(worker, "ctr", init, "901\t7", "/ctr/system.slice/x.service");
	cr_assert_eq(cg_nscache_new(proc, &c), 0);
	cr_assert_eq(container(c, worker, &p), 0);
	cr_assert_str_eq(p, "/ctr");
	free(p);
	cr_assert_eq(cg_nscache_size(c), 1);
	/* Cached: the init's status is no longer needed. */
	cr_assert_eq(container(c, worker, &p), 0);
	cr_assert_str_eq(p, "/ctr");
	free(p);
	cg_nscache_free(c);
	reap(worker);
	reap(init);
}

Test(caller, setns_member_found_by_scan_and_pod_sibling_rule)
{
	struct cg_nscache *c;
	char *p;
	pid_t init = spawn(), exec = spawn();

	/* The exec'd process's parent is outside the namespace (like docker exec). */
	fake(init, "ctr", 1, "900\t1", "/pod/pause");
	fake(exec, "ctr", 1, "901\t12", "/pod/app");
	cr_assert_eq(cg_nscache_new(proc, &c), 0);
	cr_assert_eq(container(c, exec, &p), 0);
	cr_assert_str_eq(p, "/pod/app");
	free(p);
	cg_nscache_free(c);
	reap(exec);
	reap(init);
}

static void dead_init_case(bool use_pidfd)
{
	struct cg_nscache *c;
	char *p = NULL;
	pid_t init = spawn(), worker = spawn(), init2;

	fake(init, "ctr", 1, "900\t1", "/ctr");
	fake(worker, "ctr", init, "901\t2", "/ctr/app");
	cr_assert_eq(cg_nscache_new(proc, &c), 0);
	if (!use_pidfd)
		cg_nscache_disable_pidfd(c);
	/* A caller whose /proc entry is gone has exited. */
	cr_assert_eq(container(c, 999999, &p), -ESRCH);
	cr_assert_eq(container(c, 0, &p), -ESRCH);
	cr_assert_null(p);
	cr_assert_eq(container(c, worker, &p), 0);
	free(p);
	/* init dies and its pid is recycled by a host process (another namespace, another
	 * start time): the pidfd, or the start time, tells; the stale entry is never used. */
	reap(init);
	fake(init, "host", 1, "55", "/elsewhere");
	fake_stat(proc, init, 'S', 5);
	cr_assert_eq(container(c, worker, &p), -ESRCH);
	cr_assert_eq(cg_nscache_size(c), 0);
	/* A new init appears for the namespace: found afresh. */
	init2 = spawn();
	fake(init2, "ctr", 1, "950\t1", "/ctr2");
	fake(worker, "ctr", init2, "901\t2", "/ctr2/app");
	{
		char cmd[4300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s/%d'", proc, (int)init);
		cr_assert_eq(system(cmd), 0);
	}
	cr_assert_eq(container(c, worker, &p), 0);
	cr_assert_str_eq(p, "/ctr2");
	free(p);
	cg_nscache_free(c);
	reap(worker);
	reap(init2);
}

Test(caller, exited_caller_and_dead_init)
{
	dead_init_case(true);
}

Test(caller, exited_caller_and_dead_init_without_pidfds)
{
	dead_init_case(false);
}

Test(caller, real_proc_self)
{
	struct cg_nscache *c;
	char *p;
	struct cg_layout real;

	/* The running test process, through the real /proc and the host's layout. */
	if (cg_layout_discover(CG_DEFAULT_FD_BUDGET, &real) < 0)
		cr_skip_test("SKIPPED: no memory cgroup controller on this host");
	cr_assert_eq(cg_nscache_new("/proc", &c), 0);
	cr_assert_eq(cg_caller_container(c, &real.h[CG_MEMORY], "memory", getpid(), &p), 0);
	cr_assert_eq(p[0], '/');
	free(p);
	cg_nscache_free(c);
	cg_layout_done(&real);
}

Test(caller, resolve_only_the_controllers_asked_for)
{
	struct cg_layout two = {.h = {[CG_MEMORY] = {.version = CG_V2, .rootfd = -1},
				      [CG_CPUACCT] = {.version = CG_V2, .rootfd = -1}}};
	struct cg_nscache *c;
	struct cg_caller k;
	pid_t init = spawn(), worker = spawn();

	fake(init, "ctr", 1, "900\t1", "/ctr/init.scope");
	fake(worker, "ctr", init, "901\t7", "/ctr/app");
	cr_assert_eq(cg_nscache_new(proc, &c), 0);
	cr_assert_eq(cg_caller_resolve(c, &two, worker, CG_MASK_ALL, &k), 0);
	cr_assert_str_eq(k.path[CG_MEMORY], "/ctr");
	cr_assert_str_eq(k.path[CG_CPUACCT], "/ctr");
	cr_assert_null(k.path[CG_CPU], "not mounted");
	cg_caller_done(&k);
	cr_assert_eq(cg_caller_resolve(c, &two, worker, 1u << CG_MEMORY, &k), 0);
	cr_assert_str_eq(k.path[CG_MEMORY], "/ctr");
	cr_assert_null(k.path[CG_CPUACCT], "not asked");
	cg_caller_done(&k);
	cr_assert_eq(cg_caller_resolve(c, &two, worker, 1u << CG_CPUACCT, &k), 0);
	cr_assert_null(k.path[CG_MEMORY]);
	cr_assert_str_eq(k.path[CG_CPUACCT], "/ctr");
	cg_caller_done(&k);
	/* No controller: still whose namespace it is. */
	cr_assert_eq(cg_caller_resolve(c, &two, worker, 0, &k), 0);
	for (int i = 0; i < CG_NCONTROLLERS; i++)
		cr_assert_null(k.path[i]);
	cr_assert_not(k.host_ns);
	cr_assert_eq(k.init, init);
	cr_assert_eq(k.ns_level, 1);
	cg_caller_done(&k);
	cr_assert_eq(cg_caller_resolve(c, &two, 999999, 1u << CG_MEMORY, &k), -ESRCH);
	cg_nscache_free(c);
	reap(worker);
	reap(init);
}

/* A pinned caller through the real /proc: the kept file belongs to the process, not to its
 * pid, and answers ESRCH once it has exited (a reused pid can never read as the old one). */
Test(caller, pin_of_an_exited_process_fails)
{
	struct cg_layout real;
	struct cg_nscache *c;
	struct cg_caller k;
	struct cg_pin pin = CG_PIN_INIT;
	pid_t child;

	if (cg_layout_discover(CG_DEFAULT_FD_BUDGET, &real) < 0)
		cr_skip_test("SKIPPED: no memory cgroup controller on this host");
	cr_assert_eq(cg_nscache_new("/proc", &c), 0);
	child = spawn();
	cr_assert_eq(cg_caller_resolve_pin(c, &real, child, CG_MASK_ALL, &k, &pin), 0);
	cr_assert_geq(pin.fd, 0);
	cr_assert_eq(cg_pin_same(&pin), 1, "read again at offset 0: the same text");
	cr_assert_eq(cg_pin_same(&pin), 1);
	reap(child);
	cr_assert_eq(cg_pin_same(&pin), -ESRCH);
	cg_pin_done(&pin);
	cr_assert_eq(pin.fd, -1);
	cg_caller_done(&k);
	cg_nscache_free(c);
	cg_layout_done(&real);
}

/* The texts a pin was made from: the caller's and its namespace init's. */
Test(caller, pin_follows_the_caller_and_its_init)
{
	struct cg_nscache *c;
	struct cg_caller k;
	struct cg_pin pin = CG_PIN_INIT;
	pid_t init = spawn(), worker = spawn(), host = spawn();

	fake(init, "ctr", 1, "900\t1", "/ctr/init.scope");
	fake(worker, "ctr", init, "901\t7", "/ctr/app");
	fake(host, "host", 1, "902", "/ctr/app");
	cr_assert_eq(cg_nscache_new(proc, &c), 0);
	cr_assert_eq(cg_caller_resolve_pin(c, &layout, worker, CG_MASK_ALL, &k, &pin), 0);
	cr_assert_str_eq(k.path[CG_MEMORY], "/ctr");
	cg_caller_done(&k);
	cr_assert_geq(pin.fd, 0);
	cr_assert_geq(pin.init_fd, 0);
	cr_assert_eq(cg_pin_same(&pin), 1);
	fake(init, "ctr", 1, "900\t1", "/ctr");
	cr_assert_eq(cg_pin_same(&pin), 0, "the init moved");
	cg_pin_done(&pin);
	cr_assert_eq(cg_caller_resolve_pin(c, &layout, worker, CG_MASK_ALL, &k, &pin), 0);
	cg_caller_done(&k);
	cr_assert_eq(cg_pin_same(&pin), 1);
	fake(worker, "ctr", init, "901\t7", "/ctr/app2");
	cr_assert_eq(cg_pin_same(&pin), 0, "the caller moved");
	cg_pin_done(&pin);
	/* In the daemon's namespace: the caller's file only. */
	cr_assert_eq(cg_caller_resolve_pin(c, &layout, host, CG_MASK_ALL, &k, &pin), 0);
	cr_assert(k.host_ns);
	cg_caller_done(&k);
	cr_assert_geq(pin.fd, 0);
	cr_assert_eq(pin.init_fd, -1);
	cr_assert_eq(cg_pin_same(&pin), 1);
	cg_pin_done(&pin);
	cg_nscache_free(c);
	reap(host);
	reap(worker);
	reap(init);
}
