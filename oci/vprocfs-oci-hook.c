/*
 * vprocfs-oci-hook [MOUNTPOINT]: an OCI createRuntime hook that bind-mounts the files vprocfs
 * serves (MOUNTPOINT, default /var/lib/vprocfs) over the container's /proc/... and
 * /sys/devices/system/cpu/..., read-only. The files mounted are the container's own (bound)
 * ones, MOUNTPOINT/.by-pid/PID/... for the container's pid; which files: the rows of the
 * served-file table (core/table.c) marked for mounting.
 *
 * vprocfs-oci-hook --cdi [MOUNTPOINT [HOOKPATH]] prints a CDI spec (for /etc/cdi) whose device
 * runs this hook (HOOKPATH, default this binary) as a createRuntime hook: the same mounts.
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
 * Rows marked v2_only (/proc/pressure) that the daemon does not serve on this host (LOOKUP
 * ENOENT: cgroups are not v2) are skipped without a word.
 * The block tree's row (/sys/class/block) is not one mount but one per device: the stat file
 * of each device the daemon lists, over the container's /sys/class/block/NAME/stat (a
 * device added later keeps the host's file in containers started before).
 * Idempotent: a target that already is a vprocfs file is left alone. Single-threaded, as
 * setns(CLONE_NEWNS) requires.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "core/table.h"
#include "oci/oci-spec.h"

#define DEFAULT_MOUNTPOINT "/var/lib/vprocfs"
#define FUSE_SUPER_MAGIC 0x65735546
#define STATE_MAX (1 << 20)

/* The table's rows, and the block tree's stat files: at most BLOCK_MAX devices (more are
 * left with the host's files, and said so). */
#define BLOCK_MAX 256
#define MAX_MOUNTS (64 + BLOCK_MAX)
#define BLOCK_STAT_NAME "stat"

/* One mount: path relative to the view's root and to the container's root alike. */
struct mnt {
	char path[128];
	bool dir, v2_only;
};

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

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text;

	if (!f)
		return NULL;
	text = slurp(f);
	fclose(f);
	return text;
}

static bool is_vprocfs(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC;
}

/* What to mount, in table order (hook_only rows too: the hook attaches its mounts after
 * runc's check of config.json mounts). The block tree's row: the stat file of each device
 * the view lists (the host's, the daemon's /proc/diskstats order), each on its own over
 * the container's /sys/class/block/NAME/stat, which resolves into /sys/devices: the rest of
 * the device's sysfs (lsblk's size, queue, holders) stays the container's. view: the
 * container's view directory (MOUNTPOINT/.by-pid/PID). */
static size_t mounts(const char *view, struct mnt *m)
{
	size_t n = 0, nblock = 0, skipped = 0;
	char path[8192];

	for (size_t i = 0; i < vp_nentries && n < MAX_MOUNTS; i++) {
		const struct vp_entry *e = &vp_entries[i];
		struct dirent *de;
		DIR *d;

		if (!e->mount)
			continue;
		if (e->tree != VP_TREE_BLOCK) {
			snprintf(m[n].path, sizeof(m[n].path), "%s", e->path);
			m[n].dir = e->file < 0;
			m[n++].v2_only = e->v2_only;
			continue;
		}
		d = snprintf(path, sizeof(path), "%s/%s", view, e->path) < (int)sizeof(path)
			    ? opendir(path)
			    : NULL;
		if (!d) {
			say("%s: %s", path, strerror(errno));
			continue;
		}
		while ((de = readdir(d)) && n < MAX_MOUNTS) {
			if (de->d_name[0] == '.')
				continue;
			if (nblock == BLOCK_MAX ||
			    strlen(e->path) + strlen(de->d_name) + sizeof(BLOCK_STAT_NAME) + 2 >
				    sizeof(m[n].path)) {
				skipped++;
				continue;
			}
			if (snprintf(m[n].path, sizeof(m[n].path), "%s/%s/" BLOCK_STAT_NAME, e->path,
				     de->d_name) >= (int)sizeof(m[n].path)) {
				skipped++;
				continue;
			}
			m[n].dir = m[n].v2_only = false;
			n++;
			nblock++;
		}
		closedir(d);
		if (skipped)
			say("%zu block devices past the first %d keep the host's stat files", skipped,
			    BLOCK_MAX);
	}
	return n;
}

/* The CDI spec: a createRuntime hook, this hook, for every container given the device. Not
 * the files as CDI mounts: a mount's source path is resolved by whichever process the
 * runtime resolves it in, and the symlinks under MOUNTPOINT resolve for that process (under
 * load, podman once mounted another view than the container's); the hook asks for the
 * container's own, by pid. */
static int print_cdi(const char *mnt, const char *hook)
{
	char self[4096];

	if (!hook) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n <= 0) {
			say("--cdi: cannot tell my own path: %s", strerror(errno));
			return 1;
		}
		self[n] = '\0';
		hook = self;
	}
	printf("{\n  \"cdiVersion\": \"0.5.0\",\n  \"kind\": \"vprocfs.io/proc\",\n"
	       "  \"devices\": [\n    {\n      \"name\": \"all\",\n      \"containerEdits\": {\n"
	       "        \"hooks\": [\n"
	       "          {\"hookName\": \"createRuntime\", \"path\": \"%s\", "
	       "\"args\": [\"vprocfs-oci-hook\", \"%s\"]}\n"
	       "        ]\n      }\n    }\n  ]\n}\n",
	       hook, mnt);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mnt;
	static struct mnt m[MAX_MOUNTS];
	size_t nm = 0, absent = 0;
	struct oci_state state;
	bool config_opt_out = false;
	char *text, rootfs[4096], path[8192];
	int clone[MAX_MOUNTS], nsfd, done = 0, r;

	if (argc > 1 && strcmp(argv[1], "--cdi") == 0)
		return print_cdi(argc > 2 ? argv[2] : DEFAULT_MOUNTPOINT, argc > 3 ? argv[3] : NULL);
	mnt = argc > 1 ? argv[1] : DEFAULT_MOUNTPOINT;

	text = slurp(stdin);
	r = text ? oci_parse_state(text, &state) : -ENOMEM;
	free(text);
	if (r < 0) {
		say("no usable OCI state on stdin: nothing done");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/config.json", state.bundle);
	text = read_file(path);
	r = text ? oci_parse_config(text, state.bundle, rootfs, sizeof(rootfs), &config_opt_out)
		 : -errno;
	free(text);
	if (r < 0) {
		say("%s: %s: nothing done", path,
		    r == -EINVAL ? "not JSON or no root.path" : strerror(-r));
		goto out;
	}
	if (state.opted_out || config_opt_out) {
		say("container %s opted out (%s)", state.id, OCI_OPT_OUT);
		goto out;
	}

	/* Clone each of the container's files as a detached, read-only mount, here in the
	 * host's view. The daemon resolves PID once, to the container's view. */
	snprintf(path, sizeof(path), "%s/" ".by-pid" "/%d", mnt, state.pid);
	if (!is_vprocfs(mnt) || access(path, R_OK) != 0) {
		say("vprocfs on %s has no view of pid %d (%s): container %s starts with the "
		    "host's files", mnt, state.pid, strerror(errno), state.id);
		goto out;
	}
	nm = mounts(path, m);
	for (size_t i = 0; i < nm; i++) {
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
						      MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};

		clone[i] = -1;
		if (snprintf(path, sizeof(path), "%s/.by-pid/%d/%s", mnt, state.pid, m[i].path) >=
		    (int)sizeof(path)) {
			say("%s/.by-pid/%d/%s: name too long", mnt, state.pid, m[i].path);
			continue;
		}
		clone[i] = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (clone[i] >= 0 &&
		    syscall(SYS_mount_setattr, clone[i], "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
			say("%s: cannot make read-only: %s", path, strerror(errno));
			close(clone[i]);
			clone[i] = -1;
		} else if (clone[i] < 0 && errno == ENOENT && m[i].v2_only) {
			absent++; /* not served on this host */
		} else if (clone[i] < 0) {
			say("%s: %s", path, strerror(errno));
		}
	}

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", state.pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNS) < 0) {
		say("cannot enter the mount namespace of pid %d: %s: nothing done", state.pid,
		    strerror(errno));
		for (size_t i = 0; i < nm; i++)
			if (clone[i] >= 0)
				close(clone[i]);
		goto out;
	}
	close(nsfd);
	for (size_t i = 0; i < nm; i++) {
		struct stat st;
		bool dir = m[i].dir;

		if (clone[i] < 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", rootfs, m[i].path) >= (int)sizeof(path) ||
		    stat(path, &st) != 0 || (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
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
	say("container %s: %d of %zu files from %s", state.id, done, nm - absent, mnt);
out:
	oci_state_done(&state);
	return 0;
}
