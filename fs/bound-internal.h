/* Private to fs/bound.c and fs/snapshot.c: bound views' state (see fs/bound.h). */
#ifndef VP_FS_BOUND_INTERNAL_H
#define VP_FS_BOUND_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "fs/bound.h"
#include "fs/daemon.h"

#define REC_MAGIC UINT32_C(0x31425056) /* "VPB1" */
#define HDR_MAGIC UINT32_C(0x48425056) /* "VPBH" */
#define NBUCKETS 4096
#define NODE_BUCKETS 16
#define SWEEP_MS 1000
/* A view not handed out for this long (parked containers; mounted files never ask again) is
 * checked only this often. */
#define SWEEP_IDLE_MS 10000
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

/* One file of a view: a row of the served-file table or a file of its trees. */
struct node {
	struct node *next; /* in the view's hash chain */
	unsigned id;       /* its node number */
	/* Of a tree node handed out by LOOKUP: its parent and name, to delete it in the
	 * kernel when the view goes (0: not one). */
	unsigned parent;
	char name[32];
	pthread_mutex_t lock;
	struct strbuf snap;
	bool have;     /* snap holds a rendering */
	bool out;      /* the kernel may hold snap's size and pages: expire them */
	unsigned handed; /* counts hand-outs (an expiry knows whether one came meanwhile) */
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
	uint64_t checked_ms; /* its container last found alive (the sweep's own) */
	bool unlinked;     /* the slot was freed: free this when users drops to 0 */
	bool parsed;       /* v holds the view (a kept key that does not parse renders nothing) */
	atomic_bool dead;  /* the container is gone */
	struct vp_view v;
	/* Its files, created when first handed out, freed with the view. */
	pthread_mutex_t nlock;
	struct node *node[NODE_BUCKETS];
};

struct qent {
	uint64_t due_ms;
	uint32_t slot, gen;
	unsigned id;
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

/* CLOCK_MONOTONIC in ms. */
uint64_t bv_now_ms(void);
/* The view of slot with a use counted (NULL: free); bv_view_put() gives the use back. */
struct view *bv_view_get(struct fs_bound *b, uint32_t slot);
void bv_view_put(struct fs_bound *b, struct view *v);
/* File id of view v, created if needed (NULL: out of memory). */
struct node *bv_node_of(struct view *v, unsigned id);
/* The files of v, for fn (under no lock of ours: files are never freed before v). */
void bv_each_node(struct view *v, void (*fn)(struct node *n, void *u), void *u);

#endif
