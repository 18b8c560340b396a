/* The integration harness's OCI bundles: a busybox rootfs with the hook (harness.h). */
#include "harness.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *oci_runtime(void)
{
	const char *r = getenv("VPROCFS_OCI_RUNTIME");

	return r && *r ? r : "runc";
}

void make_bundle(const char *work, const char *name, int limit_mb, const char *mnt,
		 const char *sc_socket, const char *script)
{
	char cmd[8192], out[8192], hook[512], seccomp[512] = "";

	snprintf(hook, sizeof(hook),
		 "{ \"path\": \"%s\", \"args\": [ \"vprocfs-oci-hook\", \"%s\" ] }",
		 getenv("VPROCFS_HOOK"), mnt);
	if (sc_socket)
		snprintf(seccomp, sizeof(seccomp),
			 "  -e '0,/\"linux\": {/s||\"linux\": { \"seccomp\": { \"defaultAction\": "
			 "\"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\", \"listenerMetadata\": "
			 "\"vprocfs\", \"syscalls\": [ { \"names\": [ \"sysinfo\" ], \"action\": "
			 "\"SCMP_ACT_NOTIFY\" } ] },|' \\\n",
			 sc_socket);
	snprintf(cmd, sizeof(cmd),
		 "set -e; mkdir -p '%s/state' '%s/%s/rootfs/bin'; cd '%s/%s'\n"
		 "cp /bin/busybox rootfs/bin/; cp '%s' rootfs/bin/probe\n"
		 "for t in sh cat grep head echo free uptime sleep seq; do "
		 "ln -sf busybox rootfs/bin/$t; done\n"
		 "cat > rootfs/check.sh <<'EOF'\n%s\nEOF\n"
		 "%s spec\n"
		 "sed -i -e 's/\"terminal\": true/\"terminal\": false/' \\\n"
		 "  -e 's|\"sh\"$|\"sh\", \"/check.sh\"|' \\\n"
		 "  -e 's|\"readonly\": true|\"readonly\": false|' \\\n"
		 "  -e 's|\"resources\": {|\"resources\": { \"memory\": { \"limit\": %d },|' \\\n"
		 "%s"
		 "  -e 's|\"ociVersion\": \"\\([^\"]*\\)\",|\"ociVersion\": \"\\1\", \"hooks\": { "
		 "\"createRuntime\": [ %s ] },|' config.json\n",
		 work, work, name, work, name, getenv("VPROCFS_PROBE"), script, oci_runtime(),
		 limit_mb << 20, seccomp, hook);
	cr_assert_eq(run_in_cgroup(NULL, cmd, out, sizeof(out)), 0, "bundle:\n%s", out);
}

int run_bundle(const char *work, const char *name, char *out, size_t outsz)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cd '%s/%s' && exec %s --root ../state run vp-si-%d-%s", work,
		 name, oci_runtime(), (int)getpid(), name);
	return run_in_cgroup(NULL, cmd, out, outsz);
}
