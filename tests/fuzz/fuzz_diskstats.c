/* The host's /proc/diskstats rendered for a container and parsed back (same devices, same
 * field count); the input's parts as host diskstats, v2 io.stat, and the v1 blkio pair. */
#include <string.h>

#include "cgroup/cgroup.h"
#include "proc_views/diskstats.h"
#include "tests/fuzz/fuzz.h"
#include "util/strbuf.h"

static void check_render(const struct pv_host_diskstats *h, const struct cg_iostat *s)
{
	struct pv_disk_io *io = calloc(s->n + 1, sizeof(*io));
	struct pv_host_diskstats back;
	struct strbuf out = STRBUF_INIT;

	if (!io)
		return;
	for (size_t i = 0; i < s->n; i++)
		io[i] = (struct pv_disk_io){s->dev[i].major, s->dev[i].minor, s->dev[i].rbytes,
					    s->dev[i].wbytes, s->dev[i].rios,   s->dev[i].wios,
					    s->dev[i].dbytes, s->dev[i].dios};
	/* The cgroup layer's lists are sorted and unique, as the renderer requires. */
	FUZZ_CHECK(pv_diskstats_render(h, io, s->n, &out) == 0);
	if (h->n > 0) {
		FUZZ_CHECK(pv_host_diskstats_parse(out.buf, &back) == 0);
		FUZZ_CHECK(back.n == h->n && back.nfields == h->nfields);
		for (size_t i = 0; i < h->n; i++)
			FUZZ_CHECK(back.disk[i].major == h->disk[i].major &&
				   back.disk[i].minor == h->disk[i].minor &&
				   strcmp(back.disk[i].name, h->disk[i].name) == 0);
		pv_host_diskstats_done(&back);
	}
	sb_release(&out);
	free(io);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *a, *b, *b1, *b2;
	struct pv_host_diskstats h;
	struct cg_iostat s;

	if (!text)
		return 0;
	if (pv_host_diskstats_parse(text, &h) == 0) {
		check_render(&h, &(struct cg_iostat){0});
		pv_host_diskstats_done(&h);
	}
	if (cg_parse_io_stat(text, &s) == 0) {
		for (size_t i = 1; i < s.n; i++)
			FUZZ_CHECK(s.dev[i - 1].major < s.dev[i].major ||
				   (s.dev[i - 1].major == s.dev[i].major &&
				    s.dev[i - 1].minor < s.dev[i].minor));
		cg_iostat_done(&s);
	}
	fuzz_split(text, &a, &b);
	if (cg_parse_blkio(a, b, &s) == 0)
		cg_iostat_done(&s);
	if (pv_host_diskstats_parse(a, &h) == 0) {
		if (cg_parse_io_stat(b, &s) == 0) {
			check_render(&h, &s);
			cg_iostat_done(&s);
		}
		fuzz_split(b, &b1, &b2);
		if (cg_parse_blkio(b1, b2, &s) == 0) {
			check_render(&h, &s);
			cg_iostat_done(&s);
		}
		pv_host_diskstats_done(&h);
	}
	free(text);
	return 0;
}
