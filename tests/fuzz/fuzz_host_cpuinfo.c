/* The host's /proc/cpuinfo: render a container's view of some of its CPUs (the first bytes
 * of the input choose them) and check it has exactly one stanza per visible CPU. */
#include "proc_views/cpuinfo.h"
#include "tests/fuzz/fuzz.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned cpus[8], n;
	struct strbuf out = STRBUF_INIT;
	char *text;

	if (size < 1)
		return 0;
	n = data[0] % 9;
	if (size < 1 + n)
		return 0;
	for (unsigned i = 0; i < n; i++)
		cpus[i] = data[1 + i] % 16;
	text = fuzz_text(data + 1 + n, size - 1 - n);
	if (!text)
		return 0;
	if (pv_cpuinfo_render(text, cpus, n, &out) == 0) {
		unsigned count = 0;
		const char *p = out.buf ? out.buf : "";

		/* Lines whose key is exactly "processor" (what /proc/cpuinfo readers count). */
		for (const char *l = p; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
			count += strncmp(l, "processor", 9) == 0 && strchr("\t :", l[9]) &&
				 l[strspn(l + 9, "\t ") + 9] == ':';
		FUZZ_CHECK(count == n);
	}
	sb_release(&out);
	free(text);
	return 0;
}
