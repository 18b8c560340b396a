/*
 * Bound views: their slots (kept in the shared region), the index from a view's text to its
 * slot, the kernel's lookup counts, and their lifetime (see fs/bound.h). Their files'
 * snapshots are fs/snapshot.c's.
 *
 * Locking: b->lock protects the index (buckets, slots[], users, the records' magic, key and
 * nlookup); each node's lock its snapshot and state; b->qlock the expiry heap. Order: node,
 * then qlock; b->lock is never held while taking a node's lock. No lock is held while
 * notifying the kernel: an invalidation waits for pages that a READ in flight holds locked,
 * and that READ may be waiting for a node's lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/tree.h"
#include "fs/bound-internal.h"

uint64_t bv_now_ms(void)
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
	v->touched_ms = bv_now_ms();
	v->hash = hash_str(key);
	v->parsed = vp_view_parse(key, &v->v) == 0;
	pthread_mutex_init(&v->nlock, NULL);
	return v;
}

/* File id of view v, created if needed (NULL: out of memory). */
struct node *bv_node_of(struct view *v, unsigned id)
{
	struct node **pp = &v->node[id % NODE_BUCKETS], *n;

	pthread_mutex_lock(&v->nlock);
	for (n = *pp; n && n->id != id; n = n->next)
		;
	if (!n && (n = calloc(1, sizeof(*n)))) {
		n->id = id;
		n->ksize = UINT64_MAX;
		pthread_mutex_init(&n->lock, NULL);
		n->next = *pp;
		*pp = n;
	}
	pthread_mutex_unlock(&v->nlock);
	return n;
}

/* The files of v, for fn (under no lock of ours: files are never freed before v). */
void bv_each_node(struct view *v, void (*fn)(struct node *n, void *u), void *u)
{
	for (int i = 0; i < NODE_BUCKETS; i++) {
		struct node *n;

		pthread_mutex_lock(&v->nlock);
		n = v->node[i];
		pthread_mutex_unlock(&v->nlock);
		/* New files go in at the head: those after n stay put. */
		for (; n; n = n->next)
			fn(n, u);
	}
}

static void view_free(struct view *v)
{
	for (int i = 0; i < NODE_BUCKETS; i++)
		while (v->node[i]) {
			struct node *n = v->node[i];

			v->node[i] = n->next;
			sb_release(&n->snap);
			pthread_mutex_destroy(&n->lock);
			free(n);
		}
	pthread_mutex_destroy(&v->nlock);
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
	v->touched_ms = bv_now_ms();
	*ret_slot = v->slot;
	*ret_gen = v->gen;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

uint32_t fs_bound_recall(struct fs_bound *b, uint64_t memo)
{
	uint32_t slot = (uint32_t)memo, gen = (uint32_t)(memo >> 32);
	struct view *v;

	if (slot == 0 || slot >= FS_SLOTS || gen == 0)
		return 0;
	pthread_mutex_lock(&b->lock);
	v = b->slots[slot];
	if (v && v->gen == gen && !atomic_load(&v->dead))
		v->touched_ms = bv_now_ms();
	else
		slot = 0;
	pthread_mutex_unlock(&b->lock);
	return slot;
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

struct view *bv_view_get(struct fs_bound *b, uint32_t slot)
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

void bv_view_put(struct fs_bound *b, struct view *v)
{
	pthread_mutex_lock(&b->lock);
	if (--v->users == 0 && v->unlinked)
		view_free(v);
	pthread_mutex_unlock(&b->lock);
}

void fs_bound_named(struct fs_bound *b, uint32_t slot, unsigned id, unsigned parent,
		    const char *name)
{
	struct view *v = bv_view_get(b, slot);
	struct node *n = v ? bv_node_of(v, id) : NULL;

	if (n && !n->parent && strlen(name) < sizeof(n->name)) {
		pthread_mutex_lock(&n->lock);
		snprintf(n->name, sizeof(n->name), "%s", name);
		n->parent = parent;
		pthread_mutex_unlock(&n->lock);
	}
	if (v)
		bv_view_put(b, v);
}

int fs_bound_tree_child(struct fs_bound *b, uint32_t slot, unsigned parent, const char *name,
			unsigned *ret_node, bool *ret_dir)
{
	struct view *v = bv_view_get(b, slot);
	int r;

	if (!v)
		return -ESTALE;
	r = v->parsed && !atomic_load(&v->dead)
		    ? vp_tree_child(b->core, &v->v, parent, name, ret_node, ret_dir)
		    : -ESTALE;
	bv_view_put(b, v);
	return r;
}

int fs_bound_tree_stat(struct fs_bound *b, uint32_t slot, unsigned node, bool *ret_dir)
{
	struct view *v = bv_view_get(b, slot);
	int r;

	if (!v)
		return -ESTALE;
	r = v->parsed && !atomic_load(&v->dead) ? vp_tree_stat(b->core, &v->v, node, ret_dir)
						: -ESTALE;
	bv_view_put(b, v);
	return r;
}

int fs_bound_tree_list(struct fs_bound *b, uint32_t slot, unsigned dir,
		       int (*fn)(const char *name, unsigned node, bool is_dir, void *u), void *u)
{
	struct view *v = bv_view_get(b, slot);
	int r;

	if (!v)
		return -ESTALE;
	r = v->parsed && !atomic_load(&v->dead) ? vp_tree_list(b->core, &v->v, dir, fn, u)
						: -ESTALE;
	bv_view_put(b, v);
	return r;
}

/* ---- housekeeping -------------------------------------------------------------------------- */

/* A view whose container is gone: make the kernel drop its names and, once unused, its
 * inodes (FUSE_NOTIFY_DELETE clears their link count), so that the FORGETs that free the slot
 * come now rather than under memory pressure. Files first, then their directories. */
struct release_ctx {
	struct fs_bound *b;
	uint32_t slot;
};

static void release_node(struct node *n, void *u)
{
	struct release_ctx *c = u;

	if (n->parent)
		fuse_lowlevel_notify_delete(c->b->se, fs_ino(c->slot, n->parent),
					    fs_ino(c->slot, n->id), n->name, strlen(n->name));
}

static void release(struct fs_bound *b, struct view *v)
{
	struct release_ctx c = {b, v->slot};
	uint32_t slot = v->slot;
	char name[16];

	if (!b->se)
		return;
	/* The trees, deepest first: a pass deletes what has no child left (a directory
	 * whose children are still there refuses). */
	for (int pass = 0; pass < 4; pass++)
		bv_each_node(v, release_node, &c);
	for (size_t i = vp_nentries; i-- > 0;) {
		const struct vp_entry *e = &vp_entries[i];

		fuse_lowlevel_notify_delete(b->se, fs_ino(slot, e->parent), fs_ino(slot, e->node),
					    e->name, strlen(e->name));
	}
	snprintf(name, sizeof(name), "%u", (unsigned)slot);
	fuse_lowlevel_notify_delete(b->se, FS_INO_VIEWS, fs_ino(slot, 0), name, strlen(name));
}

struct sweep_ctx {
	bool gone;
	uint64_t now;
};

static void sweep_node(struct node *n, void *u)
{
	struct sweep_ctx *c = u;

	pthread_mutex_lock(&n->lock);
	if (n->have && !n->out && (c->gone || c->now - n->used_ms > IDLE_FREE_MS)) {
		sb_release(&n->snap);
		n->have = false;
	}
	pthread_mutex_unlock(&n->lock);
}

void fs_bound_sweep(struct fs_bound *b)
{
	uint64_t now = bv_now_ms();
	uint32_t hwm = __atomic_load_n(&b->hdr->hwm, __ATOMIC_ACQUIRE);

	for (uint32_t i = 1; i < hwm; i++) {
		struct view *v;
		bool gone, was, idle;

		/* A slot handed out in a symlink that nobody followed up with a LOOKUP. */
		pthread_mutex_lock(&b->lock);
		v = b->slots[i];
		idle = v && now - v->touched_ms > SWEEP_IDLE_MS;
		if (v && b->rec[i].nlookup == 0 && now - v->touched_ms > UNUSED_FREE_MS)
			index_remove(b, v); /* may free v */
		pthread_mutex_unlock(&b->lock);
		v = bv_view_get(b, i);
		if (!v)
			continue;
		if (idle && v->parsed && now - v->checked_ms < SWEEP_IDLE_MS) {
			bv_view_put(b, v);
			continue;
		}
		gone = !v->parsed || vp_view_alive(b->core, &v->v) < 0;
		if (!gone)
			v->checked_ms = now;
		was = gone && atomic_exchange(&v->dead, true);
		{
			struct sweep_ctx c = {gone, now};

			bv_each_node(v, sweep_node, &c);
		}
		if (gone && !was)
			release(b, v);
		bv_view_put(b, v);
	}
}
