/* Open cgroup files, kept for pread(): a read of a kept kernfs file at offset 0 regenerates
 * its content, so a limit written with `echo` shows in the next read, while the path walk,
 * permission checks and file setup of openat() and the teardown of close() are paid once.
 *
 * The table is split into shards by path hash. A shard's lock covers its hash chains, LRU
 * list and reference counts, and is held only for lookups (and for the openat() of a file
 * seen for the first time); the pread() happens under the entry's own lock, so that readers
 * of different files never wait for each other, and an entry in use is never closed (its
 * fd number could otherwise be reused by another file under a reader). A full shard closes
 * its least recently used idle entry. A file of a removed cgroup answers ENODEV: its entry
 * is retired (new lookups open the path afresh; a cgroup of the same path may exist again)
 * and the read is retried once. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/fileio.h"

#define NSHARDS 64
#define NBUCKETS 256 /* per shard */

struct entry {
	struct entry *hnext;         /* hash chain */
	struct entry *lprev, *lnext; /* LRU list, most recent first */
	pthread_mutex_t lock;        /* held across the pread() */
	unsigned refs;               /* readers between lookup and release */
	bool retired;                /* unlinked: freed when refs drops to 0 */
	uint64_t hash;
	int fd;
	ino_t ino;
	time_t used; /* CLOCK_MONOTONIC_COARSE seconds */
	char rel[];
};

struct shard {
	pthread_mutex_t lock;
	struct entry *bucket[NBUCKETS];
	struct entry *lru_head, *lru_tail;
	size_t n;
};

struct cg_fdcache {
	int rootfd;
	size_t cap_per_shard;
	struct shard shard[NSHARDS];
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

int cg_fdcache_new(int rootfd, size_t cap, struct cg_fdcache **ret)
{
	struct cg_fdcache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->rootfd = rootfd;
	c->cap_per_shard = cap / NSHARDS ? cap / NSHARDS : 1;
	for (size_t i = 0; i < NSHARDS; i++)
		pthread_mutex_init(&c->shard[i].lock, NULL);
	*ret = c;
	return 0;
}

static void entry_free(struct entry *e)
{
	close(e->fd);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

/* Under the shard lock: take e out of the table and the LRU list. */
static void unlink_entry(struct shard *s, struct entry *e)
{
	struct entry **pp = &s->bucket[(e->hash / NSHARDS) % NBUCKETS];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	else
		s->lru_head = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		s->lru_tail = e->lprev;
	s->n--;
}

/* Under the shard lock: retire e; freed now if nobody holds it. */
static void retire(struct shard *s, struct entry *e)
{
	unlink_entry(s, e);
	e->retired = true;
	if (e->refs == 0)
		entry_free(e);
}

void cg_fdcache_free(struct cg_fdcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NSHARDS; i++) {
		while (c->shard[i].lru_head)
			retire(&c->shard[i], c->shard[i].lru_head);
		pthread_mutex_destroy(&c->shard[i].lock);
	}
	free(c);
}

static void push_front(struct shard *s, struct entry *e)
{
	e->lprev = NULL;
	e->lnext = s->lru_head;
	if (s->lru_head)
		s->lru_head->lprev = e;
	s->lru_head = e;
	if (!s->lru_tail)
		s->lru_tail = e;
}

static void to_front(struct shard *s, struct entry *e)
{
	if (s->lru_head == e)
		return;
	e->lprev->lnext = e->lnext; /* not the head: has a predecessor */
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else
		s->lru_tail = e->lprev;
	push_front(s, e);
}

/* Under the shard lock: the entry for rel with a reference taken, opened if missing. */
static int acquire(struct cg_fdcache *c, struct shard *s, const char *rel, uint64_t h,
		   struct entry **ret)
{
	struct entry **bucket = &s->bucket[(h / NSHARDS) % NBUCKETS], *e;
	size_t len = strlen(rel);
	struct stat st;
	int fd;

	for (e = *bucket; e; e = e->hnext)
		if (e->hash == h && strcmp(e->rel, rel) == 0)
			goto found;
	fd = openat(c->rootfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = calloc(1, sizeof(*e) + len + 1);
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	/* Make room: the least recently used entries nobody is reading. */
	for (struct entry *v = s->lru_tail; v && s->n >= c->cap_per_shard;) {
		struct entry *prev = v->lprev;

		if (v->refs == 0)
			retire(s, v);
		v = prev;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->hash = h;
	e->fd = fd;
	e->ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
	memcpy(e->rel, rel, len + 1);
	e->hnext = *bucket;
	*bucket = e;
	push_front(s, e);
	s->n++;
found:
	to_front(s, e);
	e->refs++;
	e->used = now_s();
	*ret = e;
	return 0;
}

static void release(struct shard *s, struct entry *e)
{
	pthread_mutex_lock(&s->lock);
	if (--e->refs == 0 && e->retired)
		entry_free(e);
	pthread_mutex_unlock(&s->lock);
}

int cg_fdcache_read(struct cg_fdcache *c, const char *rel, struct strbuf *sb, ino_t *ret_ino)
{
	uint64_t h = hash_str(rel);
	struct shard *s = &c->shard[h % NSHARDS];
	int r = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct entry *e = NULL;

		pthread_mutex_lock(&s->lock);
		r = acquire(c, s, rel, h, &e);
		pthread_mutex_unlock(&s->lock);
		if (r < 0)
			return r;
		pthread_mutex_lock(&e->lock);
		r = read_fd_all(e->fd, sb);
		pthread_mutex_unlock(&e->lock);
		if (r >= 0 && ret_ino)
			*ret_ino = e->ino;
		if (r == -ENODEV) {
			/* The cgroup was removed; one of the same path may exist now. */
			pthread_mutex_lock(&s->lock);
			if (!e->retired)
				retire(s, e);
			pthread_mutex_unlock(&s->lock);
		}
		release(s, e);
		if (r != -ENODEV)
			break;
	}
	return r;
}

void cg_fdcache_sweep(struct cg_fdcache *c, unsigned max_idle_s)
{
	time_t now = now_s();

	for (size_t i = 0; i < NSHARDS; i++) {
		struct shard *s = &c->shard[i];

		pthread_mutex_lock(&s->lock);
		/* From the least recently used end, up to the first recent entry. */
		for (struct entry *e = s->lru_tail; e && now - e->used > (time_t)max_idle_s;) {
			struct entry *prev = e->lprev;

			if (e->refs == 0)
				retire(s, e);
			e = prev;
		}
		pthread_mutex_unlock(&s->lock);
	}
}
