/* cpuset lists (cpuset.cpus, cpuset.cpus.effective, /sys/devices/system/cpu/online). */
#include "cgroup/cgroup.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct cg_cpulist l = {0, NULL};

	if (!text)
		return 0;
	if (cg_parse_cpulist(text, &l) == 0) {
		/* Ascending, unique, below the bound, and each found at its index. */
		for (unsigned i = 0; i < l.n; i++) {
			FUZZ_CHECK(l.cpu[i] < CG_MAX_CPUS);
			FUZZ_CHECK(i == 0 || l.cpu[i - 1] < l.cpu[i]);
			FUZZ_CHECK(cg_cpulist_index(&l, l.cpu[i]) == (int)i);
		}
		cg_cpulist_done(&l);
	}
	free(text);
	return 0;
}
