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

static char cgmount[256];
static int cgversion;
static char created[128][512];
static int ncreated;
/* v1: the hierarchies of the other controllers vprocfs reads ("" where not mounted); v2: all
 * cgmount. */
static const char *const v1_ctls[] = {"cpu", "cpuacct", "cpuset", "blkio"};
#define NCTLS (sizeof(v1_ctls) / sizeof(v1_ctls[0]))
#define BLKIO 3
static char ctlmount[NCTLS][256];

static void msleep(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

static void find_memory_cgroup(void)
{
	FILE *f;
	char line[1024];

	if (cgversion)
		return;
	f = fopen("/proc/self/mountinfo", "re");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		char mp[256], fstype[64], opts[512];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %255s", mp) != 1 ||
		    sscanf(sep + 3, "%63s %*s %511s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, "cgroup") == 0) {
			/* Super options are comma separated: match whole controller names. */
			char o[520];

			snprintf(o, sizeof(o), ",%s,", opts);
			for (size_t k = 0; k < NCTLS; k++) {
				char want[32];

				snprintf(want, sizeof(want), ",%s,", v1_ctls[k]);
				if (strstr(o, want) && !ctlmount[k][0])
					snprintf(ctlmount[k], sizeof(ctlmount[k]), "%s", mp);
			}
		}
		if (strcmp(fstype, "cgroup") == 0 && strstr(opts, "memory") && !cgversion) {
			snprintf(cgmount, sizeof(cgmount), "%s", mp);
			cgversion = 1;
		} else if (strcmp(fstype, "cgroup2") == 0 && !cgversion) {
			char p[600], ctl[256] = "";
			FILE *c;

			snprintf(p, sizeof(p), "%s/cgroup.controllers", mp);
			c = fopen(p, "re");
			if (c && fgets(ctl, sizeof(ctl), c) && strstr(ctl, "memory")) {
				snprintf(cgmount, sizeof(cgmount), "%s", mp);
				cgversion = 2;
			}
			if (c)
				fclose(c);
		}
	}
	fclose(f);
	if (cgversion == 2)
		for (size_t k = 0; k < NCTLS; k++)
			snprintf(ctlmount[k], sizeof(ctlmount[k]), "%s", cgmount);
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

bool cg_is_v2(void)
{
	find_memory_cgroup();
	return cgversion == 2;
}

const char *cg_mount(void)
{
	find_memory_cgroup();
	return cgmount;
}

static void rmdir_retry(const char *dir);

/* Whether the test process named in "vprocfs-test-<pid>..." is gone. */
static bool owner_gone(const char *name)
{
	int pid;

	return sscanf(name, "vprocfs-test-%d", &pid) == 1 && pid > 0 && kill(pid, 0) != 0 &&
	       errno == ESRCH;
}

static void remove_tree(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;

	if (!dp)
		return;
	while ((e = readdir(dp)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			char sub[1024];

			snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
			remove_tree(sub);
		}
	closedir(dp);
	kill_members_of(dir);
	rmdir_retry(dir);
}

/* A test that criterion kills at its timeout never runs its fini: its processes die with it
 * (fork_child()), but its cgroups and its daemon's dead mount stay. Remove those of test
 * processes that no longer exist. */
static void sweep_stale(void)
{
	const char *roots[] = {cgmount,      ctlmount[0], ctlmount[1],
			       ctlmount[2],  ctlmount[3], "/sys/fs/cgroup/unified"};
	char line[2048];
	FILE *f;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		DIR *dp = roots[i][0] ? opendir(roots[i]) : NULL;
		struct dirent *e;

		while (dp && (e = readdir(dp)))
			if (e->d_type == DT_DIR && strncmp(e->d_name, "vprocfs-test-", 13) == 0 &&
			    owner_gone(e->d_name)) {
				char dir[1024];

				snprintf(dir, sizeof(dir), "%s/%s", roots[i], e->d_name);
				remove_tree(dir);
			}
		if (dp)
			closedir(dp);
	}
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

	find_memory_cgroup();
	if (geteuid() != 0)
		why = "not running as root";
	else if (access("/dev/fuse", R_OK | W_OK) != 0)
		why = "no usable /dev/fuse";
	else if (!cgversion)
		why = "no memory cgroup controller mounted";
	else if (access(cgmount, W_OK) != 0)
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

static void write_file(const char *dir, const char *name, const char *value);

/* The same cgroup (relative to the memory hierarchy) in v1 controller k's hierarchy. */
static void ctl_dir(const char *memdir, size_t k, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s%s", ctlmount[k], memdir + strlen(cgmount));

	cr_assert(n > 0 && (size_t)n < outsz, "path too long");
}

static void copy_parent_file(const char *dir, const char *name)
{
	char parent[700], buf[256];
	ssize_t n;

	snprintf(parent, sizeof(parent), "%s", dir);
	*strrchr(parent, '/') = '\0';
	strcat(parent, "/");
	strcat(parent, name);
	n = read_whole(parent, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0, "%s", parent);
	buf[n] = '\0';
	write_file(dir, name, buf);
}

const char *cg_create(const char *name)
{
	char *p;

	find_memory_cgroup();
	cr_assert_lt(ncreated, 128);
	p = created[ncreated];
	snprintf(p, sizeof(created[0]), "%s/vprocfs-test-%d-%s", cgmount, (int)getpid(), name);
	if (cgversion == 2) {
		/* Enable the controllers in the parent so the child gets their files. */
		char parent[600];

		snprintf(parent, sizeof(parent), "%s", p);
		*strrchr(parent, '/') = '\0';
		write_file(parent, "cgroup.subtree_control", "+memory");
		if (ctl_available("cpu"))
			write_file(parent, "cgroup.subtree_control", "+cpu");
		if (ctl_available("cpuset"))
			write_file(parent, "cgroup.subtree_control", "+cpuset");
		if (ctl_available("io"))
			write_file(parent, "cgroup.subtree_control", "+io");
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		cr_assert_fail("mkdir %s: %s", p, strerror(errno));
	ncreated++;
	for (size_t k = 0; cgversion == 1 && k < NCTLS; k++) {
		char c[1024];

		if (!ctlmount[k][0])
			continue;
		ctl_dir(p, k, c, sizeof(c));
		if (mkdir(c, 0755) != 0 && errno != EEXIST)
			cr_assert_fail("mkdir %s: %s", c, strerror(errno));
		if (strcmp(v1_ctls[k], "cpuset") == 0) {
			/* A v1 cpuset starts empty and admits no process until it has CPUs. */
			copy_parent_file(c, "cpuset.cpus");
			copy_parent_file(c, "cpuset.mems");
		}
	}
	return p;
}

bool ctl_available(const char *controller)
{
	find_memory_cgroup();
	if (cgversion == 2) {
		char p[300], ctl[256] = "";
		ssize_t n;

		/* v2 has no cpuacct: the cpu controller's cpu.stat accounts CPU time; blkio is
		 * called io. */
		if (strcmp(controller, "cpuacct") == 0)
			controller = "cpu";
		if (strcmp(controller, "blkio") == 0)
			controller = "io";

		snprintf(p, sizeof(p), "%s/cgroup.controllers", cgmount);
		n = read_whole(p, ctl, sizeof(ctl) - 1);
		ctl[n > 0 ? n : 0] = '\0';
		return strstr(ctl, controller) != NULL;
	}
	if (strcmp(controller, "io") == 0)
		controller = "blkio";
	for (size_t k = 0; k < NCTLS; k++)
		if (strcmp(v1_ctls[k], controller) == 0)
			return ctlmount[k][0] != '\0';
	return strcmp(controller, "memory") == 0;
}

/* The cgroup's directory in the block I/O hierarchy (v2: dir itself). */
static void io_dir(const char *dir, char *out, size_t outsz)
{
	cr_assert(ctl_available("blkio"), "no blkio/io controller");
	if (cgversion == 2)
		snprintf(out, outsz, "%s", dir);
	else
		ctl_dir(dir, BLKIO, out, outsz);
}

void cg_set_io_limit(const char *dir, const char *majmin)
{
	char c[1024], v[64];

	if (cgversion == 2)
		return; /* io.stat counts without limits */
	io_dir(dir, c, sizeof(c));
	snprintf(v, sizeof(v), "%s 10737418240", majmin);
	write_file(c, "blkio.throttle.read_bps_device", v);
	write_file(c, "blkio.throttle.write_bps_device", v);
}

void cg_io_bytes(const char *dir, const char *majmin, unsigned long long *rbytes,
		 unsigned long long *wbytes)
{
	char c[1024], p[1100], line[512];
	FILE *f;

	io_dir(dir, c, sizeof(c));
	snprintf(p, sizeof(p), "%s/%s", c,
		 cgversion == 2 ? "io.stat" : "blkio.throttle.io_service_bytes_recursive");
	f = fopen(p, "re");
	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	*rbytes = *wbytes = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, " ");
		const char *r;

		if ((majmin && (strlen(majmin) != n || strncmp(line, majmin, n) != 0)) ||
		    !strchr(line, ':') || line[n] != ' ')
			continue;
		if (cgversion == 2) {
			if ((r = strstr(line, " rbytes=")))
				*rbytes += strtoull(r + 8, NULL, 10);
			if ((r = strstr(line, " wbytes=")))
				*wbytes += strtoull(r + 8, NULL, 10);
		} else if (strncmp(line + n, " Read ", 6) == 0) {
			*rbytes += strtoull(line + n + 6, NULL, 10);
		} else if (strncmp(line + n, " Write ", 7) == 0) {
			*wbytes += strtoull(line + n + 7, NULL, 10);
		}
	}
	fclose(f);
}

int block_devices(void)
{
	FILE *f = fopen("/proc/diskstats", "re");
	char line[512];
	int n = 0;

	cr_assert_not_null(f, "/proc/diskstats: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n < 256 ? n : 256;
}

bool pressure_served(void)
{
	return cg_is_v2() && access("/proc/pressure/cpu", R_OK) == 0;
}

void cg_set_cpu(const char *dir, long quota_us, const char *cpus)
{
	char c[1024], v[64];

	if (quota_us != 0) {
		cr_assert(ctl_available("cpu"));
		if (cgversion == 2) {
			if (quota_us < 0)
				snprintf(v, sizeof(v), "max 100000");
			else
				snprintf(v, sizeof(v), "%ld 100000", quota_us);
			write_file(dir, "cpu.max", v);
		} else {
			ctl_dir(dir, 0, c, sizeof(c));
			write_file(c, "cpu.cfs_period_us", "100000");
			snprintf(v, sizeof(v), "%ld", quota_us);
			write_file(c, "cpu.cfs_quota_us", v);
		}
	}
	if (cpus) {
		cr_assert(ctl_available("cpuset"));
		if (cgversion == 2) {
			write_file(dir, "cpuset.cpus", cpus);
		} else {
			ctl_dir(dir, 2, c, sizeof(c));
			write_file(c, "cpuset.cpus", cpus);
		}
	}
}

static void write_file(const char *dir, const char *name, const char *value)
{
	char p[700];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "we");
	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	cr_assert_geq(fputs(value, f), 0);
	cr_assert_eq(fclose(f), 0, "writing %s to %s: %s", value, p, strerror(errno));
}

void cg_set_limit(const char *dir, unsigned long long bytes)
{
	char v[32];

	snprintf(v, sizeof(v), "%llu", bytes);
	write_file(dir, cg_is_v2() ? "memory.max" : "memory.limit_in_bytes", v);
}

void kill_members_of(const char *dir)
{
	char p[700];

	for (int round = 0; round < 100; round++) {
		FILE *f;
		int pid, n = 0;

		snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
		f = fopen(p, "re");
		if (!f)
			return;
		while (fscanf(f, "%d", &pid) == 1) {
			kill(pid, SIGKILL);
			n++;
		}
		fclose(f);
		if (!n)
			return;
		msleep(10);
	}
}

static void rmdir_retry(const char *dir)
{
	for (int t = 0; t < 200 && rmdir(dir) != 0 && errno == EBUSY; t++)
		msleep(10);
}

static int remove_one(const char *dir)
{
	kill_members_of(dir);
	for (size_t k = 0; cgversion == 1 && k < NCTLS; k++) {
		char c[1024];

		if (!ctlmount[k][0])
			continue;
		ctl_dir(dir, k, c, sizeof(c));
		rmdir_retry(c);
	}
	rmdir_retry(dir);
	return access(dir, F_OK) == 0 ? -1 : 0;
}

void cg_cleanup(void)
{
	/* Children were created after parents: remove in reverse. */
	for (int i = ncreated - 1; i >= 0; i--)
		remove_one(created[i]);
	ncreated = 0;
}

int cg_destroy(const char *dir)
{
	for (int i = ncreated - 1; i >= 0; i--)
		if (strcmp(created[i], dir) == 0) {
			int r = remove_one(created[i]);

			memmove(created[i], created[i + 1], (size_t)(ncreated - i - 1) * sizeof(created[0]));
			ncreated--;
			return r;
		}
	return -1;
}

static int join_one(const char *dir)
{
	char p[800];
	FILE *f;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	f = fopen(p, "we");
	if (!f)
		return -1;
	if (fprintf(f, "%d", (int)getpid()) < 0) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

int cg_join(const char *dir)
{
	/* v1: the same cgroup in the CPU hierarchies too (created by cg_create()). */
	for (size_t k = 0; cgversion == 1 && k < NCTLS; k++) {
		char c[1024];

		if (!ctlmount[k][0])
			continue;
		ctl_dir(dir, k, c, sizeof(c));
		if (join_one(c) != 0)
			return -1;
	}
	return join_one(dir);
}

static int run(const char *dir, const char *const argv[], char *out, size_t outsz)
{
	int pfd[2], status;
	size_t used = 0;
	pid_t pid;

	cr_assert_eq(pipe(pfd), 0);
	pid = fork_child();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (dir && cg_join(dir) != 0) {
			perror("joining cgroup");
			_exit(126);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], out + used, outsz - 1 - used);

		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == outsz - 1)
			break;
	}
	out[used] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *const served_files[] = {
	"proc/meminfo", "proc/cpuinfo", "proc/stat", "proc/uptime", "proc/loadavg", "proc/swaps",
	"sys/devices/system/cpu", "proc/vmstat", "proc/diskstats", NULL,
};

const char *const pressure_files[] = {
	"proc/pressure/cpu", "proc/pressure/memory", "proc/pressure/io", NULL,
};

int run_in_container(const struct daemon *d, const char *dir, const char *script, char *out,
		     size_t outsz)
{
	char full[16384];
	const char *argv[] = {"unshare", "--pid", "--fork", "--mount", "--propagation", "private",
			      "--mount-proc", "sh", "-c", full, NULL};
	size_t used = 0;

	/* What a runtime does: every served file bind-mounted over the container's own (mount
	 * --bind, not runc: it would refuse /proc/vmstat and /proc/pressure). */
	for (size_t i = 0; served_files[i]; i++)
		used += (size_t)snprintf(full + used, sizeof(full) - used,
					 "mount --bind '%s/%s' /%s || exit 99\n", d->mnt,
					 served_files[i], served_files[i]);
	for (size_t i = 0; pressure_served() && pressure_files[i]; i++)
		used += (size_t)snprintf(full + used, sizeof(full) - used,
					 "mount --bind '%s/%s' /%s || exit 99\n", d->mnt,
					 pressure_files[i], pressure_files[i]);
	/* The block tree: each device's stat file, as the hook mounts them. */
	used += (size_t)snprintf(full + used, sizeof(full) - used,
				 "for b in /sys/class/block/*; do\n"
				 "  s='%s/sys/class/block/'${b##*/}/stat\n"
				 "  [ -e \"$b/stat\" ] || continue\n"
				 "  [ -e \"$s\" ] || { echo \"vprocfs lists no $s\" >&2; exit 99; }\n"
				 "  mount --bind \"$s\" \"$b/stat\" || exit 99\n"
				 "done\n",
				 d->mnt);
	snprintf(full + used, sizeof(full) - used, "%s", script);
	return run(dir, argv, out, outsz);
}

void run_in_containers(const struct daemon *d, size_t n, const char *const *dir,
		       const char *const *script, char *const *out, size_t outsz, int *ret)
{
	int pfd[8][2];
	pid_t kid[8];

	cr_assert(n <= 8 && outsz > 16);
	for (size_t k = 0; k < n; k++) {
		cr_assert_eq(pipe(pfd[k]), 0);
		kid[k] = fork_child();
		cr_assert_geq(kid[k], 0);
		if (kid[k] == 0) {
			int r = run_in_container(d, dir[k], script[k], out[k], outsz);

			dprintf(pfd[k][1], "%d\n%s", r, out[k]);
			_exit(0);
		}
		close(pfd[k][1]);
	}
	for (size_t k = 0; k < n; k++) {
		size_t used = 0;
		ssize_t got;
		char *nl;

		while (used < outsz - 1 &&
		       (got = read(pfd[k][0], out[k] + used, outsz - 1 - used)) > 0)
			used += (size_t)got;
		out[k][used] = '\0';
		close(pfd[k][0]);
		waitpid(kid[k], NULL, 0);
		nl = strchr(out[k], '\n');
		cr_assert_not_null(nl, "container %zu said nothing", k);
		ret[k] = atoi(out[k]);
		memmove(out[k], nl + 1, strlen(nl + 1) + 1);
	}
}

void assert_clean_reads(const char *out, int ret, unsigned long want_reads)
{
	unsigned long reads = 0, empty = 1, foreign = 1;
	const char *p = strstr(out, "reads=");

	cr_assert_eq(ret, 0, "%s", out);
	cr_assert_not_null(p, "%s", out);
	cr_assert_eq(sscanf(p, "reads=%lu empty=%lu foreign=%lu", &reads, &empty, &foreign), 3,
		     "%s", out);
	cr_assert_eq(reads, want_reads, "%s", out);
	cr_assert_eq(empty, 0, "empty reads:\n%s", out);
	cr_assert_eq(foreign, 0, "other content:\n%s", out);
}

int run_in_cgroup(const char *dir, const char *script, char *out, size_t outsz)
{
	const char *argv[] = {"sh", "-c", script, NULL};

	return run(dir, argv, out, outsz);
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
