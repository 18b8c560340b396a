/*
 * Low-level FUSE handlers. Each replies exactly once on every path.
 *
 * The tree. Every file and directory under ".v/SLOT" belongs to one bound view (fs/bound.h)
 * and has a fixed name there (long entry timeouts). Files are snapshots of their view, served
 * through the page cache: OPEN answers ENOSYS, which makes the kernel open every file of the
 * connection without asking (no OPEN, no RELEASE). The ways in:
 *   - "proc" and "sys" at the root are symlinks whose target depends on who follows them:
 *     READLINK answers ".v/SLOT/proc" for the reader's own view. A process that opens
 *     MOUNTPOINT/proc/meminfo by path gets its container's file, and so does a runtime that
 *     bind-mounts it from inside the container (runc mounts after the container's init joined
 *     its cgroups). Each view has a name of its own, so lookups of different views never
 *     invalidate each other's directory entries (a per-looker directory under one name did:
 *     concurrent bind mounts failed with ENOENT).
 *   - ".by-pid/PID" (root only, never listed) is a symlink to the view of process PID: the
 *     OCI hook mounts a container's files from there.
 *   - ".v/SLOT" is looked up anew by every path walk (entry timeout 0) and only by root or by
 *     a process whose own view it is: no other container's and no other host user's.
 */
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/tree.h"
#include "fs/bound.h"
#include "fs/daemon.h"

/* Names and directory attributes never change: the kernel keeps them for a long time. */
#define FS_TIMEOUT 86400.0
#define FS_ATTR_TIMEOUT (FS_ATTR_MS / 1000.0)

static struct vp_daemon *daemon_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void dir_attr(const struct vp_daemon *d, fuse_ino_t ino, mode_t mode, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFDIR | mode;
	st->st_nlink = 2;
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = d->started;
}

static void file_attr(fuse_ino_t ino, const struct fs_bound_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = (off_t)a->size;
	st->st_blocks = (blkcnt_t)((a->size + 511) / 512);
	st->st_blksize = 4096;
	st->st_mtim.tv_sec = (time_t)(a->mtime_ns / 1000000000);
	st->st_mtim.tv_nsec = (long)(a->mtime_ns % 1000000000);
	st->st_atim = st->st_ctim = st->st_mtim;
}

/* Attributes of the fixed nodes. */
static void fixed_attr(const struct vp_daemon *d, fuse_ino_t ino, struct stat *st)
{
	if (ino == FS_INO_ROOT) {
		dir_attr(d, ino, 0555, st);
	} else if (ino == FS_INO_BYPID) {
		dir_attr(d, ino, 0700, st);
	} else if (ino == FS_INO_VIEWS) {
		dir_attr(d, ino, 0711, st);
	} else {
		dir_attr(d, ino, 0777, st);
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = 16; /* the length depends on who reads the link */
	}
}

static bool is_fixed(fuse_ino_t ino)
{
	const struct vp_entry *e;

	if (ino == FS_INO_ROOT || ino == FS_INO_BYPID || ino == FS_INO_VIEWS)
		return true;
	if (ino & FS_INO_PIDLINK)
		return (ino & ~FS_INO_PIDLINK) > 0 && (ino & ~FS_INO_PIDLINK) <= INT_MAX;
	return ino > FS_INO_TOPLINK && ino < FS_INO_TOPLINK + VP_NODE_MAX + 1 &&
	       (e = vp_entry_by_node((unsigned)(ino - FS_INO_TOPLINK))) && e->parent == 0;
}

/* The one place that turns an internal error into what the caller sees. */
static int reply_errno(fuse_req_t req, int r, const char *err)
{
	if (r == -ESRCH || r == -ESTALE || r == -ENOENT)
		return -r; /* the caller has exited, a node of a gone view, no such name */
	fuse_log(FUSE_LOG_ERR, "vprocfs: pid %d: %s\n", (int)fuse_req_ctx(req)->pid,
		 err && *err ? err : strerror(-r));
	return r == -ENOMEM ? ENOMEM : EIO;
}

/* A node of a view. */
struct vnode {
	uint32_t slot;
	uint32_t gen;
	unsigned node;
	const struct vp_entry *e; /* its table row; NULL for the view's root and the trees */
	bool tree;                /* below a tree's row (core/tree.h) */
	bool dir;
};

/* ino as a node of a view in use: -ESTALE for anything else (a fixed node, a gone view), and
 * -ENOENT for a tree node that does not exist any more (the CPU count changed, a block
 * device went). */
static int vnode_of(struct vp_daemon *d, fuse_ino_t ino, struct vnode *vn)
{
	if (!fs_ino_split(ino, &vn->slot, &vn->node) || !(vn->gen = fs_bound_gen(d->bound, vn->slot)))
		return -ESTALE;
	vn->tree = vp_tree_node(vn->node);
	vn->e = vn->node && !vn->tree ? vp_entry_by_node(vn->node) : NULL;
	if (vn->tree)
		return fs_bound_tree_stat(d->bound, vn->slot, vn->node, &vn->dir);
	if (vn->node && !vn->e)
		return -ESTALE;
	vn->dir = !vn->e || vn->e->file < 0;
	return 0;
}

/* Whether node's entries come from a tree: the tree's row or a directory of it. */
static bool tree_dir(const struct vnode *vn)
{
	return vn->dir && (vn->tree || (vn->e && vn->e->tree));
}

/* Attribute timeouts: the trees follow the CPU count (cpuN come and go) and the block devices
 * within a second; other directories never change; files are snapshots (FS_ATTR_MS). */
#define FS_TREE_TIMEOUT 1.0

/* Reply a LOOKUP with node (dir: a directory) of slot, which the caller counted already; the
 * count is given back if the reply does not reach the kernel. */
static void reply_node(fuse_req_t req, uint32_t slot, uint32_t gen, unsigned node, bool dir,
		       double entry_timeout, double dir_timeout)
{
	struct vp_daemon *d = daemon_of(req);
	struct fuse_entry_param ep;
	char err[512] = "";
	int r = 0;

	memset(&ep, 0, sizeof(ep));
	ep.ino = fs_ino(slot, node);
	ep.generation = gen;
	ep.entry_timeout = entry_timeout;
	if (dir) {
		dir_attr(d, ep.ino, 0555, &ep.attr);
		ep.attr_timeout = dir_timeout;
	} else {
		struct fs_bound_attr a;

		r = fs_bound_attr(d->bound, slot, node, &a, err, sizeof(err));
		if (r >= 0)
			file_attr(ep.ino, &a, &ep.attr);
		ep.attr_timeout = FS_ATTR_TIMEOUT;
	}
	if (r < 0) {
		fs_bound_forget(d->bound, slot, 1);
		fuse_reply_err(req, reply_errno(req, r, err));
	} else if (fuse_reply_entry(req, &ep) != 0) {
		fs_bound_forget(d->bound, slot, 1);
	}
}

/* The root's entries that are not views' own: symlinks and fixed directories. */
static void reply_fixed(fuse_req_t req, fuse_ino_t ino, double entry_timeout)
{
	struct fuse_entry_param ep;

	memset(&ep, 0, sizeof(ep));
	ep.ino = ino;
	ep.generation = 1;
	ep.entry_timeout = entry_timeout;
	ep.attr_timeout = FS_TIMEOUT;
	fixed_attr(daemon_of(req), ino, &ep.attr);
	fuse_reply_entry(req, &ep);
}

/* "PID" or "SLOT" as written by the kernel or us: digits, no leading zero, below max. */
static long long parse_num(const char *s, long long max)
{
	long long v = 0;

	if (*s < '1' || *s > '9' || strlen(s) > 12)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
	}
	return v < max ? v : 0;
}

static bool is_root_user(fuse_req_t req)
{
	return fuse_req_ctx(req)->uid == 0;
}

/* ".v/SLOT": root's, or the caller's own view's. */
static void lookup_slot(fuse_req_t req, const char *name)
{
	struct vp_daemon *d = daemon_of(req);
	uint32_t slot = (uint32_t)parse_num(name, FS_SLOTS);
	uint32_t gen;
	struct vp_view v;
	int r;

	/* Others than root learn nothing about slots that are not their own view's, not even
	 * whether they are in use: EACCES either way. */
	if (!is_root_user(req)) {
		pid_t pid = fuse_req_ctx(req)->pid;
		uint64_t memo;
		bool own;

		/* The slot READLINK gave the caller for its current view, if still in use. */
		r = vp_view_recall(d->core, pid, NULL, &memo, NULL);
		own = r >= 0 && memo && slot && fs_bound_recall(d->bound, memo) == slot;
		if (r >= 0 && !own) {
			r = vp_view_recall(d->core, pid, &v, NULL, NULL);
			own = r >= 0 && slot && fs_bound_holds(d->bound, slot, &v);
			if (r >= 0)
				vp_view_done(&v);
		}
		if (r < 0) {
			fuse_reply_err(req, r == -ESRCH ? ESRCH : reply_errno(req, r, NULL));
			return;
		}
		if (!own) {
			fuse_reply_err(req, EACCES);
			return;
		}
	}
	gen = slot ? fs_bound_gen(d->bound, slot) : 0;
	if (!gen) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fs_bound_ref(d->bound, slot, 1);
	/* Gone between the two calls: the count went to a free slot, nothing to give back. */
	if (fs_bound_gen(d->bound, slot) != gen)
		fuse_reply_err(req, ENOENT);
	else
		reply_node(req, slot, gen, 0, true, 0.0, FS_TIMEOUT);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct vp_daemon *d = daemon_of(req);
	const struct vp_entry *e;
	struct vnode pv;
	int r;

	if (parent == FS_INO_ROOT) {
		if (strcmp(name, FS_BYPID_NAME) == 0) {
			reply_fixed(req, FS_INO_BYPID, FS_TIMEOUT);
		} else if (strcmp(name, FS_VIEWS_NAME) == 0) {
			reply_fixed(req, FS_INO_VIEWS, FS_TIMEOUT);
		} else if ((e = vp_entry_child(0, name))) {
			reply_fixed(req, FS_INO_TOPLINK + e->node, FS_TIMEOUT);
		} else {
			fuse_reply_err(req, ENOENT);
		}
		return;
	}
	if (parent == FS_INO_BYPID) {
		pid_t pid = (pid_t)parse_num(name, (long long)INT_MAX + 1);

		/* The directory is 0700 and the kernel checks that (default_permissions); this is
		 * a second check that does not depend on mount options. The symlink is resolved
		 * by READLINK, every time (entry timeout 0: pids are reused). */
		if (!is_root_user(req))
			fuse_reply_err(req, EACCES);
		else if (pid <= 0)
			fuse_reply_err(req, ENOENT);
		else
			reply_fixed(req, FS_INO_PIDLINK | (fuse_ino_t)pid, 0.0);
		return;
	}
	if (parent == FS_INO_VIEWS) {
		lookup_slot(req, name);
		return;
	}
	r = vnode_of(d, parent, &pv);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	if (!pv.dir) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (tree_dir(&pv)) {
		unsigned node;
		bool dir;

		r = fs_bound_tree_child(d->bound, pv.slot, pv.node, name, &node, &dir);
		if (r < 0) {
			fuse_reply_err(req, r == -ENOMEM ? ENOMEM : r == -ESTALE ? ESTALE : ENOENT);
			return;
		}
		fs_bound_ref(d->bound, pv.slot, 1);
		fs_bound_named(d->bound, pv.slot, node, pv.node, name);
		reply_node(req, pv.slot, pv.gen, node, dir, FS_TREE_TIMEOUT, FS_TREE_TIMEOUT);
		return;
	}
	e = vp_entry_child(pv.node, name);
	if (e && !vp_core_serves(d->core, e))
		e = NULL; /* not on this host (proc/pressure where cgroups are not v2) */
	if (!e) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fs_bound_ref(d->bound, pv.slot, 1);
	reply_node(req, pv.slot, pv.gen, e->node, e->file < 0, FS_TIMEOUT,
		   e->tree ? FS_TREE_TIMEOUT : FS_TIMEOUT);
}

/* The slot of pid's view (created if needed), which READLINK hands out. A thread's slot is
 * remembered with its view (vp_view_memo()) while the slot keeps its generation: most
 * READLINKs come from threads that asked before, whose view has not changed. */
static int view_slot(struct vp_daemon *d, pid_t pid, uint32_t *ret_slot)
{
	struct vp_view v;
	uint64_t memo, serial;
	uint32_t slot, gen;
	int r;

	r = vp_view_recall(d->core, pid, NULL, &memo, &serial);
	if (r >= 0 && memo && (slot = fs_bound_recall(d->bound, memo))) {
		*ret_slot = slot;
		return 0;
	}
	/* A remembered slot whose view has gone (the sweep found its cgroup removed): the
	 * thread's cgroup may be a new one at the same path, resolve it anew. */
	if (r >= 0 && memo)
		vp_view_forget(d->core, pid);
	if (r >= 0)
		r = vp_view_recall(d->core, pid, &v, NULL, &serial);
	if (r < 0)
		return r;
	r = fs_bound_slot(d->bound, &v, 0, &slot, &gen);
	vp_view_done(&v);
	if (r < 0)
		return r;
	vp_view_memo(d->core, pid, serial, fs_bound_memo(slot, gen));
	*ret_slot = slot;
	return 0;
}

/* The target of a symlink, for the process that follows it. */
static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct vp_daemon *d = daemon_of(req);
	const struct vp_entry *e = NULL;
	char target[64];
	uint32_t slot;
	pid_t pid;
	int r;

	if (ino & FS_INO_PIDLINK) {
		pid = (pid_t)(ino & ~FS_INO_PIDLINK);
		if (!is_root_user(req)) {
			fuse_reply_err(req, EACCES);
			return;
		}
	} else if (ino > FS_INO_TOPLINK && (e = vp_entry_by_node((unsigned)(ino - FS_INO_TOPLINK))) &&
		   e->parent == 0) {
		pid = fuse_req_ctx(req)->pid;
	} else {
		fuse_reply_err(req, EINVAL);
		return;
	}
	r = view_slot(d, pid, &slot);
	if (r < 0) {
		/* A .by-pid link to a process that is gone: no such file. */
		fuse_reply_err(req, r == -ESRCH ? (e ? ESRCH : ENOENT) : reply_errno(req, r, NULL));
		return;
	}
	if (e)
		snprintf(target, sizeof(target), FS_VIEWS_NAME "/%u/%s", (unsigned)slot, e->name);
	else
		snprintf(target, sizeof(target), "../" FS_VIEWS_NAME "/%u", (unsigned)slot);
	fuse_reply_readlink(req, target);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	uint32_t slot;
	unsigned node;

	if (fs_ino_split(ino, &slot, &node))
		fs_bound_forget(daemon_of(req)->bound, slot, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	uint32_t slot;
	unsigned node;

	for (size_t i = 0; i < count; i++)
		if (fs_ino_split(forgets[i].ino, &slot, &node))
			fs_bound_forget(daemon_of(req)->bound, slot, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct vp_daemon *d = daemon_of(req);
	struct fs_bound_attr a;
	struct vnode vn;
	struct stat st;
	char err[512] = "";
	int r;

	(void)fi;
	if (is_fixed(ino)) {
		fixed_attr(d, ino, &st);
		fuse_reply_attr(req, &st, FS_TIMEOUT);
		return;
	}
	r = vnode_of(d, ino, &vn);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	if (vn.dir) {
		dir_attr(d, ino, 0555, &st);
		fuse_reply_attr(req, &st, tree_dir(&vn) ? FS_TREE_TIMEOUT : FS_TIMEOUT);
		return;
	}
	r = fs_bound_attr(d->bound, vn.slot, vn.node, &a, err, sizeof(err));
	if (r < 0) {
		fuse_reply_err(req, reply_errno(req, r, err));
		return;
	}
	file_attr(ino, &a, &st);
	fuse_reply_attr(req, &st, FS_ATTR_TIMEOUT);
}

/* One directory entry into buf; false when it does not fit. */
static bool add_entry(fuse_req_t req, char *buf, size_t size, size_t *used, const char *name,
		      fuse_ino_t ino, mode_t type, off_t next)
{
	struct stat st;
	size_t need;

	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = type;
	need = fuse_add_direntry(req, buf + *used, size - *used, name, &st, next);
	if (need > size - *used)
		return false;
	*used += need;
	return true;
}

/* Directory entries into a READDIR reply, from offset off on (an entry's offset is its index
 * + 1). */
struct dirbuf {
	fuse_req_t req;
	char buf[4096];
	size_t size, used;
	off_t idx, off;
	bool full;
	uint32_t slot;
};

static int dir_add(struct dirbuf *db, const char *name, fuse_ino_t ino, mode_t type)
{
	off_t idx = db->idx++;

	if (db->full || idx < db->off)
		return 0;
	if (!add_entry(db->req, db->buf, db->size, &db->used, name, ino, type, idx + 1))
		db->full = true;
	return db->full ? -ENOSPC : 0;
}

static int dir_add_tree(const char *name, unsigned node, bool is_dir, void *u)
{
	struct dirbuf *db = u;

	return dir_add(db, name, fs_ino(db->slot, node), is_dir ? S_IFDIR : S_IFREG);
}

/* The root lists ".by-pid", ".v" and the table's top directories (symlinks); ".by-pid" and
 * ".v" list nothing: no one enumerates the containers. */
static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct vp_daemon *d = daemon_of(req);
	struct dirbuf db = {.req = req, .off = off};
	bool root = ino == FS_INO_ROOT, fixed = root || ino == FS_INO_BYPID || ino == FS_INO_VIEWS;
	struct vnode vn = {0};
	size_t cursor = 0;
	const struct vp_entry *e;
	int r = 0;

	(void)fi;
	if (!fixed && (r = vnode_of(d, ino, &vn)) < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	if (!fixed && !vn.dir) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	db.size = size < sizeof(db.buf) ? size : sizeof(db.buf);
	db.slot = vn.slot;
	dir_add(&db, ".", ino, S_IFDIR);
	dir_add(&db, "..",
		fixed		 ? FS_INO_ROOT
		: vn.node == 0	 ? FS_INO_VIEWS
		: vn.tree	 ? fs_ino(vn.slot, vp_tree_parent(vn.node))
				 : fs_ino(vn.slot, vn.e->parent),
		S_IFDIR);
	if (root) {
		dir_add(&db, FS_BYPID_NAME, FS_INO_BYPID, S_IFDIR);
		dir_add(&db, FS_VIEWS_NAME, FS_INO_VIEWS, S_IFDIR);
	}
	if (tree_dir(&vn)) {
		r = fs_bound_tree_list(d->bound, vn.slot, vn.node, dir_add_tree, &db);
	} else if (root || !fixed) {
		while ((e = vp_entry_next_child(root ? 0 : vn.node, &cursor))) {
			if (!vp_core_serves(d->core, e))
				continue; /* proc/pressure where cgroups are not v2 */
			dir_add(&db, e->name, root ? FS_INO_TOPLINK + e->node : fs_ino(vn.slot, e->node),
				root ? S_IFLNK : e->file < 0 ? S_IFDIR : S_IFREG);
		}
	}
	if (r < 0 && r != -ENOSPC)
		fuse_reply_err(req, r == -ENOMEM ? ENOMEM : r == -ESTALE ? ESTALE : EIO);
	else
		fuse_reply_buf(req, db.buf, db.used);
}

/* ENOSYS makes the kernel open every file of this connection without asking, and keep its
 * page cache across opens (no_open). */
static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, ENOSYS);
}

struct read_reply {
	fuse_req_t req;
	bool replied;
};

static int reply_data(void *arg, const char *data, size_t len)
{
	struct read_reply *rr = arg;

	rr->replied = true;
	return fuse_reply_buf(rr->req, data, len);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct vp_daemon *d = daemon_of(req);
	struct read_reply rr = {req, false};
	struct vnode vn;
	char err[512] = "";
	int r;

	(void)fi;
	r = vnode_of(d, ino, &vn);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	if (vn.dir) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (off < 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	r = fs_bound_read(d->bound, vn.slot, vn.node, (uint64_t)off, size, reply_data, &rr, err,
			  sizeof(err));
	if (!rr.replied)
		fuse_reply_err(req, reply_errno(req, r < 0 ? r : -EIO, err));
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct vnode vn;
	int r;

	if (ino != FS_INO_ROOT && ino != FS_INO_BYPID && ino != FS_INO_VIEWS) {
		r = vnode_of(daemon_of(req), ino, &vn);
		if (r < 0 || !vn.dir) {
			fuse_reply_err(req, r < 0 ? -r : ENOTDIR);
			return;
		}
	}
	fuse_reply_open(req, fi);
}

/* No flush, write, setattr, create, mknod, mkdir, unlink or rename handlers: the mount is
 * read-only, no OPEN means no FLUSH, and libfuse answers ENOSYS to anything else. */
static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	/* Sizes and modification times from GETATTR invalidate the page cache (libfuse's
	 * default where the kernel offers it: every kernel since 3.1). */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
	((struct vp_daemon *)userdata)->initialized = true;
}

const struct fuse_lowlevel_ops fs_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
};
