/* /proc/loadavg for a container (see loadavg.h). */
#include "proc_views/loadavg.h"

unsigned long pv_calc_load(unsigned long load, unsigned long exp, unsigned long active)
{
	unsigned long newload = load * exp + active * (PV_FIXED_1 - exp);

	if (active >= load)
		newload += PV_FIXED_1 - 1;
	return newload / PV_FIXED_1;
}

void pv_loadavg_tick(unsigned long avg[3], unsigned active)
{
	unsigned long a = (unsigned long)active * PV_FIXED_1;

	avg[0] = pv_calc_load(avg[0], PV_EXP_1, a);
	avg[1] = pv_calc_load(avg[1], PV_EXP_5, a);
	avg[2] = pv_calc_load(avg[2], PV_EXP_15, a);
}

#define LOAD_INT(x) ((x) >> PV_FSHIFT)
#define LOAD_FRAC(x) LOAD_INT(((x) & (PV_FIXED_1 - 1)) * 100)

int pv_loadavg_render(const unsigned long avg[3], unsigned running, unsigned total,
		      pid_t last_pid, struct strbuf *out)
{
	unsigned long v[3];
	int r;

	/* The kernel rounds to two decimals by adding FIXED_1/200 first. */
	for (int i = 0; i < 3; i++)
		v[i] = avg[i] + PV_FIXED_1 / 200;
	sb_reset(out);
	r = sb_appendf(out, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n", LOAD_INT(v[0]),
		       LOAD_FRAC(v[0]), LOAD_INT(v[1]), LOAD_FRAC(v[1]), LOAD_INT(v[2]),
		       LOAD_FRAC(v[2]), running, total, (int)last_pid);
	return r < 0 ? r : 0;
}
