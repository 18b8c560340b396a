/*
 * Bound views: each view (core/core.h) that a LOOKUP handed out gets a slot, and every node
 * of its tree (core/table.h) an inode of its own: files that belong to one container, served
 * through the page cache with real sizes (see fs/ops.c and README "Bound files").
 *
 * Slots live in a shared memory region (the request journal's memfd, kept in the service
 * manager's fd store), so that a daemon that takes the connection over knows which view
 * each node id the kernel holds belongs to. A slot is reused only after the kernel forgot
 * every node of it (FORGET): a node id never changes its view while the kernel holds it.
 *
 * Snapshots. A file's content is a snapshot rendered for its view. The kernel learns its
 * size from LOOKUP and GETATTR replies (attr timeout FS_ATTR_MS) and fills its page cache
 * with READ; it asks again after FS_ATTR_MS for read(2)ers (auto_inval_data). sendfile(2)
 * and mmap readers never make the kernel ask: FS_EXPIRE_MS after the snapshot the kernel
 * holds was rendered, the daemon drops the node's pages and attributes
 * (FUSE_NOTIFY_INVAL_INODE), so that every reader gets a rendering at most FS_FRESH_MS old.
 * A READ whose new rendering is longer than the size the kernel holds is served the previous
 * snapshot, and the longer one is pushed right after (FUSE_NOTIFY_STORE): a reader that
 * never asks for the size would get it cut. fs/bound.c keeps the slots and views,
 * fs/snapshot.c the snapshots and their expiry.
 */
#ifndef VP_FS_BOUND_H
#define VP_FS_BOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define FS_SLOT_SIZE 2048
#define FS_SLOTS 262144
#define FS_SLOTS_SIZE ((size_t)FS_SLOT_SIZE * FS_SLOTS)

/* The freshness bound of every bound file, and how it is kept. */
#define FS_FRESH_MS 100
#define FS_ATTR_MS 80   /* attr timeout of bound files */
#define FS_REUSE_MS 10  /* a snapshot this young is reused by LOOKUP and GETATTR */
#define FS_EXPIRE_MS 80 /* after the last hand-out, dropped from the page cache */

struct fs_bound;
struct fuse_session;

/* region: FS_SLOTS_SIZE bytes of shared memory (NULL: private memory, nothing survives a
 * restart); inherited: it holds the slots of a previous daemon of this connection. */
int fs_bound_new(struct vp_core *core, unsigned char *region, bool inherited,
		 struct fs_bound **ret);
/* Stops the expiry thread and frees everything (the region is the caller's). */
void fs_bound_free(struct fs_bound *b);
/* Start expiring once the session can carry notifications. On a taken-over connection the
 * kernel's pages of every kept slot are dropped first (a previous daemon rendered them). */
int fs_bound_start(struct fs_bound *b, struct fuse_session *se);

/* Stop the expiry thread (before the session goes); no-op when not running or NULL. */
void fs_bound_stop(struct fs_bound *b);

/* The slot of view v, created if needed, with ref lookups counted (1: the kernel is about to
 * get a node of it; 0: only its number is handed out, in a symlink). A slot that the kernel
 * never looked up is freed by the sweep after a minute. */
int fs_bound_slot(struct fs_bound *b, const struct vp_view *v, uint64_t ref, uint32_t *ret_slot,
		  uint32_t *ret_gen);
/* Slot and generation as one number that is never 0 (a slot handed out keeps its generation
 * while in use), for vp_view_memo(). */
static inline uint64_t fs_bound_memo(uint32_t slot, uint32_t gen)
{
	return (uint64_t)gen << 32 | slot;
}
/* A memo's slot again, if it still holds that generation, alive, touched as by
 * fs_bound_slot(ref 0); 0 otherwise. */
uint32_t fs_bound_recall(struct fs_bound *b, uint64_t memo);
/* Whether slot is in use and holds view v. */
bool fs_bound_holds(struct fs_bound *b, uint32_t slot, const struct vp_view *v);
/* The generation of a slot in use, 0 if the slot is free (a stale node id) or its view's
 * container is gone. */
uint32_t fs_bound_gen(struct fs_bound *b, uint32_t slot);
/* The kernel got (ref) / forgot (forget) n lookups of nodes of slot. */
void fs_bound_ref(struct fs_bound *b, uint32_t slot, uint64_t n);
void fs_bound_forget(struct fs_bound *b, uint32_t slot, uint64_t n);

/* The kernel looked up node id of slot (a tree's node) as name in directory parent: it is
 * deleted by name when the view goes. */
void fs_bound_named(struct fs_bound *b, uint32_t slot, unsigned id, unsigned parent,
		    const char *name);

/* The view's trees (core/tree.h), for slot: -ESTALE for a gone view. */
int fs_bound_tree_child(struct fs_bound *b, uint32_t slot, unsigned parent, const char *name,
			unsigned *ret_node, bool *ret_dir);
int fs_bound_tree_stat(struct fs_bound *b, uint32_t slot, unsigned node, bool *ret_dir);
int fs_bound_tree_list(struct fs_bound *b, uint32_t slot, unsigned dir,
		       int (*fn)(const char *name, unsigned node, bool is_dir, void *u), void *u);

/* What the kernel is told about a bound file. */
struct fs_bound_attr {
	uint64_t size;
	uint64_t mtime_ns; /* changes with every rendering */
};

/* Attributes of file id (its node number: a table row's or a tree's) of slot (a LOOKUP or GETATTR reply): its snapshot, re-rendered unless
 * at most FS_REUSE_MS old. *err_msg says what failed. */
int fs_bound_attr(struct fs_bound *b, uint32_t slot, unsigned id, struct fs_bound_attr *ret,
		  char *err, size_t errsz);
/* READ of file id of slot: calls reply(arg, data, len) with the slice [off, off + size) of the
 * snapshot, under the node's lock (the reply must not block on this node). */
int fs_bound_read(struct fs_bound *b, uint32_t slot, unsigned id, uint64_t off, size_t size,
		  int (*reply)(void *arg, const char *data, size_t len), void *arg, char *err,
		  size_t errsz);

/* Housekeeping (the expiry thread, every second): snapshots unread for ten minutes are
 * freed; views whose container is gone stop rendering and are let go (their nodes deleted
 * in the kernel, which then forgets them). */
void fs_bound_sweep(struct fs_bound *b);

/* Slots in use (tests, stats). */
size_t fs_bound_count(struct fs_bound *b);

#endif
