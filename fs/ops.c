/* Low-level FUSE handlers. Each replies exactly once on every path. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/daemon.h"

/* Attributes never change: let the kernel cache them and the names for a long time, so that
 * fstat() and path walks cost no round trip. */
#define FS_TIMEOUT 86400.0

static struct vp_daemon *daemon_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void node_attr(const struct vp_daemon *d, const struct fs_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	if (n->render) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
	} else {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
	}
	st->st_blksize = 4096;
	st->st_atim = st->st_mtim = st->st_ctim = d->started;
}

/* The one place that turns an internal error into what the caller sees. */
static int reply_errno(const struct fs_node *n, pid_t tid, int r)
{
	if (r == -ESRCH)
		return ESRCH; /* the caller has exited: nobody to tell */
	fuse_log(FUSE_LOG_ERR, "vprocfs: %s for pid %d: %s\n", n->name, (int)tid, strerror(-r));
	return r == -ENOMEM ? ENOMEM : EIO;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	const struct fs_node *n = fs_node_child(parent, name);
	struct fuse_entry_param e;

	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.generation = 1;
	e.attr_timeout = FS_TIMEOUT;
	e.entry_timeout = FS_TIMEOUT;
	node_attr(daemon_of(req), n, &e.attr);
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct fs_node *n = fs_node_get(ino);
	struct stat st;

	(void)fi;
	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	node_attr(daemon_of(req), n, &st);
	fuse_reply_attr(req, &st, FS_TIMEOUT);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	const struct fs_node *dir = fs_node_get(ino), *n;
	char buf[4096];
	size_t used = 0, cursor = 0;
	off_t idx = 0;
	struct stat st;

	(void)fi;
	if (!dir || dir->render) {
		fuse_reply_err(req, dir ? ENOTDIR : ENOENT);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	/* Entries: ".", "..", then the children; the offset of an entry is its index + 1. */
	for (;;) {
		const char *name;
		fuse_ino_t eino;
		size_t need;

		if (idx == 0) {
			name = ".";
			eino = dir->ino;
		} else if (idx == 1) {
			name = "..";
			eino = dir->parent;
		} else {
			n = fs_node_next_child(dir->ino, &cursor);
			if (!n)
				break;
			name = n->name;
			eino = n->ino;
		}
		idx++;
		if (idx <= off)
			continue;
		memset(&st, 0, sizeof(st));
		st.st_ino = eino;
		st.st_mode = fs_node_get(eino)->render ? S_IFREG : S_IFDIR;
		need = fuse_add_direntry(req, buf + used, size - used, name, &st, idx);
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct fs_node *n = fs_node_get(ino);
	struct fs_handle *h;
	int r;

	if (!n) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (!n->render) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	r = fs_handle_new(&daemon_of(req)->handles, &h, &fi->fh);
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	h->node = n;
	fi->direct_io = 1; /* never the page cache: it would serve stale or foreign views */
	fi->keep_cache = 0;
	fi->noflush = 1;
	/* If the opener was interrupted (or, replayed from the journal, was answered already),
	 * the kernel will not send RELEASE for it. The reply frees req, answered or not. */
	struct vp_daemon *d = daemon_of(req);

	if (fuse_reply_open(req, fi) != 0)
		fs_handle_free(&d->handles, h);
}

static void reply_slice(fuse_req_t req, const struct strbuf *sb, size_t size, off_t off)
{
	if (off < 0 || (uint64_t)off >= sb->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, sb->buf + off,
			       size < sb->len - (size_t)off ? size : sb->len - (size_t)off);
}

/* A file opened through a previous daemon on this connection (see fs/restart.c): no
 * snapshot here, so every read renders afresh for its caller. */
static void read_foreign(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off)
{
	const struct fs_node *n = fs_node_get(ino);
	pid_t tid = fuse_req_ctx(req)->pid;
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (!n || !n->render) {
		fuse_reply_err(req, EBADF);
		return;
	}
	r = fs_render_node(daemon_of(req), n, tid, &sb);
	if (r < 0)
		fuse_reply_err(req, reply_errno(n, tid, r));
	else
		reply_slice(req, &sb, size, off);
	sb_release(&sb);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct vp_daemon *d = daemon_of(req);
	struct fs_handle *h = fs_handle_get(&d->handles, fi->fh);
	pid_t tid = fuse_req_ctx(req)->pid;
	int r = 0;

	if (!h) {
		read_foreign(req, ino, size, off);
		return;
	}
	pthread_mutex_lock(&h->lock);
	/* A read at offset 0 renders afresh for this caller; later offsets slice the snapshot
	 * (stdio reads in pieces; free and top lseek(0) and re-read a kept fd). */
	if (off == 0 || !h->have) {
		r = fs_render_node(d, h->node, tid, &h->scratch);
		if (r >= 0) {
			struct strbuf t = h->snap;

			h->snap = h->scratch;
			h->scratch = t;
			h->have = true;
		}
	}
	if (r < 0)
		fuse_reply_err(req, reply_errno(h->node, tid, r));
	else
		reply_slice(req, &h->snap, size, off);
	pthread_mutex_unlock(&h->lock);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct vp_daemon *d = daemon_of(req);
	struct fs_handle *h = fs_handle_get(&d->handles, fi->fh);

	(void)ino;
	if (h) {
		/* op_read replies while holding the lock, and that reply can let the client
		 * close() before op_read has unlocked: wait for it to let go before freeing. */
		pthread_mutex_lock(&h->lock);
		pthread_mutex_unlock(&h->lock);
		fs_handle_free(&d->handles, h);
	}
	fuse_reply_err(req, 0);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct fs_node *n = fs_node_get(ino);

	if (!n || n->render) {
		fuse_reply_err(req, n ? ENOTDIR : ENOENT);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fuse_reply_open(req, fi);
}

/* No flush handler on purpose: FLUSH would cost a round trip per close(). No write, setattr,
 * create, mknod, mkdir, unlink, rename handlers either: the mount is read-only and libfuse
 * answers ENOSYS to anything that gets through. */
static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)conn;
	((struct vp_daemon *)userdata)->initialized = true;
}

const struct fuse_lowlevel_ops fs_ops = {
	.init = op_init,
	.lookup = op_lookup,
	.getattr = op_getattr,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.release = op_release,
};
