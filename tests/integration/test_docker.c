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
	cr_assert(strstr(c, "MOUNTS=9\n"), "container saw:\n%s", c);
	test_finish(&d);
}
