/*
 * vprocfs-oci-hook [MOUNTPOINT]: an OCI createRuntime hook that bind-mounts the files vprocfs
 * serves (MOUNTPOINT, default /var/lib/vprocfs) over the container's /proc/... and
 * /sys/devices/system/cpu/..., read-only.
 *
 * Runs after the runtime set up the container's mounts (its /proc and /sys are mounted under
 * the rootfs) and before pivot_root. Reads the OCI state on stdin (pid, bundle; status is not
 * relied upon: runc says "creating", crun "created"), and <bundle>/config.json for root.path
 * (relative to the bundle unless absolute) and annotations. Each served file is cloned as a
 * detached mount (open_tree(OPEN_TREE_CLONE)) in the hook's own mount namespace, made
 * read-only, nosuid, nodev, noexec (mount_setattr), and attached with move_mount() inside the
 * container's mount namespace (setns on /proc/PID/ns/mnt): bind mounts cannot take a source
 * from another namespace, detached clones can be attached anywhere (Linux 5.12+).
 *
 * Never fails a container: when vprocfs is not mounted, a target does not exist, or the
 * container opted out (annotation io.vprocfs.disable=true), it logs to stderr and exits 0.
 * Idempotent: a target that already is a vprocfs file is left alone. Single-threaded, as
 * setns(CLONE_NEWNS) requires.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define DEFAULT_MOUNTPOINT "/var/lib/vprocfs"
#define FUSE_SUPER_MAGIC 0x65735546
#define OPT_OUT "io.vprocfs.disable"
#define STATE_MAX (1 << 20)

static const char *const files[] = {
	"proc/meminfo", "proc/cpuinfo", "proc/stat", "proc/uptime", "proc/loadavg", "proc/swaps",
	"sys/devices/system/cpu/online", "sys/devices/system/cpu/possible",
	"sys/devices/system/cpu/present",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("vprocfs-oci-hook: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static char *slurp(FILE *f)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *nb = cap >= STATE_MAX ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static json_object *parse_file(const char *path)
{
	FILE *f = fopen(path, "re");
	json_object *o = NULL;
	char *text;

	if (!f)
		return NULL;
	text = slurp(f);
	fclose(f);
	if (text)
		o = json_tokener_parse(text);
	free(text);
	return o;
}

/* obj[key] as a string, or NULL. */
static const char *str_at(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool opted_out(json_object *obj)
{
	json_object *ann;
	const char *v;

	if (!obj || !json_object_object_get_ex(obj, "annotations", &ann))
		return false;
	v = str_at(ann, OPT_OUT);
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static bool is_vprocfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
}

int main(int argc, char **argv)
{
	const char *mnt = argc > 1 ? argv[1] : DEFAULT_MOUNTPOINT;
	json_object *state = NULL, *config = NULL;
	const char *bundle, *root;
	char *text, rootfs[4096], path[8192];
	int clone[NFILES], pid, nsfd, done = 0;
	json_object *pidobj;

	text = slurp(stdin);
	if (text)
		state = json_tokener_parse(text);
	free(text);
	if (!state || !json_object_object_get_ex(state, "pid", &pidobj) ||
	    (pid = json_object_get_int(pidobj)) <= 0 || !(bundle = str_at(state, "bundle"))) {
		say("no usable OCI state on stdin: nothing done");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	config = parse_file(path);
	if (!config) {
		say("cannot read %s: nothing done", path);
		return 0;
	}
	if (opted_out(state) || opted_out(config)) {
		say("container %s opted out (%s)", str_at(state, "id") ? str_at(state, "id") : "?",
		    OPT_OUT);
		return 0;
	}
	{
		json_object *r;

		root = json_object_object_get_ex(config, "root", &r) ? str_at(r, "path") : NULL;
	}
	if (!root) {
		say("config.json has no root.path: nothing done");
		return 0;
	}
	if (root[0] == '/')
		snprintf(rootfs, sizeof(rootfs), "%s", root);
	else
		snprintf(rootfs, sizeof(rootfs), "%s/%s", bundle, root);

	/* Clone each served file as a detached, read-only mount, here in the host's view. */
	snprintf(path, sizeof(path), "%s/proc/meminfo", mnt);
	if (!is_vprocfs(mnt) || access(path, R_OK) != 0) {
		say("vprocfs is not mounted on %s: container %s starts with the host's files", mnt,
		    str_at(state, "id") ? str_at(state, "id") : "?");
		return 0;
	}
	for (size_t i = 0; i < NFILES; i++) {
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};

		snprintf(path, sizeof(path), "%s/%s", mnt, files[i]);
		clone[i] = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (clone[i] >= 0 &&
		    syscall(SYS_mount_setattr, clone[i], "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
			say("%s: cannot make read-only: %s", path, strerror(errno));
			close(clone[i]);
			clone[i] = -1;
		} else if (clone[i] < 0) {
			say("%s: %s", path, strerror(errno));
		}
	}

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNS) < 0) {
		say("cannot enter the mount namespace of pid %d: %s: nothing done", pid, strerror(errno));
		return 0;
	}
	close(nsfd);
	for (size_t i = 0; i < NFILES; i++) {
		struct stat st;

		if (clone[i] < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", rootfs, files[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			/* No such file in this container (no /sys mounted, say): skip it. */
		} else if (is_vprocfs(path)) {
			done++; /* already there: idempotent */
		} else if (syscall(SYS_move_mount, clone[i], "", AT_FDCWD, path,
				   MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			say("%s: %s", path, strerror(errno));
		} else {
			done++;
		}
		close(clone[i]);
	}
	say("container %s: %d of %zu files from %s", str_at(state, "id") ? str_at(state, "id") : "?",
	    done, NFILES, mnt);
	json_object_put(state);
	json_object_put(config);
	return 0;
}
