/* The CPU model and the monotonic CPU time counters (see cpumodel.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc_views/cpumodel.h"
#include "util/parse.h"

int pv_cpu_model(const unsigned *cpus, unsigned ncpus, uint64_t quota, enum pv_cpu_count mode,
		 struct pv_cpu_model *ret)
{
	uint64_t n = ncpus;

	if (ncpus == 0)
		return -EINVAL;
	if (mode == PV_COUNT_QUOTA && quota != PV_UNLIMITED) {
		uint64_t ceil = quota / PV_UCPU + (quota % PV_UCPU ? 1 : 0);

		n = min_u64(n, ceil ? ceil : 1);
	}
	*ret = (struct pv_cpu_model){
		.n = (unsigned)n,
		.capacity = min_u64(n * PV_UCPU, quota),
		.host_cpu = cpus,
	};
	return 0;
}

static int grow(struct pv_cputime *st, unsigned n)
{
	struct pv_cpuslot *v;

	if (n <= st->nslots)
		return 0;
	v = realloc(st->slot, n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memset(v + st->nslots, 0, (n - st->nslots) * sizeof(*v));
	st->slot = v;
	st->nslots = n;
	return 0;
}

static uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 v = (unsigned __int128)a * b / c;

	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* CPU time a slot used in the interval. */
static uint64_t slot_used(const struct pv_cpuslot *sl)
{
	return sat_add(sat_add(sl->delta[PV_USER], sl->delta[PV_NICE]), sl->delta[PV_SYSTEM]);
}

static void baseline(struct pv_cputime *st, const struct pv_cpu_sample *s)
{
	uint64_t used = 0, idle;

	memset(st->total, 0, sizeof(st->total));
	for (unsigned i = 0; i < s->n; i++) {
		struct pv_cpuslot *sl = &st->slot[i];

		for (int f = 0; f < PV_IDLE; f++) {
			sl->raw[f] = sl->emit[f] = s->raw[f][i];
			st->total[f] = sat_add(st->total[f], sl->emit[f]);
		}
	}
	for (int f = 0; f < PV_IDLE; f++) {
		st->raw_total[f] = st->total[f];
		used = sat_add(used, st->total[f]);
	}
	idle = sat_sub(mul_div(s->capacity, s->uptime_us, PV_UCPU), used);
	for (unsigned i = 0; i < s->n; i++)
		st->slot[i].emit[PV_IDLE] = pv_spread(idle, s->n, i);
	st->total[PV_IDLE] = idle;
}

int pv_cputime_update(struct pv_cputime *st, const struct pv_cpu_sample *s)
{
	uint64_t raw_total[PV_IDLE] = {0}, cap, used_all = 0, idle_all, free_sum = 0;
	bool remap;
	int r;

	if (s->n == 0)
		return -EINVAL;
	r = grow(st, s->n);
	if (r < 0)
		return r;
	if (!st->init) {
		baseline(st, s);
		goto done;
	}

	remap = s->n != st->n || s->map_key != st->map_key;
	for (int f = 0; f < PV_IDLE; f++) {
		for (unsigned i = 0; i < s->n; i++)
			raw_total[f] = sat_add(raw_total[f], s->raw[f][i]);
		if (remap) {
			/* The slots mean something else now: the interval's growth, evenly. */
			uint64_t d = sat_sub(raw_total[f], st->raw_total[f]);

			for (unsigned i = 0; i < s->n; i++)
				st->slot[i].delta[f] = pv_spread(d, s->n, i);
		} else {
			for (unsigned i = 0; i < s->n; i++)
				st->slot[i].delta[f] = sat_sub(s->raw[f][i], st->slot[i].raw[f]);
		}
		for (unsigned i = 0; i < s->n; i++)
			st->slot[i].raw[f] = s->raw[f][i];
		st->raw_total[f] = raw_total[f];
	}

	/* Capacity of the interval, and how much of it went unused. */
	cap = mul_div(s->capacity, sat_sub(s->now_us, st->last_us), PV_UCPU);
	for (unsigned i = 0; i < s->n; i++)
		used_all = sat_add(used_all, slot_used(&st->slot[i]));
	idle_all = sat_sub(cap, used_all);
	for (unsigned i = 0; i < s->n; i++)
		free_sum = sat_add(free_sum, sat_sub(cap / s->n, slot_used(&st->slot[i])));

	for (unsigned i = 0; i < s->n; i++) {
		struct pv_cpuslot *sl = &st->slot[i];
		uint64_t idle = free_sum ? mul_div(idle_all, sat_sub(cap / s->n, slot_used(sl)),
						   free_sum)
					 : pv_spread(idle_all, s->n, i);

		for (int f = 0; f < PV_IDLE; f++) {
			sl->emit[f] = sat_add(sl->emit[f], st->slot[i].delta[f]);
			st->total[f] = sat_add(st->total[f], st->slot[i].delta[f]);
		}
		sl->emit[PV_IDLE] = sat_add(sl->emit[PV_IDLE], idle);
		st->total[PV_IDLE] = sat_add(st->total[PV_IDLE], idle);
	}
done:
	st->init = true;
	st->n = s->n;
	st->map_key = s->map_key;
	/* The clock must not run backwards either. */
	if (s->now_us > st->last_us)
		st->last_us = s->now_us;
	return 0;
}

void pv_cputime_done(struct pv_cputime *st)
{
	free(st->slot);
	memset(st, 0, sizeof(*st));
}
