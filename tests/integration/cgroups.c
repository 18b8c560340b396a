/* Integration test harness: the tests' cgroups (harness.h): the hierarchies found, cgroups
 * made, limited, joined and removed, the stale ones of killed tests swept. */
#include "harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* The cgroups of test processes that no longer exist (harness.c's sweep). */
void cg_sweep_stale(void)
{
	const char *roots[] = {cgmount,      ctlmount[0], ctlmount[1],
			       ctlmount[2],  ctlmount[3], "/sys/fs/cgroup/unified"};

	find_memory_cgroup();
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

