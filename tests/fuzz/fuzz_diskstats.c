/* The host's /proc/diskstats rendered for a container and parsed back (same devices, same
 * field count), and each device's /sys/class/block/NAME/stat (its field count of "%8llu"
 * figures; the host's own from the text); the input's parts as host diskstats, v2 io.stat,
 * and the v1 blkio pair. */
#include <errno.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "proc_views/diskstats.h"
#include "tests/fuzz/fuzz.h"
#include "util/strbuf.h"

/* The figures of a stat file: words one space apart, a newline at the end. */
static size_t figures(const struct strbuf *out)
{
	size_t words = 0;

	FUZZ_CHECK(out->len > 0 && out->buf[out->len - 1] == '\n');
	for (const char *p = out->buf; *p; p++)
		words += *p != ' ' && *p != '\n' && (p == out->buf || p[-1] == ' ');
	return words;
}

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
	for (size_t i = 0; i < h->n && i < 4; i++) {
		FUZZ_CHECK(pv_blockstat_render(h, h->disk[i].major, h->disk[i].minor, io, s->n,
					       &out) == 0);
		FUZZ_CHECK(figures(&out) == h->nfields);
	}
	sb_release(&out);
	free(io);
}

/* The host's own stat file of each device of text (or of none: -ENOENT), as many figures as
 * its lines have. */
static void check_host_stat(const char *text, const struct pv_host_diskstats *h)
{
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < h->n && i < 4; i++)
		FUZZ_CHECK(pv_blockstat_host(text, h->disk[i].major, h->disk[i].minor, &out) == 0 &&
			   figures(&out) == h->nfields);
	if (h->n == 0)
		FUZZ_CHECK(pv_blockstat_host(text, 8, 0, &out) == -ENOENT);
	sb_release(&out);
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
		check_host_stat(text, &h);
		pv_host_diskstats_done(&h);
	} else {
		struct strbuf out = STRBUF_INIT;

		FUZZ_CHECK(pv_blockstat_host(text, 8, 0, &out) == -EINVAL ||
			   pv_blockstat_host(text, 8, 0, &out) == -ENOMEM);
		sb_release(&out);
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
