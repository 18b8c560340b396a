/* fs/: the only code that speaks FUSE. The daemon's whole state lives in one struct, handed
 * to libfuse as userdata. */
#ifndef VP_FS_DAEMON_H
#define VP_FS_DAEMON_H

#define FUSE_USE_VERSION 31

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "core/core.h"

struct fs_bound;

/*
 * Node ids.
 *   - Fixed nodes: the mount's root; ".by-pid", the root-only directory where the OCI hook
 *     asks for a container's files by a pid of it; ".v", where each bound view has a
 *     directory named by its slot; and a symlink for each top directory of the served-file
 *     table ("proc", "sys").
 *   - ".by-pid/PID" is a symlink too: node FS_INO_PIDLINK | PID.
 *   - Every other node belongs to one bound view (fs/bound.c): its id is
 *     ((slot + 1) << FS_NODE_BITS) | the node number of the served-file table (core/table.h;
 *     0 is the view's directory ".v/SLOT") or of the cpu tree (below 2^20), and
 *     FS_INO_WIDE | ((slot + 1) << 32) | node for the wider node numbers of the block tree
 *     (core/tree.h: 2^31 and up). The kernel keeps node ids across our restarts, and so do
 *     the slots (kept in the request journal's memfd).
 */
#define FS_INO_ROOT 1 /* FUSE_ROOT_ID */
#define FS_INO_BYPID 2
#define FS_INO_VIEWS 3
#define FS_INO_TOPLINK 16 /* + the table's node number of a top directory */
#define FS_BYPID_NAME ".by-pid"
#define FS_VIEWS_NAME ".v"
#define FS_INO_PIDLINK (UINT64_C(1) << 62)
#define FS_INO_WIDE (UINT64_C(1) << 61)
#define FS_NODE_BITS 20
#define FS_NODE_MASK ((UINT64_C(1) << FS_NODE_BITS) - 1)
#define FS_SLOT_MAX_INO (UINT64_C(1) << 40) /* narrow view node ids are below */
#define FS_WIDE_SLOT_MASK (UINT64_C(0x1fffffff) << 32)

static inline fuse_ino_t fs_ino(uint32_t slot, unsigned node)
{
	if (node > FS_NODE_MASK)
		return FS_INO_WIDE | ((fuse_ino_t)slot + 1) << 32 | node;
	return ((fuse_ino_t)slot + 1) << FS_NODE_BITS | node;
}

/* Whether ino is a view's node; then its slot and node number. */
static inline bool fs_ino_split(fuse_ino_t ino, uint32_t *slot, unsigned *node)
{
	if (ino < FS_SLOT_MAX_INO) {
		if (ino >> FS_NODE_BITS == 0)
			return false;
		*slot = (uint32_t)((ino >> FS_NODE_BITS) - 1);
		*node = (unsigned)(ino & FS_NODE_MASK);
		return true;
	}
	/* Wide: nothing but the class bit, a slot + 1 and a node number past FS_NODE_MASK. */
	if ((ino & ~(FS_WIDE_SLOT_MASK | UINT32_MAX)) != FS_INO_WIDE ||
	    !(ino & FS_WIDE_SLOT_MASK) || (uint32_t)ino <= FS_NODE_MASK)
		return false;
	*slot = (uint32_t)((ino & FS_WIDE_SLOT_MASK) >> 32) - 1;
	*node = (uint32_t)ino;
	return true;
}

/* Restart survival (fs/restart.c). */
struct vp_restart {
	bool notify;   /* NOTIFY_SOCKET is set: a service manager keeps our fds */
	bool attached; /* the session runs on an inherited /dev/fuse fd */
	int fuse_fd;   /* the inherited /dev/fuse fd, -1 */
	void *init;    /* the connection's raw INIT request */
	size_t init_len;
	uint64_t replay_unique;
	atomic_bool replaying, captured, stored;
	/* The request journal: a memfd kept in the store, one slot per worker holding the
	 * request it is serving, for a daemon that takes over on a kernel without
	 * FUSE_NOTIFY_RESEND (Linux < 6.9) to serve those again. */
	int journal_fd;
	unsigned char *journal;
	bool journal_inherited, journal_dups;
	/* The bound views' slots, in the same memfd (fs/bound.h); inherited: of this
	 * connection, kept by the previous daemon. */
	unsigned char *views;
	bool views_inherited;
	/* Inherited entries of the seccomp agent (names SC_FDNAME_PREFIX*), for it to adopt. */
	int *kept_fd;
	char **kept_name;
	size_t nkept;
};

void vp_restart_init(struct vp_restart *r);
void vp_restart_done(struct vp_restart *r);
/* Take the fds a previous daemon stored: 1 when both were inherited, 0 for a fresh start. */
int vp_restart_inherit(struct vp_restart *r);
/* Run session se on the inherited fd and replay INIT; *initialized is set by the init op. */
int vp_restart_attach(struct vp_restart *r, struct fuse_session *se, const bool *initialized);
/* The request journal (after vp_restart_inherit(), before any worker runs): the inherited
 * one, or a new one. */
int vp_restart_journal_open(struct vp_restart *r);
/* Worker slot starts serving buf / is done with it (no-ops without a journal or slot). */
void vp_restart_journal_begin(struct vp_restart *r, unsigned slot, const struct fuse_buf *buf);
void vp_restart_journal_end(struct vp_restart *r, unsigned slot);
/* Keep a copy of buf if it is the connection's INIT. */
void vp_restart_capture(struct vp_restart *r, const struct fuse_buf *buf);
/* Once INIT is known, under a service manager (no-op without NOTIFY_SOCKET): a fresh start
 * stores INIT, then fuse_fd; a takeover stores nothing, unless the store it inherited holds
 * duplicates or junk of ours, which it tidies to one entry of each (README "Restarts");
 * then READY=1. */
int vp_restart_store(struct vp_restart *r, int fuse_fd);
/* At exit under a service manager: is this a stop for good, or a restart? */
enum vp_stop_kind { VP_STOP_RESTART, VP_STOP_FINAL };
enum vp_stop_kind vp_restart_stop_kind(void);
/* Drop our fds from the service manager's store (before a final stop). */
void vp_restart_forget(void);
/* Keep fd in the service manager's store under name / drop every entry of that name (the
 * seccomp agent's fds); 0 / no-op without NOTIFY_SOCKET. */
int vp_restart_keep_fd(const char *name, int fd);
void vp_restart_unkeep(const char *name);

struct vp_daemon {
	struct vp_core *core;
	struct fs_bound *bound; /* the bound views and their files' snapshots */
	struct timespec started;
	struct vp_restart restart;
	bool initialized; /* the session saw INIT (first-hand or replayed) */
};

extern const struct fuse_lowlevel_ops fs_ops;

/* Serve requests with nthreads workers until SIGINT/SIGTERM/SIGHUP or unmount. Workers hand
 * the connection's INIT to rs and store the fds once it is processed. */
int fs_loop_run(struct fuse_session *se, unsigned nthreads, struct vp_restart *rs,
		void (*before_stop)(void *), void *before_arg);

/* Mount point housekeeping: -EBUSY when a live vprocfs serves mountpoint; a stale one (its
 * daemon died) is detached. */
int fs_clear_stale_mount(const char *mountpoint, char *msg, size_t msgsz);

#endif
