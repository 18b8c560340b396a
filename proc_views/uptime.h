/* /proc/uptime for a container. Pure. */
#ifndef VP_PROC_VIEWS_UPTIME_H
#define VP_PROC_VIEWS_UPTIME_H

#include <stdint.h>

#include "util/strbuf.h"

/* "<uptime> <idle>\n" in seconds with two decimals, like the kernel: uptime is the
 * container's age, idle its idle CPU time summed over its visible CPUs (the idle total of
 * its /proc/stat). */
int pv_uptime_render(uint64_t uptime_us, uint64_t idle_us, struct strbuf *out);

#endif
