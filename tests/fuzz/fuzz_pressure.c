/* A cgroup's *.pressure: what parses is printed again, and that prints the same after a
 * second parse (the container's file is always in the kernel's format). */
#include <string.h>

#include "proc_views/pressure.h"
#include "tests/fuzz/fuzz.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct strbuf out = STRBUF_INIT, again = STRBUF_INIT;
	struct pv_pressure p, q;

	if (!text)
		return 0;
	if (pv_pressure_parse(text, &p) == 0) {
		FUZZ_CHECK(pv_pressure_render(&p, &out) == 0);
		FUZZ_CHECK(pv_pressure_parse(out.buf, &q) == 0);
		FUZZ_CHECK(memcmp(&p.some, &q.some, sizeof(p.some)) == 0 && p.has_full == q.has_full);
		FUZZ_CHECK(!p.has_full || memcmp(&p.full, &q.full, sizeof(p.full)) == 0);
		FUZZ_CHECK(pv_pressure_render(&q, &again) == 0);
		FUZZ_CHECK(out.len == again.len && memcmp(out.buf, again.buf, out.len) == 0);
		/* Input in the kernel's format is given back byte for byte. */
		if (size > 0 && text[size - 1] == '\n' && strlen(text) == size)
			FUZZ_CHECK(out.len == size && memcmp(out.buf, text, size) == 0);
	}
	sb_release(&out);
	sb_release(&again);
	free(text);
	return 0;
}
