/* Bound files (README "Bound files"): each container's own inodes, served through the page
 * cache, read with read(2) and with sendfile(2) (busybox cat), by path and bind-mounted. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
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

static void teardown(void)
{
	test_teardown(&d);
}

TestSuite(bound, .init = setup, .fini = teardown, .timeout = 300);

/* A script that reads the container's files, alternating busybox cat (sendfile) and cat
 * (read), through the bind mounts and through the mount point's path (the "proc" symlink,
 * resolved for the reader), `rounds` times 50 reads of each per process (one process reads a
 * file 50 times: emulated guests spawn processes slowly), and prints "reads=R empty=E
 * foreign=F": a read that is empty or cut short lacks its last line, one of another
 * container shows another MemTotal. */
static void race_script(char *buf, size_t sz, int rounds, unsigned long long kb)
{
	snprintf(buf, sz,
		 "n=0; e=0; f=0; t=0; i=0\n"
		 "m50() { for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 "
		 "26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50; do "
		 "echo $1; done; }\n"
		 "while [ $i -lt %d ]; do\n"
		 "  for src in /proc/meminfo %s/proc/meminfo; do\n"
		 "    for c in 'busybox cat' cat; do\n"
		 "      out=$($c $(m50 $src) 2>&1)\n"
		 "      good=$(echo \"$out\" | grep -c '^MemTotal:       %8llu kB$')\n"
		 "      all=$(echo \"$out\" | grep -c '^MemTotal:')\n"
		 "      last=$(echo \"$out\" | grep -c \"^$(tail -n 1 /proc/meminfo | cut -d: -f1):\")\n"
		 "      n=$((n+50)); f=$((f+all-good)); e=$((e+50-good))\n"
		 "      [ $all = $good ] || echo \"$out\" | grep '^MemTotal:' | sort | uniq -c\n"
		 "      [ $last = 50 ] || e=$((e+1))\n"
		 /* What an odd read looked like, for the log. */
		 "      [ $good = 50 ] && [ $last = 50 ] || { echo \"ODD $c $src: $good good, $last "
		 "last lines\"; echo \"$out\" | grep -v '^[A-Za-z_()]*: ' | head -n 20; }\n"
		 "    done\n"
		 "  done\n"
		 "  for g in /proc/uptime /proc/loadavg /sys/devices/system/cpu/online; do\n"
		 "    o=$(busybox cat $(m50 $g)); lines=$(echo \"$o\" | grep -c .)\n"
		 "    n=$((n+50))\n"
		 /* More lines than reads: a read that got a rendering and the tail of a longer
		  * one (README, "Through the page cache"). */
		 "    if [ $lines -gt 50 ]; then t=$((t+lines-50)); else e=$((e+50-lines)); fi\n"
		 "    [ $lines = 50 ] || { echo \"ODD busybox cat $g: $lines lines\"; "
		 "echo \"$o\" | sort | uniq -c | sort -n | head -n 5; }\n"
		 "  done\n"
		 "  i=$((i+1))\n"
		 "done\n"
		 "echo \"reads=$n empty=$e foreign=$f tails=$t\"\n",
		 rounds, d.mnt, kb);
}

/* Two containers with different limits read their files 1,000 times each, at once. */
Test(bound, two_containers_busybox_cat_1000_times_no_foreign_no_empty)
{
	const char *a = cg_create("race-a"), *b = cg_create("race-b");
	const char *ctr[2] = {a, b};
	unsigned long long kb[2] = {200 * 1024, 300 * 1024};
	static char script[2][4096], out[2][16384];
	int ret[2];

	cg_set_limit(a, 200 * MiB);
	cg_set_limit(b, 300 * MiB);
	for (int k = 0; k < 2; k++)
		race_script(script[k], sizeof(script[k]), 5, kb[k]);
	run_in_containers(&d, 2, ctr, (const char *const[]){script[0], script[1]},
			  (char *const[]){out[0], out[1]}, sizeof(out[0]), ret);
	/* 5 rounds of 4 x 50 meminfo reads and 3 x 50 of other files: 1,000 meminfo reads
	 * (half of them with sendfile), 750 others. */
	for (int k = 0; k < 2; k++) {
		const char *t = strstr(out[k], " tails=");

		assert_clean_reads(out[k], ret[k], 5 * 7 * 50);
		cr_assert_not_null(t, "%s", out[k]);
		/* A read whose two calls straddle a rendering that grew gets the previous
		 * rendering and the new one's tail: the window is the time between a reader's
		 * calls, microseconds here, which emulated guests stretch a hundredfold. */
		if (timing_checked("no tail of a grown rendering after a whole one"))
			cr_assert_eq(strtol(t + 7, NULL, 10), 0, "%s", out[k]);
		else if (strtol(t + 7, NULL, 10) != 0)
			fprintf(stderr, "bound: container %d: %ld reads with a grown rendering's "
				"tail\n", k, strtol(t + 7, NULL, 10));
	}
	test_finish(&d);
}

/* sendfile(2) gets exactly what read(2) gets: files that do not change between two reads
 * compare equal byte for byte, and meminfo has the same keys and MemTotal. */
Test(bound, sendfile_gets_what_read_gets)
{
	const char *c = cg_create("sendfile");
	char out[16384];

	cg_set_limit(c, 160 * MiB);
	cr_assert_eq(run_in_container(&d, c,
				      "for f in /proc/cpuinfo /proc/swaps /sys/devices/system/cpu/online "
				      "/sys/devices/system/cpu/possible; do\n"
				      "  busybox cat $f > /tmp/vp-s.$$; cat $f > /tmp/vp-r.$$\n"
				      "  cmp /tmp/vp-s.$$ /tmp/vp-r.$$ || exit 1\n"
				      "  [ -s /tmp/vp-s.$$ ] || exit 2\n"
				      "  [ $(stat -c %s $f) = $(wc -c < /tmp/vp-r.$$) ] || exit 3\n"
				      "done\n"
				      "busybox cat /proc/meminfo | cut -d: -f1 > /tmp/vp-s.$$\n"
				      "cat /proc/meminfo | cut -d: -f1 > /tmp/vp-r.$$\n"
				      "cmp /tmp/vp-s.$$ /tmp/vp-r.$$ || exit 4\n"
				      "rm -f /tmp/vp-s.$$ /tmp/vp-r.$$\n"
				      "busybox cat /proc/meminfo | head -n 1\n",
				      out, sizeof(out)),
		     0, "%s", out);
	cr_assert_eq(meminfo_value(out, "MemTotal"), 160 * 1024, "%s", out);
	test_finish(&d);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A sendfile reader that never asks for attributes sees a new limit within 100 ms. */
Test(bound, sendfile_reader_sees_a_new_limit_within_100_ms)
{
	const char *c = cg_create("fresh");
	char go[300], ready[300], script[2048], out[4096], p[400];
	struct timespec t0;
	pid_t kid;
	int pfd[2];
	long ms;
	FILE *f;

	cg_set_limit(c, 128 * MiB);
	snprintf(go, sizeof(go), "%s.go", d.mnt);
	snprintf(ready, sizeof(ready), "%s.ready", d.mnt);
	unlink(go);
	unlink(ready);
	/* busybox cat in a loop: the first output with the new limit ends it. */
	snprintf(script, sizeof(script),
		 "busybox cat /proc/meminfo | head -n 1\n"
		 ": > %s\n"
		 "while [ ! -e %s ]; do busybox cat /proc/meminfo > /dev/null; done\n"
		 "while :; do\n"
		 "  case \"$(busybox cat /proc/meminfo)\" in\n"
		 "    *'MemTotal:         196608 kB'*) echo seen; exit 0;;\n"
		 "  esac\n"
		 "done\n",
		 ready, go);
	cr_assert_eq(pipe(pfd), 0);
	kid = fork_child();
	if (kid == 0) {
		int r = run_in_container(&d, c, script, out, sizeof(out));

		dprintf(pfd[1], "exit=%d %s", r, out);
		_exit(0);
	}
	close(pfd[1]);
	/* The container has read the old limit (an emulated guest may take seconds to get
	 * there). */
	for (int i = 0; i < 6000 && access(ready, F_OK) != 0; i++)
		usleep(10 * 1000);
	snprintf(p, sizeof(p), "%s/%s", c, cg_is_v2() ? "memory.max" : "memory.limit_in_bytes");
	f = fopen(p, "we");
	cr_assert_not_null(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fprintf(f, "%llu", 192 * MiB);
	fclose(f);
	close(open(go, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
	{
		ssize_t n;
		size_t used = 0;

		while ((n = read(pfd[0], out + used, sizeof(out) - 1 - used)) > 0)
			used += (size_t)n;
		out[used] = '\0';
	}
	ms = ms_since(&t0);
	close(pfd[0]);
	waitpid(kid, NULL, 0);
	unlink(go);
	unlink(ready);
	cr_assert_not_null(strstr(out, "MemTotal:         131072 kB"), "%s", out);
	cr_assert_not_null(strstr(out, "seen"), "%s", out);
	/* 100 ms, and the scheduling of the loop's processes on a loaded two-CPU host. */
	if (timing_checked("the bound files' freshness for sendfile readers"))
		cr_assert_leq(ms, 250, "the new limit showed after %ld ms", ms);
	test_finish(&d);
}

/* Nothing lists the containers, and nobody but root reaches a view that is not its own. */
Test(bound, views_are_not_listed_and_not_reachable_by_others)
{
	const char *a = cg_create("own-a"), *b = cg_create("own-b");
	char script[2048], out[4096], slot[32] = "";
	char *nl;
	int r;

	cg_set_limit(a, 100 * MiB);
	cg_set_limit(b, 110 * MiB);
	/* The view of a process in a: its slot is in the link's target. */
	snprintf(script, sizeof(script), "readlink %s/proc", d.mnt);
	cr_assert_eq(run_in_cgroup(a, script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strncmp(out, ".v/", 3) == 0, "%s", out);
	snprintf(slot, sizeof(slot), "%.20s", out + 3);
	if ((nl = strchr(slot, '/')))
		*nl = '\0';
	/* An unprivileged user in a (the same view) may read it; in b it may not; listing the
	 * directories is refused to everyone but root, and root sees nothing listed. */
	snprintf(script, sizeof(script),
		 "setpriv --reuid 65534 --regid 65534 --clear-groups head -n 1 %s/.v/%s/proc/meminfo",
		 d.mnt, slot);
	r = run_in_cgroup(a, script, out, sizeof(out));
	if (r != 0)
		daemon_dump_log(&d);
	cr_assert_eq(r, 0, "%s", out);
	cr_assert_eq(meminfo_value(out, "MemTotal"), 100 * 1024, "%s", out);
	cr_assert_neq(run_in_cgroup(b, script, out, sizeof(out)), 0, "%s", out);
	cr_assert_not_null(strstr(out, "Permission denied"), "%s", out);
	snprintf(script, sizeof(script),
		 "setpriv --reuid 65534 --regid 65534 --clear-groups ls %s/.v; "
		 "setpriv --reuid 65534 --regid 65534 --clear-groups ls %s/.by-pid; "
		 "setpriv --reuid 65534 --regid 65534 --clear-groups readlink -v %s/.by-pid/1; "
		 "echo listed: $(ls -A %s/.v %s/.by-pid | grep -v ':$' | grep -c .)",
		 d.mnt, d.mnt, d.mnt, d.mnt, d.mnt);
	run_in_cgroup(a, script, out, sizeof(out));
	cr_assert_not_null(strstr(out, "listed: 0"), "%s", out);
	cr_assert_null(strstr(out, "meminfo"), "%s", out);
	{
		const char *p = out;
		int denied = 0;

		while ((p = strstr(p, "Permission denied"))) {
			denied++;
			p++;
		}
		cr_assert_eq(denied, 3, "%s", out);
	}
	test_finish(&d);
}

/* The hook's way in: .by-pid/PID is the view of that process's container. */
Test(bound, by_pid_is_that_process_container)
{
	const char *c = cg_create("bypid");
	char path[512], buf[8192];
	int pfd[2];
	pid_t kid;

	cg_set_limit(c, 144 * MiB);
	cr_assert_eq(pipe(pfd), 0);
	kid = fork_child();
	if (kid == 0) {
		char x;

		if (cg_join(c) != 0)
			_exit(1);
		close(pfd[1]);
		(void)read(pfd[0], &x, 1);
		_exit(0);
	}
	close(pfd[0]);
	snprintf(path, sizeof(path), "%s/.by-pid/%d/proc/meminfo", d.mnt, (int)kid);
	for (int i = 0; i < 1000; i++) {
		if (read_whole(path, buf, sizeof(buf)) > 0 &&
		    meminfo_value(buf, "MemTotal") == 144 * 1024)
			break;
		usleep(10000);
	}
	cr_assert_gt(read_whole(path, buf, sizeof(buf)), 0);
	cr_assert_eq(meminfo_value(buf, "MemTotal"), 144 * 1024, "%s", buf);
	snprintf(path, sizeof(path), "%s/.by-pid/999999999/proc/meminfo", d.mnt);
	cr_assert_eq(read_whole(path, buf, sizeof(buf)), -ENOENT);
	close(pfd[1]);
	waitpid(kid, NULL, 0);
	test_finish(&d);
}

/* When a container goes, the kernel forgets its view's nodes and the slot is freed. */
Test(bound, a_gone_container_view_is_released)
{
	const char *c = cg_create("gone");
	char script[1024], out[4096], path[400];
	char *nl;
	struct stat st;
	int i;

	cg_set_limit(c, 96 * MiB);
	snprintf(script, sizeof(script), "readlink %s/proc; head -n 1 /proc/meminfo", d.mnt);
	cr_assert_eq(run_in_container(&d, c, script, out, sizeof(out)), 0, "%s", out);
	cr_assert_eq(meminfo_value(out, "MemTotal"), 96 * 1024, "%s", out);
	cr_assert(strncmp(out, ".v/", 3) == 0, "%s", out);
	nl = strchr(out + 3, '/');
	cr_assert_not_null(nl);
	*nl = '\0';
	snprintf(path, sizeof(path), "%s/.v/%.20s", d.mnt, out + 3);
	/* The sweep runs every 5 s: its container gone, the view's names are deleted, the
	 * kernel sends FORGET, the slot is free. */
	for (i = 0; i < 300 && stat(path, &st) == 0; i++)
		usleep(50 * 1000);
	cr_assert(stat(path, &st) < 0 && errno == ENOENT, "%s still there after %d ms", path,
		  i * 50);
	test_finish(&d);
}

/* The slot number in readlink MOUNTPOINT/proc (".v/SLOT/proc"), 0 if it fails. */
static unsigned long proc_slot(void)
{
	char path[400], target[128];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/proc", d.mnt);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 3)
		return 0;
	target[n] = '\0';
	return strncmp(target, ".v/", 3) == 0 ? strtoul(target + 3, NULL, 10) : 0;
}

/* MemTotal of MOUNTPOINT/proc/meminfo read by path, in kB; 0 if it fails. */
static unsigned long long by_path_memtotal(void)
{
	char path[400], buf[8192];

	snprintf(path, sizeof(path), "%s/proc/meminfo", d.mnt);
	return read_whole(path, buf, sizeof(buf)) > 0 ? meminfo_value(buf, "MemTotal") : 0;
}

/* A reader that moves itself between two cgroups gets the new one's view on its very next
 * READLINK (the kept views have no time to live), again and again. */
Test(bound, moved_reader_gets_its_new_view_on_the_next_readlink)
{
	const char *a = cg_create("move-a"), *b = cg_create("move-b");
	int status;
	pid_t kid;

	cg_set_limit(a, 96 * MiB);
	cg_set_limit(b, 160 * MiB);
	kid = fork_child();
	if (kid == 0) {
		unsigned long slot[2] = {0, 0};

		for (int i = 0; i < 40; i++) {
			int k = i % 2;
			unsigned long s;

			if (cg_join(k ? b : a) != 0)
				_exit(10);
			s = proc_slot();
			if (!s || (slot[k] && s != slot[k]) || s == slot[!k])
				_exit(11);
			slot[k] = s;
			if (by_path_memtotal() != (k ? 160 : 96) * 1024)
				_exit(12);
		}
		_exit(0);
	}
	cr_assert_eq(waitpid(kid, &status, 0), kid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "exit %d (10: join, 11: READLINK gave another view's slot, 12: another MemTotal)",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	test_finish(&d);
}

/* A reader's cgroup removed and created again at the same path while the reader was
 * elsewhere: once back, it gets a new view (the cgroup's new inode) within a second or so. */
Test(bound, recreated_cgroup_is_a_new_view)
{
	const char *c = cg_create("again"), *other = cg_create("again-other");
	/* Within 2.5 s on the host; emulated guests under load have taken longer. */
	long budget_ms = timing_checked("a recreated cgroup's new view within 2.5 s") ? 2500 : 30000;
	int go[2], back[2], status;
	unsigned long first;
	char x = 0;
	pid_t kid;

	cg_set_limit(c, 96 * MiB);
	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(back), 0);
	kid = fork_child();
	if (kid == 0) {
		unsigned long s = 0, t;
		struct timespec t0, t1;

		close(go[1]);
		close(back[0]);
		if (cg_join(c) != 0 || !(s = proc_slot()))
			_exit(10);
		if (cg_join(other) != 0 || write(back[1], &s, sizeof(s)) != sizeof(s) ||
		    read(go[0], &x, 1) != 1 || cg_join(c) != 0)
			_exit(11);
		/* Back in the new cgroup of the same path. */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			t = proc_slot();
			if (t && t != s && by_path_memtotal() == 112 * 1024)
				_exit(0);
			usleep(20 * 1000);
			clock_gettime(CLOCK_MONOTONIC, &t1);
		} while ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 <
			 budget_ms);
		_exit(12);
	}
	close(go[0]);
	close(back[1]);
	cr_assert_eq(read(back[0], &first, sizeof(first)), (ssize_t)sizeof(first));
	cr_assert_eq(cg_destroy(c), 0);
	c = cg_create("again");
	cg_set_limit(c, 112 * MiB);
	cr_assert_eq(write(go[1], &x, 1), 1);
	cr_assert_eq(waitpid(kid, &status, 0), kid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "exit %d (12: still slot %lu or not the new cgroup's MemTotal after %ld ms)",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1, first, budget_ms);
	test_finish(&d);
}
