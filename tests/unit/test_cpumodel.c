/* proc_views/cpumodel.c: the CPU-count rule and the monotonic CPU time counters. */
#include <criterion/criterion.h>
#include <errno.h>

#include "proc_views/cpumodel.h"

static const unsigned cpus16[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const unsigned cpus23[2] = {2, 3};
static const unsigned cpus2345[4] = {2, 3, 4, 5};

static struct pv_cpu_model model(const unsigned *cpus, unsigned n, uint64_t quota,
				 enum pv_cpu_count mode)
{
	struct pv_cpu_model m;

	cr_assert_eq(pv_cpu_model(cpus, n, quota, mode, &m), 0);
	return m;
}

Test(cpu_model, cpuset_only)
{
	struct pv_cpu_model m = model(cpus23, 2, PV_UNLIMITED, PV_COUNT_QUOTA);

	cr_assert_eq(m.n, 2);
	cr_assert_eq(m.capacity, 2 * PV_UCPU);
	cr_assert_eq(m.host_cpu[0], 2);
}

Test(cpu_model, quota_only)
{
	struct pv_cpu_model m = model(cpus16, 16, 500000, PV_COUNT_QUOTA);

	cr_assert_eq(m.n, 1);
	cr_assert_eq(m.capacity, 500000);
	m = model(cpus16, 16, 4 * PV_UCPU, PV_COUNT_QUOTA);
	cr_assert_eq(m.n, 4);
	cr_assert_eq(m.capacity, 4 * PV_UCPU);
}

Test(cpu_model, both_the_smaller_wins)
{
	/* The v2 fixture's container: cpuset 2-3, 0.5 CPU. */
	struct pv_cpu_model m = model(cpus23, 2, 500000, PV_COUNT_QUOTA);

	cr_assert_eq(m.n, 1);
	cr_assert_eq(m.capacity, 500000);
	cr_assert_eq(m.host_cpu[0], 2);
	/* Its pod: cpuset 2-5, 1.5 CPUs: ceil(1.5) = 2 CPUs with 1.5 CPUs of capacity. */
	m = model(cpus2345, 4, 1500000, PV_COUNT_QUOTA);
	cr_assert_eq(m.n, 2);
	cr_assert_eq(m.capacity, 1500000);
	/* A quota above the cpuset: the cpuset wins, and so does its capacity. */
	m = model(cpus23, 2, 3 * PV_UCPU, PV_COUNT_QUOTA);
	cr_assert_eq(m.n, 2);
	cr_assert_eq(m.capacity, 2 * PV_UCPU);
}

Test(cpu_model, fractional_quotas_round_up)
{
	cr_assert_eq(model(cpus16, 16, 2010000, PV_COUNT_QUOTA).n, 3);
	cr_assert_eq(model(cpus16, 16, 2000000, PV_COUNT_QUOTA).n, 2);
	cr_assert_eq(model(cpus16, 16, 1000, PV_COUNT_QUOTA).n, 1);
	cr_assert_eq(model(cpus16, 16, 1000, PV_COUNT_QUOTA).capacity, 1000);
	cr_assert_eq(model(cpus16, 16, 0, PV_COUNT_QUOTA).n, 1, "never zero CPUs");
}

Test(cpu_model, cpuset_counting_mode)
{
	struct pv_cpu_model m = model(cpus2345, 4, 500000, PV_COUNT_CPUSET);

	cr_assert_eq(m.n, 4);
	cr_assert_eq(m.capacity, 500000, "capacity stays min(n, quota)");
}

Test(cpu_model, empty_cpuset)
{
	struct pv_cpu_model m;

	cr_assert_eq(pv_cpu_model(cpus16, 0, PV_UNLIMITED, PV_COUNT_QUOTA, &m), -EINVAL);
}

/* ---- counters ----------------------------------------------------------------------------- */

#define S(x) ((uint64_t)(x) * PV_UCPU)

struct feed {
	struct pv_cputime t;
	uint64_t user[4], nice[4], sys[4];
	uint64_t prev_total[PV_NFIELDS];
	uint64_t prev_slot[4][PV_NFIELDS];
	unsigned prev_n;
};

static void step(struct feed *f, uint64_t now, unsigned n, uint64_t cap, uint64_t key)
{
	struct pv_cpu_sample s = {
		.now_us = now,
		.uptime_us = now,
		.n = n,
		.capacity = cap,
		.map_key = key,
		.raw = {f->user, f->nice, f->sys},
	};

	cr_assert_eq(pv_cputime_update(&f->t, &s), 0);
	for (int k = 0; k < PV_NFIELDS; k++) {
		cr_assert_geq(f->t.total[k], f->prev_total[k], "total field %d went down", k);
		f->prev_total[k] = f->t.total[k];
		for (unsigned i = 0; i < n; i++) {
			/* A slot is only compared with its own earlier value. */
			if (i < f->prev_n || f->prev_slot[i][k])
				cr_assert_geq(f->t.slot[i].emit[k], f->prev_slot[i][k],
					      "cpu%u field %d went down", i, k);
			f->prev_slot[i][k] = f->t.slot[i].emit[k];
		}
	}
	f->prev_n = n;
}

Test(cputime, baseline_is_capacity_times_uptime_minus_used)
{
	struct feed f = {.user = {S(3)}, .sys = {S(1)}};

	/* 100 s old, 0.5 CPU: 50 s of capacity, 4 used, 46 idle. */
	step(&f, S(100), 1, 500000, 1);
	cr_assert_eq(f.t.total[PV_USER], S(3));
	cr_assert_eq(f.t.total[PV_SYSTEM], S(1));
	cr_assert_eq(f.t.total[PV_IDLE], S(46));
	pv_cputime_done(&f.t);
}

Test(cputime, saturated_is_all_busy_idle_is_all_idle)
{
	struct feed f = {.user = {S(10)}};
	uint64_t idle;

	step(&f, S(100), 1, 500000, 1);
	idle = f.t.total[PV_IDLE];
	/* One second at the full 0.5 CPU: no idle growth. */
	f.user[0] += 500000;
	step(&f, S(101), 1, 500000, 1);
	cr_assert_eq(f.t.total[PV_IDLE], idle);
	cr_assert_eq(f.t.total[PV_USER], S(10) + 500000);
	/* One idle second: all of the 0.5 CPU is idle. */
	step(&f, S(102), 1, 500000, 1);
	cr_assert_eq(f.t.total[PV_IDLE], idle + 500000);
	/* A burst above the quota still shows no negative idle. */
	f.user[0] += S(2);
	step(&f, S(103), 1, 500000, 1);
	cr_assert_eq(f.t.total[PV_IDLE], idle + 500000);
	pv_cputime_done(&f.t);
}

Test(cputime, idle_follows_unused_capacity_per_cpu)
{
	struct feed f = {.prev_n = 0};

	/* Two visible CPUs, 2 CPUs of capacity; one CPU busy, one idle for a second. */
	step(&f, S(10), 2, S(2), 7);
	f.user[0] += S(1);
	step(&f, S(11), 2, S(2), 7);
	cr_assert_eq(f.t.slot[0].emit[PV_IDLE], S(10), "busy CPU: only its baseline idle");
	cr_assert_eq(f.t.slot[1].emit[PV_IDLE], S(11));
	cr_assert_eq(f.t.total[PV_IDLE], S(21));
	/* Sum of the per-CPU lines is the cpu line. */
	for (int k = 0; k < PV_NFIELDS; k++)
		cr_assert_eq(f.t.slot[0].emit[k] + f.t.slot[1].emit[k], f.t.total[k]);
	pv_cputime_done(&f.t);
}

Test(cputime, never_decreases)
{
	struct feed f = {.prev_n = 0};
	uint64_t now = S(50);

	step(&f, now, 2, 1500000, 1);
	for (int i = 0; i < 200; i++) {
		switch (i % 7) {
		case 0: /* usage jumps */
			f.user[0] += S(3);
			f.sys[1] += S(1);
			break;
		case 1: /* a counter reset (cgroup recreated): raw values fall */
			f.user[0] /= 3;
			f.nice[1] = 0;
			break;
		case 2: /* the clock steps back */
			now -= S(2);
			break;
		case 3: /* quota changes: n 2 -> 1 */
			f.user[0] += 700000;
			step(&f, now += 300000, 1, 700000, 2);
			continue;
		case 4: /* and back, with another mapping */
			f.nice[1] += 5;
			step(&f, now += 300000, 2, 1500000, 3);
			continue;
		default:
			f.user[1] += 123456;
			f.nice[0] += 7;
			break;
		}
		now += 250000;
		step(&f, now, 2, 1500000, 3);
	}
	pv_cputime_done(&f.t);
}

Test(cputime, spread_is_monotonic)
{
	for (unsigned n = 1; n <= 5; n++)
		for (unsigned i = 0; i < n; i++)
			for (uint64_t t = 0; t < 40; t++) {
				cr_assert_geq(pv_spread(t + 1, n, i), pv_spread(t, n, i));
				if (i == 0) {
					uint64_t sum = 0;

					for (unsigned k = 0; k < n; k++)
						sum += pv_spread(t, n, k);
					cr_assert_eq(sum, t);
				}
			}
}

Test(cputime, ticks)
{
	cr_assert_eq(pv_ticks(1000000, 100), 100);
	cr_assert_eq(pv_ticks(19999, 100), 1);
	cr_assert_eq(pv_ticks(UINT64_C(18446744073709551615), 100), 
		     UINT64_C(1844674407370955), "no overflow");
}
