/* Open cgroup files, kept for pread(): a read of a kept kernfs file at offset 0 regenerates
 * its content, so a limit written with `echo` shows in the next read, while the path walk,
 * permission checks and file setup of openat() and the teardown of close() are paid once.
 *
 * Each thread that reads gets its own slot (a hash table with an LRU list), so the workers
 * never wait for each other here, and no two threads share a kernel file (whose reads would
 * serialize on its seq_file mutex). A slot's lock is only contended by the idle sweep. A full
 * slot evicts its least recently used file. Files of removed cgroups answer ENODEV: the entry
 * is dropped and the path opened afresh, once. Threads beyond NSLOTS share slots. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/fileio.h"

#define NSLOTS 16
#define NBUCKETS 1024

struct entry {
	struct entry *hnext;          /* hash chain */
	struct entry *lprev, *lnext;  /* LRU list, most recent first */
	uint64_t hash;
	int fd;
	ino_t ino;
	time_t used; /* CLOCK_MONOTONIC_COARSE seconds */
	char rel[];
};

struct slot {
	pthread_mutex_t lock;
	struct entry *bucket[NBUCKETS];
	struct entry *lru_head, *lru_tail;
	size_t n;
};

struct cg_fdcache {
	int rootfd;
	size_t cap_per_slot;
	struct slot slot[NSLOTS];
};

static atomic_uint next_slot;
static __thread int my_slot = -1;

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
	/* Most daemons run a handful of workers: budget for 4 busy slots, not 16. */
	c->cap_per_slot = cap / 4 ? cap / 4 : 1;
	for (size_t i = 0; i < NSLOTS; i++)
		pthread_mutex_init(&c->slot[i].lock, NULL);
	*ret = c;
	return 0;
}

/* Under the slot lock. */
static void drop(struct slot *s, struct entry *e)
{
	struct entry **pp = &s->bucket[e->hash % NBUCKETS];

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
	close(e->fd);
	free(e);
}

void cg_fdcache_free(struct cg_fdcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NSLOTS; i++) {
		while (c->slot[i].lru_head)
			drop(&c->slot[i], c->slot[i].lru_head);
		pthread_mutex_destroy(&c->slot[i].lock);
	}
	free(c);
}

static void to_front(struct slot *s, struct entry *e)
{
	if (s->lru_head == e)
		return;
	/* unlink */
	if (e->lprev)
		e->lprev->lnext = e->lnext;
	if (e->lnext)
		e->lnext->lprev = e->lprev;
	else if (e->lprev)
		s->lru_tail = e->lprev;
	/* push front */
	e->lprev = NULL;
	e->lnext = s->lru_head;
	if (s->lru_head)
		s->lru_head->lprev = e;
	s->lru_head = e;
	if (!s->lru_tail)
		s->lru_tail = e;
}

/* Under the slot lock: the entry for rel, opened if missing, at the front of the LRU. */
static int lookup(struct cg_fdcache *c, struct slot *s, const char *rel, uint64_t h,
		  struct entry **ret)
{
	size_t len = strlen(rel);
	struct entry *e;
	struct stat st;
	int fd;

	for (e = s->bucket[h % NBUCKETS]; e; e = e->hnext)
		if (e->hash == h && strcmp(e->rel, rel) == 0) {
			to_front(s, e);
			*ret = e;
			return 0;
		}
	fd = openat(c->rootfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = malloc(sizeof(*e) + len + 1);
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	if (s->n >= c->cap_per_slot && s->lru_tail)
		drop(s, s->lru_tail);
	e->hash = h;
	e->fd = fd;
	e->ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
	memcpy(e->rel, rel, len + 1);
	e->hnext = s->bucket[h % NBUCKETS];
	s->bucket[h % NBUCKETS] = e;
	e->lprev = NULL;
	e->lnext = s->lru_head;
	if (s->lru_head)
		s->lru_head->lprev = e;
	s->lru_head = e;
	if (!s->lru_tail)
		s->lru_tail = e;
	s->n++;
	*ret = e;
	return 0;
}

int cg_fdcache_read(struct cg_fdcache *c, const char *rel, struct strbuf *sb, ino_t *ret_ino)
{
	uint64_t h = hash_str(rel);
	struct slot *s;
	int r = 0;

	if (my_slot < 0)
		my_slot = (int)(atomic_fetch_add(&next_slot, 1) % NSLOTS);
	s = &c->slot[my_slot];
	pthread_mutex_lock(&s->lock);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct entry *e = NULL;

		r = lookup(c, s, rel, h, &e);
		if (r < 0)
			break;
		e->used = now_s();
		r = read_fd_all(e->fd, sb);
		if (r >= 0 && ret_ino)
			*ret_ino = e->ino;
		if (r != -ENODEV)
			break;
		/* The cgroup was removed; one of the same path may exist now. */
		drop(s, e);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

void cg_fdcache_sweep(struct cg_fdcache *c, unsigned max_idle_s)
{
	time_t now = now_s();

	for (size_t i = 0; i < NSLOTS; i++) {
		struct slot *s = &c->slot[i];

		pthread_mutex_lock(&s->lock);
		/* The LRU tail is the least recently used: stop at the first recent one. */
		while (s->lru_tail && now - s->lru_tail->used > (time_t)max_idle_s)
			drop(s, s->lru_tail);
		pthread_mutex_unlock(&s->lock);
	}
}

size_t cg_fdcache_size(struct cg_fdcache *c)
{
	size_t n = 0;

	for (size_t i = 0; i < NSLOTS; i++) {
		pthread_mutex_lock(&c->slot[i].lock);
		n += c->slot[i].n;
		pthread_mutex_unlock(&c->slot[i].lock);
	}
	return n;
}
