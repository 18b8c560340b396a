/* Per-container state: monotonic CPU counters, task counts and load averages, plus the
 * sampler thread that updates the load averages of recently read containers every 5 s.
 *
 * Locking: the table lock protects the hash chains and the count; each entry's lock its
 * fields. Order: table, then entry. An entry is only reached through the table, so the
 * sampler may free an entry once it holds the table lock and then the entry's lock. I/O
 * (reading cgroup and /proc files) is done under an entry lock at most, never under the
 * table lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/core.h"
#include "proc_views/loadavg.h"
#include "util/parse.h"

#define NBUCKETS 4096
#define US_PER_S UINT64_C(1000000)
#define LOAD_FREQ_US (PV_LOAD_FREQ_S * US_PER_S)
/* A task count older than this is refreshed on read (the sampler keeps read ones fresher). */
#define TASKS_FRESH_US (LOAD_FREQ_US + US_PER_S)
/* At most this many load ticks are caught up at once (an hour's worth). */
#define MAX_CATCHUP_TICKS 720
/* Kept cgroup files unread this long are closed: a removed cgroup stays pinned in the
 * kernel's memory while a file of it is open. */
#define VP_FD_IDLE_S 60

struct vp_ctr {
	struct vp_ctr *next;
	char *key; /* the cpuacct (v2: unified) cgroup path */
	uint64_t hash;
	pthread_mutex_t lock;
	ino_t ino; /* the cgroup directory's inode: a recreated cgroup starts afresh */
	struct pv_cputime cpu;
	unsigned long avg[3];
	struct cg_tasks tasks;
	uint64_t tasks_at_us; /* when tasks was counted */
	uint64_t tick_us;     /* time of the last load tick */
	unsigned long long start_ticks;
	uint64_t read_us; /* last read */
	/* The cgroup's CPU time when the sampler last counted its tasks and found none running
	 * nor blocked (usage_idle: that is what it was). */
	uint64_t usage_ns;
	bool usage_idle;
};

struct vp_ctrs {
	struct vp_core *d;
	pthread_mutex_t lock;
	struct vp_ctr *bucket[NBUCKETS];
	size_t n;
	pthread_t thread;
	bool running, stop;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
};

uint64_t vp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * US_PER_S + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

int vp_ctrs_new(struct vp_core *d, struct vp_ctrs **ret)
{
	struct vp_ctrs *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;

	if (!s)
		return -ENOMEM;
	s->d = d;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->stop_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->stop_cond, &ca);
	pthread_condattr_destroy(&ca);
	*ret = s;
	return 0;
}

static void ctr_free(struct vp_ctr *e)
{
	pv_cputime_done(&e->cpu);
	pthread_mutex_destroy(&e->lock);
	free(e->key);
	free(e);
}

/* Under the table lock, with e's lock held: unlink and free e. */
static void ctr_unlink(struct vp_ctrs *s, struct vp_ctr *e)
{
	struct vp_ctr **pp = &s->bucket[e->hash % NBUCKETS];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	s->n--;
	pthread_mutex_unlock(&e->lock);
	ctr_free(e);
}

void vp_ctrs_free(struct vp_ctrs *s)
{
	if (!s)
		return;
	if (s->running) {
		pthread_mutex_lock(&s->stop_lock);
		s->stop = true;
		pthread_cond_signal(&s->stop_cond);
		pthread_mutex_unlock(&s->stop_lock);
		pthread_join(s->thread, NULL);
	}
	for (size_t b = 0; b < NBUCKETS; b++)
		while (s->bucket[b]) {
			struct vp_ctr *e = s->bucket[b];

			s->bucket[b] = e->next;
			ctr_free(e);
		}
	pthread_cond_destroy(&s->stop_cond);
	pthread_mutex_destroy(&s->stop_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

size_t vp_ctrs_count(struct vp_ctrs *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

static struct vp_ctr *find(struct vp_ctrs *s, const char *key, uint64_t h)
{
	for (struct vp_ctr *e = s->bucket[h % NBUCKETS]; e; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Under the table lock: forget the least recently read entry nobody is using. */
static void evict_lru(struct vp_ctrs *s)
{
	struct vp_ctr *victim = NULL;

	for (size_t b = 0; b < NBUCKETS; b++)
		for (struct vp_ctr *e = s->bucket[b]; e; e = e->next)
			if (!victim || e->read_us < victim->read_us)
				victim = e;
	if (victim && pthread_mutex_trylock(&victim->lock) == 0)
		ctr_unlink(s, victim);
}

/* The entry for key with its lock held, created if missing. */
static int lock_entry(struct vp_ctrs *s, const char *key, ino_t ino, struct vp_ctr **ret)
{
	uint64_t h = hash_str(key);
	struct vp_ctr *e;

	pthread_mutex_lock(&s->lock);
	e = find(s, key, h);
	if (!e) {
		if (s->n >= VP_CTR_MAX)
			evict_lru(s);
		e = calloc(1, sizeof(*e));
		if (!e || !(e->key = strdup(key))) {
			free(e);
			pthread_mutex_unlock(&s->lock);
			return -ENOMEM;
		}
		e->hash = h;
		e->ino = ino;
		pthread_mutex_init(&e->lock, NULL);
		e->next = s->bucket[h % NBUCKETS];
		s->bucket[h % NBUCKETS] = e;
		s->n++;
	}
	pthread_mutex_lock(&e->lock);
	pthread_mutex_unlock(&s->lock);
	if (e->ino != ino) {
		/* Same path, another cgroup (a container recreated under the same name). */
		pv_cputime_done(&e->cpu);
		memset(e->avg, 0, sizeof(e->avg));
		e->tasks_at_us = 0;
		e->usage_idle = false;
		e->ino = ino;
	}
	*ret = e;
	return 0;
}

static int copy_view(const struct vp_ctr *e, struct vp_ctr_view *v)
{
	*v = (struct vp_ctr_view){.t = e->cpu, .start_ticks = e->start_ticks, .tasks = e->tasks};
	memcpy(v->avg, e->avg, sizeof(v->avg));
	v->t.slot = NULL;
	v->t.nslots = 0;
	if (e->cpu.nslots) {
		v->t.slot = malloc(e->cpu.nslots * sizeof(*v->t.slot));
		if (!v->t.slot)
			return -ENOMEM;
		memcpy(v->t.slot, e->cpu.slot, e->cpu.nslots * sizeof(*v->t.slot));
		v->t.nslots = e->cpu.nslots;
	}
	return 0;
}

int vp_ctr_observe(struct vp_ctrs *s, const struct cg_caller *c, const struct pv_cpu_sample *cpu,
		   ino_t ino, struct vp_ctr_view *ret, struct cg_error *err)
{
	const struct cg_hier *h = &s->d->layout.h[CG_CPUACCT];
	const char *key = c->path[CG_CPUACCT];
	struct vp_ctr *e;
	uint64_t now;
	int r;

	if (h->version == CG_NONE || !key)
		return -ENODEV;
	if (ino == 0 && (r = cg_cpuacct_ino(h, key, &ino)) < 0)
		return r;
	r = lock_entry(s, key, ino, &e);
	if (r < 0)
		return r;
	now = vp_now_us();
	e->read_us = now;
	if (e->tasks_at_us == 0 || now - e->tasks_at_us > TASKS_FRESH_US) {
		struct cg_tasks t;

		r = cg_tasks_count(h, key, s->d->procfd, &t, err);
		if (r < 0)
			goto out;
		if (e->tasks_at_us == 0) {
			/* The start as the first reader sees it (the init of its pid namespace, or
			 * the oldest thread for a reader in the host's), so that the idle baseline
			 * agrees with the uptime it is shown. */
			e->start_ticks = c->host_ns || !c->init_start ? t.oldest_start : c->init_start;
			/* The kernel samples at most LOAD_FREQ after tasks start running: so does
			 * the sampler's next pass for a container first seen now. */
			e->tick_us = sat_sub(now, LOAD_FREQ_US);
		}
		e->tasks = t;
		e->tasks_at_us = now;
	}
	if (cpu) {
		struct pv_cpu_sample smp = *cpu;
		uint64_t start_us = (uint64_t)((unsigned __int128)e->start_ticks * US_PER_S /
					       s->d->hz);

		smp.now_us = now;
		smp.uptime_us = sat_sub(now, start_us);
		r = pv_cputime_update(&e->cpu, &smp);
		if (r < 0)
			goto out;
	}
	r = copy_view(e, ret);
out:
	pthread_mutex_unlock(&e->lock);
	return r;
}

/* ---- the load sampler ------------------------------------------------------------------- */

/* Under the table lock: the keys of recently read entries; stale ones are freed. */
static int collect(struct vp_ctrs *s, uint64_t now, char ***ret, size_t *ret_n)
{
	char **keys = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	for (size_t b = 0; b < NBUCKETS; b++) {
		struct vp_ctr *e = s->bucket[b], *next;

		for (; e; e = next) {
			next = e->next;
			if (now - e->read_us > VP_CTR_TTL_S * US_PER_S) {
				/* A reader holding it is about to refresh read_us: leave it. */
				if (pthread_mutex_trylock(&e->lock) == 0) {
					if (now - e->read_us > VP_CTR_TTL_S * US_PER_S)
						ctr_unlink(s, e);
					else
						pthread_mutex_unlock(&e->lock);
				}
				continue;
			}
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				char **nk = realloc(keys, ncap * sizeof(*nk));

				if (!nk) {
					r = -ENOMEM;
					goto out;
				}
				keys = nk;
				cap = ncap;
			}
			if (!(keys[n] = strdup(e->key))) {
				r = -ENOMEM;
				goto out;
			}
			n++;
		}
	}
out:
	pthread_mutex_unlock(&s->lock);
	*ret = keys;
	*ret_n = n;
	return r;
}

/* The entry of key (hash h) with its lock held, NULL if it is gone. */
static struct vp_ctr *lock_found(struct vp_ctrs *s, const char *key, uint64_t h)
{
	struct vp_ctr *e;

	pthread_mutex_lock(&s->lock);
	e = find(s, key, h);
	if (e)
		pthread_mutex_lock(&e->lock);
	pthread_mutex_unlock(&s->lock);
	return e;
}

/*
 * One load tick for container key. Counting its tasks reads /proc/TID/stat of each thread;
 * a container whose cgroup used no CPU time since a count that found none running nor
 * blocked is not counted again: none of its tasks ran since, so none was forked, exited, or
 * went to sleep uninterruptibly, and all still sleep. (A task woken but never run since
 * then, only under starvation, is missed, where a count would see it runnable.) Parked
 * containers, most of a big host's, cost one small read per tick.
 */
static void sample_one(struct vp_ctrs *s, const char *key)
{
	const struct cg_hier *h = &s->d->layout.h[CG_CPUACCT];
	struct cg_tasks t;
	struct vp_ctr *e;
	uint64_t now, usage = 0, h64 = hash_str(key);
	bool have_usage = cg_cpu_usage(h, key, &usage) == 0, counted = false;

	e = lock_found(s, key, h64);
	if (!e)
		return;
	if (!(have_usage && e->usage_idle && usage == e->usage_ns)) {
		pthread_mutex_unlock(&e->lock);
		if (cg_tasks_count(h, key, s->d->procfd, &t, NULL) < 0)
			return; /* gone: its entry ages out */
		counted = true;
		e = lock_found(s, key, h64);
		if (!e)
			return;
	}
	now = vp_now_us();
	if (e->tasks_at_us != 0) {
		uint64_t ticks = sat_sub(now, e->tick_us) / LOAD_FREQ_US;
		unsigned long active = counted ? t.running + t.blocked : 0;

		for (uint64_t i = 0; i < ticks && i < MAX_CATCHUP_TICKS; i++)
			pv_loadavg_tick(e->avg, active);
		e->tick_us += ticks * LOAD_FREQ_US;
		if (counted) {
			e->tasks = t;
			e->tasks_at_us = now;
			e->usage_ns = usage;
			e->usage_idle = have_usage && active == 0;
		}
	}
	pthread_mutex_unlock(&e->lock);
}

void vp_ctrs_sample(struct vp_ctrs *s)
{
	char **keys;
	size_t n;

	collect(s, vp_now_us(), &keys, &n);
	cg_layout_sweep(&s->d->layout, VP_FD_IDLE_S);
	for (size_t i = 0; i < n; i++) {
		sample_one(s, keys[i]);
		free(keys[i]);
	}
	free(keys);
}

static void *sampler(void *arg)
{
	struct vp_ctrs *s = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		bool stop;

		next.tv_sec += PV_LOAD_FREQ_S;
		pthread_mutex_lock(&s->stop_lock);
		while (!s->stop &&
		       pthread_cond_timedwait(&s->stop_cond, &s->stop_lock, &next) != ETIMEDOUT)
			;
		stop = s->stop;
		pthread_mutex_unlock(&s->stop_lock);
		if (stop)
			break;
		vp_ctrs_sample(s);
		/* Overran (a suspend, a huge table): skip missed wake-ups; entries catch up by
		 * their own tick times. */
		{
			struct timespec now;

			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > next.tv_sec)
				next = now;
		}
	}
	return NULL;
}

int vp_ctrs_start_sampler(struct vp_ctrs *s)
{
	int r = pthread_create(&s->thread, NULL, sampler, s);

	if (r != 0)
		return -r;
	s->running = true;
	return 0;
}
