/* Restarts never break containers, and the service manager's fd store holds exactly what the
 * daemon needs, whatever happened before. A stand-in for systemd's side of the protocol (a
 * NOTIFY_SOCKET datagram socket and a file descriptor store that behaves like systemd's: see
 * "The service manager" below), containers reading their bind-mounted /proc/meminfo in a loop,
 * and the daemon killed with SIGKILL, stopped with SIGTERM and replaced by an "upgraded"
 * binary. No systemd is booted. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "manager.h"

TestSuite(restart, .init = restart_setup, .fini = restart_teardown, .timeout = 120);

/* A container reading its /proc/meminfo until the stop file appears: one line of counts. */
static pid_t reader(const char *ctr, unsigned long long kb, int out_fd, int id)
{
	pid_t pid = fork_child();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct daemon dd = {0};
		char script[2048], out[4096];
		int r;

		snprintf(dd.mnt, sizeof(dd.mnt), "%s", mnt);
		snprintf(script, sizeof(script),
			 "n=0; e=0; b=0\n"
			 "while [ ! -e %s ]; do\n"
			 /* Every other read with busybox cat, which copies with sendfile(2):
			  * through the page cache, never asking for attributes. */
			 "  if [ $((n %% 2)) = 0 ]; then c=cat; else c='busybox cat'; fi\n"
			 "  if out=$($c /proc/meminfo 2>&1); then\n"
			 "    case \"$out\" in *'MemTotal:       %8llu kB'*) ;; *) b=$((b+1));; esac\n"
			 "  else e=$((e+1)); echo \"$out\" | tail -n 1; fi\n"
			 "  n=$((n+1))\n"
			 "  [ $n = 1 ] && : > %s.ready.%d\n"
			 "done\n"
			 "echo \"reads=$n errors=$e bad=$b\"\n",
			 stopfile, kb, stopfile, id);
		r = run_in_container(&dd, ctr, script, out, sizeof(out));
		dprintf(out_fd, "exit=%d %s", r, out);
		_exit(0);
	}
	return pid;
}

struct readers {
	int n, fd;
	pid_t pid[NREADERS];
};

/* n containers of 128, 256, ... MiB reading their /proc/meminfo in a loop. */
static void readers_start(struct readers *rd, int n)
{
	int pfd[2];

	cr_assert_eq(pipe(pfd), 0);
	rd->n = n;
	rd->fd = pfd[0];
	for (int i = 0; i < n; i++) {
		unsigned long long mib = 128ull * (unsigned)(i + 1);
		char name[16];
		const char *ctr;

		snprintf(name, sizeof(name), "r%d", i);
		ctr = cg_create(name);
		cg_set_limit(ctr, mib << 20);
		rd->pid[i] = reader(ctr, mib * 1024, pfd[1], i);
	}
	close(pfd[1]);
	/* Each has read once: the restarts that follow happen mid-traffic, also in an emulated
	 * guest where starting a container takes seconds. */
	for (int i = 0; i < n; i++) {
		char ready[200];

		snprintf(ready, sizeof(ready), "%s.ready.%d", stopfile, i);
		for (int k = 0; k < 12000 && access(ready, F_OK) != 0; k++)
			msleep(10);
		unlink(ready);
	}
}

/* Stop them; every read succeeded and showed the reader's own MemTotal. */
static void readers_check(struct readers *rd)
{
	char buf[8192];
	size_t used = 0;
	ssize_t n;
	int lines = 0;

	close(open(stopfile, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	for (int i = 0; i < rd->n; i++)
		waitpid(rd->pid[i], NULL, 0);
	while ((n = read(rd->fd, buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	close(rd->fd);
	/* Where the kernel cannot requeue what a killed daemon had read (no FUSE_NOTIFY_RESEND,
	 * Linux < 6.9), a request taken by a daemon killed on its way back from read() is ended
	 * with ECONNABORTED by the next one (README "Restarts"): at most one per worker and kill,
	 * each failing with exactly that; with the kernel's resend, none fails. */
	char log[65536];
	ssize_t ln = read_whole(logpath, log, sizeof(log) - 1);
	bool lossy = ln > 0 && (log[ln] = '\0', strstr(log, "cannot resend pending requests"));
	unsigned long total_errors = 0;

	for (const char *p = buf; (p = strstr(p, "reads=")); p++, lines++) {
		unsigned long reads, errors, bad;

		cr_assert_eq(sscanf(p, "reads=%lu errors=%lu bad=%lu", &reads, &errors, &bad), 3,
			     "%s", buf);
		/* How many reads fit in the test's few seconds is a question of speed. */
		cr_assert_gt(reads, timing_checked("the readers' read count") ? 20 : 0, "%s", buf);
		if (errors && !lossy)
			dump_log();
		cr_assert(errors == 0 || lossy, "failed reads:\n%s", buf);
		cr_assert_eq(bad, 0, "wrong content:\n%s", buf);
		total_errors += errors;
	}
	if (total_errors) {
		int aborted = 0;

		for (const char *p = buf; (p = strstr(p, "Software caused connection abort")); p++)
			aborted++;
		fprintf(stderr, "restart: no resend: %lu reads ended with ECONNABORTED\n",
			total_errors);
		cr_assert_eq((unsigned long)aborted, total_errors, "other failures:\n%s", buf);
		cr_assert_leq(total_errors, 16, "too many lost requests:\n%s", buf);
	}
	if (lines != rd->n || strstr(buf, "exit=9"))
		dump_log();
	cr_assert_eq(lines, rd->n, "%s", buf);
	cr_assert_null(strstr(buf, "not connected"), "%s", buf);
	cr_assert_null(strstr(buf, "exit=9"), "%s", buf);
}

/* The upgrade: another binary file (a copy of this build). */
static const char *upgraded_binary(void)
{
	static char upgraded[160];
	char cmd[400];

	snprintf(upgraded, sizeof(upgraded), "%s/vprocfs-upgraded", m.dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", getenv("VPROCFS_BIN"), upgraded);
	cr_assert_eq(system(cmd), 0);
	return upgraded;
}

static void ten_restarts(void);

Test(restart, ten_restarts_lose_no_read_and_store_each_fd_once)
{
	ten_restarts();
}

/* The same where the kernel cannot requeue the requests a killed daemon had read (Linux
 * < 6.9, no FUSE_NOTIFY_RESEND; made so here): the next daemon serves them from the request
 * journal, or their readers would wait for ever. */
Test(restart, ten_restarts_without_resend_serve_the_journal)
{
	setenv("VPROCFS_TEST_NO_RESEND", "1", 1);
	ten_restarts();
}

static void ten_restarts(void)
{
	const char *bin = getenv("VPROCFS_BIN"), *upgraded = upgraded_binary();
	struct readers rd;

	start(bin);
	assert_store_exact("first start", 0);
	readers_start(&rd, NREADERS);
	msleep(1200);

	/* kill -9 (mid-traffic: the readers never pause), a restart (SIGTERM) onto the upgraded
	 * binary, a restart onto this one; three times over, and one more kill -9. Requests
	 * made while no daemon runs wait in the kernel's queue. */
	for (int i = 0; i < 10; i++) {
		char when[64];

		if (i % 3 == 0)
			kill_9();
		else
			term();
		msleep(i % 3 == 0 ? 300 : 100);
		start(i % 3 == 1 ? upgraded : bin);
		snprintf(when, sizeof(when), "restart %d (%s)", i + 1,
			 i % 3 == 0 ? "after kill -9" : i % 3 == 1 ? "upgrade" : "after SIGTERM");
		assert_store_exact(when, 0);
		msleep(600);
	}
	readers_check(&rd);

	/* A real stop: the daemon exits and the manager drops the store, which ends the
	 * connection; the next start, inheriting nothing, clears the dead mount and serves. */
	term();
	store_drop();
	start(bin);
	assert_store_exact("start after a stop", 0);
	{
		char path[128], buf[8192];
		struct statfs sf;

		snprintf(path, sizeof(path), "%s/proc/meminfo", mnt);
		cr_assert_gt(read_whole(path, buf, sizeof(buf)), 0);
		cr_assert(statfs(mnt, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC);
	}
	term();
}

/* A /dev/fuse fd whose connection has ended (mounted, then unmounted). */
static int dead_fuse_fd(void)
{
	char dir[80], opts[128];
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	snprintf(dir, sizeof(dir), "%s/dead", m.dir);
	mkdir(dir, 0755);
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fd);
	cr_assert_eq(mount("dead", dir, "fuse.vprocfs-test-dead", MS_NOSUID | MS_NODEV, opts), 0);
	cr_assert_eq(umount2(dir, MNT_DETACH), 0);
	cr_assert_not(fuse_alive(fd));
	return fd;
}

static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("vprocfs-test", MFD_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	return fd;
}

/* Stored by something else than the daemon, as systemd would have it. */
static void inject(const char *name, int fd, bool do_poll)
{
	cr_assert_eq(store_add(name, fd, do_poll), 1);
}

/* What earlier daemons and bad luck may leave in the store: the old vprocfs stored a new INIT
 * memfd at every restart (and, where systemd's same_fd() has no kcmp(), the /dev/fuse fd
 * again too), a kill -9 may interrupt a daemon while it tidies the store, and entries
 * of the same name come in whatever order systemd keeps them. Each junk entry here comes
 * before the live ones in LISTEN_FDS order. The daemon takes the live connection over, with
 * no failed read, and leaves exactly one vprocfs-fuse (the file it serves) and one
 * vprocfs-init; an entry that is not the daemon's stays. */
Test(restart, inherited_duplicates_and_junk_leave_one_of_each)
{
	const char *bin = getenv("VPROCFS_BIN");
	static const char junk[64] = "not an INIT message, but a memfd all the same";
	struct readers rd;
	int pfd[2];

	start(bin);
	assert_store_exact("first start", 0);
	readers_start(&rd, 2);
	msleep(800);
	kill_9();

	cr_assert_eq(pipe2(pfd, O_CLOEXEC), 0);
	shim_w = pfd[1];
	inject("shim-seccomp-ctr1", pfd[0], true); /* not the daemon's: must stay */
	inject(FDNAME_INIT, memfd_with(first_init, (size_t)first_init_len), true); /* old dup */
	inject("vprocfs-hold-1", dead_fuse_fd(), false); /* an interrupted tidy-up, long dead */
	inject(FDNAME_FUSE, dead_fuse_fd(), false); /* FDPOLL=0: systemd keeps it though dead */
	inject(FDNAME_INIT, memfd_with(junk, sizeof(junk)), true);
	inject(FDNAME_FUSE, open("/dev/null", O_RDWR | O_CLOEXEC), true); /* not /dev/fuse */
	fprintf(stderr, "restart: store handed over: %s\n", store_list());
	msleep(200);

	start(bin);
	assert_store_exact("after inheriting duplicates and junk", 1);
	cr_assert_eq(store_count("shim-seccomp-ctr1"), 1, "%s", store_list());
	msleep(600);

	/* The tidied store carries the next restarts as usual. */
	kill_9();
	msleep(200);
	start(upgraded_binary());
	assert_store_exact("kill -9 after the tidy-up", 1);
	msleep(600);
	term();
	start(bin);
	assert_store_exact("SIGTERM after the tidy-up", 1);
	msleep(600);
	readers_check(&rd);
	term();
}

/* A daemon killed while it tidied a store up leaves connection and INIT only under the copies'
 * name (vprocfs-hold-*): the next one takes them over as well. */
Test(restart, tidy_up_killed_half_way_is_taken_over)
{
	const char *bin = getenv("VPROCFS_BIN");
	struct readers rd;

	start(bin);
	assert_store_exact("first start", 0);
	readers_start(&rd, 1);
	msleep(600);
	kill_9();
	/* Tidying touches the connection and INIT only; the journal (which also holds the
	 * bound views) keeps its name. */
	for (size_t i = 0; i < m.n; i++)
		if (strcmp(m.store[i].name, "vprocfs-fuse") == 0 ||
		    strcmp(m.store[i].name, "vprocfs-init") == 0)
			snprintf(m.store[i].name, sizeof(m.store[i].name), "vprocfs-hold-99");
	start(bin);
	assert_store_exact("taken over from the copies", 0);
	msleep(600);
	kill_9();
	start(bin);
	assert_store_exact("kill -9 after that", 0);
	msleep(600);
	readers_check(&rd);
	term();
}

/* An older daemon killed between storing its /dev/fuse fd and its INIT left a live connection
 * nobody can take over (libfuse answers nothing before INIT): the next start drops it from
 * the store, which ends it, detaches the dead mount and serves afresh. */
Test(restart, live_connection_without_its_init_is_replaced)
{
	const char *bin = getenv("VPROCFS_BIN");
	char path[128], buf[8192];

	start(bin);
	kill_9();
	store_remove(FDNAME_INIT);
	start(bin);
	assert_store_exact("after a store without INIT", 0);
	snprintf(path, sizeof(path), "%s/proc/meminfo", mnt);
	cr_assert_gt(read_whole(path, buf, sizeof(buf)), 0);
	term();
}

/* Where systemd's same_fd() has no kcmp() (seccomp, or a kernel without CONFIG_KCMP), it
 * calls no two device fds the same: a /dev/fuse fd sent again is a second entry. */
Test(restart, restarts_under_a_manager_without_kcmp_store_each_fd_once)
{
	const char *bin = getenv("VPROCFS_BIN");

	m.no_kcmp = true;
	start(bin);
	assert_store_exact("first start", 0);
	for (int i = 0; i < 6; i++) {
		char when[64];

		if (i % 2 == 0)
			kill_9();
		else
			term();
		start(bin);
		snprintf(when, sizeof(when), "restart %d", i + 1);
		assert_store_exact(when, 0);
	}
	term();
}

/* systemd's side of a stop and of a restart, down to the D-Bus question the daemon asks at
 * SIGTERM: a private dbus-daemon, a stand-in answering for org.freedesktop.systemd1 with the
 * job type, and the daemon running in a unit's cgroup of systemd's hierarchy. */

static void bus_start(void)
{
	char addr[200], sockpath[128];

	snprintf(sockpath, sizeof(sockpath), "%s/bus", m.dir);
	snprintf(addr, sizeof(addr), "unix:path=%s", sockpath);
	bus_pid = fork_child();
	cr_assert_geq(bus_pid, 0);
	if (bus_pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execlp("dbus-daemon", "dbus-daemon", "--config-file=/usr/share/dbus-1/session.conf",
		       "--nofork", "--nopidfile", "--address", addr, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 3000 && access(sockpath, F_OK) != 0; i++)
		msleep(10);
	cr_assert_eq(access(sockpath, F_OK), 0, "dbus-daemon did not start");
	setenv("DBUS_SYSTEM_BUS_ADDRESS", addr, 1);
}

static void fake_systemd(const char *job_type)
{
	int pfd[2];
	char buf[16] = "";

	stop_child(&fake_pid);
	cr_assert_eq(pipe(pfd), 0);
	fake_pid = fork_child();
	cr_assert_geq(fake_pid, 0);
	if (fake_pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl(getenv("VPROCFS_FAKEBUS"), "fake-systemd-bus", job_type, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	cr_assert_gt(read(pfd[0], buf, sizeof(buf) - 1), 0, "fake systemd did not start");
	close(pfd[0]);
}

/* systemd's hierarchy: the unified one on hybrid and pure v2 hosts. */
static bool make_unit_cgroup(void)
{
	const char *root = NULL;
	struct statfs sf;

	if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == 0x63677270)
		root = "/sys/fs/cgroup/unified";
	else if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == 0x63677270)
		root = "/sys/fs/cgroup";
	if (!root)
		return false;
	snprintf(unit_cgroup, sizeof(unit_cgroup), "%s/vprocfs-test-%d.slice", root, (int)getpid());
	if (mkdir(unit_cgroup, 0755) != 0)
		return false;
	snprintf(unit_cgroup + strlen(unit_cgroup), sizeof(unit_cgroup) - strlen(unit_cgroup),
		 "/vprocfs-test-%d.service", (int)getpid());
	return mkdir(unit_cgroup, 0755) == 0;
}

/* From the mount table, not statfs(): with the daemon gone and the connection parked in
 * the store, a statfs() on the mount would wait for an answer until the next start. */
static bool mounted(void)
{
	char line[1024], want[100];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	cr_assert(f);
	snprintf(want, sizeof(want), " %s ", mnt);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) && strstr(line, " - fuse.vprocfs ");
	fclose(f);
	return found;
}

Test(restart, systemd_stop_unmounts_restart_keeps)
{
	char path[128], buf[4096];
	int status;

	if (!getenv("VPROCFS_FAKEBUS") || system("command -v dbus-daemon >/dev/null") != 0) {
		fprintf(stderr, "\n*** SKIPPED stop/restart test: dbus-daemon or helper missing ***\n\n");
		cr_skip_test("SKIPPED: dbus-daemon or the fake systemd helper missing");
	}
	cr_assert(make_unit_cgroup(), "cannot create a unit cgroup in systemd's hierarchy");
	bus_start();
	snprintf(path, sizeof(path), "%s/proc/meminfo", mnt);

	/* A restart job: the daemon leaves mount and connection to the store. */
	fake_systemd("restart");
	start(getenv("VPROCFS_BIN"));
	kill(daemon_pid, SIGTERM);
	cr_assert(WIFEXITED(status = wait_exit(10000)) && WEXITSTATUS(status) == 0);
	cr_assert(mounted(), "unmounted on a restart");
	start(getenv("VPROCFS_BIN"));
	cr_assert_gt(read_whole(path, buf, sizeof(buf)), 0, "the restarted daemon does not serve");

	/* A stop job: it drops its fds from the store and unmounts. */
	fake_systemd("stop");
	m.ready = false;
	kill(daemon_pid, SIGTERM);
	cr_assert(WIFEXITED(status = wait_exit(10000)) && WEXITSTATUS(status) == 0);
	cr_assert_not(mounted(), "still mounted after a stop");
	manager_poll(200);
	cr_assert(removed_fuse && removed_init, "no FDSTOREREMOVE for both fds");
}

/* Entries whose name starts with prefix. */
static size_t store_count_prefix(const char *prefix)
{
	size_t k = 0;

	for (size_t i = 0; i < m.n; i++)
		k += strncmp(m.store[i].name, prefix, strlen(prefix)) == 0;
	return k;
}

/* Serve the manager until the store holds want entries named vprocfs-sc-* (up to 60 s). */
static bool wait_sc_entries(size_t want)
{
	for (int i = 0; i < 600; i++) {
		manager_poll(100);
		store_sweep();
		if (store_count_prefix("vprocfs-sc-") == want)
			return true;
	}
	return false;
}

/* sysinfo answered through restarts: a container calls sysinfo in a loop (the seccomp agent
 * answers it) while the daemon is killed with SIGKILL, taken over from the store, restarted
 * and upgraded: every call succeeds with the container's figures (the probe exits non-zero
 * on any failure or any other MemTotal), and the store holds the agent's listening socket,
 * journal and the container's listener once each. */
Test(restart, sysinfo_answers_survive_kill_9_and_upgrade)
{
	const char *bin = getenv("VPROCFS_BIN"), *upgraded = upgraded_binary();
	char work[128], sock[128], stop[200], out[16384];
	int pfd[2], status;
	size_t used = 0;
	ssize_t n;
	pid_t ctr;

	if (!getenv("VPROCFS_PROBE") || access("/bin/busybox", X_OK) != 0) {
		fprintf(stderr, "\n*** SKIPPED sysinfo restart test: probe or busybox missing ***\n\n");
		cr_skip_test("SKIPPED: probe or busybox missing");
	}
	snprintf(sock, sizeof(sock), "%s/sc", m.dir);
	snprintf(sc_opt, sizeof(sc_opt), "--seccomp-socket=%s", sock);
	snprintf(work, sizeof(work), "%s/oci", m.dir);
	cr_assert_eq(mkdir(work, 0755), 0);
	start(bin);
	/* The listening socket and the journal. */
	cr_assert(wait_sc_entries(2), "store: %s", store_list());
	make_bundle(work, "r", 256, mnt, sock,
		    "touch /started\n"
		    "while [ ! -e /stop ]; do probe 200 > /last || { cat /last; exit 1; }; done\n"
		    "cat /last; echo LOOP-DONE");
	cr_assert_eq(pipe(pfd), 0);
	ctr = fork_child();
	cr_assert_geq(ctr, 0);
	if (ctr == 0) {
		char buf[16384];
		int r = run_bundle(work, "r", buf, sizeof(buf));

		if (write(pfd[1], buf, strlen(buf)) < 0)
			_exit(125);
		_exit(r);
	}
	close(pfd[1]);
	/* + the container's listener, once the runtime handed it over. */
	cr_assert(wait_sc_entries(3), "no listener stored: %s", store_list());
	msleep(500);
	kill_9();
	msleep(300);
	start(bin);
	assert_store_exact("sysinfo: after kill -9", 3);
	msleep(500);
	kill_9();
	start(bin);
	assert_store_exact("sysinfo: after a second kill -9", 3);
	msleep(500);
	term();
	start(upgraded);
	assert_store_exact("sysinfo: after an upgrade", 3);
	msleep(500);
	snprintf(stop, sizeof(stop), "%s/r/rootfs/stop", work);
	close(open(stop, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	while ((n = read(pfd[0], out + used, sizeof(out) - 1 - used)) > 0)
		used += (size_t)n;
	out[used] = '\0';
	close(pfd[0]);
	cr_assert_eq(waitpid(ctr, &status, 0), ctr);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the container's calls:\n%s", out);
	cr_assert(strstr(out, "LOOP-DONE") && strstr(out, "total_kb=262144"), "%s", out);
	/* The container is gone: its listener leaves the store. */
	cr_assert(wait_sc_entries(2), "the gone container's listener stays: %s", store_list());
	term();
}
