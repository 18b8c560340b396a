/* fs/: the only code that speaks FUSE. The daemon's whole state lives in one struct, handed
 * to libfuse as userdata. */
#ifndef VP_FS_DAEMON_H
#define VP_FS_DAEMON_H

#define FUSE_USE_VERSION 31

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup/caller.h"
#include "cgroup/cgroup.h"
#include "util/strbuf.h"

struct fs_handle;

struct vp_daemon {
	struct cg_layout layout;
	struct cg_nscache *ns;
	int meminfo_fd; /* the host's /proc/meminfo, read with pread() */
	struct timespec started;
	/* Open file handles, so that those whose RELEASE never came (the daemon stopped with
	 * releases still queued) are freed at exit. */
	pthread_mutex_t handles_lock;
	struct fs_handle *handles;
};

/* A file vprocfs serves: renders the file for the caller with TID tid into out. */
typedef int (*fs_render_fn)(struct vp_daemon *d, pid_t tid, struct strbuf *out);

int fs_render_meminfo(struct vp_daemon *d, pid_t tid, struct strbuf *out);

/* Nodes have fixed inode numbers: a restarted daemon that takes over a live FUSE connection
 * (a later feature) must answer for the inodes the kernel already knows. Never renumber. */
enum {
	FS_INO_ROOT = 1, /* FUSE_ROOT_ID */
	FS_INO_PROC = 2,
	FS_INO_PROC_MEMINFO = 3,
};

struct fs_node {
	fuse_ino_t ino;
	fuse_ino_t parent;
	const char *name;
	fs_render_fn render; /* NULL for directories */
};

const struct fs_node *fs_node_get(fuse_ino_t ino);
const struct fs_node *fs_node_child(fuse_ino_t parent, const char *name);
/* Iterate children of parent: *cursor starts at 0. */
const struct fs_node *fs_node_next_child(fuse_ino_t parent, size_t *cursor);

extern const struct fuse_lowlevel_ops fs_ops;

/* Serve requests with nthreads workers until SIGINT/SIGTERM/SIGHUP or unmount. */
int fs_loop_run(struct fuse_session *se, unsigned nthreads);

int vp_daemon_init(struct vp_daemon *d);
/* Free every handle still open (at exit). */
void fs_handles_free_all(struct vp_daemon *d);
void vp_daemon_done(struct vp_daemon *d);

/* Mount point housekeeping: -EBUSY when a live vprocfs serves mountpoint; a stale one (its
 * daemon died) is detached. */
int fs_clear_stale_mount(const char *mountpoint, char *msg, size_t msgsz);

#endif
