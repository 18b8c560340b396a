/* The restart tests' stand-in for systemd's side of the protocol: a NOTIFY_SOCKET datagram
 * socket and a file descriptor store that behaves like systemd's (manager.h), the daemon
 * started as a unit would be, killed, stopped, and the store's contents checked. */
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
struct manager m = {.fd = -1};
bool removed_fuse, removed_init;
pid_t daemon_pid;
char mnt[80], logpath[128], stopfile[128];
/* When set, the daemon starts in this cgroup of systemd's own hierarchy, as if it were the
 * main process of a unit (sd_pid_get_unit() reads it). */
char unit_cgroup[256];
char sc_opt[200] = "--seccomp-socket=none";
/* The INIT message of the connection, as first stored: every later store must hold it. */
char first_init[4096];
ssize_t first_init_len = -1;
/* The write end of a pipe whose read end sits in the store under a name not the daemon's. */
int shim_w = -1;

unsigned unit_fd_store_max(void)
{
	static const char *const paths[] = {"../systemd/vprocfs.service.in",
					    "systemd/vprocfs.service.in"};
	static char buf[65536];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ssize_t n = read_whole(paths[i], buf, sizeof(buf) - 1);
		const char *p;
		unsigned long v;
		char *end;

		if (n <= 0)
			continue;
		buf[n] = '\0';
		p = strstr(buf, "\nFileDescriptorStoreMax=");
		cr_assert_not_null(p, "no FileDescriptorStoreMax= in %s", paths[i]);
		v = strtoul(p + 24, &end, 10);
		cr_assert(end != p + 24 && (*end == '\n' || *end == '\0') && v > 0 && v < 1u << 30,
			  "unreadable FileDescriptorStoreMax= in %s", paths[i]);
		return (unsigned)v;
	}
	cr_assert_fail("cannot read systemd/vprocfs.service.in (tests run from tests/)");
	return 0;
}

void manager_open(void)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	snprintf(m.dir, sizeof(m.dir), "/tmp/vprocfs-notify-XXXXXX");
	cr_assert_not_null(mkdtemp(m.dir));
	snprintf(m.sock, sizeof(m.sock), "%s/notify", m.dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", m.sock);
	m.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(m.fd, 0);
	cr_assert_eq(bind(m.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	m.max = unit_fd_store_max();
}

/* systemd's same_fd(). */
bool same_fd(int a, int b)
{
	struct stat sa, sb;

	if (!m.no_kcmp) {
		long r = syscall(SYS_kcmp, (long)getpid(), (long)getpid(), KCMP_FILE, a, b);

		if (r >= 0)
			return r == 0;
	}
	if (fstat(a, &sa) < 0 || fstat(b, &sb) < 0 || sa.st_dev != sb.st_dev ||
	    sa.st_ino != sb.st_ino || (sa.st_mode & S_IFMT) != (sb.st_mode & S_IFMT))
		return false;
	if (S_ISCHR(sa.st_mode) || S_ISBLK(sa.st_mode))
		return false;
	return fcntl(a, F_GETFL) == fcntl(b, F_GETFL);
}

/* service_add_fd_store(); takes fd. 1 stored, 0 a duplicate (closed), -1 refused (closed). */
int store_add(const char *name, int fd, bool do_poll)
{
	if (m.n >= m.max) {
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < m.n; i++)
		if (same_fd(m.store[i].fd, fd)) {
			close(fd);
			return 0;
		}
	if (m.n == m.cap) {
		m.cap = m.cap ? 2 * m.cap : 16;
		m.store = realloc(m.store, m.cap * sizeof(*m.store));
		cr_assert_not_null(m.store);
	}
	memmove(m.store + 1, m.store, m.n * sizeof(*m.store));
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	m.store[0].fd = fd;
	m.store[0].poll = do_poll;
	snprintf(m.store[0].name, sizeof(m.store[0].name), "%s", name);
	m.n++;
	return 1;
}

void store_unlink(size_t i)
{
	close(m.store[i].fd);
	memmove(m.store + i, m.store + i + 1, (m.n - i - 1) * sizeof(*m.store));
	m.n--;
}

/* service_remove_fd_store(): every entry of that name. */
void store_remove(const char *name)
{
	for (size_t i = 0; i < m.n;)
		if (strcmp(m.store[i].name, name) == 0)
			store_unlink(i);
		else
			i++;
}

/* What systemd does when the unit stops for good: drop the whole store. */
void store_drop(void)
{
	while (m.n > 0)
		store_unlink(m.n - 1);
}

/* on_fd_store_io(): watched entries go on EPOLLHUP/EPOLLERR. */
void store_sweep(void)
{
	for (size_t i = 0; i < m.n;) {
		struct pollfd p = {.fd = m.store[i].fd};

		if (m.store[i].poll && poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP)))
			store_unlink(i);
		else
			i++;
	}
}

size_t store_count(const char *name)
{
	size_t k = 0;

	for (size_t i = 0; i < m.n; i++)
		k += strcmp(m.store[i].name, name) == 0;
	return k;
}

/* "name name ...", in LISTEN_FDS order. */
const char *store_list(void)
{
	static char s[8192];
	size_t used = 0;

	s[0] = '\0';
	for (size_t i = 0; i < m.n && used < sizeof(s) - 1; i++)
		used += (size_t)snprintf(s + used, sizeof(s) - used, "%s%s", i ? " " : "",
					 m.store[i].name);
	return s;
}

/* Whether a notify message has exactly this line. */
bool has_line(const char *msg, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = msg; (p = strstr(p, line)); p++)
		if ((p == msg || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* The value of the first "key=" line, copied into out ("" and false if none). */
bool line_value(const char *msg, const char *key, char *out, size_t outsz)
{
	size_t n = strlen(key);

	out[0] = '\0';
	for (const char *p = msg; (p = strstr(p, key)); p++)
		if (p == msg || p[-1] == '\n') {
			snprintf(out, outsz, "%.*s", (int)strcspn(p + n, "\n"), p + n);
			return true;
		}
	return false;
}

int ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Receive notify messages until READY=1 has come and 50 ms passed without one, for up to ms;
 * true once READY=1 came. */
bool manager_poll(int ms)
{
	struct pollfd p = {.fd = m.fd, .events = POLLIN};
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char buf[4096], cbuf[CMSG_SPACE(sizeof(int) * 64)], name[256];
		struct iovec iov = {buf, sizeof(buf) - 1};
		struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf)};
		int fds[64], nfds = 0, wait = m.ready ? 50 : ms - ms_since(&t0);
		ssize_t n;

		if (wait <= 0 || poll(&p, 1, wait) <= 0)
			break;
		n = recvmsg(m.fd, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0)
			break;
		buf[n] = '\0';
		cr_assert_not(msg.msg_flags & MSG_CTRUNC, "too many fds in one message: %s", buf);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

				memcpy(fds + nfds, CMSG_DATA(c), (size_t)k * sizeof(int));
				nfds += k;
			}
		if (has_line(buf, "FDSTOREREMOVE=1")) {
			cr_assert(line_value(buf, "FDNAME=", name, sizeof(name)),
				  "FDSTOREREMOVE=1 without FDNAME=: %s", buf);
			store_remove(name);
			removed_fuse |= strcmp(name, FDNAME_FUSE) == 0;
			removed_init |= strcmp(name, FDNAME_INIT) == 0;
			for (int i = 0; i < nfds; i++)
				close(fds[i]); /* systemd closes fds it does not take */
		} else if (has_line(buf, "FDSTORE=1")) {
			if (!line_value(buf, "FDNAME=", name, sizeof(name)))
				snprintf(name, sizeof(name), "stored");
			for (int i = 0; i < nfds; i++)
				if (store_add(name, fds[i], !has_line(buf, "FDPOLL=0")) < 0)
					m.refused++;
		} else {
			cr_assert_eq(nfds, 0, "fds without FDSTORE=1: %s", buf);
		}
		if (has_line(buf, "READY=1"))
			m.ready = true;
	}
	return m.ready;
}

void dump_log(void)
{
	char buf[16384];
	ssize_t n = read_whole(logpath, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	fprintf(stderr, "---- daemon log ----\n%s---- end ----\n", buf);
}

/* Start bin like systemd would: NOTIFY_SOCKET, and every stored fd (LISTEN_FDS order is the
 * store's order, names in LISTEN_FDNAMES). */
void start(const char *bin)
{
	size_t n;

	store_sweep();
	n = m.n;
	m.ready = false;
	daemon_pid = fork_child();
	cr_assert_geq(daemon_pid, 0);
	if (daemon_pid == 0) {
		int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		char pid[16], count[24];

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
		if (n > 0) {
			int *tmp = malloc(n * sizeof(int));
			char *names = malloc(n * 257 + 1);
			size_t used = 0;

			if (!tmp || !names)
				_exit(125);
			/* Out of the way of 3..3+n-1 first, then into place (dup2 clears CLOEXEC). */
			for (size_t i = 0; i < n; i++)
				tmp[i] = fcntl(m.store[i].fd, F_DUPFD_CLOEXEC, (int)(3 + n));
			for (size_t i = 0; i < n; i++) {
				if (tmp[i] < 0 || dup2(tmp[i], (int)(3 + i)) < 0)
					_exit(125);
				used += (size_t)sprintf(names + used, "%s%s", i ? ":" : "",
							m.store[i].name);
			}
			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			snprintf(count, sizeof(count), "%zu", n);
			setenv("LISTEN_PID", pid, 1);
			setenv("LISTEN_FDS", count, 1);
			setenv("LISTEN_FDNAMES", names, 1);
		}
		/* The FUSE connection's fds only, unless a test gives the seccomp agent a socket. */
		execl(bin, "vprocfs", sc_opt, mnt, (char *)NULL);
		_exit(127);
	}
	if (!manager_poll(10000)) {
		dump_log();
		cr_assert_fail("%s did not say READY=1 (store: %s)", bin, store_list());
	}
	cr_assert_geq(store_count(FDNAME_FUSE), 1, "no /dev/fuse fd stored: %s", store_list());
	cr_assert_geq(store_count(FDNAME_INIT), 1, "no INIT stored: %s", store_list());
}

/* A /dev/fuse fd on a live connection. */
bool fuse_alive(int fd)
{
	struct stat st;
	struct pollfd p = {.fd = fd};

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(10, 229) &&
	       poll(&p, 1, 0) >= 0 && !(p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

/* Whether the running daemon has fd's open file among its own fds. */
bool daemon_has_file(int fd)
{
	char dir[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)daemon_pid);
	d = opendir(dir);
	cr_assert_not_null(d);
	while (!found && (e = readdir(d))) {
		long r;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		r = syscall(SYS_kcmp, (long)daemon_pid, (long)getpid(), KCMP_FILE, atol(e->d_name),
			    fd);
		if (r < 0 && (errno == ENOSYS || errno == EPERM))
			found = true; /* cannot tell here */
		found |= r == 0;
	}
	closedir(d);
	return found;
}

/* The store holds exactly one live /dev/fuse fd, the very file the daemon serves (so that
 * the requests it has read survive its kill -9), one INIT memfd holding the connection's
 * INIT, `others` entries that are not the daemon's, and nothing was refused. */
void assert_store_exact(const char *when, size_t others)
{
	size_t nfuse = store_count(FDNAME_FUSE), ninit = store_count(FDNAME_INIT);
	size_t njournal = store_count("vprocfs-journal");

	cr_assert(nfuse == 1 && ninit == 1 && njournal == 1 && m.n == 3 + others,
		  "%s: the store holds %zu entries (%s), want vprocfs-fuse, vprocfs-init and "
		  "vprocfs-journal once each and %zu others",
		  when, m.n, store_list(), others);
	cr_assert_eq(m.refused, 0, "%s: %u fds refused past FileDescriptorStoreMax=%u", when,
		     m.refused, m.max);
	for (size_t i = 0; i < m.n; i++) {
		const struct entry *e = &m.store[i];

		if (strcmp(e->name, FDNAME_FUSE) == 0) {
			cr_assert(fuse_alive(e->fd), "%s: the stored /dev/fuse fd is not live", when);
			cr_assert(daemon_has_file(e->fd),
				  "%s: the stored /dev/fuse fd is not the daemon's own file", when);
		} else if (strcmp(e->name, FDNAME_INIT) == 0) {
			char buf[4096];
			ssize_t len = pread(e->fd, buf, sizeof(buf), 0);

			cr_assert_geq(len, 40, "%s: stored INIT unreadable", when);
			cr_assert_eq(*(const unsigned *)(buf + 4), FUSE_OPCODE_INIT,
				     "%s: the stored INIT is no INIT", when);
			if (first_init_len < 0) {
				memcpy(first_init, buf, (size_t)len);
				first_init_len = len;
			}
			cr_assert(len == first_init_len && memcmp(buf, first_init, (size_t)len) == 0,
				  "%s: the stored INIT is not the connection's", when);
		}
	}
}

/* The daemon's exit status (its log dumped unless 0), -1 if it did not exit within ms. */
int wait_exit(int ms)
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

void kill_9(void)
{
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = 0;
}

/* SIGTERM: under a service manager, with no stop job, the daemon leaves mount and
 * connection to the store (a restart, or an upgrade when another binary starts next). */
void term(void)
{
	int status;

	kill(daemon_pid, SIGTERM);
	cr_assert(WIFEXITED(status = wait_exit(10000)) && WEXITSTATUS(status) == 0,
		  "SIGTERM exit status %#x", status);
}

void restart_setup(void)
{
	require_capable();
	manager_open();
	snprintf(mnt, sizeof(mnt), "%s/mnt", m.dir);
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", m.dir);
	snprintf(stopfile, sizeof(stopfile), "%s/stop", m.dir);
	cr_assert_eq(mkdir(mnt, 0755), 0);
}

pid_t bus_pid, fake_pid;

void stop_child(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

void restart_teardown(void)
{
	stop_child(&daemon_pid);
	stop_child(&fake_pid);
	stop_child(&bus_pid);
	if (unit_cgroup[0]) {
		rmdir(unit_cgroup);
		*strrchr(unit_cgroup, '/') = '\0';
		rmdir(unit_cgroup);
	}
	store_drop();
	free(m.store);
	if (shim_w >= 0)
		close(shim_w);
	umount2(mnt, MNT_DETACH);
	cg_cleanup();
	if (m.dir[0]) {
		char cmd[200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", m.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", m.dir);
	}
}
