/* /sys/devices/system/cpu range files (see sys_cpu.h). */
#include <errno.h>

#include "proc_views/sys_cpu.h"

int pv_sys_cpu_range_render(unsigned n, struct strbuf *out)
{
	int r;

	if (n == 0)
		return -EINVAL;
	sb_reset(out);
	r = n == 1 ? sb_appendf(out, "0\n") : sb_appendf(out, "0-%u\n", n - 1);
	return r < 0 ? r : 0;
}
