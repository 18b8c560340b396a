/* The host's /proc/meminfo: parse it, render a container's view from it, and parse that view
 * back (what a client of the container reads must be a well-formed meminfo with the same
 * keys). */
#include "proc_views/meminfo.h"
#include "tests/fuzz/fuzz.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pv_host_meminfo host, back;
	char *text = fuzz_text(data, size);
	struct strbuf out = STRBUF_INIT;
	struct pv_meminfo_ctr c = {
		.limit = 256 << 20, .usage = 100 << 20, .swap_accounted = true,
		.swap_limit = 64 << 20, .swap_usage = 1 << 20, .anon = 60 << 20, .file = 30 << 20,
		.shmem = 1 << 20, .active_anon = 50 << 20, .inactive_anon = 10 << 20,
		.active_file = 20 << 20, .inactive_file = 10 << 20, .slab = 5 << 20,
		.slab_reclaimable = 3 << 20, .slab_unreclaimable = 2 << 20,
	};
	uint64_t total, freekb;

	if (!text)
		return 0;
	if (pv_host_meminfo_parse(text, &host) == 0 && pv_meminfo_render(&host, &c, &out) == 0) {
		FUZZ_CHECK(out.buf && pv_host_meminfo_parse(out.buf, &back) == 0);
		FUZZ_CHECK(back.n == host.n);
		FUZZ_CHECK(pv_host_meminfo_get(&back, "MemTotal", &total) == 0);
		FUZZ_CHECK(total <= (256 << 10));
		if (pv_meminfo_swap(&host, &c, &total, &freekb) == 0)
			FUZZ_CHECK(freekb <= total);
	}
	sb_release(&out);
	free(text);
	return 0;
}
