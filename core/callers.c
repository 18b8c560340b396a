/*
 * The callers' views, kept: vp_view_of() for a thread that asked before costs two pread()s
 * instead of a resolve (a stat and two reads of /proc, a stat per cgroup directory).
 *
 * An entry is a thread's resolution pinned (cgroup/caller.h, struct cg_pin): its
 * /proc/TID/cgroup and its namespace init's /proc/INIT/cgroup held open, with the texts the
 * view was made from. Each use reads both again, and the kept view is given only while they
 * read the same, so:
 *   - a thread moved to another cgroup gets its new view on its next call (no time to live);
 *   - a TID reused by another process never gets the previous one's view: the kept files
 *     belong to the process that exited (ESRCH), not to the number;
 *   - a namespace init that moved (systemd to init.scope) changes its text: resolved anew.
 * The inode numbers of the view's cgroup directories are what the texts do not show: a
 * cgroup removed and created again at the same path. A container cgroup is the caller's own
 * cgroup or one of its ancestors, so it cannot be removed while the caller is in it; that
 * takes the caller leaving, the cgroup going and coming back and the caller returning, all
 * between two of its calls. The directories are stat()ed again when the inode numbers are a
 * second old (VP_CALLER_INO_MS): such a caller may see its old view's slot for up to a second,
 * the price of not stat()ing five directories on every call.
 *
 * A fixed table, VP_CALLER_SETS sets of VP_CALLER_WAYS entries (by TID), each set under its own
 * lock, the least recently used entry of a set evicted (its files closed): at most
 * VP_CALLER_FDS descriptors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

#define VP_CALLER_SETS 64
#define VP_CALLER_WAYS (VP_CALLERS / VP_CALLER_SETS)
#define VP_CALLER_INO_MS 1000
_Static_assert(VP_CALLERS % VP_CALLER_SETS == 0, "whole sets");
_Static_assert(VP_CALLER_FDS == 2 * VP_CALLERS, "a pin holds two fds at most");

struct caller {
	pid_t tid; /* 0: free */
	struct cg_pin pin;
	struct vp_view view;
	uint64_t ino_ms; /* when view.ino was taken */
	uint64_t serial; /* this resolution (unique): vp_view_memo() names it */
	uint64_t memo;   /* the front end's number for it; 0: none */
	uint64_t used;
};

struct caller_set {
	pthread_mutex_t lock;
	uint64_t clock;
	struct caller e[VP_CALLER_WAYS];
};

struct vp_callers {
	struct caller_set set[VP_CALLER_SETS];
	uint64_t serial; /* atomic: the last one given */
};

uint64_t vp_coarse_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
}

int vp_callers_new(struct vp_callers **ret)
{
	struct vp_callers *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return -ENOMEM;
	for (int i = 0; i < VP_CALLER_SETS; i++) {
		pthread_mutex_init(&cs->set[i].lock, NULL);
		for (int w = 0; w < VP_CALLER_WAYS; w++)
			cs->set[i].e[w].pin = (struct cg_pin)CG_PIN_INIT;
	}
	*ret = cs;
	return 0;
}

static void caller_drop(struct caller *e)
{
	cg_pin_done(&e->pin);
	vp_view_done(&e->view);
	e->tid = 0;
	e->memo = 0;
}

void vp_callers_free(struct vp_callers *cs)
{
	if (!cs)
		return;
	for (int i = 0; i < VP_CALLER_SETS; i++) {
		for (int w = 0; w < VP_CALLER_WAYS; w++)
			caller_drop(&cs->set[i].e[w]);
		pthread_mutex_destroy(&cs->set[i].lock);
	}
	free(cs);
}

size_t vp_callers_count(struct vp_callers *cs)
{
	size_t n = 0;

	for (int i = 0; i < VP_CALLER_SETS; i++) {
		pthread_mutex_lock(&cs->set[i].lock);
		for (int w = 0; w < VP_CALLER_WAYS; w++)
			n += cs->set[i].e[w].tid != 0;
		pthread_mutex_unlock(&cs->set[i].lock);
	}
	return n;
}

static struct caller_set *set_of(struct vp_callers *cs, pid_t tid)
{
	/* Threads of one process have neighbouring TIDs: spread them over the sets. */
	return &cs->set[((uint32_t)tid * UINT32_C(2654435761)) >> 26];
}
_Static_assert(VP_CALLER_SETS == 1 << (32 - 26), "set_of() takes the top bits");

static struct caller *find(struct caller_set *s, pid_t tid)
{
	for (int w = 0; w < VP_CALLER_WAYS; w++)
		if (s->e[w].tid == tid)
			return &s->e[w];
	return NULL;
}

/* The inode numbers of view v's cgroup directories into ino: 0, or -errno (-ESRCH: a
 * directory has gone). */
static int take_ino(struct vp_core *core, const struct vp_view *v, uint64_t *ino)
{
	int r = 0;

	for (int k = 0; k < CG_NCONTROLLERS && r >= 0; k++)
		r = cg_dir_ino(&core->layout.h[k], v->c.path[k], &ino[k]);
	return r;
}

static int view_copy(const struct vp_view *v, struct vp_view *ret)
{
	struct vp_view out = *v;

	for (int k = 0; k < CG_NCONTROLLERS; k++)
		out.c.path[k] = NULL;
	for (int k = 0; k < CG_NCONTROLLERS; k++) {
		if (v->c.path[k] && !(out.c.path[k] = strdup(v->c.path[k]))) {
			vp_view_done(&out);
			return -ENOMEM;
		}
	}
	*ret = out;
	return 0;
}

/* Under s->lock: tid's kept view into ret (when not NULL) if it still is tid's: 1, else 0
 * (the entry dropped). */
static int recall(struct vp_core *core, struct caller *e, struct vp_view *ret, uint64_t *ret_memo,
		  uint64_t *ret_serial)
{
	int r = cg_pin_same(&e->pin);

	if (r > 0 && vp_coarse_ms() - e->ino_ms >= VP_CALLER_INO_MS) {
		uint64_t ino[CG_NCONTROLLERS];

		r = take_ino(core, &e->view, ino) >= 0 &&
		    memcmp(ino, e->view.ino, sizeof(ino)) == 0;
		e->ino_ms = vp_coarse_ms();
	}
	if (r > 0 && ret)
		r = view_copy(&e->view, ret) < 0 ? 0 : 1;
	if (r <= 0) {
		caller_drop(e);
		return 0;
	}
	*ret_memo = e->memo;
	*ret_serial = e->serial;
	return 1;
}

/* Keep tid's new resolution (pin and view are taken; the view is copied to ret when not
 * NULL). */
static void keep(struct vp_core *core, pid_t tid, struct cg_pin *pin, struct vp_view *v,
		 uint64_t ino_ms, uint64_t *ret_serial)
{
	struct vp_callers *cs = core->callers;
	struct caller_set *s = set_of(cs, tid);
	struct caller *e;

	*ret_serial = __atomic_add_fetch(&cs->serial, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&s->lock);
	e = find(s, tid);
	if (!e) {
		/* A free entry, else the least recently used. */
		e = &s->e[0];
		for (int w = 1; w < VP_CALLER_WAYS && e->tid; w++)
			if (!s->e[w].tid || s->e[w].used < e->used)
				e = &s->e[w];
	}
	caller_drop(e);
	e->tid = tid;
	e->pin = *pin;
	e->view = *v;
	e->ino_ms = ino_ms;
	e->serial = *ret_serial;
	e->used = ++s->clock;
	pthread_mutex_unlock(&s->lock);
	*pin = (struct cg_pin)CG_PIN_INIT;
	*v = (struct vp_view){0};
}

int vp_view_recall(struct vp_core *core, pid_t tid, struct vp_view *ret, uint64_t *ret_memo,
		   uint64_t *ret_serial)
{
	struct caller_set *s = set_of(core->callers, tid);
	struct cg_pin pin = CG_PIN_INIT;
	struct vp_view v = {0}, copy;
	struct caller *e;
	uint64_t ino_ms, memo = 0, serial = 0;
	int r, hit = 0;

	if (tid <= 0)
		return -ESRCH;
	pthread_mutex_lock(&s->lock);
	e = find(s, tid);
	if (e) {
		e->used = ++s->clock;
		hit = recall(core, e, ret, &memo, &serial);
	}
	pthread_mutex_unlock(&s->lock);
	if (hit) {
		if (ret_memo)
			*ret_memo = memo;
		if (ret_serial)
			*ret_serial = serial;
		return 0;
	}

	r = cg_caller_resolve_pin(core->ns, &core->layout, tid, CG_MASK_ALL, &v.c, &pin);
	ino_ms = vp_coarse_ms();
	if (r >= 0)
		r = take_ino(core, &v, v.ino);
	if (r >= 0 && ret)
		r = view_copy(&v, &copy);
	if (r < 0) {
		cg_pin_done(&pin);
		vp_view_done(&v);
		return r;
	}
	if (pin.fd >= 0) {
		keep(core, tid, &pin, &v, ino_ms, &serial);
	} else {
		serial = 0; /* not kept: no memo */
		vp_view_done(&v);
	}
	if (ret)
		*ret = copy;
	if (ret_memo)
		*ret_memo = 0;
	if (ret_serial)
		*ret_serial = serial;
	return 0;
}

void vp_view_forget(struct vp_core *core, pid_t tid)
{
	struct caller_set *s = set_of(core->callers, tid);
	struct caller *e;

	pthread_mutex_lock(&s->lock);
	e = tid > 0 ? find(s, tid) : NULL;
	if (e)
		caller_drop(e);
	pthread_mutex_unlock(&s->lock);
}

void vp_view_memo(struct vp_core *core, pid_t tid, uint64_t serial, uint64_t memo)
{
	struct caller_set *s;
	struct caller *e;

	if (!serial || tid <= 0)
		return;
	s = set_of(core->callers, tid);
	pthread_mutex_lock(&s->lock);
	e = find(s, tid);
	if (e && e->serial == serial)
		e->memo = memo;
	pthread_mutex_unlock(&s->lock);
}
