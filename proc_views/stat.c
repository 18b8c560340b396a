/* /proc/stat for a container (see stat.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proc_views/stat.h"
#include "util/parse.h"

int pv_host_stat_btime(const char *text, unsigned long long *ret)
{
	size_t len;
	const char *v = find_line(text, "btime ", &len);
	uint64_t b;

	if (!v || parse_u64_n(v, len, &b) < 0)
		return -EINVAL;
	*ret = b;
	return 0;
}

static int cpu_line(struct strbuf *out, const char *name, const uint64_t *f, unsigned hz)
{
	return sb_appendf(out, "%s %llu %llu %llu %llu 0 0 0 0 0 0\n", name,
			  (unsigned long long)pv_ticks(f[PV_USER], hz),
			  (unsigned long long)pv_ticks(f[PV_NICE], hz),
			  (unsigned long long)pv_ticks(f[PV_SYSTEM], hz),
			  (unsigned long long)pv_ticks(f[PV_IDLE], hz));
}

int pv_stat_render(const struct pv_stat_in *in, struct strbuf *out)
{
	const struct pv_cputime *t = in->t;
	int r;

	if (!t->init || t->n == 0 || t->n > t->nslots || in->hz == 0)
		return -EINVAL;
	sb_reset(out);
	r = cpu_line(out, "cpu ", t->total, in->hz);
	for (unsigned i = 0; i < t->n && r >= 0; i++) {
		char name[24];

		snprintf(name, sizeof(name), "cpu%u", i);
		r = cpu_line(out, name, t->slot[i].emit, in->hz);
	}
	if (r >= 0)
		r = sb_appendf(out,
			       "intr 0\nctxt 0\nbtime %llu\nprocesses 0\nprocs_running %u\n"
			       "procs_blocked %u\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
			       in->btime, in->running, in->blocked);
	return r < 0 ? r : 0;
}
