/* Mount point housekeeping at start-up: a vprocfs left mounted by a daemon that died answers
 * every access with ENOTCONN; detach it. A live one means another daemon serves there. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fs/daemon.h"
#include "util/cleanup.h"
#include "util/fileio.h"

/* Undo mountinfo's octal escapes (\040 for space...) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (char *p = s; *p;) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*w++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 4;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
}

/* The fstype of the topmost mount on exactly `path`, or NULL (malloc()ed). */
static int top_mount_type(const char *path, char **ret)
{
	struct strbuf sb = STRBUF_INIT;
	char *line, *save = NULL, *found = NULL;
	int r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", &sb);

	if (r < 0)
		return r;
	for (line = strtok_r(sb.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *p = line, *sep;
		int i;

		for (i = 0; i < 5; i++) {
			f[i] = strsep(&p, " ");
			if (!f[i] || !p)
				break;
		}
		if (i < 5 || !p)
			continue;
		sep = strstr(p, " - ");
		if (!sep)
			continue;
		unescape(f[4]);
		if (strcmp(f[4], path) != 0)
			continue;
		sep += 3;
		free(found);
		found = strndup(sep, strcspn(sep, " "));
		if (!found) {
			sb_release(&sb);
			return -ENOMEM;
		}
	}
	sb_release(&sb);
	*ret = found;
	return 0;
}

/* statfs() a FUSE mount in a child, so that an unresponsive daemon cannot hang us. Returns 0
 * if it answered, -ENOTCONN if dead, -ETIMEDOUT if no answer within 2 s. */
static int probe_mount(const char *path)
{
	struct timespec step = {0, 10 * 1000 * 1000};
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct statfs sf;

		/* statfs() always reaches the daemon; stat() may be answered from the attr cache. */
		_exit(statfs(path, &sf) == 0 ? 0 : errno == ENOTCONN ? 1 : 2);
	}
	for (int i = 0; i < 200; i++) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0   ? 0
			       : WIFEXITED(status) && WEXITSTATUS(status) == 1 ? -ENOTCONN
									   : -EIO;
		nanosleep(&step, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

int fs_clear_stale_mount(const char *mountpoint, char *msg, size_t msgsz)
{
	for (int round = 0; round < 16; round++) {
		_cleanup_free_ char *type = NULL;
		int r = top_mount_type(mountpoint, &type);

		if (r < 0) {
			snprintf(msg, msgsz, "cannot read /proc/self/mountinfo: %s", strerror(-r));
			return r;
		}
		if (!type || strcmp(type, "fuse.vprocfs") != 0)
			return 0;
		r = probe_mount(mountpoint);
		if (r == 0) {
			snprintf(msg, msgsz,
				 "%s is already served by a running vprocfs; stop it first", mountpoint);
			return -EBUSY;
		}
		if (r == -ETIMEDOUT) {
			snprintf(msg, msgsz,
				 "%s is a vprocfs mount whose daemon does not answer (stopped?); "
				 "refusing to replace it",
				 mountpoint);
			return -EBUSY;
		}
		/* Dead (ENOTCONN) or broken: detach it; processes still holding it get errors. */
		if (umount2(mountpoint, MNT_DETACH) < 0) {
			r = -errno;
			snprintf(msg, msgsz, "cannot detach stale vprocfs mount on %s: %s", mountpoint,
				 strerror(-r));
			return r;
		}
		fprintf(stderr, "vprocfs: detached a stale vprocfs mount on %s\n", mountpoint);
	}
	snprintf(msg, msgsz, "too many stacked vprocfs mounts on %s", mountpoint);
	return -ELOOP;
}
