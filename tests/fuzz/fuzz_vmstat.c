/* The host's /proc/vmstat, rendered for a container and parsed back (the container's file
 * must be a well-formed vmstat with the host's keys); the input's two parts as host vmstat
 * and v2 memory.stat, whose counters the rendering must show; memory.events. */
#include <string.h>

#include "cgroup/cgroup.h"
#include "proc_views/vmstat.h"
#include "tests/fuzz/fuzz.h"
#include "util/strbuf.h"

static struct pv_host_vmstat host, back;

static void check_render(const struct pv_vmstat_ctr *c, uint64_t page_size)
{
	struct strbuf out = STRBUF_INIT;

	if (pv_vmstat_render(&host, c, page_size, 2 << 20, &out) == 0) {
		FUZZ_CHECK(out.buf && pv_host_vmstat_parse(out.buf, &back) == 0);
		FUZZ_CHECK(back.n == host.n);
		for (size_t i = 0; i < host.n; i++)
			FUZZ_CHECK(strcmp(back.key[i].name, host.key[i].name) == 0);
	}
	sb_release(&out);
}

/* The value of key in rendered text. */
static bool value_of(const char *text, const char *key, unsigned long long *ret)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
			*ret = strtoull(p + kl + 1, NULL, 10);
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *a, *b;
	struct pv_vmstat_ctr c = {
		.mem = {.anon = UINT64_MAX, .file = 1 << 20, .dirty = UINT64_MAX,
			.writeback = UINT64_MAX, .kernel_stack = 65536, .anon_thp = 4 << 20},
		.free_kb = UINT64_MAX,
		.io_rbytes = UINT64_MAX,
		.io_wbytes = 1023,
		.oom_kill = 3,
	};
	struct cg_memstat ms;
	uint64_t oom;

	if (!text)
		return 0;
	(void)cg_parse_memory_events(text, &oom);
	if (pv_host_vmstat_parse(text, &host) == 0) {
		check_render(&c, 4096);
		check_render(&c, 1);
	}
	fuzz_split(text, &a, &b);
	if (pv_host_vmstat_parse(a, &host) == 0 && cg_parse_memstat(b, CG_V2, &ms) == 0) {
		struct strbuf out = STRBUF_INIT;
		unsigned long long v;

		c.n_events = CG_NMEMEVENTS;
		c.event_name = cg_memevent_names;
		c.event = ms.event;
		/* Every counter shows as the cgroup gives it. */
		if (pv_vmstat_render(&host, &c, 4096, 2 << 20, &out) == 0)
			for (size_t i = 0; i < CG_NMEMEVENTS; i++)
				if (value_of(out.buf, cg_memevent_names[i], &v))
					FUZZ_CHECK(v == ms.event[i]);
		sb_release(&out);
	}
	free(text);
	return 0;
}
