/* /sys/devices/system/cpu/{online,possible,present} for a container. Pure. */
#ifndef VP_PROC_VIEWS_SYS_CPU_H
#define VP_PROC_VIEWS_SYS_CPU_H

#include "util/strbuf.h"

/* "0\n" for one CPU, "0-<n-1>\n" otherwise: the visible CPUs are always numbered from 0, so
 * glibc's get_nprocs() and get_nprocs_conf(), lscpu and top agree with /proc. */
int pv_sys_cpu_range_render(unsigned n, struct strbuf *out);

#endif
