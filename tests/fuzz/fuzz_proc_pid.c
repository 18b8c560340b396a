/* /proc/PID/status (NSpid, PPid) and /proc/PID/stat (state, start time). */
#include <sys/types.h>

#include "cgroup/caller.h"
#include "cgroup/cgroup.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), state;
	pid_t v[8], ppid, inner;
	size_t n = 0;
	unsigned long long start;

	if (!text)
		return 0;
	if (cg_parse_nspid(text, v, 8, &n) == 0)
		FUZZ_CHECK(n >= 1 && n <= 8);
	if (cg_parse_status(text, &ppid, &inner) == 0)
		FUZZ_CHECK(inner > 0);
	(void)cg_parse_stat_starttime(text, &start);
	(void)cg_parse_stat_state(text, &state, &start);
	free(text);
	return 0;
}
