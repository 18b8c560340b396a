/* The text of a bound view (core/core.c vp_view_format/vp_view_parse): what a restarted
 * daemon reads back from the slots its predecessor kept. */
#include "core/core.h"
#include "tests/fuzz/fuzz.h"

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct vp_view v, w;
	char out[8192];

	if (!text)
		return 0;
	if (vp_view_parse(text, &v) == 0) {
		/* What parses formats (when it fits) and reads back as the same view. */
		if (vp_view_format(&v, out, sizeof(out)) == 0) {
			FUZZ_CHECK(vp_view_parse(out, &w) == 0);
			FUZZ_CHECK(w.c.host_ns == v.c.host_ns && w.c.init == v.c.init &&
				   w.c.init_start == v.c.init_start && w.c.ns_level == v.c.ns_level);
			FUZZ_CHECK(memcmp(w.ino, v.ino, sizeof(v.ino)) == 0);
			for (int k = 0; k < CG_NCONTROLLERS; k++)
				FUZZ_CHECK(same(w.c.path[k], v.c.path[k]));
			vp_view_done(&w);
		}
		for (int k = 0; k < CG_NCONTROLLERS; k++)
			FUZZ_CHECK(!v.c.path[k] || v.c.path[k][0] == '/');
		vp_view_done(&v);
	}
	free(text);
	return 0;
}
