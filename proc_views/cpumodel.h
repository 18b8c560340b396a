/* The one CPU model every CPU view shares, and the per-container CPU time counters that
 * /proc/stat and /proc/uptime print. Pure: no I/O, no clocks; callers pass the time in. */
#ifndef VP_PROC_VIEWS_CPUMODEL_H
#define VP_PROC_VIEWS_CPUMODEL_H

#include <stdbool.h>
#include <stdint.h>

/* One CPU in micro-CPUs (same unit as cgroup/'s CG_UCPU). */
#define PV_UCPU UINT64_C(1000000)
#define PV_UNLIMITED UINT64_MAX

enum pv_cpu_count {
	PV_COUNT_QUOTA,  /* n = cpuset size capped at ceil(quota) (default) */
	PV_COUNT_CPUSET, /* n = cpuset size */
};

/* What a container looks like CPU-wise. */
struct pv_cpu_model {
	unsigned n;        /* visible CPUs, numbered 0..n-1, always >= 1 */
	uint64_t capacity; /* C = min(n, quota) in micro-CPUs */
	const unsigned *host_cpu; /* the host CPUs shown as 0..n-1: the first n of the cpuset */
};

/* cpus[0..ncpus): the container's effective cpuset (ascending host CPU numbers; ncpus >= 1);
 * quota in micro-CPUs or PV_UNLIMITED. -EINVAL when ncpus is 0. */
int pv_cpu_model(const unsigned *cpus, unsigned ncpus, uint64_t quota, enum pv_cpu_count mode,
		 struct pv_cpu_model *ret);

/* Fields of a visible CPU's time, microseconds. */
enum { PV_USER, PV_NICE, PV_SYSTEM, PV_IDLE, PV_NFIELDS };

/* Monotonic CPU time counters of one container: every emitted counter (per CPU and total)
 * is non-decreasing from update to update, whatever the inputs do. State is O(max n). */
struct pv_cputime {
	bool init;
	unsigned n;      /* visible CPUs at the last update */
	unsigned nslots; /* allocated slots: the largest n seen */
	uint64_t map_key; /* identifies how host CPU time maps onto slots */
	uint64_t last_us; /* time of the last update */
	uint64_t raw_total[PV_IDLE]; /* last raw user, nice, system totals */
	struct pv_cpuslot {
		uint64_t raw[PV_IDLE];      /* last raw user, nice, system of this slot */
		uint64_t emit[PV_NFIELDS];  /* what this visible CPU shows */
		uint64_t delta[PV_IDLE];    /* scratch: growth in the current update */
	} *slot;
	uint64_t total[PV_NFIELDS]; /* the "cpu" line */
};

/* One observation of a container. */
struct pv_cpu_sample {
	uint64_t now_us;    /* a monotonic clock (CLOCK_BOOTTIME) */
	uint64_t uptime_us; /* the container's age now (for the first baseline) */
	unsigned n;
	uint64_t capacity;  /* micro-CPUs */
	uint64_t map_key;   /* changes whenever the slot mapping of raw[] changes */
	/* raw[f][i]: cumulative time of field f (PV_USER without nice, PV_NICE, PV_SYSTEM) on
	 * slot i < n, from the cgroup. Should not decrease; where it does (a counter reset), it is ignored. */
	const uint64_t *raw[PV_IDLE];
};

/* Fold a sample into the counters:
 *   first sample: user/nice/system = raw, idle = max(0, C x uptime - used), spread evenly;
 *   then per update: each slot's user/nice/system grow by the raw growth (never negative);
 *   the container's idle grows by max(0, C x elapsed - used in the interval), shared among
 *   the slots in proportion to their unused share C/n. A container that uses all its
 *   capacity therefore shows 0 idle growth (100% busy), an idle one only idle growth.
 * When n or the mapping changes, the interval's growth is spread evenly over the new slots
 * and slots that disappear keep their values for when they come back. -ENOMEM. */
int pv_cputime_update(struct pv_cputime *st, const struct pv_cpu_sample *s);
void pv_cputime_done(struct pv_cputime *st);

/* Split total into n parts, the remainder to the lowest slots: part i is non-decreasing as
 * total grows, so even spreads stay monotonic. */
static inline uint64_t pv_spread(uint64_t total, unsigned n, unsigned i)
{
	return total / n + (i < total % n ? 1 : 0);
}

/* Microseconds to clock ticks (USER_HZ). */
static inline uint64_t pv_ticks(uint64_t us, unsigned hz)
{
	return (uint64_t)((unsigned __int128)us * hz / PV_UCPU);
}

#endif
