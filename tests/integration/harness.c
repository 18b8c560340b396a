/* Integration test harness: the daemons under test, and what every test does at its start
 * (require_capable(), the sweep of killed tests' leftovers) and end (harness.h). */
#include "harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUSE_SUPER_MAGIC 0x65735546

void msleep(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

bool timing_checked(const char *what)
{
	const char *t = getenv("VPROCFS_TIMING");

	if (t && strcmp(t, "0") == 0) {
		fprintf(stderr, "timing: %s not checked here (VPROCFS_TIMING=0: an emulated "
				"guest; the host checks it)\n", what);
		return false;
	}
	return true;
}

/* A test that criterion kills at its timeout never runs its fini: its processes die with it
 * (fork_child()), but its cgroups and its daemon's dead mount stay. Remove those of test
 * processes that no longer exist. */
static void sweep_stale(void)
{
	char line[2048];
	FILE *f;

	cg_sweep_stale();
	{
		DIR *dp = opendir("/tmp");
		struct dirent *e;

		/* MOUNT.log and MOUNT.sc of test daemons whose mount point is gone. */
		while (dp && (e = readdir(dp))) {
			char path[600], mntdir[600];
			size_t n = strlen(e->d_name);

			if (strncmp(e->d_name, "vprocfs-it-", 11) != 0 || n < 4 ||
			    (strcmp(e->d_name + n - 3, ".sc") != 0 &&
			     strcmp(e->d_name + n - 4, ".log") != 0))
				continue;
			snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
			snprintf(mntdir, sizeof(mntdir), "%s", path);
			*strrchr(mntdir, '.') = '\0';
			if (access(mntdir, F_OK) != 0)
				unlink(path);
		}
		if (dp)
			closedir(dp);
	}
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char mp[512];
		struct statfs sf;

		if (sscanf(line, "%*s %*s %*s %*s %511s", mp) == 1 &&
		    strncmp(mp, "/tmp/vprocfs-it-", 16) == 0 && strstr(line, " - fuse.vprocfs ") &&
		    statfs(mp, &sf) != 0 && errno == ENOTCONN) {
			umount2(mp, MNT_DETACH);
			rmdir(mp);
		}
	}
	if (f)
		fclose(f);
}

void require_capable(void)
{
	const char *why = NULL;

	if (geteuid() != 0)
		why = "not running as root";
	else if (access("/dev/fuse", R_OK | W_OK) != 0)
		why = "no usable /dev/fuse";
	else if (!cg_mount()[0])
		why = "no memory cgroup controller mounted";
	else if (access(cg_mount(), W_OK) != 0)
		why = "memory cgroup hierarchy not writable";
	if (why) {
		fprintf(stderr, "\n*** SKIPPED integration test: %s ***\n\n", why);
		cr_skip_test("SKIPPED: %s", why);
	}
	sweep_stale();
}

void test_finish(struct daemon *d)
{
	cg_cleanup();
	daemon_stop(d);
}

void test_teardown(struct daemon *d)
{
	cg_cleanup();
	daemon_kill(d);
}

const char *meminfo_path(const struct daemon *d)
{
	static __thread char p[300];

	snprintf(p, sizeof(p), "%s/proc/meminfo", d->mnt);
	return p;
}

static bool serving(const char *mnt)
{
	struct statfs sf;
	char p[300];

	snprintf(p, sizeof(p), "%s/proc/meminfo", mnt);
	return statfs(mnt, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC && access(p, R_OK) == 0;
}

pid_t fork_child(void)
{
	pid_t parent = getpid(), pid = fork();

	/* getppid() is 0 for the first process of a new pid namespace. */
	if (pid == 0 && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
			 (getppid() != parent && getppid() != 0)))
		_exit(125); /* the test is already gone */
	return pid;
}

int daemon_start_at(struct daemon *d, const char *mnt, int wait_ms, bool until_exit)
{
	const char *bin = getenv("VPROCFS_BIN");
	int status;

	cr_assert_not_null(bin, "VPROCFS_BIN not set (run through make test)");
	snprintf(d->mnt, sizeof(d->mnt), "%s", mnt);
	snprintf(d->log, sizeof(d->log), "%s.log", mnt);
	d->pid = fork_child();
	cr_assert_geq(d->pid, 0);
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		dup2(fd, 1);
		dup2(fd, 2);
		char sock[300];

		/* Each test daemon's seccomp agent on a socket of its own, never the host's. */
		snprintf(sock, sizeof(sock), "--seccomp-socket=%s.sc", mnt);
		if (d->arg[0])
			execl(bin, "vprocfs", sock, d->arg, mnt, (char *)NULL);
		else
			execl(bin, "vprocfs", sock, mnt, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < wait_ms / 10; i++) {
		pid_t w = waitpid(d->pid, &status, WNOHANG);

		if (w == d->pid) {
			d->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		if (!until_exit && serving(mnt))
			return -1;
		msleep(10);
	}
	return -1;
}

void daemon_start(struct daemon *d)
{
	char tmpl[] = "/tmp/vprocfs-it-XXXXXX";
	int r;

	cr_assert_not_null(mkdtemp(tmpl));
	r = daemon_start_at(d, tmpl, 10000, false);
	if (r != -1 || !serving(tmpl)) {
		daemon_dump_log(d);
		cr_assert_fail("daemon did not start serving (exit %d)", r);
	}
}

void daemon_dump_log(const struct daemon *d)
{
	char buf[8192];
	ssize_t n = read_whole(d->log, buf, sizeof(buf) - 1);

	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "---- daemon log %s ----\n%s---- end ----\n", d->log, buf);
	}
}

void daemon_stop(struct daemon *d)
{
	struct statfs sf;
	int status = -1;

	if (d->pid <= 0)
		return;
	kill(d->pid, SIGTERM);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			break;
		msleep(10);
		status = -1;
	}
	if (status == -1) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &status, 0);
		daemon_dump_log(d);
		cr_assert_fail("daemon did not exit within 10 s of SIGTERM");
	}
	d->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		daemon_dump_log(d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "daemon exit status %#x after SIGTERM", status);
	cr_assert(statfs(d->mnt, &sf) == 0 && sf.f_type != FUSE_SUPER_MAGIC,
		  "mount still present after SIGTERM");
	rmdir(d->mnt);
	unlink(d->log);
	{
		char sock[300];

		/* The daemon removes its socket at a clean stop; this is for one that did not. */
		snprintf(sock, sizeof(sock), "%s.sc", d->mnt);
		unlink(sock);
	}
}

void daemon_kill(struct daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	if (d->mnt[0]) {
		char sock[300];

		umount2(d->mnt, MNT_DETACH);
		rmdir(d->mnt);
		snprintf(sock, sizeof(sock), "%s.sc", d->mnt);
		unlink(sock);
		unlink(d->log);
	}
}

unsigned long long meminfo_value(const char *text, const char *key)
{
	char pat[80];
	const char *p;
	unsigned long long v;

	snprintf(pat, sizeof(pat), "%s:", key);
	p = strstr(text, pat);
	while (p && p != text && p[-1] != '\n')
		p = strstr(p + 1, pat);
	cr_assert_not_null(p, "no %s in:\n%s", key, text);
	cr_assert_eq(sscanf(p + strlen(pat), "%llu", &v), 1);
	return v;
}

ssize_t read_whole(const char *path, char *buf, size_t sz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t used = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + used, sz - used);

		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0 || used + (size_t)n == sz) {
			used += (size_t)n;
			break;
		}
		used += (size_t)n;
	}
	close(fd);
	return (ssize_t)used;
}
