/* /proc/meminfo through a real mount, for real processes in real cgroups and namespaces. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MiB (1024ULL * 1024)

static struct daemon d;

static void setup(void)
{
	require_capable();
	daemon_start(&d);
}

static void finish(void)
{
	test_finish(&d);
}

static void teardown(void)
{
	test_teardown(&d);
}

TestSuite(live, .init = setup, .fini = teardown, .timeout = 120);

/* "Mem:" line of `free -k`: total, used, free, shared, buff/cache, available. */
static void free_mem_line(const char *out, unsigned long long v[6])
{
	const char *p = strstr(out, "\nMem:");

	cr_assert_not_null(p, "free printed:\n%s", out);
	cr_assert_eq(sscanf(p + 5, "%llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			    &v[4], &v[5]),
		     6, "free printed:\n%s", out);
}

Test(live, free_and_top_in_256m_container)
{
	const char *ctr = cg_create("ctr");
	char out[16384];
	unsigned long long v[6];

	cg_set_limit(ctr, 256 * MiB);
	cr_assert_eq(run_in_container(&d, ctr, "free -k", out, sizeof(out)), 0, "%s", out);
	free_mem_line(out, v);
	cr_assert_eq(v[0], 262144, "free -k:\n%s", out);
	cr_assert_leq(v[2], v[5]);
	cr_assert_leq(v[5], v[0]);

	cr_assert_eq(run_in_container(&d, ctr, "top -b -n 1 | head -n 5", out, sizeof(out)), 0,
		     "%s", out);
	cr_assert_not_null(strstr(out, "256.0 total"), "top -b:\n%s", out);
	cr_assert_not_null(strstr(out, "MiB Mem"), "top -b:\n%s", out);
	finish();
}

Test(live, pod_limit_applies_to_child_without_its_own)
{
	const char *pod = cg_create("pod");
	const char *ctr = cg_create("pod/ctr");
	char out[16384];
	unsigned long long v[6];

	cg_set_limit(pod, 384 * MiB);
	(void)pod;
	cr_assert_eq(run_in_container(&d, ctr, "free -k", out, sizeof(out)), 0, "%s", out);
	free_mem_line(out, v);
	cr_assert_eq(v[0], 393216, "free -k:\n%s", out);
	finish();
}

Test(live, systemd_like_container_sees_container_wide_usage)
{
	const char *ctr = cg_create("sd");
	const char *scope = cg_create("sd/init.scope");
	const char *slice = cg_create("sd/system.slice");
	const char *svc = cg_create("sd/system.slice/x.service");
	char script[4096], out[16384];
	unsigned long long v[6];

	(void)slice;
	cg_set_limit(ctr, 256 * MiB);
	/* pid 1 runs in init.scope, as systemd puts itself (on v2 it must: a cgroup with
	 * controllers enabled for its children holds no processes), and fills 64 MiB of tmpfs
	 * there (charged to init.scope); a worker in x.service runs free: it must see the whole
	 * container. */
	snprintf(script, sizeof(script),
		 "mkdir -p /run/vptest && mount -t tmpfs vptest /run/vptest || exit 97\n"
		 "head -c %llu /dev/zero > /run/vptest/fill || exit 96\n"
		 "sh -c \"echo 0 > '%s/cgroup.procs' && free -k\"\n",
		 64 * MiB, svc);
	cr_assert_eq(run_in_container(&d, scope, script, out, sizeof(out)), 0, "%s", out);
	free_mem_line(out, v);
	cr_assert_eq(v[0], 262144, "free -k:\n%s", out);
	cr_assert_leq(v[2], 262144 - 65536, "the worker did not see init.scope's 64 MiB:\n%s", out);
	cr_assert_geq(v[4], 65536, "buff/cache lacks the 64 MiB tmpfs:\n%s", out);
	finish();
}

Test(live, shared_pidns_pod_worker_sees_its_own_limit)
{
	const char *pod = cg_create("kpod");
	const char *pause_cg = cg_create("kpod/pause");
	const char *app = cg_create("kpod/app");
	char script[4096], out[16384];
	unsigned long long v[6];

	cg_set_limit(pod, 512 * MiB);
	cg_set_limit(app, 128 * MiB);
	/* pid 1 (the "pause" container) stays in kpod/pause. The app container shares its pid
	 * namespace but, as in a Kubernetes pod, has a mount namespace of its own, where the
	 * runtime mounts its files from inside its cgroup: they are bound to its view. */
	snprintf(script, sizeof(script),
		 "sh -c \"echo 0 > '%s/cgroup.procs' && unshare -m --propagation private sh -c '"
		 "mount --bind %s/proc/meminfo /proc/meminfo && free -k'\"\n"
		 "echo ---\n"
		 "free -k\n",
		 app, d.mnt);
	cr_assert_eq(run_in_container(&d, pause_cg, script, out, sizeof(out)), 0, "%s", out);
	free_mem_line(out, v);
	cr_assert_eq(v[0], 131072, "app:\n%s", out);
	free_mem_line(strstr(out, "---"), v);
	cr_assert_eq(v[0], 524288, "pause (pod limit):\n%s", out);
	finish();
}

Test(live, root_cgroup_caller_sees_the_host_file)
{
	char script[1024], out[16384], host[16384];
	ssize_t n;

	snprintf(script, sizeof(script), "cat '%s'", meminfo_path(&d));
	cr_assert_eq(run_in_cgroup(cg_mount(), script, out, sizeof(out)), 0, "%s", out);
	n = read_whole("/proc/meminfo", host, sizeof(host) - 1);
	cr_assert_gt(n, 0);
	host[n] = '\0';
	cr_assert_eq(meminfo_value(out, "MemTotal"), meminfo_value(host, "MemTotal"));
	cr_assert_eq(meminfo_value(out, "SwapTotal"), meminfo_value(host, "SwapTotal"));
	cr_assert_eq(meminfo_value(out, "Buffers") > 0, meminfo_value(host, "Buffers") > 0);
	/* Same keys in the same order. */
	for (char *a = out, *b = host; a && b; a = strchr(a + 1, '\n'), b = strchr(b + 1, '\n'))
		cr_assert_eq(strcspn(a, ":"), strcspn(b, ":"));
	finish();
}

struct reader_arg {
	const char *path;
	unsigned long long want_kb;
	int iterations;
	int bad;
};

static void *reader(void *p)
{
	struct reader_arg *a = p;
	char buf[8192];

	for (int i = 0; i < a->iterations; i++) {
		ssize_t n = read_whole(a->path, buf, sizeof(buf) - 1);
		unsigned long long v;

		if (n <= 0) {
			__atomic_add_fetch(&a->bad, 1, __ATOMIC_RELAXED);
			continue;
		}
		buf[n] = '\0';
		if (sscanf(buf, "MemTotal: %llu kB", &v) != 1 || v != a->want_kb)
			__atomic_add_fetch(&a->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

Test(live, four_containers_hundred_threads_each_sees_its_own)
{
	const char *names[4] = {"c100", "c200", "c300", "c400"};
	/* Under valgrind (make valgrind) a read takes ~5 ms: fewer, to stay within the timeout. */
	const int per_thread = getenv("VPROCFS_REAL_BIN") ? 40 : 200;
	pid_t kids[4];

	for (int c = 0; c < 4; c++) {
		const char *dir = cg_create(names[c]);

		cg_set_limit(dir, (unsigned long long)(c + 1) * 100 * MiB);
		kids[c] = fork_child();
		cr_assert_geq(kids[c], 0);
		if (kids[c] == 0) {
			pthread_t t[25];
			struct reader_arg a = {meminfo_path(&d), (unsigned long long)(c + 1) * 102400,
					       per_thread, 0};

			if (cg_join(dir) != 0)
				_exit(100);
			for (int i = 0; i < 25; i++)
				pthread_create(&t[i], NULL, reader, &a);
			for (int i = 0; i < 25; i++)
				pthread_join(t[i], NULL);
			_exit(a.bad > 99 ? 99 : a.bad);
		}
	}
	for (int c = 0; c < 4; c++) {
		int status;

		waitpid(kids[c], &status, 0);
		cr_assert(WIFEXITED(status), "reader process %d crashed", c);
		cr_assert_eq(WEXITSTATUS(status), 0,
			     "container %s: %d of %d reads showed a wrong MemTotal or failed",
			     names[c], WEXITSTATUS(status), 25 * per_thread);
	}
	finish();
}

Test(live, byte_reads_kept_fd_rereads_and_eof)
{
	const char *ctr = cg_create("fd");
	char whole[8192], bytewise[8192], buf[8192];
	size_t nb = 0;
	ssize_t n;
	int fd;
	pid_t kid;
	int pfd[2], status;

	cg_set_limit(ctr, 200 * MiB);
	/* The test process itself reads from inside the cgroup: do it in a child. */
	cr_assert_eq(pipe(pfd), 0);
	kid = fork_child();
	if (kid == 0) {
		char p[700];
		FILE *f;
		int errs = 0;

		if (cg_join(ctr) != 0)
			_exit(100);
		fd = open(meminfo_path(&d), O_RDONLY);
		/* 1-byte reads assemble one complete, consistent snapshot. */
		while ((n = read(fd, bytewise + nb, 1)) == 1 && nb < sizeof(bytewise) - 1)
			nb++;
		bytewise[nb] = '\0';
		errs += n != 0;
		errs += strncmp(bytewise, "MemTotal:         204800 kB\n", 28) != 0;
		errs += strstr(bytewise, "\nHugepagesize:") == NULL;
		errs += bytewise[nb - 1] != '\n';
		/* Past EOF and far past it: 0 bytes, no error. */
		errs += pread(fd, buf, sizeof(buf), (off_t)nb) != 0;
		errs += pread(fd, buf, sizeof(buf), (off_t)1 << 50) != 0;
		/* A kept fd, lseek(0) and re-read: a fresh rendering that sees a new limit. */
		snprintf(p, sizeof(p), "%s/%s", ctr,
			 cg_is_v2() ? "memory.max" : "memory.limit_in_bytes");
		f = fopen(p, "we");
		fprintf(f, "%llu", 300 * MiB);
		fclose(f);
		/* Bound files are fresh within 100 ms (README "Bound files"): re-read until the
		 * new limit shows; every read in between is a whole, consistent file. */
		{
			struct timespec t0, t1;
			long ms = 0;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			do {
				errs += lseek(fd, 0, SEEK_SET) != 0;
				n = read(fd, whole, sizeof(whole) - 1);
				errs += n <= 0;
				whole[n > 0 ? n : 0] = '\0';
				errs += n > 0 && whole[n - 1] != '\n';
				clock_gettime(CLOCK_MONOTONIC, &t1);
				ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
				if (strncmp(whole, "MemTotal:         307200 kB\n", 28) == 0)
					break;
				errs += strncmp(whole, "MemTotal:         204800 kB\n", 28) != 0;
				usleep(2000);
			} while (ms < 5000);
			errs += strncmp(whole, "MemTotal:         307200 kB\n", 28) != 0;
			/* 100 ms, plus the scheduling of this loop on a loaded host. */
			errs += timing_checked("bound file freshness") && ms > 150;
		}
		/* free's single read(8191) gets the whole file. */
		errs += (size_t)n < nb - 10 || whole[n - 1] != '\n';
		close(fd);
		(void)write(pfd[1], bytewise, nb);
		_exit(errs);
	}
	close(pfd[1]);
	n = read(pfd[0], buf, sizeof(buf) - 1);
	close(pfd[0]);
	waitpid(kid, &status, 0);
	buf[n > 0 ? n : 0] = '\0';
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "%d checks failed; byte-wise read gave:\n%s", WEXITSTATUS(status), buf);
	finish();
}

Test(live, writes_and_changes_are_refused)
{
	char p[400], mi[8192];
	int fd;
	ssize_t n;

	fd = open(meminfo_path(&d), O_WRONLY);
	cr_assert(fd < 0 && errno == EROFS, "open O_WRONLY: %d %s", fd, strerror(errno));
	fd = open(meminfo_path(&d), O_RDWR);
	cr_assert(fd < 0 && errno == EROFS);
	fd = open(meminfo_path(&d), O_RDONLY | O_TRUNC);
	cr_assert(fd < 0 && (errno == EROFS || errno == EACCES), "O_TRUNC: %s", strerror(errno));
	cr_assert(truncate(meminfo_path(&d), 0) < 0 && errno == EROFS);
	cr_assert(chmod(meminfo_path(&d), 0666) < 0 && errno == EROFS);
	snprintf(p, sizeof(p), "%s/proc/new", d.mnt);
	cr_assert(open(p, O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS);
	cr_assert(mkdir(p, 0755) < 0 && errno == EROFS);
	cr_assert(unlink(meminfo_path(&d)) < 0 && errno == EROFS);
	/* Nothing but the served files: no host-only /proc or /sys file passes through. */
	{
		static const char *const absent[] = {"proc/slabinfo", "proc/kallsyms", "proc/self",
						     "proc/1", "sys/kernel", "proc/zoneinfo"};
		struct stat st;

		for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", d.mnt, absent[i]);
			cr_assert(stat(p, &st) < 0 && errno == ENOENT, "%s exists", absent[i]);
		}
	}
	/* A read-write bind mount of the file (what `-v …:/proc/meminfo:rw` makes) still refuses. */
	fd = open(meminfo_path(&d), O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert(write(fd, "x", 1) < 0);
	close(fd);
	/* The tree: fixed inode numbers, read-only modes. */
	{
		struct stat st;

		ino_t proc_ino;

		cr_assert_eq(stat(d.mnt, &st), 0);
		cr_assert_eq(st.st_ino, 1);
		/* A bound view's nodes: (slot + 1) << 20 | the table's node number. */
		snprintf(p, sizeof(p), "%s/proc", d.mnt);
		cr_assert_eq(stat(p, &st), 0);
		proc_ino = st.st_ino;
		cr_assert(proc_ino >> 20 != 0 && (proc_ino & 0xfffff) == 1, "proc is %lu",
			  (unsigned long)proc_ino);
		cr_assert_eq(st.st_mode, S_IFDIR | 0555);
		cr_assert_eq(stat(meminfo_path(&d), &st), 0);
		cr_assert_eq(st.st_ino, (proc_ino & ~(ino_t)0xfffff) | 2);
		cr_assert_eq(st.st_mode, S_IFREG | 0444);
		/* A real size: what a read returns. */
		cr_assert_gt(st.st_size, 1000);
		snprintf(p, sizeof(p), "%s/.by-pid", d.mnt);
		cr_assert_eq(stat(p, &st), 0);
		cr_assert_eq(st.st_ino, 2);
		cr_assert_eq(st.st_mode, S_IFDIR | 0700);
	}
	/* Mounted ro, nosuid, nodev, noexec, allow_other. */
	n = read_whole("/proc/self/mountinfo", mi, sizeof(mi) - 1);
	cr_assert_gt(n, 0);
	mi[n] = '\0';
	{
		char *line = strstr(mi, d.mnt);

		cr_assert_not_null(line);
		*strchr(line, '\n') = '\0';
		cr_assert_not_null(strstr(line, " ro,nosuid,nodev,noexec"), "%s", line);
		cr_assert_not_null(strstr(line, "allow_other"), "%s", line);
		cr_assert_not_null(strstr(line, "fuse.vprocfs"), "%s", line);
	}
	finish();
}

Test(live, directory_listing)
{
	char out[4096];
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "ls -1 '%s' '%s/proc'", d.mnt, d.mnt);
	cr_assert_eq(run_in_cgroup(NULL, cmd, out, sizeof(out)), 0, "%s", out);
	cr_assert_not_null(strstr(out, "proc\n"), "%s", out);
	cr_assert_not_null(strstr(out, "meminfo\n"), "%s", out);
	finish();
}

Test(live, callers_killed_mid_read_do_not_hurt_the_daemon)
{
	const char *ctr = cg_create("victims");
	char out[16384], script[1024];
	unsigned long long v[6];

	cg_set_limit(ctr, 96 * MiB);
	snprintf(script, sizeof(script), "while :; do cat '%s' > /dev/null; done", meminfo_path(&d));
	for (int round = 0; round < 40; round++) {
		pid_t kid = fork_child();

		cr_assert_geq(kid, 0);
		if (kid == 0) {
			if (cg_join(ctr) != 0)
				_exit(126);
			execlp("sh", "sh", "-c", script, (char *)NULL);
			_exit(127);
		}
		/* Kill at varying moments. */
		{
			struct timespec t = {0, (round % 8 + 1) * 3 * 1000 * 1000};

			nanosleep(&t, NULL);
		}
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
		kill_members_of(ctr);
	}
	cr_assert_eq(kill(d.pid, 0), 0, "daemon died");
	cr_assert_eq(run_in_container(&d, ctr, "free -k", out, sizeof(out)), 0, "%s", out);
	free_mem_line(out, v);
	cr_assert_eq(v[0], 98304);
	finish();
}

Test(live, stale_mount_is_cleared_and_live_one_refused)
{
	struct daemon second = {0}; /* no extra option (arg "") */
	char buf[256], mnt[256];
	int r;

	/* A second daemon on a live mount refuses, and says why. */
	r = daemon_start_at(&second, d.mnt, 5000, true);
	cr_assert_gt(r, 0, "second daemon on a live mount did not fail");
	{
		char log[8192];
		ssize_t n = read_whole(second.log, log, sizeof(log) - 1);

		log[n > 0 ? n : 0] = '\0';
		cr_assert_not_null(strstr(log, "already served by a running vprocfs"), "%s", log);
		unlink(second.log);
	}
	/* kill -9 leaves a dead mount: ENOTCONN. */
	kill(d.pid, SIGKILL);
	waitpid(d.pid, NULL, 0);
	d.pid = 0;
	cr_assert(read_whole(meminfo_path(&d), buf, sizeof(buf)) == -ENOTCONN);
	/* A new daemon detaches it and serves. */
	snprintf(mnt, sizeof(mnt), "%s", d.mnt);
	r = daemon_start_at(&d, mnt, 10000, false);
	if (r != -1)
		daemon_dump_log(&d);
	cr_assert_eq(r, -1, "restart on a stale mount failed (exit %d)", r);
	cr_assert_gt(read_whole(meminfo_path(&d), buf, sizeof(buf)), 0);
	finish();
}
