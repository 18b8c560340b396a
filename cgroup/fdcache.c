/* Open cgroup files, kept for pread(): a read of a kept kernfs file at offset 0 regenerates
 * its content, so a limit written with `echo` shows in the next read, while the path walk,
 * permission checks and file setup of openat() and the teardown of close() are paid once.
 *
 * The table is split into shards, each with its own lock held across the pread() (so that no
 * fd can be closed and its number reused by another file while someone reads it; reads of
 * one kernfs file serialize in the kernel anyway). A full shard evicts its least recently
 * used entry. Files of removed cgroups answer ENODEV: the entry is dropped and the path
 * opened afresh, once. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/fileio.h"

#define NSHARDS 64

struct entry {
	struct entry *next;
	uint64_t hash;
	int fd;
	time_t used; /* CLOCK_MONOTONIC_COARSE seconds */
	char rel[];
};

struct shard {
	pthread_mutex_t lock;
	struct entry *head;
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
	free(e);
}

void cg_fdcache_free(struct cg_fdcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NSHARDS; i++) {
		while (c->shard[i].head) {
			struct entry *e = c->shard[i].head;

			c->shard[i].head = e->next;
			entry_free(e);
		}
		pthread_mutex_destroy(&c->shard[i].lock);
	}
	free(c);
}

/* Under the shard lock: unlink e. */
static void unlink_entry(struct shard *s, struct entry *e)
{
	struct entry **pp = &s->head;

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	s->n--;
}

static void evict_lru(struct shard *s)
{
	struct entry *victim = s->head;

	for (struct entry *e = s->head; e; e = e->next)
		if (e->used < victim->used)
			victim = e;
	if (victim) {
		unlink_entry(s, victim);
		entry_free(victim);
	}
}

/* Under the shard lock: the entry for rel, opened if missing. */
static int lookup(struct cg_fdcache *c, struct shard *s, const char *rel, uint64_t h,
		  struct entry **ret)
{
	size_t len = strlen(rel);
	struct entry *e;
	int fd;

	for (e = s->head; e; e = e->next)
		if (e->hash == h && strcmp(e->rel, rel) == 0) {
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
	e->hash = h;
	e->fd = fd;
	memcpy(e->rel, rel, len + 1);
	if (s->n >= c->cap_per_shard)
		evict_lru(s);
	e->next = s->head;
	s->head = e;
	s->n++;
	*ret = e;
	return 0;
}

int cg_fdcache_read(struct cg_fdcache *c, const char *rel, struct strbuf *sb)
{
	uint64_t h = hash_str(rel);
	struct shard *s = &c->shard[h % NSHARDS];
	int r = 0;

	pthread_mutex_lock(&s->lock);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct entry *e = NULL;

		r = lookup(c, s, rel, h, &e);
		if (r < 0)
			break;
		e->used = now_s();
		r = read_fd_all(e->fd, sb);
		if (r != -ENODEV)
			break;
		/* The cgroup was removed; one of the same path may exist now. */
		unlink_entry(s, e);
		entry_free(e);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

void cg_fdcache_sweep(struct cg_fdcache *c, unsigned max_idle_s)
{
	time_t now = now_s();

	for (size_t i = 0; i < NSHARDS; i++) {
		struct shard *s = &c->shard[i];
		struct entry **pp;

		pthread_mutex_lock(&s->lock);
		for (pp = &s->head; *pp;) {
			struct entry *e = *pp;

			if (now - e->used > (time_t)max_idle_s) {
				*pp = e->next;
				s->n--;
				entry_free(e);
			} else {
				pp = &e->next;
			}
		}
		pthread_mutex_unlock(&s->lock);
	}
}

size_t cg_fdcache_size(struct cg_fdcache *c)
{
	size_t n = 0;

	for (size_t i = 0; i < NSHARDS; i++) {
		pthread_mutex_lock(&c->shard[i].lock);
		n += c->shard[i].n;
		pthread_mutex_unlock(&c->shard[i].lock);
	}
	return n;
}
