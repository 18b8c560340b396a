/* End to end with a real OCI runtime: runc (Debian's) runs a busybox-static container whose
 * config.json carries the vprocfs createRuntime hook; the container, limited to 256 MiB,
 * must see MemTotal 262144 kB through read-only vprocfs mounts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static struct daemon d;
static char work[64];

static bool have(const char *cmd)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "command -v %s >/dev/null 2>&1", cmd);
	return system(buf) == 0;
}

static void setup(void)
{
	require_capable();
	if (!have("runc") || access("/bin/busybox", X_OK) != 0) {
		fprintf(stderr, "\n*** SKIPPED OCI test: runc or busybox-static not installed ***\n\n");
		cr_skip_test("SKIPPED: runc or busybox-static not installed");
	}
	daemon_start(&d);
	snprintf(work, sizeof(work), "/tmp/vprocfs-oci-XXXXXX");
	cr_assert_not_null(mkdtemp(work));
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "runc --root '%s/state' delete -f vprocfs-e2e-%d >/dev/null 2>&1; "
				   "rm -rf '%s'",
		 work, (int)getpid(), work);
	if (work[0] && system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", work);
	test_teardown(&d);
}

TestSuite(oci, .init = setup, .fini = teardown, .timeout = 120);

static int sh(const char *script, char *out, size_t outsz)
{
	return run_in_cgroup(NULL, script, out, outsz);
}

Test(oci, runc_with_the_hook_in_config_json)
{
	char script[8192], out[16384];
	const char *hook = getenv("VPROCFS_HOOK");
	int r;

	cr_assert_not_null(hook, "VPROCFS_HOOK not set (run through make test)");
	/* A busybox-static rootfs and runc's default spec, edited: no terminal, a 256 MiB limit,
	 * the hook, and a command that reports what the container sees. */
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'; mkdir -p bundle/rootfs/bin state\n"
		 "cp /bin/busybox bundle/rootfs/bin/\n"
		 "for t in sh cat grep head echo; do ln -s busybox bundle/rootfs/bin/$t; done\n"
		 "cat > bundle/rootfs/check.sh <<'EOF'\n"
		 "head -1 /proc/meminfo\n"
		 "grep -c ^processor /proc/cpuinfo\n"
		 "echo ONLINE=$(head -1 /sys/devices/system/cpu/online)\n"
		 "grep -E ' /(proc/meminfo|sys/devices/system/cpu/online) ' /proc/self/mountinfo\n"
		 "echo x 2>/dev/null > /proc/meminfo || echo WRITE-REFUSED\n"
		 "EOF\n"
		 "cd bundle; runc spec\n"
		 "sed -i -e 's/\"terminal\": true/\"terminal\": false/' \\\n"
		 "  -e 's|\"sh\"$|\"sh\", \"/check.sh\"|' \\\n"
		 "  -e 's|\"resources\": {|\"resources\": { \"memory\": { \"limit\": 268435456 },|' \\\n"
		 "  -e 's|\"ociVersion\": \"\\([^\"]*\\)\",|\"ociVersion\": \"\\1\", \"hooks\": { "
		 "\"createRuntime\": [ { \"path\": \"%s\", \"args\": [ \"vprocfs-oci-hook\", \"%s\" ] "
		 "} ] },|' config.json\n"
		 "runc --root ../state run vprocfs-e2e-%d\n",
		 work, hook, d.mnt, (int)getpid());
	r = sh(script, out, sizeof(out));
	cr_assert_eq(r, 0, "runc failed:\n%s", out);
	cr_assert(strstr(out, "MemTotal:         262144 kB"), "container saw:\n%s", out);
	cr_assert(strstr(out, "WRITE-REFUSED"), "a write went through:\n%s", out);
	/* Both mounts read-only, from vprocfs. */
	{
		int mounts = 0;

		for (const char *p = out; (p = strstr(p, " - fuse.vprocfs ")); p++) {
			const char *line = p;

			while (line > out && line[-1] != '\n')
				line--;
			cr_assert(strstr(line, " ro,") && strstr(line, " ro,") < p,
				  "not read-only:\n%.*s", (int)(p - line), line);
			mounts++;
		}
		cr_assert_eq(mounts, 2, "%s", out);
	}
	cr_assert(strstr(out, "ONLINE=0"), "%s", out);
	test_finish(&d);
}

Test(oci, hook_without_vprocfs_lets_the_container_start)
{
	char script[2048], out[4096];
	const char *hook = getenv("VPROCFS_HOOK");

	/* No vprocfs on the mount point, no state: the hook logs and exits 0 either way. */
	snprintf(script, sizeof(script),
		 "echo '{\"pid\": %d, \"bundle\": \"/nonexistent\"}' | '%s' /nonexistent; echo rc=$?\n"
		 "echo 'garbage' | '%s'; echo rc=$?\n",
		 (int)getpid(), hook, hook);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "rc=0\n") && !strstr(out, "rc=1"), "%s", out);
	cr_assert(strstr(out, "no usable OCI state"), "%s", out);
	test_finish(&d);
}
