/* Open file handles, named by the kernel with our 64-bit fh: (instance << 32) | slot.
 *
 * A fh is never a pointer: a daemon that took over a live FUSE connection from a previous
 * instance (see fs/restart.c) receives READ and RELEASE requests for files that instance
 * opened, and must recognize them as foreign instead of dereferencing garbage. The instance
 * number is random per start; the slot indexes a two-level table whose chunks never move, so
 * a lookup needs no lock. Slots are recycled through a free list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fs/daemon.h"

#define CHUNK 1024

int fs_handles_init(struct fs_handle_table *t)
{
	uint32_t nonce = 0;

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	while (nonce == 0)
		if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
			nonce = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	t->instance = nonce;
	return 0;
}

int fs_handle_new(struct fs_handle_table *t, struct fs_handle **ret, uint64_t *ret_fh)
{
	struct fs_handle *h = calloc(1, sizeof(*h));
	uint32_t slot;
	int r = 0;

	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_lock(&t->lock);
	if (t->nfree > 0) {
		slot = t->free[--t->nfree];
	} else if (t->next < (uint32_t)FS_HANDLE_CHUNKS * CHUNK) {
		slot = t->next;
		if (!t->chunk[slot / CHUNK] &&
		    !(t->chunk[slot / CHUNK] = calloc(CHUNK, sizeof(*t->chunk[0]))))
			r = -ENOMEM;
		else
			t->next++;
	} else {
		r = -EMFILE;
	}
	if (r == 0)
		atomic_store(&t->chunk[slot / CHUNK][slot % CHUNK], h);
	pthread_mutex_unlock(&t->lock);
	if (r < 0) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		return r;
	}
	h->slot = slot;
	*ret = h;
	*ret_fh = (uint64_t)t->instance << 32 | slot;
	return 0;
}

struct fs_handle *fs_handle_get(struct fs_handle_table *t, uint64_t fh)
{
	uint32_t slot = (uint32_t)fh;

	if ((uint32_t)(fh >> 32) != t->instance || slot >= (uint32_t)FS_HANDLE_CHUNKS * CHUNK ||
	    !t->chunk[slot / CHUNK])
		return NULL;
	return atomic_load(&t->chunk[slot / CHUNK][slot % CHUNK]);
}

void fs_handle_free(struct fs_handle_table *t, struct fs_handle *h)
{
	uint32_t *nf;

	pthread_mutex_lock(&t->lock);
	atomic_store(&t->chunk[h->slot / CHUNK][h->slot % CHUNK], NULL);
	if (t->nfree == t->cap_free) {
		size_t cap = t->cap_free ? t->cap_free * 2 : 256;

		nf = realloc(t->free, cap * sizeof(*nf));
		if (nf) {
			t->free = nf;
			t->cap_free = cap;
		}
	}
	/* Without room in the free list the slot is simply not reused. */
	if (t->nfree < t->cap_free)
		t->free[t->nfree++] = h->slot;
	pthread_mutex_unlock(&t->lock);
	sb_release(&h->snap);
	sb_release(&h->scratch);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void fs_handles_done(struct fs_handle_table *t)
{
	for (size_t c = 0; c < FS_HANDLE_CHUNKS; c++) {
		if (!t->chunk[c])
			continue;
		for (size_t i = 0; i < CHUNK; i++) {
			struct fs_handle *h = atomic_load(&t->chunk[c][i]);

			if (h)
				fs_handle_free(t, h);
		}
		free(t->chunk[c]);
	}
	free(t->free);
	pthread_mutex_destroy(&t->lock);
}
