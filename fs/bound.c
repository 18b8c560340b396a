/*
 * Bound views and their files' snapshots (see fs/bound.h).
 *
 * Locking: b->lock protects the index (buckets, slots[], users, the records' magic, key and
 * nlookup); each node's lock its snapshot and state; b->qlock the expiry heap. Order: node,
 * then qlock; b->lock is never held while taking a node's lock. No lock is held while
 * notifying the kernel: an invalidation waits for pages that a READ in flight holds locked,
 * and that READ may be waiting for a node's lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "fs/bound.h"
#include "fs/daemon.h"

#define REC_MAGIC UINT32_C(0x31425056) /* "VPB1" */
#define HDR_MAGIC UINT32_C(0x48425056) /* "VPBH" */
#define NBUCKETS 4096
#define TICK_MS 10
#define SWEEP_MS 1000
/* A snapshot unused this long is freed (the next READ renders afresh). */
#define IDLE_FREE_MS (600 * 1000)
/* A slot the kernel never looked up (only its number went out, in a symlink) is freed. */
#define UNUSED_FREE_MS (60 * 1000)

/* A slot as kept in the shared region. */
struct rec {
	uint32_t magic; /* REC_MAGIC while in use */
	uint32_t gen;   /* bumped each time the slot is taken */
	uint64_t nlookup;
	char key[FS_SLOT_SIZE - 16];
};

/* Record 0 is the region's header. Only records below hwm were ever used: a takeover reads
 * those, and no more of the sparse region is touched. */
struct hdr {
	uint32_t magic;
	uint32_t hwm;
};

struct node {
	pthread_mutex_t lock;
	struct strbuf snap;
	bool have;     /* snap holds a rendering */
	bool out;      /* the kernel may hold snap's size and pages: expire them */
	uint64_t ksize; /* the size the kernel was last given; UINT64_MAX: unknown */
	uint64_t rendered_ms, used_ms;
	uint64_t mtime_ns;
};

struct view {
	struct view *next; /* hash chain */
	uint64_t hash;
	uint32_t slot, gen;
	unsigned users;    /* under b->lock */
	uint64_t touched_ms; /* last handed out (under b->lock) */
	bool unlinked;     /* the slot was freed: free this when users drops to 0 */
	bool parsed;       /* v holds the view (a kept key that does not parse renders nothing) */
	atomic_bool dead;  /* the container is gone */
	struct vp_view v;
	struct node node[VP_NFILES];
};

struct qent {
	uint64_t due_ms;
	uint32_t slot, gen;
	unsigned file;
};

struct fs_bound {
	struct vp_core *core;
	struct fuse_session *se;
	struct rec *rec;
	bool own_region, inherited;
	pthread_mutex_t lock;
	struct view **slots;
	struct view *bucket[NBUCKETS];
	struct hdr *hdr;
	uint32_t hint;
	size_t count;
	/* The expiry heap (min on due_ms). */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct qent *q;
	size_t qlen, qcap;
	pthread_t thread;
	bool running, stop;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static struct view *view_alloc(uint32_t slot, uint32_t gen, const char *key)
{
	struct view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->slot = slot;
	v->gen = gen;
	v->touched_ms = now_ms();
	v->hash = hash_str(key);
	v->parsed = vp_view_parse(key, &v->v) == 0;
	for (int f = 0; f < VP_NFILES; f++) {
		pthread_mutex_init(&v->node[f].lock, NULL);
		v->node[f].ksize = UINT64_MAX;
	}
	return v;
}

static void view_free(struct view *v)
{
	for (int f = 0; f < VP_NFILES; f++) {
		sb_release(&v->node[f].snap);
		pthread_mutex_destroy(&v->node[f].lock);
	}
	if (v->parsed)
		vp_view_done(&v->v);
	free(v);
}

/* Under b->lock. */
static void index_add(struct fs_bound *b, struct view *v)
{
	v->next = b->bucket[v->hash % NBUCKETS];
	b->bucket[v->hash % NBUCKETS] = v;
	b->slots[v->slot] = v;
	b->count++;
}

/* Under b->lock: the slot is free again; v goes once nobody uses it. */
static void index_remove(struct fs_bound *b, struct view *v)
{
	struct view **pp = &b->bucket[v->hash % NBUCKETS];

	while (*pp != v)
		pp = &(*pp)->next;
	*pp = v->next;
	b->slots[v->slot] = NULL;
	/* The lowest free slot is taken next: records (memfd pages) are reused, not spread. */
	if (v->slot < b->hint)
		b->hint = v->slot;
	__atomic_store_n(&b->rec[v->slot].magic, 0, __ATOMIC_RELEASE);
	b->rec[v->slot].nlookup = 0;
	b->count--;
	v->unlinked = true;
	if (v->users == 0)
		view_free(v);
}

int fs_bound_new(struct vp_core *core, unsigned char *region, bool inherited,
		 struct fs_bound **ret)
{
	struct fs_bound *b = calloc(1, sizeof(*b));
	pthread_condattr_t ca;

	if (!b)
		return -ENOMEM;
	b->core = core;
	b->slots = calloc(FS_SLOTS, sizeof(*b->slots));
	if (!b->slots) {
		free(b);
		return -ENOMEM;
	}
	if (region) {
		b->rec = (struct rec *)region;
	} else {
		void *p = mmap(NULL, FS_SLOTS_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED) {
			free(b->slots);
			free(b);
			return -ENOMEM;
		}
		b->rec = p;
		b->own_region = true;
		inherited = false;
	}
	pthread_mutex_init(&b->lock, NULL);
	pthread_mutex_init(&b->qlock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->qcond, &ca);
	pthread_condattr_destroy(&ca);
	b->hdr = (struct hdr *)&b->rec[0];
	if (!inherited || b->hdr->magic != HDR_MAGIC || b->hdr->hwm > FS_SLOTS) {
		/* A new connection: the region is new too (a fresh memfd), or holds another
		 * connection's slots; forget them (the records are rewritten on reuse). */
		inherited = false;
		b->hdr->hwm = 1;
		b->hdr->magic = HDR_MAGIC;
	}
	b->inherited = inherited;
	b->hint = 1;
	for (uint32_t i = 1; inherited && i < b->hdr->hwm; i++) {
		struct rec *r = &b->rec[i];
		struct view *v;

		if (__atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) != REC_MAGIC)
			continue;
		r->key[sizeof(r->key) - 1] = '\0';
		v = view_alloc(i, r->gen, r->key);
		if (!v) {
			fs_bound_free(b);
			return -ENOMEM;
		}
		index_add(b, v);
	}
	if (inherited)
		fprintf(stderr, "vprocfs: took over %zu bound views\n", b->count);
	*ret = b;
	return 0;
}

void fs_bound_stop(struct fs_bound *b)
{
	if (!b || !b->running)
		return;
	pthread_mutex_lock(&b->qlock);
	b->stop = true;
	pthread_cond_signal(&b->qcond);
	pthread_mutex_unlock(&b->qlock);
	pthread_join(b->thread, NULL);
	b->running = false;
	b->se = NULL;
}

void fs_bound_free(struct fs_bound *b)
{
	if (!b)
		return;
	fs_bound_stop(b);
	for (uint32_t i = 1; i < b->hdr->hwm; i++)
		if (b->slots[i])
			view_free(b->slots[i]);
	free(b->slots);
	free(b->q);
	if (b->own_region)
		munmap(b->rec, FS_SLOTS_SIZE);
	pthread_cond_destroy(&b->qcond);
	pthread_mutex_destroy(&b->qlock);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

/* ---- slots --------------------------------------------------------------------------------- */

int fs_bound_slot(struct fs_bound *b, const struct vp_view *vw, uint64_t ref, uint32_t *ret_slot,
		  uint32_t *ret_gen)
{
	char key[sizeof(((struct rec *)0)->key)];
	struct view *v;
	uint64_t h;
	int r = vp_view_format(vw, key, sizeof(key));

	if (r < 0)
		return r;
	h = hash_str(key);
	pthread_mutex_lock(&b->lock);
	for (v = b->bucket[h % NBUCKETS]; v; v = v->next)
		if (v->hash == h && strcmp(b->rec[v->slot].key, key) == 0)
			break;
	/* A view marked gone whose cgroups exist again (a service restarted in the same
	 * cgroup) is alive again. */
	if (v && atomic_load(&v->dead) && v->parsed && vp_view_alive(b->core, &v->v) == 0)
		atomic_store(&v->dead, false);
	if (!v) {
		uint32_t i = b->hint, n = 0;
		struct rec *rc;

		/* The next free slot from the last one taken (slot 0 is the header). */
		while (n < FS_SLOTS && (i == 0 || b->slots[i])) {
			i = (i + 1) % FS_SLOTS;
			n++;
		}
		if (n == FS_SLOTS) {
			pthread_mutex_unlock(&b->lock);
			return -ENOSPC;
		}
		rc = &b->rec[i];
		/* Never-used records are zero; a reused one gets the next generation. */
		rc->gen = i < b->hdr->hwm && rc->gen + 1 ? rc->gen + 1 : 1;
		v = view_alloc(i, rc->gen, key);
		if (!v) {
			pthread_mutex_unlock(&b->lock);
			return -ENOMEM;
		}
		memcpy(rc->key, key, strlen(key) + 1);
		rc->nlookup = 0;
		__atomic_store_n(&rc->magic, REC_MAGIC, __ATOMIC_RELEASE);
		index_add(b, v);
		if (i >= b->hdr->hwm)
			__atomic_store_n(&b->hdr->hwm, i + 1, __ATOMIC_RELEASE);
		b->hint = (i + 1) % FS_SLOTS;
	}
	b->rec[v->slot].nlookup += ref;
	v->touched_ms = now_ms();
	*ret_slot = v->slot;
	*ret_gen = v->gen;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

bool fs_bound_holds(struct fs_bound *b, uint32_t slot, const struct vp_view *vw)
{
	char key[sizeof(((struct rec *)0)->key)];
	bool same = false;

	if (slot == 0 || slot >= FS_SLOTS || vp_view_format(vw, key, sizeof(key)) < 0)
		return false;
	pthread_mutex_lock(&b->lock);
	if (b->slots[slot])
		same = strcmp(b->rec[slot].key, key) == 0;
	pthread_mutex_unlock(&b->lock);
	return same;
}

uint32_t fs_bound_gen(struct fs_bound *b, uint32_t slot)
{
	uint32_t gen = 0;

	if (slot == 0 || slot >= FS_SLOTS)
		return 0;
	pthread_mutex_lock(&b->lock);
	if (b->slots[slot] && !atomic_load(&b->slots[slot]->dead))
		gen = b->slots[slot]->gen;
	pthread_mutex_unlock(&b->lock);
	return gen;
}

void fs_bound_ref(struct fs_bound *b, uint32_t slot, uint64_t n)
{
	if (slot == 0 || slot >= FS_SLOTS)
		return;
	pthread_mutex_lock(&b->lock);
	if (b->slots[slot])
		b->rec[slot].nlookup += n;
	pthread_mutex_unlock(&b->lock);
}

void fs_bound_forget(struct fs_bound *b, uint32_t slot, uint64_t n)
{
	struct view *v;

	if (slot == 0 || slot >= FS_SLOTS)
		return;
	pthread_mutex_lock(&b->lock);
	v = b->slots[slot];
	if (v) {
		struct rec *rc = &b->rec[slot];

		rc->nlookup = rc->nlookup > n ? rc->nlookup - n : 0;
		if (rc->nlookup == 0)
			index_remove(b, v);
	}
	pthread_mutex_unlock(&b->lock);
}

size_t fs_bound_count(struct fs_bound *b)
{
	size_t n;

	pthread_mutex_lock(&b->lock);
	n = b->count;
	pthread_mutex_unlock(&b->lock);
	return n;
}

static struct view *view_get(struct fs_bound *b, uint32_t slot)
{
	struct view *v = NULL;

	if (slot == 0 || slot >= FS_SLOTS)
		return NULL;
	pthread_mutex_lock(&b->lock);
	v = b->slots[slot];
	if (v)
		v->users++;
	pthread_mutex_unlock(&b->lock);
	return v;
}

static void view_put(struct fs_bound *b, struct view *v)
{
	pthread_mutex_lock(&b->lock);
	if (--v->users == 0 && v->unlinked)
		view_free(v);
	pthread_mutex_unlock(&b->lock);
}

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
static void hand_out(struct fs_bound *b, struct view *v, enum vp_file f, struct node *n)
{
	bool queued = n->out;

	n->out = true;
	n->ksize = n->snap.len;
	if (!queued)
		heap_push(b, (struct qent){n->rendered_ms + FS_EXPIRE_MS, v->slot, v->gen, f});
}

/* Under n->lock: render file f of view v into out (the snapshot is untouched on failure). */
static int render(struct fs_bound *b, struct view *v, enum vp_file f, struct strbuf *out,
		  char *err, size_t errsz)
{
	if (!v->parsed || atomic_load(&v->dead)) {
		snprintf(err, errsz, "%s: its container is gone", vp_entry_of_file(f)->path);
		return -EIO;
	}
	return vp_render(b->core, f, &v->v, v->v.c.host_ns ? 0 : v->v.c.init, out, err, errsz);
}

/* Under n->lock: out becomes the snapshot. */
static void take(struct node *n, struct strbuf *out, uint64_t now)
{
	struct strbuf t = n->snap;
	struct timespec ts;
	uint64_t mt;

	n->snap = *out;
	*out = t;
	n->have = true;
	n->rendered_ms = now;
	clock_gettime(CLOCK_REALTIME, &ts);
	mt = (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
	n->mtime_ns = mt > n->mtime_ns ? mt : n->mtime_ns + 1;
}

int fs_bound_attr(struct fs_bound *b, uint32_t slot, enum vp_file f, struct fs_bound_attr *ret,
		  char *err, size_t errsz)
{
	struct view *v = view_get(b, slot);
	struct strbuf tmp = STRBUF_INIT;
	struct node *n;
	uint64_t now = now_ms();
	int r = 0;

	if (!v)
		return -ESTALE;
	n = &v->node[f];
	pthread_mutex_lock(&n->lock);
	if (!n->have || now - n->rendered_ms > FS_REUSE_MS) {
		r = render(b, v, f, &tmp, err, errsz);
		if (r >= 0)
			take(n, &tmp, now);
	}
	if (r >= 0) {
		hand_out(b, v, f, n);
		n->used_ms = now;
		ret->size = n->snap.len;
		ret->mtime_ns = n->mtime_ns;
	}
	pthread_mutex_unlock(&n->lock);
	sb_release(&tmp);
	view_put(b, v);
	return r;
}

/* Push data as file f's pages and size (the size only grows this way). */
static void store(struct fs_bound *b, uint32_t slot, enum vp_file f, const struct strbuf *sb)
{
	struct fuse_bufvec bv = FUSE_BUFVEC_INIT(sb->len);

	if (!b->se || sb->len == 0)
		return;
	bv.buf[0].mem = sb->buf;
	fuse_lowlevel_notify_store(b->se, fs_ino(slot, (unsigned)vp_entry_of_file(f)->node), 0,
				   &bv, 0);
}

int fs_bound_read(struct fs_bound *b, uint32_t slot, enum vp_file f, uint64_t off, size_t size,
		  int (*reply)(void *arg, const char *data, size_t len), void *arg, char *err,
		  size_t errsz)
{
	struct view *v = view_get(b, slot);
	struct strbuf tmp = STRBUF_INIT, push = STRBUF_INIT;
	struct node *n;
	uint64_t now = now_ms();
	bool grew = false;
	int r = 0;

	if (!v)
		return -ESTALE;
	n = &v->node[f];
	pthread_mutex_lock(&n->lock);
	/* A READ of the start while the kernel holds no size and pages of ours (they expired,
	 * or the file was never handed out) renders afresh. While they are out, the snapshot
	 * they came from is what is read. */
	if (!n->have || (off == 0 && !n->out)) {
		r = render(b, v, f, &tmp, err, errsz);
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
		hand_out(b, v, f, n);
	}
	pthread_mutex_unlock(&n->lock);
	if (push.len)
		store(b, slot, f, &push);
	sb_release(&tmp);
	sb_release(&push);
	view_put(b, v);
	return r;
}

/* ---- expiry -------------------------------------------------------------------------------- */

static void inval(struct fs_bound *b, uint32_t slot, enum vp_file f)
{
	if (b->se)
		fuse_lowlevel_notify_inval_inode(b->se, fs_ino(slot, vp_entry_of_file(f)->node), 0,
						 0);
}

/* The snapshot the kernel holds is FS_EXPIRE_MS old: drop its pages and attributes. */
static void expire(struct fs_bound *b, struct qent e, uint64_t now)
{
	struct view *v = view_get(b, e.slot);
	struct node *n;
	bool drop = false;

	if (!v)
		return;
	if (v->gen != e.gen) {
		view_put(b, v);
		return;
	}
	n = &v->node[e.file];
	pthread_mutex_lock(&n->lock);
	if (n->out && now < n->rendered_ms + FS_EXPIRE_MS) {
		heap_push(b, (struct qent){n->rendered_ms + FS_EXPIRE_MS, e.slot, e.gen, e.file});
	} else if (n->out) {
		n->out = false;
		drop = true;
	}
	pthread_mutex_unlock(&n->lock);
	if (drop)
		inval(b, e.slot, e.file);
	view_put(b, v);
}

/* A taken-over connection: the kernel holds sizes and pages a previous daemon rendered. Each
 * file of each kept view gets a new snapshot, dropped and pushed (a READ in between is served
 * that same snapshot, so the pages agree whichever lands last). */
static void refresh_all(struct fs_bound *b)
{
	char err[256];
	uint32_t hwm = __atomic_load_n(&b->hdr->hwm, __ATOMIC_ACQUIRE);

	for (uint32_t i = 1; i < hwm; i++) {
		struct view *v = view_get(b, i);

		if (!v)
			continue;
		for (int f = 0; f < VP_NFILES; f++) {
			struct node *n = &v->node[f];
			struct strbuf tmp = STRBUF_INIT, push = STRBUF_INIT;
			uint64_t now = now_ms();

			if (!vp_core_serves(b->core, vp_entry_of_file(f)))
				continue;
			pthread_mutex_lock(&n->lock);
			if (render(b, v, f, &tmp, err, sizeof(err)) >= 0) {
				take(n, &tmp, now);
				hand_out(b, v, f, n);
				if (sb_append(&push, n->snap.buf, n->snap.len) < 0)
					sb_release(&push);
			}
			pthread_mutex_unlock(&n->lock);
			inval(b, i, f);
			if (push.len)
				store(b, i, f, &push);
			sb_release(&tmp);
			sb_release(&push);
		}
		view_put(b, v);
	}
}

static void *expirer(void *arg)
{
	struct fs_bound *b = arg;
	uint64_t swept = now_ms();

	if (b->inherited)
		refresh_all(b);
	pthread_mutex_lock(&b->qlock);
	while (!b->stop) {
		struct timespec ts;
		uint64_t now = now_ms();

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
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += TICK_MS * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
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

/* ---- housekeeping -------------------------------------------------------------------------- */

/* A view whose container is gone: make the kernel drop its names and, once unused, its
 * inodes (FUSE_NOTIFY_DELETE clears their link count), so that the FORGETs that free the slot
 * come now rather than under memory pressure. Files first, then their directories. */
static void release(struct fs_bound *b, uint32_t slot)
{
	char name[16];

	if (!b->se)
		return;
	for (size_t i = vp_nentries; i-- > 0;) {
		const struct vp_entry *e = &vp_entries[i];

		fuse_lowlevel_notify_delete(b->se, fs_ino(slot, e->parent), fs_ino(slot, e->node),
					    e->name, strlen(e->name));
	}
	snprintf(name, sizeof(name), "%u", (unsigned)slot);
	fuse_lowlevel_notify_delete(b->se, FS_INO_VIEWS, fs_ino(slot, 0), name, strlen(name));
}

void fs_bound_sweep(struct fs_bound *b)
{
	uint64_t now = now_ms();
	uint32_t hwm = __atomic_load_n(&b->hdr->hwm, __ATOMIC_ACQUIRE);

	for (uint32_t i = 1; i < hwm; i++) {
		struct view *v;
		bool gone, was;

		/* A slot handed out in a symlink that nobody followed up with a LOOKUP. */
		pthread_mutex_lock(&b->lock);
		v = b->slots[i];
		if (v && b->rec[i].nlookup == 0 && now - v->touched_ms > UNUSED_FREE_MS)
			index_remove(b, v);
		pthread_mutex_unlock(&b->lock);
		v = view_get(b, i);
		if (!v)
			continue;
		gone = !v->parsed || vp_view_alive(b->core, &v->v) < 0;
		was = gone && atomic_exchange(&v->dead, true);
		for (int f = 0; f < VP_NFILES; f++) {
			struct node *n = &v->node[f];

			pthread_mutex_lock(&n->lock);
			if (n->have && !n->out && (gone || now - n->used_ms > IDLE_FREE_MS)) {
				sb_release(&n->snap);
				n->have = false;
			}
			pthread_mutex_unlock(&n->lock);
		}
		view_put(b, v);
		if (gone && !was)
			release(b, i);
	}
}
