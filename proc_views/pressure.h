/* /proc/pressure/{cpu,memory,io} for a container: its cgroup's *.pressure, checked and
 * written again in the kernel's format. Pure. */
#ifndef VP_PROC_VIEWS_PRESSURE_H
#define VP_PROC_VIEWS_PRESSURE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/strbuf.h"

/* One line: the share of time some (or all) tasks stalled, over 10, 60 and 300 s, in
 * hundredths of a percent; and the total stall time in microseconds. */
struct pv_psi_line {
	uint64_t avg[3];
	uint64_t total;
};

struct pv_pressure {
	struct pv_psi_line some, full;
	bool has_full; /* memory and io always; cpu from Linux 5.13 */
};

/* Parse "some avg10=A avg60=A avg300=A total=N" and an optional "full ..." line after it
 * (A: digits, '.', two digits; numbers without leading zeros, as the kernel prints them).
 * -EINVAL on any other shape or line, or a number that overflows. */
int pv_pressure_parse(const char *text, struct pv_pressure *ret);
/* The same lines, as the kernel prints them. */
int pv_pressure_render(const struct pv_pressure *p, struct strbuf *out);

#endif
