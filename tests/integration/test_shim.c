/* vprocfs-runc (VPROCFS_SHIM) in front of a real OCI runtime (runc, or VPROCFS_OCI_RUNTIME)
 * and in front of a stub runtime that records what it was given. A busybox-static container
 * whose config.json has no hook, run through the shim with a 256 MiB limit, must see MemTotal
 * 262144 kB through read-only vprocfs mounts; its config.json then has the hook. Opted out, or
 * without vprocfs, nothing changes and the container still runs. With a seccomp agent's
 * socket, `create` hands the runtime a config whose sysinfo goes to that socket. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"

static struct daemon d;
static char work[64];
static const char *shim, *hook;

static bool have(const char *cmd)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "command -v %s >/dev/null 2>&1", cmd);
	return system(buf) == 0;
}

static int sh(const char *script, char *out, size_t outsz)
{
	return run_in_cgroup(NULL, script, out, outsz);
}

static void setup(void)
{
	char script[1024], out[1024];

	require_capable();
	shim = getenv("VPROCFS_SHIM");
	hook = getenv("VPROCFS_HOOK");
	cr_assert(shim && hook, "VPROCFS_SHIM or VPROCFS_HOOK not set (run through make test)");
	daemon_start(&d);
	snprintf(work, sizeof(work), "/tmp/vprocfs-shim-XXXXXX");
	cr_assert_not_null(mkdtemp(work));
	/* An empty config file (never the host's /etc/vprocfs/runc.conf), an empty directory
	 * where vprocfs is not mounted, and a stub runtime that records its arguments and the
	 * bundle's config.json. */
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'; : > empty.conf; mkdir -p empty state bundle\n"
		 "cat > stub-runtime <<'EOF'\n#!/bin/sh\nprintf '%%s\\n' \"$@\" > %s/stub.argv\n"
		 "cp %s/bundle/config.json %s/stub.config\nEOF\n"
		 "chmod 755 stub-runtime\n",
		 work, work, work, work);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
}

static void teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "for i in 1 2 3; do %s --root '%s/state' delete -f vprocfs-shim-%d-$i; done "
		 ">/dev/null 2>&1; rm -rf '%s'; true",
		 oci_runtime(), work, (int)getpid(), work);
	if (work[0] && system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", work);
	test_teardown(&d);
}

TestSuite(shim, .init = setup, .fini = teardown, .timeout = 120);

/* The shim's environment: settings never from the host; socket "" means none. (Two buffers:
 * one command line may use two environments.) */
static const char *env(const char *mnt, const char *socket, const char *runtime)
{
	static char bufs[2][1024];
	static int which;
	char *buf = bufs[which ^= 1];

	snprintf(buf, sizeof(bufs[0]),
		 "VPROCFS_RUNC_CONF='%s/empty.conf' VPROCFS_MOUNTPOINT='%s' VPROCFS_HOOK='%s' "
		 "VPROCFS_SECCOMP_SOCKET='%s' VPROCFS_RUNTIME='%s'",
		 work, mnt, hook, socket, runtime);
	return buf;
}

static void require_runtime(void)
{
	if (!have(oci_runtime()) || access("/bin/busybox", X_OK) != 0) {
		fprintf(stderr, "\n*** SKIPPED shim test: %s or busybox-static not installed ***\n\n",
			oci_runtime());
		cr_skip_test("SKIPPED: %s or busybox-static not installed", oci_runtime());
	}
}

/* WORK/bundle: busybox-static, the runtime's default spec without a terminal, a 256 MiB
 * limit, `check` as /check.sh, and no hook; a copy in config.orig. */
static void make_shim_bundle(const char *check, const char *extra_sed)
{
	char script[4096], out[4096];

	snprintf(script, sizeof(script),
		 "set -e; cd '%s/bundle'; rm -rf rootfs config.json; mkdir -p rootfs/bin\n"
		 "cp /bin/busybox rootfs/bin/\n"
		 "for t in sh cat grep head echo free; do ln -s busybox rootfs/bin/$t; done\n"
		 "cat > rootfs/check.sh <<'EOF'\n%s\nEOF\n"
		 "%s spec\n"
		 "sed -i -e 's/\"terminal\": true/\"terminal\": false/' \\\n"
		 "  -e 's|\"sh\"$|\"sh\", \"/check.sh\"|' \\\n"
		 "  -e 's|\"resources\": {|\"resources\": { \"memory\": { \"limit\": 268435456 },|' "
		 "%s config.json\n"
		 "! grep -q vprocfs config.json\n"
		 "cp -p config.json config.orig\n",
		 work, check, oci_runtime(), extra_sed ? extra_sed : "");
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "bundle:\n%s", out);
}

static const char check_script[] =
	"head -1 /proc/meminfo\n"
	"grep -E ' /(proc/meminfo|sys/devices/system/cpu) ' /proc/self/mountinfo\n"
	"echo x 2>/dev/null > /proc/meminfo || echo WRITE-REFUSED";

/* Mount lines of vprocfs in out, each asserted read-only. */
static int vprocfs_mounts(const char *out)
{
	int mounts = 0;

	for (const char *p = out; (p = strstr(p, " - fuse.vprocfs ")); p++) {
		const char *line = p;

		while (line > out && line[-1] != '\n')
			line--;
		cr_assert(strstr(line, " ro,") && strstr(line, " ro,") < p, "not read-only:\n%s", out);
		mounts++;
	}
	return mounts;
}

/* The file's text with all white space removed, malloc()ed. */
static char *squeezed(const char *path)
{
	static char raw[1 << 18];
	ssize_t n = read_whole(path, raw, sizeof(raw) - 1);
	char *s, *o;

	cr_assert_geq(n, 0, "%s: %s", path, strerror((int)-n));
	raw[n] = '\0';
	s = o = malloc((size_t)n + 1);
	cr_assert_not_null(s);
	for (const char *p = raw; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			*o++ = *p;
	*o = '\0';
	return s;
}

Test(shim, run_adds_the_hook_and_the_container_sees_its_limit)
{
	char script[4096], out[16384], want[512], path[128], *config;

	require_runtime();
	make_shim_bundle(check_script, NULL);
	/* From another directory with -b; then again from the bundle without it (the current
	 * directory): the hook is there already. */
	snprintf(script, sizeof(script),
		 "set -e; cd /; %s '%s' --root '%s/state' run -b '%s/bundle' vprocfs-shim-%d-1\n"
		 "cp -p '%s/bundle/config.json' '%s/config.after'\n"
		 "echo '== AGAIN =='\n"
		 "cd '%s/bundle'; %s '%s' --root '%s/state' run --no-new-keyring vprocfs-shim-%d-1\n"
		 "cmp config.json ../config.after && echo SAME-CONFIG\n"
		 "ls -a | grep -c vprocfs- || echo NO-TEMP-FILES\n",
		 env(d.mnt, "", oci_runtime()), shim, work, work, (int)getpid(), work, work, work,
		 env(d.mnt, "", oci_runtime()), shim, work, (int)getpid());
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "shim or %s failed:\n%s", oci_runtime(), out);
	cr_assert(strstr(out, "MemTotal:         262144 kB"), "container saw:\n%s", out);
	cr_assert(strstr(out, "WRITE-REFUSED"), "%s", out);
	cr_assert_eq(vprocfs_mounts(out), 4, "two mounts in each of the two runs:\n%s", out);
	cr_assert(strstr(out, "vprocfs-runc: run vprocfs-shim-"), "no decision logged:\n%s", out);
	cr_assert(strstr(out, "hook added to hooks.createRuntime"), "%s", out);
	cr_assert(strstr(out, "no seccomp socket configured"), "%s", out);
	cr_assert(strstr(strstr(out, "== AGAIN =="), "hook is in hooks.createRuntime already"), "%s",
		  out);
	cr_assert(strstr(out, "SAME-CONFIG") && strstr(out, "NO-TEMP-FILES"), "%s", out);
	/* The hook, with this daemon's mount point; nothing about seccomp. */
	snprintf(path, sizeof(path), "%s/bundle/config.json", work);
	config = squeezed(path);
	snprintf(want, sizeof(want),
		 "\"hooks\":{\"createRuntime\":[{\"path\":\"%s\",\"args\":[\"vprocfs-oci-hook\","
		 "\"%s\"]}]}",
		 hook, d.mnt);
	cr_assert(strstr(config, want), "%s not in:\n%s", want, config);
	cr_assert_null(strstr(config, "listenerPath"), "%s", config);
	free(config);
	test_finish(&d);
}

Test(shim, opt_out_changes_nothing)
{
	char script[4096], out[16384];

	require_runtime();
	make_shim_bundle(check_script,
		    "-e 's|\"ociVersion\": \"\\([^\"]*\\)\",|\"ociVersion\": \"\\1\", "
		    "\"annotations\": { \"io.vprocfs.disable\": \"true\" },|'");
	snprintf(script, sizeof(script),
		 "set -e; cd /; %s '%s' --root '%s/state' run --bundle='%s/bundle' vprocfs-shim-%d-2\n"
		 "cmp '%s/bundle/config.json' '%s/bundle/config.orig' && echo UNTOUCHED\n",
		 env(d.mnt, "", oci_runtime()), shim, work, work, (int)getpid(), work, work);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "opted out"), "%s", out);
	cr_assert(strstr(out, "UNTOUCHED"), "%s", out);
	cr_assert_eq(vprocfs_mounts(out), 0, "%s", out);
	cr_assert(strstr(out, "MemTotal:") && !strstr(out, "MemTotal:         262144 kB"), "%s", out);
	test_finish(&d);
}

Test(shim, without_vprocfs_the_container_runs_with_the_hosts_files)
{
	char script[4096], out[16384], empty[128];

	require_runtime();
	make_shim_bundle(check_script, NULL);
	snprintf(empty, sizeof(empty), "%s/empty", work);
	snprintf(script, sizeof(script),
		 "set -e; cd /; %s '%s' --root '%s/state' run -b '%s/bundle' vprocfs-shim-%d-3\n"
		 "cmp '%s/bundle/config.json' '%s/bundle/config.orig' && echo UNTOUCHED\n",
		 env(empty, "", oci_runtime()), shim, work, work, (int)getpid(), work, work);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "vprocfs is not mounted on"), "%s", out);
	cr_assert(strstr(out, "UNTOUCHED"), "%s", out);
	cr_assert_eq(vprocfs_mounts(out), 0, "%s", out);
	cr_assert(strstr(out, "MemTotal:") && !strstr(out, "MemTotal:         262144 kB"), "%s", out);
	test_finish(&d);
}

/* ---- against the stub runtime ------------------------------------------------------------ */

/* A seccomp agent's socket that accepts and closes (the daemon's agent is not needed to check
 * what the runtime is handed). */
static void *accept_and_close(void *arg)
{
	int fd = (int)(long)arg;

	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
		else if (errno != EINTR)
			return NULL;
	}
}

static void make_socket(const char *path, bool listening)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pthread_t t;

	cr_assert_geq(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind %s: %s", path,
		     strerror(errno));
	if (!listening) {
		close(fd); /* a stale socket file: connect() is refused */
		return;
	}
	cr_assert_eq(listen(fd, 16), 0);
	cr_assert_eq(pthread_create(&t, NULL, accept_and_close, (void *)(long)fd), 0);
	pthread_detach(t);
}

/* A minimal bundle for the stub: runc's spec only (no rootfs needed), mode 0640. */
static void stub_bundle(void)
{
	char script[512], out[2048];

	snprintf(script, sizeof(script),
		 "set -e; cd '%s/bundle'; rm -f config.json\n"
		 "runc spec 2>/dev/null || crun spec 2>/dev/null ||\n"
		 "  echo '{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, "
		 "\"linux\": {}}' > config.json\n"
		 "chmod 0640 config.json; cp -p config.json config.orig; rm -f ../stub.*\n",
		 work);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
}

Test(shim, create_hands_sysinfo_to_the_seccomp_agent)
{
	char script[4096], out[8192], sock[128], stub[128], path[128], want[512], *config, *argv,
		log[4096];
	struct stat st;

	stub_bundle();
	snprintf(sock, sizeof(sock), "%s/agent.sock", work);
	snprintf(stub, sizeof(stub), "%s/stub-runtime", work);
	make_socket(sock, true);
	snprintf(script, sizeof(script),
		 "cd /; %s '%s' --root '%s/state' --log '%s/runc.log' --log-format json create "
		 "--bundle '%s/bundle' --pid-file '%s/pid' --console-socket '%s/cs' vprocfs-shim-%d\n"
		 "echo rc=$?; ls -a '%s/bundle'\n",
		 env(d.mnt, sock, stub), shim, work, work, work, work, work, (int)getpid(), work);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "rc=0"), "%s", out);
	cr_assert_null(strstr(out, ".vprocfs-"), "a temporary file was left:\n%s", out);
	/* Given --log, the decisions go to the runtime's log, in its format, not to stderr
	 * (which containerd makes the container's own). */
	cr_assert_null(strstr(out, "vprocfs-runc:"), "%s", out);
	snprintf(path, sizeof(path), "%s/runc.log", work);
	cr_assert_gt(read_whole(path, log, sizeof(log) - 1), 0);
	snprintf(want, sizeof(want),
		 "{\"level\":\"info\",\"msg\":\"vprocfs-runc: create vprocfs-shim-%d: no seccomp "
		 "profile: added an allow-by-default one that sends sysinfo to %s\",\"time\":\"",
		 (int)getpid(), sock);
	cr_assert(strstr(log, want), "%s not in:\n%s", want, log);

	/* The runtime got the command line verbatim ... */
	snprintf(path, sizeof(path), "%s/stub.argv", work);
	argv = squeezed(path);
	snprintf(want, sizeof(want),
		 "--root%s/state--log%s/runc.log--log-formatjsoncreate--bundle%s/bundle--pid-file"
		 "%s/pid--console-socket%s/csvprocfs-shim-%d",
		 work, work, work, work, work, (int)getpid());
	cr_assert_str_eq(argv, want);
	free(argv);
	/* ... and a config.json whose sysinfo goes to the agent, with the hook. */
	snprintf(path, sizeof(path), "%s/stub.config", work);
	config = squeezed(path);
	snprintf(want, sizeof(want), "\"listenerPath\":\"%s\",\"listenerMetadata\":\"vprocfs\"", sock);
	cr_assert(strstr(config, want), "%s not in:\n%s", want, config);
	cr_assert(strstr(config, "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\""), "%s", config);
	cr_assert(strstr(config, "\"syscalls\":[{\"names\":[\"sysinfo\"],\"action\":"
				 "\"SCMP_ACT_NOTIFY\"}]"),
		  "%s", config);
#if defined(__x86_64__)
	cr_assert(strstr(config, "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
				 "\"SCMP_ARCH_X32\"]"),
		  "%s", config);
#endif
	snprintf(want, sizeof(want), "{\"path\":\"%s\",\"args\":[\"vprocfs-oci-hook\",\"%s\"]}", hook,
		 d.mnt);
	cr_assert(strstr(config, want), "%s not in:\n%s", want, config);
	free(config);
	/* Written in place with its mode. */
	snprintf(path, sizeof(path), "%s/bundle/config.json", work);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
	test_finish(&d);
}

Test(shim, a_socket_nobody_listens_on_is_not_used)
{
	char script[2048], out[4096], sock[128], stub[128], path[128], want[512], *config;

	stub_bundle();
	snprintf(sock, sizeof(sock), "%s/stale.sock", work);
	snprintf(stub, sizeof(stub), "%s/stub-runtime", work);
	make_socket(sock, false);
	snprintf(script, sizeof(script),
		 "%s '%s' --log '%s/text.log' create -b '%s/bundle' c1; echo rc=$?\n"
		 "%s '%s' create -b '%s/bundle' c1; echo rc=$?\n",
		 env(d.mnt, sock, stub), shim, work, work, env(d.mnt, "/nonexistent.sock", stub), shim,
		 work);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert_null(strstr(out, "does not answer"), "%s", out);
	/* The runtime's log in its text format (logrus's). */
	snprintf(path, sizeof(path), "%s/text.log", work);
	config = squeezed(path);
	snprintf(want, sizeof(want), "level=infomsg=\"vprocfs-runc:createc1:seccompagentat%s", sock);
	cr_assert(strstr(config, want) && strstr(config, "doesnotanswer"), "%s", config);
	free(config);
	cr_assert(strstr(out, "no seccomp agent at /nonexistent.sock"), "%s", out);
	snprintf(path, sizeof(path), "%s/stub.config", work);
	config = squeezed(path);
	cr_assert_null(strstr(config, "seccomp"), "%s", config);
	cr_assert(strstr(config, "vprocfs-oci-hook"), "%s", config);
	free(config);
	test_finish(&d);
}

Test(shim, other_commands_pass_straight_through)
{
	char script[2048], out[4096], stub[128], path[128], *argv;

	stub_bundle();
	snprintf(stub, sizeof(stub), "%s/stub-runtime", work);
	snprintf(script, sizeof(script),
		 "cd '%s/bundle'; %s '%s' --root /r exec -t c1 sh -c 'echo run create'; echo rc=$?\n"
		 "cmp config.json config.orig && echo UNTOUCHED\n",
		 work, env(d.mnt, "", stub), shim);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "rc=0") && strstr(out, "UNTOUCHED"), "%s", out);
	cr_assert_null(strstr(out, "vprocfs-runc:"), "other commands are not logged:\n%s", out);
	snprintf(path, sizeof(path), "%s/stub.argv", work);
	cr_assert_eq(read_whole(path, out, sizeof(out) - 1) > 0, true);
	argv = out;
	cr_assert(strstr(argv, "--root\n/r\nexec\n-t\nc1\nsh\n-c\necho run create\n") == argv,
		  "argv:\n%s", argv);
	/* --help of create: the runtime's own help, nothing edited. */
	snprintf(script, sizeof(script),
		 "cd '%s/bundle'; %s '%s' create --help; cmp config.json config.orig && echo UNTOUCHED\n",
		 work, env(d.mnt, "", stub), shim);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "UNTOUCHED"), "%s", out);
	test_finish(&d);
}

Test(shim, runtime_found_in_path_skipping_the_shim)
{
	char script[2048], out[4096];

	stub_bundle();
	/* bin1/runc is the shim itself (installed as runc), bin2/runc the stub: the shim must
	 * run bin2's. A runtime that is the shim itself is refused, not looped into. */
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'; mkdir -p bin1 bin2; ln -sf '%s' bin1/runc; cp stub-runtime bin2/runc\n"
		 "VPROCFS_RUNC_CONF='%s/empty.conf' VPROCFS_MOUNTPOINT='%s/empty' "
		 "PATH='%s/bin1:%s/bin2:/usr/bin:/bin' runc create -b bundle c1\n"
		 "test -s stub.argv && echo STUB-RAN\n"
		 "VPROCFS_RUNC_CONF='%s/empty.conf' VPROCFS_RUNTIME='%s/bin1/runc' '%s' --version "
		 "|| echo rc=$?\n",
		 work, shim, work, work, work, work, work, work, shim);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "STUB-RAN"), "%s", out);
	cr_assert(strstr(out, "is this shim itself") && strstr(out, "rc=127"), "%s", out);
	test_finish(&d);
}

Test(shim, config_file_below_the_environment)
{
	char script[2048], out[4096], path[128], want[512], *config, *log;

	stub_bundle();
	/* The file names the runtime, a hook that the environment overrides, and a log. */
	snprintf(script, sizeof(script),
		 "set -e; cd '%s'\n"
		 "printf 'runtime = %s/stub-runtime\\nhook = /nonexistent/hook  # overridden\\n"
		 "log = %s/shim.log\\nmountpoint = %s\\nseccomp_socket =\\nbogus = 1\\n' > runc.conf\n"
		 "VPROCFS_RUNC_CONF=runc.conf VPROCFS_HOOK='%s' '%s' create --bundle bundle c1\n",
		 work, work, work, d.mnt, hook, shim);
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "runc.conf: line 6: unknown key 'bogus'"), "%s", out);
	snprintf(path, sizeof(path), "%s/stub.config", work);
	config = squeezed(path);
	snprintf(want, sizeof(want), "{\"path\":\"%s\",\"args\":[\"vprocfs-oci-hook\",\"%s\"]}", hook,
		 d.mnt);
	cr_assert(strstr(config, want), "%s not in:\n%s", want, config);
	cr_assert_null(strstr(config, "seccomp"), "%s", config);
	free(config);
	snprintf(path, sizeof(path), "%s/shim.log", work);
	log = squeezed(path);
	cr_assert(strstr(log, "vprocfs-runc[") && strstr(log, "createc1:hookadded"), "log:\n%s", log);
	free(log);
	test_finish(&d);
}

/* With the daemon's own agent (the harness starts it on <mount point>.sc): busybox free, which
 * asks sysinfo(2), sees the container's 256 MiB. */
Test(shim, run_with_the_daemons_seccomp_agent)
{
	char script[4096], out[16384], sock[300], *squeeze;
	struct stat st;

	require_runtime();
	snprintf(sock, sizeof(sock), "%s.sc", d.mnt);
	if (stat(sock, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "\n*** SKIPPED shim seccomp test: the daemon has no agent at %s ***\n\n",
			sock);
		cr_skip_test("SKIPPED: no seccomp agent at %s", sock);
	}
	make_shim_bundle("free | grep Mem:\nhead -1 /proc/meminfo", NULL);
	snprintf(script, sizeof(script),
		 "set -e; cd /; %s '%s' --root '%s/state' run -b '%s/bundle' vprocfs-shim-%d-1\n",
		 env(d.mnt, sock, oci_runtime()), shim, work, work, (int)getpid());
	cr_assert_eq(sh(script, out, sizeof(out)), 0, "%s", out);
	cr_assert(strstr(out, "sends sysinfo to"), "%s", out);
	cr_assert(strstr(out, "MemTotal:         262144 kB"), "%s", out);
	squeeze = out;
	for (char *p = out; *p; p++)
		if (*p != ' ')
			*squeeze++ = *p;
	*squeeze = '\0';
	cr_assert(strstr(out, "Mem:262144"), "free did not see 256 MiB:\n%s", out);
	test_finish(&d);
}
