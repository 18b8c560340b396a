/* sysinfo(2) answered for the container through seccomp user notification: a real OCI
 * runtime (runc, or VPROCFS_OCI_RUNTIME) runs a busybox-static container whose config.json
 * has a SCMP_ACT_NOTIFY rule for sysinfo and linux.seccomp.listenerPath at the test daemon's
 * agent socket (what vprocfs-runc writes), plus the hook for the files. busybox free and
 * uptime, glibc's getloadavg() and a static probe must show the container: 256 MiB, its
 * load, its age. Hostile callers: killed mid-call, a page remapped under the call, a flood
 * next to a neighbour. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static struct daemon d;
static char work[64];

static void setup(void)
{
	char cmd[300];

	require_capable();
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", oci_runtime());
	if (system(cmd) != 0 || access("/bin/busybox", X_OK) != 0 || !getenv("VPROCFS_PROBE")) {
		fprintf(stderr, "\n*** SKIPPED sysinfo test: %s, busybox-static or the probe "
				"missing ***\n\n", oci_runtime());
		cr_skip_test("SKIPPED: %s, busybox-static or the probe missing", oci_runtime());
	}
	daemon_start(&d);
	snprintf(work, sizeof(work), "/tmp/vprocfs-si-XXXXXX");
	cr_assert_not_null(mkdtemp(work));
}

static void teardown(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd),
		 "for c in a b c d; do %s --root '%s/state' delete -f vp-si-%d-$c >/dev/null 2>&1; "
		 "done; rm -rf '%s'; true",
		 oci_runtime(), work, (int)getpid(), work);
	if (work[0] && system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", work);
	test_teardown(&d);
}

TestSuite(sysinfo, .init = setup, .fini = teardown, .timeout = 300);

/* The test daemon's agent socket (harness: MOUNT.sc). */
static const char *sc_path(void)
{
	static char p[300];

	snprintf(p, sizeof(p), "%s.sc", d.mnt);
	return p;
}

static unsigned long long value(const char *out, const char *key)
{
	const char *p = strstr(out, key);

	cr_assert_not_null(p, "no %s in:\n%s", key, out);
	return strtoull(p + strlen(key), NULL, 10);
}

Test(sysinfo, container_sees_its_own_memory_load_and_age)
{
	char out[16384];
	double l1, l2, l3, g1, g2, g3, f1, f2, f3;
	const char *p;

	make_bundle(work, "a", 256, d.mnt, sc_path(),
		    "probe\n"
		    "echo LOADAVG=$(head -n 1 /proc/loadavg)\n"
		    "echo UPTIME=$(head -n 1 /proc/uptime)\n"
		    "echo MEMTOTAL=$(grep MemTotal /proc/meminfo)\n"
		    "free | grep Mem:\n"
		    "uptime\n");
	cr_assert_eq(run_bundle(work, "a", out, sizeof(out)), 0, "container:\n%s", out);
	cr_assert_eq(value(out, "totalram_kb="), 262144, "%s", out);
	cr_assert_leq(value(out, "freeram_kb="), 262144, "%s", out);
	cr_assert_eq(value(out, "totalswap_kb="), value(out, "totalswap_kb="), "%s", out);
	cr_assert(strstr(out, "MEMTOTAL=MemTotal: 262144 kB"), "%s", out);
	/* busybox free: sysinfo, in KiB: "Mem: total used free shared buff/cache available" */
	p = strstr(out, "Mem:");
	cr_assert_not_null(p, "%s", out);
	cr_assert_eq(strtoull(p + 4, NULL, 10), 262144, "busybox free:\n%s", out);
	/* busybox uptime: sysinfo's uptime and loads: a new container is "up 0 min". */
	cr_assert(strstr(out, "up 0 min"), "busybox uptime:\n%s", out);
	cr_assert_lt(value(out, "uptime="), 60, "%s", out);
	/* The loads agree with the container's /proc/loadavg, and getloadavg() with both. */
	p = strstr(out, "loads=");
	cr_assert(p && sscanf(p, "loads=%lf %lf %lf", &l1, &l2, &l3) == 3, "%s", out);
	p = strstr(out, "getloadavg=");
	cr_assert(p && sscanf(p, "getloadavg=%lf %lf %lf", &g1, &g2, &g3) == 3, "%s", out);
	p = strstr(out, "LOADAVG=");
	cr_assert(p && sscanf(p, "LOADAVG=%lf %lf %lf", &f1, &f2, &f3) == 3, "%s", out);
	cr_assert(l1 == g1 && l2 == g2 && l3 == g3, "%s", out);
	/* Two samples 0.01 apart at most (the sampler may tick between the two reads). */
	cr_assert(l1 - f1 < 0.5 && f1 - l1 < 0.5, "%s", out);
	/* procs: the container's threads (a handful), not the host's hundreds. */
	cr_assert_lt(value(out, "procs="), 20, "%s", out);
	test_finish(&d);
}

Test(sysinfo, killed_callers_remapped_pages_and_a_flood_next_to_a_neighbour)
{
	char out[16384], nout[4096];
	pid_t flood;
	int status;

	/* b: a flood of sysinfo from 4 processes, callers killed mid-call, a page remapped under
	 * the calls; c: a neighbour making 300 calls meanwhile. */
	make_bundle(work, "b", 128, d.mnt, sc_path(),
		    "for i in 1 2 3 4; do probe 1000000 >/dev/null & done\n"
		    "for i in $(seq 1 20); do probe 100000 >/dev/null & k=$!; sleep 0.05; kill -9 $k; done\n"
		    "probe remap 2000\n"
		    "echo REMAP=$?\n"
		    "kill -9 $(jobs -p) 2>/dev/null; wait\n"
		    "probe 10\n");
	make_bundle(work, "c", 192, d.mnt, sc_path(), "sleep 1; probe 300\n");
	flood = fork_child();
	cr_assert_geq(flood, 0);
	if (flood == 0)
		_exit(run_bundle(work, "b", out, sizeof(out)) == 0 && strstr(out, "REMAP=0") &&
			      strstr(out, "calls=10 ok=10 failed=0 errno=0 total_kb=131072")
			  ? 0
			  : (fprintf(stderr, "flooder:\n%s", out), 1));
	cr_assert_eq(run_bundle(work, "c", nout, sizeof(nout)), 0, "neighbour:\n%s", nout);
	cr_assert(strstr(nout, "calls=300 ok=300 failed=0 errno=0 total_kb=196608"), "neighbour:\n%s",
		  nout);
	cr_assert_eq(waitpid(flood, &status, 0), flood);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the flooding container failed");
	cr_assert_eq(kill(d.pid, 0), 0, "the daemon died");
	test_finish(&d);
}
