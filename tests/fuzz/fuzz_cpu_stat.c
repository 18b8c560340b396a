/* v2 cpu.stat and v1 cpuacct.usage_all. */
#include "cgroup/cgroup.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct cg_cpuacct a;

	if (!text)
		return 0;
	memset(&a, 0, sizeof(a));
	if (cg_parse_cpu_stat(text, &a) == 0) {
		FUZZ_CHECK(a.nice_us <= a.user_us);
		FUZZ_CHECK(a.ncpu == 0);
	}
	cg_cpuacct_done(&a);
	memset(&a, 0, sizeof(a));
	if (cg_parse_cpuacct_usage_all(text, &a) == 0 && a.ncpu > 0) {
		/* Every per-CPU figure is readable (ASan checks the arrays' size). */
		uint64_t u = 0;

		for (unsigned i = 0; i < a.ncpu; i++)
			u |= a.cpu_user_us[i] | a.cpu_system_us[i];
		(void)u;
	}
	cg_cpuacct_done(&a);
	free(text);
	return 0;
}
