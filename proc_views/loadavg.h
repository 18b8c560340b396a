/* /proc/loadavg for a container: the kernel's fixed-point load average, applied to one
 * container's runnable + uninterruptible tasks. Pure. */
#ifndef VP_PROC_VIEWS_LOADAVG_H
#define VP_PROC_VIEWS_LOADAVG_H

#include <stdint.h>
#include <sys/types.h>

#include "util/strbuf.h"

#define PV_FSHIFT 11
#define PV_FIXED_1 (1UL << PV_FSHIFT)
#define PV_EXP_1 1884UL  /* 1/exp(5s/1min) in fixed point */
#define PV_EXP_5 2014UL  /* 1/exp(5s/5min) */
#define PV_EXP_15 2037UL /* 1/exp(5s/15min) */
/* Seconds between samples, as the kernel's LOAD_FREQ. */
#define PV_LOAD_FREQ_S 5

/* One decay step (the kernel's calc_load()): active is in fixed point. */
unsigned long pv_calc_load(unsigned long load, unsigned long exp, unsigned long active);
/* One 5-second tick of the three averages with `active` runnable+blocked tasks. */
void pv_loadavg_tick(unsigned long avg[3], unsigned active);

/* "l1 l5 l15 running/total last_pid\n" like the kernel. */
int pv_loadavg_render(const unsigned long avg[3], unsigned running, unsigned total,
		      pid_t last_pid, struct strbuf *out);

#endif
