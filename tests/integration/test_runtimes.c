/* vprocfs-runc behind real container engines, configured the way an operator would: nothing
 * vprocfs-specific on the command line but the runtime. A wrapper script (what an operator
 * installs) sets the shim's environment for the test daemon (its mount point, the hook, its
 * seccomp agent at <mount point>.sc, no config file, the OCI runtime VPROCFS_OCI_RUNTIME or
 * runc) and execs vprocfs-runc. A busybox-static image with the sysinfo probe, limited to
 * 256 MiB, must see 256 MiB in /proc/meminfo (the hook's files), in busybox free and in the
 * probe (sysinfo(2) through the agent), and busybox uptime "up 0 min" (the container's age):
 *  - podman (Debian's 4.3): `podman --runtime WRAPPER run`, no -v, no --hooks-dir;
 *  - containerd (Debian's 1.6) started by the test, with its own root, state and socket:
 *    `ctr run --runc-binary WRAPPER` (the io.containerd.runc.v2 shim's BinaryName option),
 *    the image imported from an OCI image layout the test writes itself. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static struct daemon d;
static char work[64];
static pid_t containerd_pid;

static bool have(const char *cmd)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "command -v %s >/dev/null 2>&1", cmd);
	return system(buf) == 0;
}

static void skip(const char *what)
{
	fprintf(stderr, "\n*** SKIPPED runtimes test: %s ***\n\n", what);
	cr_skip_test("SKIPPED: %s", what);
}

static int sh(const char *script, char *out, size_t outsz)
{
	return run_in_cgroup(NULL, script, out, outsz);
}

static void setup(void)
{
	char script[2048], out[4096];
	const char *shim = getenv("VPROCFS_SHIM"), *hook = getenv("VPROCFS_HOOK");

	require_capable();
	cr_assert(shim && hook, "VPROCFS_SHIM or VPROCFS_HOOK not set (run through make test)");
	if (!have(oci_runtime()) || access("/bin/busybox", X_OK) != 0 || !getenv("VPROCFS_PROBE") ||
	    access(getenv("VPROCFS_PROBE"), X_OK) != 0)
		skip("the OCI runtime, busybox-static or the probe (VPROCFS_PROBE) missing");
	daemon_start(&d);
	snprintf(work, sizeof(work), "/tmp/vprocfs-rt-XXXXXX");
	cr_assert_not_null(mkdtemp(work));
	/* The wrapper an operator would install as the engine's runtime. The OCI runtime is
	 * written in (an engine need not pass its environment on to its runtime). */
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'\n"
		 "cat > wrapper <<'EOF'\n"
		 "#!/bin/sh\n"
		 "VPROCFS_MOUNTPOINT='%s' VPROCFS_HOOK='%s' VPROCFS_SECCOMP_SOCKET='%s.sc' \\\n"
		 "VPROCFS_RUNC_CONF='%s/runc.conf' VPROCFS_RUNTIME='%s' exec '%s' \"$@\"\n"
		 "EOF\n"
		 /* An empty settings file: never the host's (a missing one would be a line on
		  * stderr, which podman takes for the runtime's error). */
		 ": > runc.conf\n"
		 "chmod 0755 wrapper\n"
		 /* The image's root: busybox-static and the probe. */
		 "mkdir -p img/bin img/proc img/sys img/dev img/etc img/tmp\n"
		 "cp /bin/busybox img/bin/; cp '%s' img/bin/probe\n"
		 "for t in sh cat grep head echo free uptime; do ln -s busybox img/bin/$t; done\n",
		 work, d.mnt, hook, d.mnt, work, oci_runtime(), shim, getenv("VPROCFS_PROBE"));
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
}

/* What a container started under work (or a cgroup named after this test) may have left. */
static void teardown(void)
{
	char cmd[4096];

	if (containerd_pid > 0) {
		int status;

		kill(containerd_pid, SIGTERM);
		for (int i = 0; i < 200 && waitpid(containerd_pid, &status, WNOHANG) == 0; i++)
			usleep(50000);
		kill(containerd_pid, SIGKILL);
		waitpid(containerd_pid, &status, 0);
		containerd_pid = 0;
	}
	if (!work[0]) {
		test_teardown(&d);
		return;
	}
	snprintf(cmd, sizeof(cmd),
		 "W='%s'; P=%d\n"
		 "[ ! -d $W/storage ] || podman --root $W/storage --runroot $W/runroot --storage-driver vfs --tmpdir $W/tmp "
		 "rm -f vprocfs-rt-$P >/dev/null 2>&1\n"
		 /* containerd's shims, conmon: whatever names the work directory (not us). */
		 "for p in $(grep -l \"$W\" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do\n"
		 "  [ \"$p\" != $$ ] && [ \"$p\" != $PPID ] && kill -9 \"$p\" 2>/dev/null\n"
		 "done\n"
		 /* ctr's container cgroups (--cgroup), in every hierarchy (v1) or the one (v2). */
		 "for c in /sys/fs/cgroup/vprocfs-test-$P-ctr /sys/fs/cgroup/*/vprocfs-test-$P-ctr; do\n"
		 "  [ -d \"$c\" ] || continue\n"
		 "  for s in \"$c\"/*/; do\n"
		 "    [ -d \"$s\" ] || continue\n"
		 "    for i in $(seq 1 50); do\n"
		 "      kill -9 $(cat \"$s/cgroup.procs\") 2>/dev/null; rmdir \"$s\" 2>/dev/null && break\n"
		 "      sleep 0.1\n"
		 "    done\n"
		 "  done\n"
		 "  rmdir \"$c\" 2>/dev/null\n"
		 "done\n"
		 /* containerd 1.6 puts a shim's socket in /run/containerd/s, named by the sha256 of
		  * ADDRESS/NAMESPACE/ID; a killed shim leaves it. */
		 "rm -f /run/containerd/s/$(printf '%%s' \"$W/containerd.sock/vprocfs-test/vprocfs-rt-$P\" "
		 "| sha256sum | cut -d' ' -f1)\n"
		 "grep \" $W/\" /proc/self/mountinfo | awk '{print $5}' | sort -r |\n"
		 "  while read -r m; do umount -l \"$m\" 2>/dev/null; done\n"
		 "rm -rf \"$W\"; true",
		 work, (int)getpid());
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", work);
	work[0] = '\0';
	test_teardown(&d);
}

TestSuite(runtimes, .init = setup, .fini = teardown, .timeout = 300);

static unsigned long long value(const char *out, const char *key)
{
	const char *p = strstr(out, key);

	cr_assert_not_null(p, "no %s in:\n%s", key, out);
	return strtoull(p + strlen(key), NULL, 10);
}

/* What `head -n1 /proc/meminfo; free | grep Mem:; uptime; probe` printed in a container
 * limited to 256 MiB. */
static void check_container(const char *engine, const char *out)
{
	const char *p;

	cr_assert_eq(meminfo_value(out, "MemTotal"), 262144, "%s: /proc/meminfo:\n%s", engine, out);
	/* busybox free: sysinfo, in KiB: "Mem: total used free shared buff/cache available" */
	p = strstr(out, "\nMem:");
	cr_assert_not_null(p, "%s: no free output:\n%s", engine, out);
	cr_assert_eq(strtoull(p + 5, NULL, 10), 262144, "%s: busybox free:\n%s", engine, out);
	/* busybox uptime: sysinfo's uptime, the container's: a new container is "up 0 min". */
	cr_assert(strstr(out, " up 0 min"), "%s: busybox uptime:\n%s", engine, out);
	cr_assert_eq(value(out, "totalram_kb="), 262144, "%s: the probe:\n%s", engine, out);
}

#define CHECK_SCRIPT "'head -n1 /proc/meminfo; free | grep Mem:; uptime; probe'"

/* ---- podman ----------------------------------------------------------------------------- */

Test(runtimes, podman_runtime_vprocfs_runc)
{
	char globals[512], script[4096], out[16384];

	if (!have("podman"))
		skip("podman not installed");
	/* podman's own image store in the work directory (vfs: any root file system), its own
	 * libpod tmpdir, and a containers.conf without default ulimits (this host lacks
	 * CAP_SYS_RESOURCE for podman's). */
	snprintf(globals, sizeof(globals),
		 "--root %s/storage --runroot %s/runroot --storage-driver vfs --tmpdir %s/tmp", work,
		 work, work);
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'\n"
		 "printf '[containers]\\ndefault_ulimits = []\\n' > containers.conf\n"
		 "export CONTAINERS_CONF='%s/containers.conf'\n"
		 "tar -C img -cf img.tar .\n"
		 "podman %s import img.tar localhost/vprocfs-rt:busybox >/dev/null\n"
		 "echo '== CONTAINER =='\n"
		 "exec timeout -k 10 200 podman --runtime '%s/wrapper' %s run --rm --network none "
		 "--name vprocfs-rt-%d -m 256m localhost/vprocfs-rt:busybox sh -c " CHECK_SCRIPT "\n",
		 work, work, globals, work, globals, (int)getpid());
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "podman failed:\n%s", out);
	cr_assert_not_null(strstr(out, "== CONTAINER =="), "%s", out);
	check_container("podman", strstr(out, "== CONTAINER =="));
	test_finish(&d);
}

/* ---- containerd + ctr ------------------------------------------------------------------- */

static void containerd_log(void)
{
	char p[128], buf[16384];
	ssize_t n;

	snprintf(p, sizeof(p), "%s/containerd.log", work);
	n = read_whole(p, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		fprintf(stderr, "---- containerd log %s ----\n%s---- end ----\n", p, buf);
	}
}

/* A containerd of the test's own: root, state, socket, fifo and runc state under work, a
 * config of its own (never the host's /etc/containerd/config.toml) without the CRI plugin. */
static void containerd_start(const char *sock)
{
	char conf[128], text[1024], ctr[300], out[1024];
	int fd, status;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/containerd.toml", work);
	snprintf(text, sizeof(text),
		 "version = 2\n"
		 "root = \"%s/root\"\n"
		 "state = \"%s/state\"\n"
		 "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
		 "[grpc]\n  address = \"%s\"\n"
		 "[plugins]\n"
		 "  [plugins.\"io.containerd.internal.v1.opt\"]\n    path = \"%s/opt\"\n",
		 work, work, sock, work);
	f = fopen(conf, "we");
	cr_assert_not_null(f);
	cr_assert_geq(fputs(text, f), 0);
	cr_assert_eq(fclose(f), 0);
	containerd_pid = fork_child();
	cr_assert_geq(containerd_pid, 0);
	if (containerd_pid == 0) {
		char log[128], root[128], state[128];

		snprintf(log, sizeof(log), "%s/containerd.log", work);
		snprintf(root, sizeof(root), "%s/root", work);
		snprintf(state, sizeof(state), "%s/state", work);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execlp("containerd", "containerd", "--config", conf, "--root", root, "--state", state,
		       "--address", sock, (char *)NULL);
		_exit(127);
	}
	snprintf(ctr, sizeof(ctr), "ctr -a '%s' --connect-timeout 1s version >/dev/null 2>&1", sock);
	for (int i = 0;; i++) {
		if (waitpid(containerd_pid, &status, WNOHANG) == containerd_pid) {
			containerd_pid = 0;
			containerd_log();
			cr_assert_fail("containerd exited (status %#x)", status);
		}
		if (run_in_cgroup(NULL, ctr, out, sizeof(out)) == 0)
			break;
		if (i == 600) {
			containerd_log();
			cr_assert_fail("containerd did not answer on %s within 60 s", sock);
		}
		usleep(100000);
	}
}

Test(runtimes, containerd_ctr_runc_binary)
{
	char sock[128], ctr[256], script[8192], out[16384];
	int r;

	if (!have("containerd") || !have("ctr") || !have("containerd-shim-runc-v2"))
		skip("containerd, ctr or containerd-shim-runc-v2 not installed");
	snprintf(sock, sizeof(sock), "%s/containerd.sock", work);
	containerd_start(sock);
	snprintf(ctr, sizeof(ctr), "ctr -a '%s' -n vprocfs-test", sock);
	/* An OCI image layout (oci-layout, index.json, manifest, config, one layer), every blob
	 * named by its sha256, imported with the native snapshotter (plain directories: any root
	 * file system), then run through the wrapper as the shim's runc binary, with runc's state,
	 * ctr's FIFOs and the container's cgroup (under vprocfs-test-PID-ctr) the test's own. */
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'; mkdir -p oci/blobs/sha256 fifo runc-root\n"
		 "case $(uname -m) in\n"
		 "  x86_64) A=amd64;; aarch64) A=arm64;; *) A=$(dpkg --print-architecture);;\n"
		 "esac\n"
		 "blob() { D=$(sha256sum \"$1\" | cut -d' ' -f1); S=$(stat -c %%s \"$1\"); "
		 "mv \"$1\" oci/blobs/sha256/$D; }\n"
		 "tar -C img -cf layer.tar .\n"
		 "blob layer.tar; L=$D LS=$S\n"
		 "printf '{\"architecture\":\"%%s\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%%s\"]}}' $A $L > config.json\n"
		 "blob config.json; C=$D CS=$S\n"
		 "printf '{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		 "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
		 "\"digest\":\"sha256:%%s\",\"size\":%%s},\"layers\":[{\"mediaType\":"
		 "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:%%s\",\"size\":%%s}]}' "
		 "$C $CS $L $LS > manifest.json\n"
		 "blob manifest.json; M=$D MS=$S\n"
		 "printf '{\"imageLayoutVersion\":\"1.0.0\"}' > oci/oci-layout\n"
		 "printf '{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
		 "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%%s\",\"size\":%%s,"
		 "\"annotations\":{\"org.opencontainers.image.ref.name\":"
		 "\"localhost/vprocfs-rt:busybox\"}}]}' $M $MS > oci/index.json\n"
		 "tar -C oci -cf image.tar .\n"
		 "timeout -k 10 120 %s images import --snapshotter native image.tar\n"
		 "echo '== CONTAINER =='\n"
		 "exec timeout -k 10 120 %s run --rm --snapshotter native --fifo-dir '%s/fifo' "
		 "--runc-root '%s/runc-root' --runc-binary '%s/wrapper' --cgroup "
		 "/vprocfs-test-%d-ctr/c --memory-limit 268435456 localhost/vprocfs-rt:busybox "
		 "vprocfs-rt-%d sh -c " CHECK_SCRIPT "\n",
		 work, ctr, ctr, work, work, work, (int)getpid(), (int)getpid());
	r = sh(script, out, sizeof(out));
	if (r != 0)
		containerd_log();
	cr_assert_eq(r, 0, "ctr failed (exit %d):\n%s", r, out);
	cr_assert_not_null(strstr(out, "== CONTAINER =="), "%s", out);
	check_container("containerd", strstr(out, "== CONTAINER =="));
	test_finish(&d);
}
