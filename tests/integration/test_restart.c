/* Restarts never break containers: a stand-in for systemd's side of the protocol (a
 * NOTIFY_SOCKET datagram socket that keeps the fds sent with FDSTORE=1, and restarts with
 * LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES), 4 containers reading their bind-mounted
 * /proc/meminfo in a loop, and the daemon killed with SIGKILL, then replaced by an
 * "upgraded" binary. No systemd is booted. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define FUSE_SUPER_MAGIC 0x65735546
#define NREADERS 4

/* The service manager: its notify socket and fd store. */
struct manager {
	char dir[40], sock[100];
	int fd;
	int fuse_fd, init_fd; /* the store */
	bool ready;
};

static struct manager m = {.fd = -1, .fuse_fd = -1, .init_fd = -1};
static bool removed_fuse, removed_init;
static pid_t daemon_pid;
static char mnt[80], logpath[128], stopfile[128];
/* When set, the daemon starts in this cgroup of systemd's own hierarchy, as if it were the
 * main process of a unit (sd_pid_get_unit() reads it). */
static char unit_cgroup[256];

static void msleep(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

static void manager_open(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	snprintf(m.dir, sizeof(m.dir), "/tmp/vprocfs-notify-XXXXXX");
	cr_assert_not_null(mkdtemp(m.dir));
	snprintf(m.sock, sizeof(m.sock), "%s/notify", m.dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", m.sock);
	m.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(m.fd, 0);
	cr_assert_eq(bind(m.fd, (struct sockaddr *)&a, sizeof(a)), 0);
}

static void store_fd(const char *name, int fd)
{
	int *slot = strcmp(name, "vprocfs-fuse") == 0 ? &m.fuse_fd
		    : strcmp(name, "vprocfs-init") == 0 ? &m.init_fd
							: NULL;

	cr_assert_not_null(slot, "unexpected FDNAME=%s", name);
	/* Like systemd: a duplicate of a stored file is not stored twice. */
	if (*slot >= 0) {
		struct stat a, b;

		if (fstat(*slot, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			close(fd);
			return;
		}
		close(*slot);
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	*slot = fd;
}

/* Receive notify messages for up to ms; true once READY=1 has been seen. */
static bool manager_poll(int ms)
{
	struct pollfd p = {.fd = m.fd, .events = POLLIN};

	while (poll(&p, 1, ms) > 0) {
		char buf[4096], cbuf[CMSG_SPACE(sizeof(int) * 8)];
		struct iovec iov = {buf, sizeof(buf) - 1};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf)};
		ssize_t n = recvmsg(m.fd, &msg, MSG_CMSG_CLOEXEC);
		const char *name;

		if (n < 0)
			break;
		buf[n] = '\0';
		name = strstr(buf, "FDNAME=");
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int fd;
				char nm[64] = "";

				memcpy(&fd, CMSG_DATA(c), sizeof(fd));
				cr_assert(strstr(buf, "FDSTORE=1") && name, "fd without FDSTORE: %s", buf);
				sscanf(name + 7, "%63[^\n]", nm);
				store_fd(nm, fd);
			}
		if (strstr(buf, "READY=1"))
			m.ready = true;
		if (strstr(buf, "FDSTOREREMOVE=1") && strstr(buf, "FDNAME=vprocfs-fuse"))
			removed_fuse = true;
		if (strstr(buf, "FDSTOREREMOVE=1") && strstr(buf, "FDNAME=vprocfs-init"))
			removed_init = true;
		ms = 50;
	}
	return m.ready;
}

/* Start bin like systemd would: NOTIFY_SOCKET, and the stored fds if any. */
static void start(const char *bin)
{
	bool pass = m.fuse_fd >= 0 && m.init_fd >= 0;

	m.ready = false;
	daemon_pid = fork_child();
	cr_assert_geq(daemon_pid, 0);
	if (daemon_pid == 0) {
		int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		char pid[16];

		dup2(log, 1);
		dup2(log, 2);
		if (unit_cgroup[0]) {
			char procs[300];
			FILE *f;

			snprintf(procs, sizeof(procs), "%s/cgroup.procs", unit_cgroup);
			f = fopen(procs, "we");
			if (!f || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0)
				_exit(126);
		}
		setenv("NOTIFY_SOCKET", m.sock, 1);
		if (pass) {
			int a = fcntl(m.fuse_fd, F_DUPFD_CLOEXEC, 10);
			int b = fcntl(m.init_fd, F_DUPFD_CLOEXEC, 10);

			dup2(a, 3);
			dup2(b, 4);
			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			setenv("LISTEN_PID", pid, 1);
			setenv("LISTEN_FDS", "2", 1);
			setenv("LISTEN_FDNAMES", "vprocfs-fuse:vprocfs-init", 1);
		}
		execl(bin, "vprocfs", mnt, (char *)NULL);
		_exit(127);
	}
	if (!manager_poll(10000)) {
		char buf[8192];
		ssize_t n = read_whole(logpath, buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = '\0';
		cr_assert_fail("%s did not say READY=1; log:\n%s", bin, buf);
	}
	cr_assert_geq(m.fuse_fd, 0, "no /dev/fuse fd stored");
	cr_assert_geq(m.init_fd, 0, "no INIT stored");
}

static void dump_log(void)
{
	char buf[16384];
	ssize_t n = read_whole(logpath, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	fprintf(stderr, "---- daemon log ----\n%s---- end ----\n", buf);
}

/* The daemon's exit status (its log dumped unless 0), -1 if it did not exit within ms. */
static int wait_exit(int ms)
{
	int status;

	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
			daemon_pid = 0;
			if (status != 0)
				dump_log();
			return status;
		}
		msleep(10);
	}
	dump_log();
	return -1;
}

static void setup(void)
{
	require_capable();
	manager_open();
	snprintf(mnt, sizeof(mnt), "%s/mnt", m.dir);
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", m.dir);
	snprintf(stopfile, sizeof(stopfile), "%s/stop", m.dir);
	cr_assert_eq(mkdir(mnt, 0755), 0);
}

static pid_t bus_pid, fake_pid;

static void stop_child(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

static void teardown(void)
{
	stop_child(&daemon_pid);
	stop_child(&fake_pid);
	stop_child(&bus_pid);
	if (unit_cgroup[0]) {
		rmdir(unit_cgroup);
		*strrchr(unit_cgroup, '/') = '\0';
		rmdir(unit_cgroup);
	}
	close(m.fuse_fd);
	close(m.init_fd);
	umount2(mnt, MNT_DETACH);
	cg_cleanup();
	if (m.dir[0]) {
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", m.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", m.dir);
	}
}

TestSuite(restart, .init = setup, .fini = teardown, .timeout = 120);

/* A container reading its /proc/meminfo until the stop file appears: one line of counts. */
static pid_t reader(const char *ctr, unsigned long long kb, int out_fd)
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
			 "  if out=$(cat /proc/meminfo 2>&1); then\n"
			 "    case \"$out\" in *'MemTotal:       %8llu kB'*) ;; *) b=$((b+1));; esac\n"
			 "  else e=$((e+1)); echo \"$out\" | head -1; fi\n"
			 "  n=$((n+1))\n"
			 "done\n"
			 "echo \"reads=$n errors=$e bad=$b\"\n",
			 stopfile, kb);
		r = run_in_container(&dd, ctr, script, out, sizeof(out));
		dprintf(out_fd, "exit=%d %s", r, out);
		_exit(0);
	}
	return pid;
}

Test(restart, kill_9_and_upgrade_lose_no_read)
{
	static const unsigned long long mib[NREADERS] = {128, 256, 384, 512};
	char upgraded[160], cmd[400], buf[8192];
	pid_t readers[NREADERS];
	int pfd[2], status;
	ssize_t n;
	size_t used = 0;

	/* The upgrade: another binary file (a copy of this build) started on the same store. */
	snprintf(upgraded, sizeof(upgraded), "%s/vprocfs-upgraded", m.dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", getenv("VPROCFS_BIN"), upgraded);
	cr_assert_eq(system(cmd), 0);

	start(getenv("VPROCFS_BIN"));
	cr_assert_eq(pipe(pfd), 0);
	for (int i = 0; i < NREADERS; i++) {
		char name[16];
		const char *ctr;

		snprintf(name, sizeof(name), "r%d", i);
		ctr = cg_create(name);
		cg_set_limit(ctr, mib[i] << 20);
		readers[i] = reader(ctr, mib[i] * 1024, pfd[1]);
	}
	close(pfd[1]);
	msleep(1500);

	/* 1: SIGKILL; the connection lives on in the store; requests wait for the next. */
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = 0;
	msleep(500);
	start(getenv("VPROCFS_BIN"));
	msleep(1500);

	/* 2: an upgrade: SIGTERM (under a service manager the daemon leaves the mount to the
	 * store), then the new binary. */
	kill(daemon_pid, SIGTERM);
	cr_assert(WIFEXITED(status = wait_exit(10000)) && WEXITSTATUS(status) == 0,
		  "SIGTERM exit status %#x", status);
	msleep(300);
	start(upgraded);
	msleep(1500);

	close(open(stopfile, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	for (int i = 0; i < NREADERS; i++)
		waitpid(readers[i], NULL, 0);
	while ((n = read(pfd[0], buf + used, sizeof(buf) - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	close(pfd[0]);
	{
		int lines = 0;

		for (const char *p = buf; (p = strstr(p, "reads=")); p++, lines++) {
			unsigned long reads, errors, bad;

			cr_assert_eq(sscanf(p, "reads=%lu errors=%lu bad=%lu", &reads, &errors, &bad),
				     3, "%s", buf);
			cr_assert_gt(reads, 20, "%s", buf);
			cr_assert_eq(errors, 0, "failed reads:\n%s", buf);
			cr_assert_eq(bad, 0, "wrong content:\n%s", buf);
		}
		cr_assert_eq(lines, NREADERS, "%s", buf);
		cr_assert_null(strstr(buf, "not connected"), "%s", buf);
		cr_assert_null(strstr(buf, "exit=9"), "%s", buf);
	}

	/* A real stop: the daemon exits and the manager drops the store, which ends the
	 * connection; the next start, inheriting nothing, clears the dead mount and serves. */
	kill(daemon_pid, SIGTERM);
	cr_assert(WIFEXITED(status = wait_exit(10000)) && WEXITSTATUS(status) == 0);
	close(m.fuse_fd);
	close(m.init_fd);
	m.fuse_fd = m.init_fd = -1;
	start(getenv("VPROCFS_BIN"));
	{
		char path[128];
		struct statfs sf;

		snprintf(path, sizeof(path), "%s/proc/meminfo", mnt);
		cr_assert_gt(read_whole(path, buf, sizeof(buf)), 0);
		cr_assert(statfs(mnt, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC);
	}
	kill(daemon_pid, SIGTERM);
	cr_assert(WIFEXITED(status = wait_exit(10000)) && WEXITSTATUS(status) == 0);
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
	for (int i = 0; i < 200 && access(sockpath, F_OK) != 0; i++)
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
