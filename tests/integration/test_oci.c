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
/* podman's global options: its own image store in the test's directory, with the vfs driver,
 * which works on any root file system (the overlay driver refuses an overlayfs root, as in
 * the test lab's guests), and leaves the host's store alone. */
static char podman_globals[300];

static bool have(const char *cmd)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "command -v %s >/dev/null 2>&1", cmd);
	return system(buf) == 0;
}

/* The OCI runtime under test: runc, or VPROCFS_OCI_RUNTIME (the test lab runs this suite
 * again with crun, which refuses v1 hybrid hosts like this one but runs on pure v2). */
static const char *rt(void)
{
	const char *r = getenv("VPROCFS_OCI_RUNTIME");

	return r && *r ? r : "runc";
}

static void setup(void)
{
	require_capable();
	if (!have(rt()) || access("/bin/busybox", X_OK) != 0) {
		fprintf(stderr, "\n*** SKIPPED OCI test: %s or busybox-static not installed ***\n\n",
			rt());
		cr_skip_test("SKIPPED: %s or busybox-static not installed", rt());
	}
	daemon_start(&d);
	snprintf(work, sizeof(work), "/tmp/vprocfs-oci-XXXXXX");
	cr_assert_not_null(mkdtemp(work));
	snprintf(podman_globals, sizeof(podman_globals),
		 "--root %s/storage --runroot %s/runroot --storage-driver vfs", work, work);
}

static void teardown(void)
{
	char cmd[1400];

	snprintf(cmd, sizeof(cmd),
		 "%s --root '%s/state' delete -f vprocfs-e2e-%d >/dev/null 2>&1; "
		 "podman %s rmi -f localhost/vprocfs-test-%d:busybox >/dev/null 2>&1; "
		 "rm -f /var/run/cdi/vprocfs-test-%d.json; rm -rf '%s'; true",
		 rt(), work, (int)getpid(), podman_globals, (int)getpid(), (int)getpid(), work);
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
	char script[8192], out[16384], entry[512], *optout;
	const char *hook = getenv("VPROCFS_HOOK");
	int r;

	cr_assert_not_null(hook, "VPROCFS_HOOK not set (run through make test)");
	/* The hook twice: the second run must find the files in place (idempotent). */
	snprintf(entry, sizeof(entry),
		 "{ \"path\": \"%s\", \"args\": [ \"vprocfs-oci-hook\", \"%s\" ] }", hook, d.mnt);
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
		 "grep -E ' /(proc/meminfo|proc/vmstat|sys/devices/system/cpu) ' "
		 "/proc/self/mountinfo\n"
		 "echo x 2>/dev/null > /proc/meminfo || echo WRITE-REFUSED\n"
		 "EOF\n"
		 "cd bundle; %s spec\n"
		 "sed -i -e 's/\"terminal\": true/\"terminal\": false/' \\\n"
		 "  -e 's|\"sh\"$|\"sh\", \"/check.sh\"|' \\\n"
		 "  -e 's|\"resources\": {|\"resources\": { \"memory\": { \"limit\": 268435456 },|' \\\n"
		 "  -e 's|\"ociVersion\": \"\\([^\"]*\\)\",|\"ociVersion\": \"\\1\", \"hooks\": { "
		 "\"createRuntime\": [ %s, %s ] },|' config.json\n"
		 "%s --root ../state run vprocfs-e2e-%d\n"
		 /* Opted out by annotation: the container keeps the host's files. */
		 "echo '== OPT-OUT =='\n"
		 "sed -i 's|\"hooks\": {|\"annotations\": { \"io.vprocfs.disable\": \"true\" }, "
		 "\"hooks\": {|' config.json\n"
		 "%s --root ../state run vprocfs-e2e-%d\n",
		 work, rt(), entry, entry, rt(), (int)getpid(), rt(), (int)getpid());
	r = sh(script, out, sizeof(out));
	cr_assert_eq(r, 0, "%s failed:\n%s", rt(), out);
	optout = strstr(out, "== OPT-OUT ==");
	cr_assert_not_null(optout, "%s", out);
	cr_assert_null(strstr(optout, "fuse.vprocfs"), "opted out, yet:\n%s", optout);
	cr_assert_null(strstr(optout, "MemTotal:         262144 kB"), "%s", optout);
	*optout = '\0';
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
		/* /proc/vmstat too: runc refuses it in config.json, the hook mounts it after. */
		cr_assert_eq(mounts, 3, "%s", out);
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

/* ---- podman (Debian's 4.3 with runc: crun refuses this hybrid host, and this host lacks
 * CAP_SYS_RESOURCE for podman's default ulimits) ------------------------------------------ */

/* Import a busybox-static image and write a containers.conf without default ulimits. */
static void podman_prepare(void)
{
	char script[2048], out[4096], conf[128];

	if (!have("podman")) {
		fprintf(stderr, "\n*** SKIPPED podman test: podman not installed ***\n\n");
		cr_skip_test("SKIPPED: podman not installed");
	}
	snprintf(conf, sizeof(conf), "%s/containers.conf", work);
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'; mkdir -p img/bin img/proc img/sys img/dev img/etc img/tmp\n"
		 "cp /bin/busybox img/bin/\n"
		 "for t in sh cat grep head echo; do ln -s busybox img/bin/$t; done\n"
		 "printf '[containers]\\ndefault_ulimits = []\\n' > containers.conf\n"
		 "tar -C img -cf img.tar .\n"
		 "CONTAINERS_CONF='%s' podman %s import img.tar localhost/vprocfs-test-%d:busybox\n",
		 work, conf, podman_globals, (int)getpid());
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	setenv("CONTAINERS_CONF", conf, 1);
}

/* podman GLOBAL run --rm -m 256m RUNOPTS image: MemTotal 262144 kB through exactly nmounts
 * vprocfs mounts, all read-only. */
static void podman_check(const char *global, const char *runopts, int nmounts)
{
	char script[2048], out[8192];
	int mounts = 0;

	snprintf(script, sizeof(script),
		 "podman --runtime %s %s %s run --rm -m 256m %s localhost/vprocfs-test-%d:busybox "
		 "sh -c 'head -1 /proc/meminfo; grep \" - fuse.vprocfs \" /proc/self/mountinfo'\n",
		 rt(), podman_globals, global, runopts, (int)getpid());
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "podman failed:\n%s", out);
	cr_assert(strstr(out, "MemTotal:         262144 kB"), "container saw:\n%s", out);
	for (const char *p = out; (p = strstr(p, " - fuse.vprocfs ")); p++) {
		const char *line = p;

		while (line > out && line[-1] != '\n')
			line--;
		cr_assert(strstr(line, " ro,") && strstr(line, " ro,") < p, "not read-only:\n%s", out);
		mounts++;
	}
	cr_assert_eq(mounts, nmounts, "%s", out);
}

Test(oci, podman_with_hooks_dir)
{
	char dir[128], script[1024], out[4096];
	const char *hook = getenv("VPROCFS_HOOK");

	podman_prepare();
	/* The shipped hooks.d file, pointed at this build and this daemon's mount point. */
	snprintf(dir, sizeof(dir), "%s/hooks.d", work);
	snprintf(script, sizeof(script),
		 "mkdir -p '%s' && sed -e 's|@LIBEXECDIR@/vprocfs-oci-hook|%s|' "
		 "-e 's|/var/lib/vprocfs|%s|' ../oci/hooks.d/vprocfs.json.in > '%s/vprocfs.json'",
		 dir, hook, d.mnt, dir);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	snprintf(script, sizeof(script), "--hooks-dir '%s'", dir);
	/* Every row of the table the hook mounts: /proc/pressure's where served, and a stat
	 * file per block device. */
	podman_check(script, "", (pressure_served() ? 12 : 9) + block_devices());
	test_finish(&d);
}

Test(oci, podman_with_the_cdi_spec)
{
	char script[1024], out[4096];

	podman_prepare();
	/* The CDI spec `make install` writes (generated from the served-file table by the
	 * hook), for this daemon's mount point. */
	snprintf(script, sizeof(script),
		 "mkdir -p /var/run/cdi && \"$VPROCFS_HOOK\" --cdi '%s' | "
		 "sed -e 's|\"vprocfs.io/proc\"|\"vprocfs-test-%d.io/proc\"|' "
		 "> /var/run/cdi/vprocfs-test-%d.json",
		 d.mnt, (int)getpid(), (int)getpid());
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	snprintf(script, sizeof(script), "--device vprocfs-test-%d.io/proc=all", (int)getpid());
	/* The hook, which the spec runs: /proc/vmstat and /proc/pressure too, and the block
	 * devices' stat files. */
	podman_check("", script, (pressure_served() ? 12 : 9) + block_devices());
	test_finish(&d);
}
