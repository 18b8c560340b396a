/* v2 cpu.max, and v1 cpu.cfs_quota_us + cpu.cfs_period_us (the input's two parts). */
#include "cgroup/cgroup.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *quota, *period;
	uint64_t u;

	if (!text)
		return 0;
	if (cg_parse_cpu_max(text, &u) == 0)
		FUZZ_CHECK(u > 0);
	fuzz_split(text, &quota, &period);
	if (cg_parse_cfs_quota(quota, period, &u) == 0)
		FUZZ_CHECK(u > 0);
	free(text);
	return 0;
}
