/* The CPU views through a real mount, for real clients (top, uptime, getconf) in real
 * cgroups and pid+mount namespaces with every served file bind-mounted over /proc and /sys. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static struct daemon d;

static void setup(void)
{
	require_capable();
	if (!ctl_available("cpu") || !ctl_available("cpuset") || !ctl_available("cpuacct")) {
		fprintf(stderr, "\n*** SKIPPED CPU integration test: cpu, cpuacct or cpuset "
				"controller not available ***\n\n");
		cr_skip_test("SKIPPED: no cpu/cpuacct/cpuset controller");
	}
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

TestSuite(cpu_live, .init = setup, .fini = teardown, .timeout = 150);

static long host_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN);
}

/* The last "%Cpu(s):" line of top -b output: us, sy, ni, id. */
static void top_cpu(const char *out, double v[4])
{
	const char *p = NULL, *q = out;

	while ((q = strstr(q, "%Cpu(s):"))) {
		p = q;
		q++;
	}
	cr_assert_not_null(p, "top printed:\n%s", out);
	cr_assert_eq(sscanf(p, "%%Cpu(s): %lf us, %lf sy, %lf ni, %lf id", &v[0], &v[1], &v[2],
			    &v[3]),
		     4, "top printed:\n%s", out);
}

static long value_after(const char *out, const char *key)
{
	const char *p = strstr(out, key);
	long v;

	cr_assert_not_null(p, "no %s in:\n%s", key, out);
	cr_assert_eq(sscanf(p + strlen(key), "%ld", &v), 1, "%s in:\n%s", key, out);
	return v;
}

Test(cpu_live, busy_half_cpu_container_is_saturated_one_cpu_machine)
{
	const char *ctr = cg_create("busy");
	char out[32768];
	double v[4];
	int r;

	if (host_cpus() < 2)
		cr_skip_test("SKIPPED: needs 2 host CPUs");
	cg_set_cpu(ctr, 50000, "0-1");
	r = run_in_container(&d, ctr,
			     "(while :; do :; done) & sleep 1\n"
			     "echo ONLN=$(getconf _NPROCESSORS_ONLN)\n"
			     "echo CONF=$(getconf _NPROCESSORS_CONF)\n"
			     "echo PROCESSORS=$(grep -c ^processor /proc/cpuinfo)\n"
			     "echo ONLINE=$(cat /sys/devices/system/cpu/online)\n"
			     "echo STATCPUS=$(grep -c '^cpu[0-9]' /proc/stat)\n"
			     "top -b -n 2 -d 1 | grep '^%Cpu'\n",
			     out, sizeof(out));
	cr_assert_eq(r, 0, "%s", out);
	cr_assert_eq(value_after(out, "ONLN="), 1, "%s", out);
	cr_assert_eq(value_after(out, "CONF="), 1, "%s", out);
	cr_assert_eq(value_after(out, "PROCESSORS="), 1, "%s", out);
	cr_assert(strstr(out, "ONLINE=0\n"), "%s", out);
	cr_assert_eq(value_after(out, "STATCPUS="), 1, "%s", out);
	top_cpu(out, v);
	/* A guest's busy loop shares 2 emulated CPUs with the daemon, top and the 9p root:
	 * busy, not saturated. */
	cr_assert_geq(v[0] + v[1],
		      timing_checked("a busy half-CPU container at 90% or more") ? 90.0 : 50.0,
		      "a 0.5-CPU container using all of it is busy:\n%s", out);
	finish();
}

Test(cpu_live, idle_container_is_idle)
{
	const char *ctr = cg_create("idle");
	char out[32768];
	double v[4];

	cg_set_cpu(ctr, 50000, NULL);
	cr_assert_eq(run_in_container(&d, ctr, "sleep 1; top -b -n 2 -d 1 | grep '^%Cpu'\n", out,
				      sizeof(out)),
		     0, "%s", out);
	top_cpu(out, v);
	cr_assert_leq(v[0] + v[1] + v[3], 100.5, "%s", out);
	/* How much of a 0.5-CPU quota top and sleep take themselves is a question of speed: in
	 * an emulated guest they take a fifth of it. */
	if (timing_checked("an idle container's idle share"))
		cr_assert_geq(v[3], 90.0, "%s", out);
	else
		cr_assert_gt(v[3], 0.0, "%s", out);
	finish();
}

Test(cpu_live, one_and_a_half_cpus_on_two_show_two)
{
	const char *ctr = cg_create("pod");
	char out[32768];

	if (host_cpus() < 2)
		cr_skip_test("SKIPPED: needs 2 host CPUs");
	cg_set_cpu(ctr, 150000, "0-1");
	cr_assert_eq(run_in_container(&d, ctr,
				      "echo ONLN=$(getconf _NPROCESSORS_ONLN)\n"
				      "echo PROCESSORS=$(grep -c ^processor /proc/cpuinfo)\n"
				      "echo ONLINE=$(cat /sys/devices/system/cpu/online)\n"
				      "echo POSSIBLE=$(cat /sys/devices/system/cpu/possible)\n"
				      "grep -E '^(siblings|cpu cores)' /proc/cpuinfo | sort -u\n"
				      "echo STATCPUS=$(grep -c '^cpu[0-9]' /proc/stat)\n"
				      "cat /proc/swaps\n",
				      out, sizeof(out)),
		     0, "%s", out);
	cr_assert_eq(value_after(out, "ONLN="), 2, "%s", out);
	cr_assert_eq(value_after(out, "PROCESSORS="), 2, "%s", out);
	cr_assert(strstr(out, "ONLINE=0-1\n"), "%s", out);
	cr_assert(strstr(out, "POSSIBLE=0-1\n"), "%s", out);
	cr_assert_eq(value_after(out, "STATCPUS="), 2, "%s", out);
	/* x86 hosts print the topology fields; they must agree with the count. */
	if (strstr(out, "siblings"))
		cr_assert(strstr(out, "siblings\t: 2\n") && strstr(out, "cpu cores\t: 2\n"), "%s",
			  out);
	cr_assert(strstr(out, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"), "%s", out);
	finish();
}

Test(cpu_live, cpuset_counting_option)
{
	const char *ctr;
	char out[8192];

	if (host_cpus() < 2)
		cr_skip_test("SKIPPED: needs 2 host CPUs");
	/* Restart the suite's daemon with the option. */
	daemon_stop(&d);
	snprintf(d.arg, sizeof(d.arg), "--cpu-count=cpuset");
	daemon_start(&d);
	ctr = cg_create("cpuset-mode");
	cg_set_cpu(ctr, 50000, "0-1");
	cr_assert_eq(run_in_container(&d, ctr, "getconf _NPROCESSORS_ONLN\n", out, sizeof(out)), 0,
		     "%s", out);
	cr_assert_str_eq(out, "2\n", "cpuset counting ignores the 0.5 quota");
	finish();
}

Test(cpu_live, uptime_is_the_containers_age)
{
	const char *ctr = cg_create("age");
	char out[8192], host[256];
	double up, idle, host_up, host_after;

	cg_set_cpu(ctr, 100000, NULL);
	cr_assert_gt(read_whole("/proc/uptime", host, sizeof(host) - 1), 0);
	host_up = atof(host);
	cr_assert_eq(run_in_container(&d, ctr, "sleep 3; cat /proc/uptime; uptime\n", out,
				      sizeof(out)),
		     0, "%s", out);
	cr_assert_gt(read_whole("/proc/uptime", host, sizeof(host) - 1), 0);
	host_after = atof(host);
	cr_assert_eq(sscanf(out, "%lf %lf", &up, &idle), 2, "%s", out);
	cr_assert_geq(up, 3.0, "%s", out);
	/* Not the host's: no older than the run that created it (an emulated guest takes
	 * seconds to set up the container; the host's own bound is a timing one). */
	cr_assert_leq(up, host_after - host_up + 0.5, "host up %.0f s, the run took %.1f s:\n%s",
		      host_up, host_after - host_up, out);
	if (timing_checked("a container's age right after it started"))
		cr_assert_lt(up, 10.0, "host up %.0f s:\n%s", host_up, out);
	/* An idle 1-CPU container: idle is nearly all of its uptime, never more. */
	cr_assert_leq(idle, up + 0.01, "%s", out);
	if (timing_checked("an idle container's idle share of its uptime"))
		cr_assert_geq(idle, up * 0.8, "%s", out);
	else
		cr_assert_gt(idle, 0.0, "%s", out);
	cr_assert(strstr(out, "up 0 min"), "uptime(1) printed:\n%s", out);
	finish();
}

Test(cpu_live, proc_stat_never_goes_down_over_1000_reads)
{
	const char *ctr = cg_create("mono");
	char path[512];
	pid_t busy, reader;
	int status;

	cg_set_cpu(ctr, 30000, NULL);
	busy = fork_child();
	cr_assert_geq(busy, 0);
	if (busy == 0) {
		if (cg_join(ctr) != 0)
			_exit(1);
		for (;;)
			;
	}
	snprintf(path, sizeof(path), "%s/proc/stat", d.mnt);
	reader = fork_child();
	cr_assert_geq(reader, 0);
	if (reader == 0) {
		unsigned long long prev[64][10] = {{0}};
		char buf[8192];

		if (cg_join(ctr) != 0)
			_exit(2);
		for (int i = 0; i < 1000; i++) {
			ssize_t n = read_whole(path, buf, sizeof(buf) - 1);
			int line = 0;

			if (n <= 0)
				_exit(3);
			buf[n] = '\0';
			for (char *l = buf; l && strncmp(l, "cpu", 3) == 0 && line < 64;
			     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL, line++) {
				unsigned long long v[10];

				if (sscanf(strchr(l, ' '), "%llu %llu %llu %llu %llu %llu %llu %llu "
							   "%llu %llu",
					   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
					   &v[8], &v[9]) != 10)
					_exit(4);
				for (int k = 0; k < 10; k++) {
					if (v[k] < prev[line][k]) {
						fprintf(stderr, "read %d line %d field %d: %llu < %llu\n",
							i, line, k, v[k], prev[line][k]);
						_exit(5);
					}
					prev[line][k] = v[k];
				}
			}
			if (line < 2)
				_exit(6);
			if (i % 100 == 0)
				usleep(10000);
		}
		_exit(0);
	}
	waitpid(reader, &status, 0);
	kill(busy, SIGKILL);
	waitpid(busy, NULL, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader status %#x", status);
	finish();
}

/* Start `prefix`, then read /proc/loadavg every 2 s for up to `secs` (stopping early once
 * the 1-minute value passes `stop_above`, if > 0, or once "<daemon log>.done" exists), and
 * print the largest 1-minute value and
 * the last line. */
static void load_watch(char *buf, size_t sz, const char *prefix, int secs, double stop_above)
{
	snprintf(buf, sz,
		 "%s"
		 "i=0; max=0\n"
		 "while [ $i -lt %d ] && [ ! -e %s.done ]; do\n"
		 "  l=$(cut -d' ' -f1 /proc/loadavg)\n"
		 "  max=$(echo \"$l $max\" | awk '{print ($1 > $2) ? $1 : $2}')\n"
		 "  if [ %d = 1 ] && awk \"BEGIN { exit !($l > %.2f) }\"; then break; fi\n"
		 "  i=$((i + 2)); sleep 2\n"
		 "done\n"
		 "echo MAX=$max; cat /proc/loadavg\n",
		 prefix, secs, d.log, stop_above > 0, stop_above);
}

Test(cpu_live, two_busy_tasks_raise_load_above_one_other_stays_low, .timeout = 200)
{
	const char *hot = cg_create("hot"), *cold = cg_create("cold");
	char script_hot[2048], script_cold[2048], out_hot[8192], out_cold[8192];
	double max_hot, max_cold;
	long last_pid, host_last;
	char host[64], flag[400];
	pid_t cold_pid;
	int pfd[2], status;

	/* The quiet container watches for as long as the busy one may need. */
	load_watch(script_cold, sizeof(script_cold), "", 64, 0);
	load_watch(script_hot, sizeof(script_hot),
		   "(while :; do :; done) & (while :; do :; done) &\n", 60, 1.0);
	cr_assert_eq(pipe(pfd), 0);
	cold_pid = fork_child();
	cr_assert_geq(cold_pid, 0);
	if (cold_pid == 0) {
		int r = run_in_container(&d, cold, script_cold, out_cold, sizeof(out_cold));

		if (write(pfd[1], out_cold, strlen(out_cold) + 1) < 0)
			_exit(98);
		_exit(r);
	}
	close(pfd[1]);
	cr_assert_eq(run_in_container(&d, hot, script_hot, out_hot, sizeof(out_hot)), 0, "%s",
		     out_hot);
	kill_members_of(hot);
	snprintf(flag, sizeof(flag), "%s.done", d.log);
	close(open(flag, O_WRONLY | O_CREAT, 0600));
	memset(out_cold, 0, sizeof(out_cold));
	cr_assert_geq(read(pfd[0], out_cold, sizeof(out_cold) - 1), 0);
	waitpid(cold_pid, &status, 0);
	unlink(flag);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", out_cold);
	max_hot = atof(strstr(out_hot, "MAX=") + 4);
	max_cold = atof(strstr(out_cold, "MAX=") + 4);
	cr_assert_gt(max_hot, 1.0, "two busy tasks, 60 s:\n%s", out_hot);
	/* The quiet container's own watcher (cut, awk and sleep every 2 s) is sometimes caught
	 * runnable: more often where it runs slowly, under emulation. Either way far from the
	 * busy one's 1 and more, and from the host's 2 and more. */
	cr_assert_lt(max_cold, timing_checked("a quiet container's load under 0.3") ? 0.3 : 0.6,
		     "the quiet container:\n%s", out_cold);
	/* last_pid is numbered in the container's pid namespace, not the host's. */
	cr_assert_gt(read_whole("/proc/sys/kernel/ns_last_pid", host, sizeof(host) - 1), 0);
	host_last = atol(host);
	last_pid = atol(strrchr(strstr(out_hot, "MAX="), ' ') + 1);
	cr_assert_lt(last_pid, 1000, "%s", out_hot);
	cr_assert(last_pid < host_last || host_last < 1000, "%s", out_hot);
	finish();
}

Test(cpu_live, root_cgroup_caller_gets_host_cpu_files)
{
	char path[512], a[65536], b[65536];
	ssize_t na, nb;

	snprintf(path, sizeof(path), "%s/proc/cpuinfo", d.mnt);
	na = read_whole(path, a, sizeof(a) - 1);
	nb = read_whole("/proc/cpuinfo", b, sizeof(b) - 1);
	cr_assert_gt(na, 0);
	cr_assert_gt(nb, 0);
	a[na] = b[nb] = '\0';
	/* cpu MHz may differ between two reads: compare the processor lines. */
	{
		int ca = 0, cb = 0;

		for (char *p = a; (p = strstr(p, "processor")); p++)
			ca++;
		for (char *p = b; (p = strstr(p, "processor")); p++)
			cb++;
		cr_assert_eq(ca, cb);
	}
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/online", d.mnt);
	na = read_whole(path, a, sizeof(a) - 1);
	nb = read_whole("/sys/devices/system/cpu/online", b, sizeof(b) - 1);
	cr_assert_eq(na, nb);
	cr_assert(memcmp(a, b, (size_t)na) == 0);
	snprintf(path, sizeof(path), "%s/proc/stat", d.mnt);
	na = read_whole(path, a, sizeof(a) - 1);
	cr_assert_gt(na, 0);
	a[na] = '\0';
	cr_assert(strstr(a, "\nintr ") && !strstr(a, "\nintr 0\n"), "the host's own /proc/stat");
	finish();
}
