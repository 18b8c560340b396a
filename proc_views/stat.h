/* /proc/stat for a container. Pure. */
#ifndef VP_PROC_VIEWS_STAT_H
#define VP_PROC_VIEWS_STAT_H

#include "proc_views/cpumodel.h"
#include "util/strbuf.h"

/* btime from the host's /proc/stat text. -EINVAL when missing or malformed. */
int pv_host_stat_btime(const char *text, unsigned long long *ret);

struct pv_stat_in {
	const struct pv_cputime *t; /* updated counters (t->n visible CPUs) */
	unsigned hz;                /* USER_HZ */
	unsigned long long btime;   /* the host's: ps computes start times from it */
	unsigned running, blocked;  /* the container's tasks in R and D */
};

/* "cpu" and "cpu0".."cpu<n-1>" lines from the counters (iowait, irq, softirq, steal, guest,
 * guest_nice 0: no cgroup accounts them), then intr/ctxt/processes/softirq 0 (host-wide
 * counters no cgroup keeps; the host's would expose other tenants' activity), the host's
 * btime, and the container's procs_running/procs_blocked. */
int pv_stat_render(const struct pv_stat_in *in, struct strbuf *out);

#endif
