/* sysinfo(2) from a container's meminfo, uptime and loadavg (the input's three parts, split
 * at blank lines), packed in both layouts. */
#include "proc_views/sysinfo.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *mem, *rest, *up, *la;
	unsigned char b64[PV_SYSINFO64_SIZE], b32[PV_SYSINFO32_SIZE];
	struct pv_sysinfo s;

	if (!text)
		return 0;
	fuzz_split(text, &mem, &rest);
	fuzz_split(rest, &up, &la);
	if (pv_sysinfo_parse(mem, up, la, &s) == 0) {
		uint32_t unit;

		FUZZ_CHECK(s.freeram <= s.totalram && s.freeswap <= s.totalswap);
		FUZZ_CHECK(s.totalram % 1024 == 0);
		FUZZ_CHECK(pv_sysinfo_pack64(&s, b64) == PV_SYSINFO64_SIZE);
		FUZZ_CHECK(pv_sysinfo_pack32(&s, b32) == PV_SYSINFO32_SIZE);
		memcpy(&unit, b32 + 52, 4);
		FUZZ_CHECK(unit && (unit & (unit - 1)) == 0);
		/* Scaled figures never exceed the real ones. */
		{
			uint32_t t;

			memcpy(&t, b32 + 16, 4);
			FUZZ_CHECK((uint64_t)t * unit <= s.totalram);
		}
	}
	free(text);
	return 0;
}
