/* /proc/uptime for a container (see uptime.h). */
#include "proc_views/uptime.h"

int pv_uptime_render(uint64_t uptime_us, uint64_t idle_us, struct strbuf *out)
{
	int r;

	sb_reset(out);
	r = sb_appendf(out, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(uptime_us / 1000000),
		       (unsigned long long)(uptime_us / 10000 % 100),
		       (unsigned long long)(idle_us / 1000000),
		       (unsigned long long)(idle_us / 10000 % 100));
	return r < 0 ? r : 0;
}
