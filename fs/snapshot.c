/*
 * Bound files' snapshots: rendering, handing them to the kernel (attributes, READ, stores),
 * and expiring them FS_EXPIRE_MS after they were rendered (see fs/bound.h); the thread that
 * does it also sweeps the views (fs/bound.c). Locking: fs/bound.c's header.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/tree.h"
#include "fs/bound-internal.h"

/* ---- snapshots ----------------------------------------------------------------------------- */

static void heap_push(struct fs_bound *b, struct qent e)
{
	size_t i;

	pthread_mutex_lock(&b->qlock);
	if (b->qlen == b->qcap) {
		size_t ncap = b->qcap ? b->qcap * 2 : 256;
		struct qent *nq = realloc(b->q, ncap * sizeof(*nq));

		if (!nq) {
			/* Not expired: read(2)ers still revalidate after FS_ATTR_MS. */
			pthread_mutex_unlock(&b->qlock);
			return;
		}
		b->q = nq;
		b->qcap = ncap;
	}
	for (i = b->qlen++; i > 0 && b->q[(i - 1) / 2].due_ms > e.due_ms; i = (i - 1) / 2)
		b->q[i] = b->q[(i - 1) / 2];
	b->q[i] = e;
	if (i == 0) /* the earliest now: the expiry thread may be asleep until later */
		pthread_cond_signal(&b->qcond);
	pthread_mutex_unlock(&b->qlock);
}

/* Under qlock, qlen > 0. */
static struct qent heap_pop(struct fs_bound *b)
{
	struct qent top = b->q[0], last = b->q[--b->qlen];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= b->qlen)
			break;
		if (c + 1 < b->qlen && b->q[c + 1].due_ms < b->q[c].due_ms)
			c++;
		if (b->q[c].due_ms >= last.due_ms)
			break;
		b->q[i] = b->q[c];
		i = c;
	}
	if (b->qlen)
		b->q[i] = last;
	return top;
}

/* Under n->lock: the kernel got snap (size or pages); expire it FS_EXPIRE_MS after it was
 * rendered. */
static void hand_out(struct fs_bound *b, struct view *v, struct node *n)
{
	bool queued = n->out;

	n->out = true;
	n->handed++;
	n->ksize = n->snap.len;
	if (!queued)
		heap_push(b, (struct qent){n->rendered_ms + FS_EXPIRE_MS, v->slot, v->gen, n->id});
}

/* Under n->lock: render file f of view v into out (the snapshot is untouched on failure). */
static int render(struct fs_bound *b, struct view *v, unsigned id, struct strbuf *out,
		  char *err, size_t errsz)
{
	const struct vp_entry *e = vp_entry_by_node(id);

	if (!v->parsed || atomic_load(&v->dead)) {
		snprintf(err, errsz, "node %u: its container is gone", id);
		return -EIO;
	}
	if (e && e->file >= 0)
		return vp_render(b->core, (enum vp_file)e->file, &v->v,
				 v->v.c.host_ns ? 0 : v->v.c.init, out, err, errsz);
	if (vp_tree_node(id))
		return vp_tree_render(b->core, &v->v, id, out, err, errsz);
	return -EISDIR;
}

/* Under n->lock: out becomes the snapshot. */
static void take(struct node *n, struct strbuf *out, uint64_t now)
{
	struct strbuf t = n->snap;
	struct timespec ts;
	uint64_t mt;

	n->snap = *out;
	*out = t;
	/* Kept until the next rendering, one per file of each view: not the renderer's
	 * scratch capacity (loadavg reads a /proc file into it), 8 KiB against 30 bytes. */
	sb_shrink(&n->snap);
	n->have = true;
	n->rendered_ms = now;
	clock_gettime(CLOCK_REALTIME, &ts);
	mt = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	n->mtime_ns = mt > n->mtime_ns ? mt : n->mtime_ns + 1;
}

/* File id of slot's view, the view's use counted (bv_view_put() when done): -ESTALE for a
 * free slot. */
static int file_of(struct fs_bound *b, uint32_t slot, unsigned id, struct view **ret_v,
		   struct node **ret_n)
{
	struct view *v = bv_view_get(b, slot);
	struct node *n;

	if (!v)
		return -ESTALE;
	n = bv_node_of(v, id);
	if (!n) {
		bv_view_put(b, v);
		return -ENOMEM;
	}
	*ret_v = v;
	*ret_n = n;
	return 0;
}

int fs_bound_attr(struct fs_bound *b, uint32_t slot, unsigned id, struct fs_bound_attr *ret,
		  char *err, size_t errsz)
{
	struct strbuf tmp = STRBUF_INIT;
	struct view *v;
	struct node *n;
	uint64_t now = bv_now_ms();
	int r = file_of(b, slot, id, &v, &n);

	if (r < 0)
		return r;
	pthread_mutex_lock(&n->lock);
	if (!n->have || now - n->rendered_ms > FS_REUSE_MS) {
		r = render(b, v, id, &tmp, err, errsz);
		if (r >= 0)
			take(n, &tmp, now);
	}
	if (r >= 0) {
		hand_out(b, v, n);
		n->used_ms = now;
		ret->size = n->snap.len;
		ret->mtime_ns = n->mtime_ns;
	}
	pthread_mutex_unlock(&n->lock);
	sb_release(&tmp);
	bv_view_put(b, v);
	return r;
}

/* Push data as file f's pages and size (the size only grows this way). */
static void store(struct fs_bound *b, uint32_t slot, unsigned id, const struct strbuf *sb)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(sb->len);

	if (!b->se || sb->len == 0)
		return;
	bv.buf[0].mem = sb->buf;
	fuse_lowlevel_notify_store(b->se, fs_ino(slot, id), 0, &bv, 0);
}

int fs_bound_read(struct fs_bound *b, uint32_t slot, unsigned id, uint64_t off, size_t size,
		  int (*reply)(void *arg, const char *data, size_t len), void *arg, char *err,
		  size_t errsz)
{
	struct strbuf tmp = STRBUF_INIT, push = STRBUF_INIT;
	struct view *v;
	struct node *n;
	uint64_t now = bv_now_ms();
	bool grew = false;
	int r = file_of(b, slot, id, &v, &n);

	if (r < 0)
		return r;
	pthread_mutex_lock(&n->lock);
	/* A READ of the start while the kernel holds no size and pages of ours (they expired,
	 * or the file was never handed out) renders afresh. While they are out, the snapshot
	 * they came from is what is read. */
	if (!n->have || (off == 0 && !n->out)) {
		r = render(b, v, id, &tmp, err, errsz);
		/* Longer than the size the kernel holds: a reader that never asks for attributes
		 * (sendfile, mmap) would get it cut at that size. This READ gets the previous
		 * snapshot; the longer one is pushed to the kernel, size and pages, right after. */
		if (r >= 0)
			grew = n->have && n->ksize != UINT64_MAX && tmp.len > n->ksize &&
			       n->snap.len <= n->ksize;
		if (r >= 0 && !grew)
			take(n, &tmp, now);
	}
	if (r >= 0) {
		const struct strbuf *s = &n->snap;

		if (off < s->len)
			r = reply(arg, s->buf + off, size < s->len - off ? size : s->len - off);
		else
			r = reply(arg, NULL, 0);
		if (grew) {
			take(n, &tmp, now);
			if (sb_append(&push, n->snap.buf, n->snap.len) < 0)
				sb_release(&push);
		}
		if (off == 0)
			n->used_ms = now;
		hand_out(b, v, n);
	}
	pthread_mutex_unlock(&n->lock);
	if (push.len)
		store(b, slot, id, &push);
	sb_release(&tmp);
	sb_release(&push);
	bv_view_put(b, v);
	return r;
}

/* ---- expiry -------------------------------------------------------------------------------- */

static void inval(struct fs_bound *b, uint32_t slot, unsigned id)
{
	if (b->se)
		fuse_lowlevel_notify_inval_inode(b->se, fs_ino(slot, id), 0, 0);
}

/*
 * The snapshot the kernel holds is FS_EXPIRE_MS old: drop its pages and attributes. The file
 * stays out while the kernel drops them: a READ in flight meanwhile (its pages hold the
 * invalidation up) gets the snapshot the kernel's size came from. A new rendering of another
 * length would not do: the kernel keeps the size it had when the READ began (the invalidation
 * bumped its attribute version), so a shorter one reads padded with NUL bytes, a longer one
 * cut. Handed out again meanwhile, it is expired again: those pages may have landed after
 * the invalidation passed them.
 */
static void expire(struct fs_bound *b, struct qent e, uint64_t now)
{
	struct view *v = bv_view_get(b, e.slot);
	struct node *n;
	unsigned seq;

	if (!v)
		return;
	n = v->gen == e.gen ? bv_node_of(v, e.id) : NULL;
	if (!n) {
		bv_view_put(b, v);
		return;
	}
	pthread_mutex_lock(&n->lock);
	if (!n->out || now < n->rendered_ms + FS_EXPIRE_MS) {
		if (n->out)
			heap_push(b, (struct qent){n->rendered_ms + FS_EXPIRE_MS, e.slot, e.gen, e.id});
		pthread_mutex_unlock(&n->lock);
		bv_view_put(b, v);
		return;
	}
	seq = n->handed;
	pthread_mutex_unlock(&n->lock);
	inval(b, e.slot, e.id);
	pthread_mutex_lock(&n->lock);
	if (n->handed == seq) {
		n->out = false;
	} else {
		uint64_t due = n->rendered_ms + FS_EXPIRE_MS, soon = bv_now_ms() + 1;

		heap_push(b, (struct qent){due > soon ? due : soon, e.slot, e.gen, e.id});
	}
	pthread_mutex_unlock(&n->lock);
	bv_view_put(b, v);
}

/* File id of v gets a new snapshot, dropped and pushed (a READ in between is served that same
 * snapshot, so the pages agree whichever lands last). */
static void refresh_node(struct fs_bound *b, struct view *v, unsigned id)
{
	struct strbuf tmp = STRBUF_INIT, push = STRBUF_INIT;
	struct node *n = bv_node_of(v, id);
	char err[256];

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	if (render(b, v, id, &tmp, err, sizeof(err)) >= 0) {
		take(n, &tmp, bv_now_ms());
		hand_out(b, v, n);
		if (sb_append(&push, n->snap.buf, n->snap.len) < 0)
			sb_release(&push);
	}
	pthread_mutex_unlock(&n->lock);
	inval(b, v->slot, id);
	if (push.len)
		store(b, v->slot, id, &push);
	sb_release(&tmp);
	sb_release(&push);
}

struct refresh_ctx {
	struct fs_bound *b;
	struct view *v;
	unsigned depth;
};

static int refresh_tree(const char *name, unsigned node, bool is_dir, void *u)
{
	struct refresh_ctx *c = u;

	(void)name;
	if (!is_dir) {
		refresh_node(c->b, c->v, node);
	} else if (c->depth < 4) {
		c->depth++;
		vp_tree_list(c->b->core, &c->v->v, node, refresh_tree, c);
		c->depth--;
	}
	return 0;
}

/* A taken-over connection: the kernel holds sizes and pages a previous daemon rendered, of
 * every file of every kept view: each gets a new snapshot, dropped and pushed. */
static void refresh_all(struct fs_bound *b)
{
	uint32_t hwm = __atomic_load_n(&b->hdr->hwm, __ATOMIC_ACQUIRE);

	for (uint32_t i = 1; i < hwm && !__atomic_load_n(&b->stop, __ATOMIC_RELAXED); i++) {
		struct view *v = bv_view_get(b, i);

		if (!v)
			continue;
		for (size_t k = 0; k < vp_nentries; k++) {
			const struct vp_entry *e = &vp_entries[k];
			struct refresh_ctx c = {b, v, 0};

			if (!vp_core_serves(b->core, e))
				continue;
			if (e->file >= 0)
				refresh_node(b, v, e->node);
			else if (e->tree && v->parsed)
				vp_tree_list(b->core, &v->v, e->node, refresh_tree, &c);
		}
		bv_view_put(b, v);
	}
}

static void *expirer(void *arg)
{
	struct fs_bound *b = arg;
	uint64_t swept = bv_now_ms();

	if (b->inherited)
		refresh_all(b);
	pthread_mutex_lock(&b->qlock);
	while (!b->stop) {
		struct timespec ts;
		uint64_t now = bv_now_ms();

		/* Views of gone containers are let go every SWEEP_MS. */
		if (now - swept >= SWEEP_MS) {
			pthread_mutex_unlock(&b->qlock);
			fs_bound_sweep(b);
			pthread_mutex_lock(&b->qlock);
			swept = now;
		}

		while (b->qlen && b->q[0].due_ms <= now) {
			struct qent e = heap_pop(b);

			pthread_mutex_unlock(&b->qlock);
			expire(b, e, now);
			pthread_mutex_lock(&b->qlock);
		}
		/* Asleep until the earliest expiry or the next sweep; heap_push() wakes it
		 * for an earlier expiry. */
		{
			uint64_t wake = swept + SWEEP_MS;

			if (b->qlen && b->q[0].due_ms < wake)
				wake = b->q[0].due_ms;
			ts.tv_sec = (time_t)(wake / 1000);
			ts.tv_nsec = (long)(wake % 1000) * 1000000;
		}
		if (!b->stop)
			pthread_cond_timedwait(&b->qcond, &b->qlock, &ts);
	}
	pthread_mutex_unlock(&b->qlock);
	return NULL;
}

int fs_bound_start(struct fs_bound *b, struct fuse_session *se)
{
	int r;

	b->se = se;
	r = pthread_create(&b->thread, NULL, expirer, b);
	if (r != 0)
		return -r;
	b->running = true;
	return 0;
}
