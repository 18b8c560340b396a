/* The host's /proc/stat (btime, which the container's /proc/stat passes through). */
#include "proc_views/stat.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	unsigned long long btime;

	if (!text)
		return 0;
	(void)pv_host_stat_btime(text, &btime);
	free(text);
	return 0;
}
