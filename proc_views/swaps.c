/* /proc/swaps for a container (see swaps.h). */
#include "proc_views/swaps.h"

int pv_swaps_render(uint64_t total_kb, uint64_t used_kb, struct strbuf *out)
{
	static const char name[] = "none";
	int r;

	sb_reset(out);
	r = sb_appendf(out, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	/* The kernel's swap_show(): the name padded to 40 columns, tabs doubled for short
	 * numbers. */
	if (r >= 0 && total_kb > 0)
		r = sb_appendf(out, "%s%*s%s\t%llu\t%s%llu\t%s%d\n", name,
			       (int)(40 - (sizeof(name) - 1)), " ", "virtual",
			       (unsigned long long)total_kb, total_kb < 10000000 ? "\t" : "",
			       (unsigned long long)used_kb, used_kb < 10000000 ? "\t" : "", -2);
	return r < 0 ? r : 0;
}
