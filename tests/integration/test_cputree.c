/* The container's /sys/devices/system/cpu (core/cputree.h) through real clients: lscpu,
 * psutil (and psutil's own tests), mpstat, htop under tmux, glibc's sysconf. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

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

TestSuite(cputree, .init = setup, .fini = teardown, .timeout = 300);

static long value_after(const char *out, const char *key)
{
	const char *p = strstr(out, key);
	long v;

	cr_assert_not_null(p, "no %s in:\n%s", key, out);
	cr_assert_eq(sscanf(p + strlen(key), "%ld", &v), 1, "%s in:\n%s", key, out);
	return v;
}

/* Debian's python3 (psutil is its package), not whatever python3 is first in PATH. */
#define PY "/usr/bin/python3"

/* psutil's test_against_nproc compares with nproc(1), which counts sched_getaffinity(): the
 * cpuset, which the default CPU count (quota) may cap below (README "The CPU model"). */
static void check_tree(const char *ctr, long n, bool against_nproc)
{
	char script[4096], out[65536];
	int r;

	snprintf(script, sizeof(script),
		 "echo DIRS=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)\n"
		 "echo ONLN=$(getconf _NPROCESSORS_ONLN)\n"
		 "echo CONF=$(getconf _NPROCESSORS_CONF)\n"
		 "lscpu | sed -n -e 's/^CPU(s): */LSCPU=/p' -e 's/^Core(s) per socket: */CORES=/p' "
		 "-e 's/^Socket(s): */SOCKETS=/p' -e 's/^Thread(s) per core: */THREADS=/p'\n"
		 "echo PSUTIL=$(" PY " -c 'import psutil; print(psutil.cpu_count(), "
		 "psutil.cpu_count(logical=False))')\n"
		 "echo MPSTAT=\"$(mpstat 1 1 | head -n 1)\"\n"
		 "for c in /sys/devices/system/cpu/cpu[0-9]*; do\n"
		 "  echo TOPO $c $(cat $c/topology/core_id $c/topology/physical_package_id "
		 "$c/topology/thread_siblings_list $c/topology/core_siblings_list)\n"
		 "done\n"
		 /* psutil's own tests of CPU counts and memory, against this view. */
		 "cd /tmp && " PY " -m unittest -q "
		 "%s"
		 "psutil.tests.test_linux.TestSystemCPUCountCores "
		 "psutil.tests.test_system.TestCpuAPIs.test_cpu_count_cores "
		 "psutil.tests.test_system.TestCpuAPIs.test_cpu_count_logical "
		 "psutil.tests.test_linux.TestSystemVirtualMemory "
		 "psutil.tests.test_system.TestMemoryAPIs 2>&1 | tail -n 25\n",
		 against_nproc ? "psutil.tests.test_linux.TestSystemCPUCountLogical "
			       : "psutil.tests.test_linux.TestSystemCPUCountLogical.test_against_sysdev_cpu_num "
				 "psutil.tests.test_linux.TestSystemCPUCountLogical.test_against_sysdev_cpu_online "
				 "psutil.tests.test_linux.TestSystemCPUCountLogical.test_against_lscpu "
				 "psutil.tests.test_linux.TestSystemCPUCountLogical.test_emulate_fallbacks ");
	r = run_in_container(&d, ctr, script, out, sizeof(out));
	cr_assert_eq(r, 0, "%s", out);
	cr_assert_eq(value_after(out, "DIRS="), n, "%s", out);
	cr_assert_eq(value_after(out, "ONLN="), n, "%s", out);
	cr_assert_eq(value_after(out, "CONF="), n, "%s", out);
	cr_assert_eq(value_after(out, "LSCPU="), n, "%s", out);
	cr_assert_eq(value_after(out, "CORES="), n, "%s", out);
	cr_assert_eq(value_after(out, "SOCKETS="), 1, "%s", out);
	cr_assert_eq(value_after(out, "THREADS="), 1, "%s", out);
	{
		char want[160];

		snprintf(want, sizeof(want), "PSUTIL=%ld %ld\n", n, n);
		cr_assert_not_null(strstr(out, want), "%s", out);
		snprintf(want, sizeof(want), "(%ld CPU)", n);
		cr_assert_not_null(strstr(out, want), "mpstat: %s", out);
		for (long i = 0; i < n; i++) {
			snprintf(want, sizeof(want), "TOPO /sys/devices/system/cpu/cpu%ld %ld 0 %ld 0%s",
				 i, i, i, n > 1 ? "-" : "\n");
			cr_assert_not_null(strstr(out, want), "%s in\n%s", want, out);
		}
	}
	cr_assert_null(strstr(out, "FAILED"), "psutil's tests:\n%s", out);
	cr_assert_not_null(strstr(out, "\nOK"), "psutil's tests:\n%s", out);
}

Test(cputree, half_a_cpu_is_one_package_of_one_core)
{
	const char *ctr = cg_create("tree1");

	cg_set_cpu(ctr, 50000, "0-1");
	check_tree(ctr, 1, false);
	test_finish(&d);
}

Test(cputree, two_cpus_are_one_package_of_two_cores)
{
	const char *ctr = cg_create("tree2");

	cg_set_cpu(ctr, -1, "0-1");
	check_tree(ctr, 2, true);
	test_finish(&d);
}

/* htop shows one meter per visible CPU, and a container busy on its half CPU at ~100%. */
Test(cputree, htop_shows_n_meters_and_the_busy_loop)
{
	const char *ctr = cg_create("htop");
	char script[2048], out[65536];
	int meters = 0;
	const char *p;

	cg_set_cpu(ctr, 50000, "0-1");
	snprintf(script, sizeof(script),
		 "(while :; do :; done) & sleep 1\n"
		 "export TERM=xterm-256color HOME=/tmp/vp-htop-$$; mkdir -p $HOME\n"
		 "tmux -L vp$$ new-session -d -x 100 -y 30 'htop -d 10'\n"
		 /* Until htop has drawn a meter with a figure, and a second more for its next
		  * refresh (emulated guests start it slowly): at most 60 s. */
		 "i=0; while [ $i -lt 60 ]; do sleep 1; i=$((i+1))\n"
		 "  tmux -L vp$$ capture-pane -p | grep -q '[0-9.]%%]' && break\n"
		 "done\n"
		 "sleep 2\n"
		 "tmux -L vp$$ capture-pane -p > /tmp/vp-htop-$$.txt\n"
		 "tmux -L vp$$ kill-server\n"
		 "cat /tmp/vp-htop-$$.txt; rm -rf /tmp/vp-htop-$$.txt $HOME\n");
	cr_assert_eq(run_in_container(&d, ctr, script, out, sizeof(out)), 0, "%s", out);
	/* Meters: "    0[|||||   99.3%]", one per CPU, numbered from 0 (htop 3.2); a single
	 * CPU's is labelled "CPU". */
	for (p = out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		const char *q = p + strspn(p, " "), *b = strchr(q, '['), *end;
		size_t label = strspn(q, "0123456789");

		if (!b || ((b != q + label || label == 0) && strncmp(q, "CPU[", 4) != 0))
			continue;
		end = strstr(b, "%]");
		if (!end || (strchr(b, '\n') && strchr(b, '\n') < end))
			continue;
		{
			const char *num = end;

			while (num > b && ((num[-1] >= '0' && num[-1] <= '9') || num[-1] == '.'))
				num--;
			meters++;
			if (timing_checked("htop's meter of a busy half-CPU container"))
				cr_assert_geq(atof(num), 80.0, "meter %d:\n%s", meters, out);
		}
	}
	cr_assert_eq(meters, 1, "htop screen:\n%s", out);
	test_finish(&d);
}
