/* memory.stat (v1 and v2) and the one-value limit files (memory.max, memory.limit_in_bytes). */
#include "cgroup/cgroup.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct cg_memstat ms;
	uint64_t limit;

	if (!text)
		return 0;
	(void)cg_parse_memstat(text, CG_V1, &ms);
	(void)cg_parse_memstat(text, CG_V2, &ms);
	(void)cg_parse_limit(text, &limit);
	free(text);
	return 0;
}
