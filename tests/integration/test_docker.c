/* Docker end to end (Debian's docker.io, tests/e2e/docker-run.sh): a dockerd of the test's
 * own, the README's nine -v flags, -m 256m --cpus 0.5: the container sees 256 MiB and one
 * CPU. Runs on the host (v1) and in the test lab's v2 guests. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static struct daemon d;
static char work[64];

static void setup(void)
{
	require_capable();
	if (access("/usr/sbin/dockerd", X_OK) != 0 || access("/usr/bin/docker", X_OK) != 0 ||
	    access("/bin/busybox", X_OK) != 0) {
		fprintf(stderr, "\n*** SKIPPED Docker test: docker.io or busybox-static not "
				"installed ***\n\n");
		cr_skip_test("SKIPPED: docker.io or busybox-static not installed");
	}
	daemon_start(&d);
	snprintf(work, sizeof(work), "/tmp/vprocfs-docker-XXXXXX");
	cr_assert_not_null(mkdtemp(work));
}

static void teardown(void)
{
	char cmd[200];

	/* vfs layers are plain directories; the script has unmounted what dockerd mounted. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
	if (work[0] && system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", work);
	test_teardown(&d);
}

TestSuite(docker, .init = setup, .fini = teardown, .timeout = 600);

Test(docker, readme_v_flags_256m_half_cpu)
{
	char script[1024], out[32768], *c;

	/* The suite runs in tests/. */
	snprintf(script, sizeof(script), "exec ./e2e/docker-run.sh '%s' '%s'", d.mnt, work);
	cr_assert_eq(run_in_cgroup(NULL, script, out, sizeof(out)), 0, "docker:\n%s", out);
	c = strstr(out, "== CONTAINER ==");
	cr_assert_not_null(c, "%s", out);
	cr_assert(strstr(c, "MemTotal:         262144 kB"), "container saw:\n%s", c);
	cr_assert(strstr(c, "PROCESSORS=1\n"), "container saw:\n%s", c);
	cr_assert(strstr(c, "STATCPUS=1\n"), "container saw:\n%s", c);
	cr_assert(strstr(c, "ONLINE=0\n"), "container saw:\n%s", c);
	cr_assert(strstr(c, "CPUDIRS=1\n"), "container saw:\n%s", c);
	/* The README's -v flags: 8 files, and a stat file per block device. */
	snprintf(script, sizeof(script), "MOUNTS=%d\n", 8 + block_devices());
	cr_assert(strstr(c, script), "container saw:\n%s", c);
	test_finish(&d);
}

/* vprocfs-runc as Docker's runtime (dockerd --add-runtime), no -v flag: the files through the
 * hook the shim adds, and sysinfo through the seccomp agent: busybox free and uptime, and the
 * probe's sysinfo and getloadavg show the container. */
Test(docker, runtime_vprocfs_without_flags_files_and_sysinfo)
{
	char script[2048], out[32768], *c;
	const char *shim = getenv("VPROCFS_SHIM"), *probe = getenv("VPROCFS_PROBE");
	double la, g1;
	const char *p;

	cr_assert(shim && probe, "VPROCFS_SHIM and VPROCFS_PROBE (run through make test)");
	snprintf(script, sizeof(script), "exec ./e2e/docker-run.sh '%s' '%s' '%s' '%s' '%s.sc' '%s'",
		 d.mnt, work, shim, getenv("VPROCFS_HOOK"), d.mnt, probe);
	cr_assert_eq(run_in_cgroup(NULL, script, out, sizeof(out)), 0, "docker:\n%s", out);
	c = strstr(out, "== SHIM CONTAINER ==");
	cr_assert_not_null(c, "%s", out);
	cr_assert(strstr(c, "MemTotal:         262144 kB"), "container saw:\n%s", c);
	cr_assert(strstr(c, "PROCESSORS=1\n"), "container saw:\n%s", c);
	/* Every row the hook mounts: /proc/pressure's where served, a stat file per block
	 * device. */
	snprintf(script, sizeof(script), "MOUNTS=%d\n", (pressure_served() ? 12 : 9) + block_devices());
	cr_assert(strstr(c, script), "container saw:\n%s", c);
	p = strstr(c, "Mem:");
	cr_assert(p && strtoull(p + 4, NULL, 10) == 262144, "busybox free:\n%s", c);
	cr_assert(strstr(c, "up 0 min"), "busybox uptime:\n%s", c);
	cr_assert(strstr(c, "totalram_kb=262144\n"), "sysinfo:\n%s", c);
	p = strstr(c, "LOADAVG=");
	cr_assert(p && sscanf(p, "LOADAVG=%lf", &la) == 1, "%s", c);
	p = strstr(c, "getloadavg=");
	cr_assert(p && sscanf(p, "getloadavg=%lf", &g1) == 1, "%s", c);
	cr_assert(g1 - la < 0.5 && la - g1 < 0.5, "getloadavg %.2f vs /proc/loadavg %.2f", g1, la);
	test_finish(&d);
}
