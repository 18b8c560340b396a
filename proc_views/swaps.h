/* /proc/swaps for a container. Pure. */
#ifndef VP_PROC_VIEWS_SWAPS_H
#define VP_PROC_VIEWS_SWAPS_H

#include <stdint.h>

#include "util/strbuf.h"

/* The kernel's header, then, when total_kb > 0, one line for the container's share of swap
 * (the same SwapTotal and SwapTotal - SwapFree its /proc/meminfo shows), in the kernel's
 * column layout, named "none" of type "virtual" since it is no single device,
 * with priority -2 (what the kernel gives the first area swapon adds without one). */
int pv_swaps_render(uint64_t total_kb, uint64_t used_kb, struct strbuf *out);

#endif
