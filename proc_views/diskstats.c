/*
 * /proc/diskstats of a container, field by field (Documentation/admin-guide/iostats.rst):
 *
 *    1 reads completed       rios            5 writes completed      wios
 *    3 sectors read          rbytes / 512    7 sectors written       wbytes / 512
 *   12 discards completed    dios           14 sectors discarded     dbytes / 512
 *   everything else 0: merges (2, 6, 13), the times spent (4, 8, 11, 15, 17), I/Os in
 *   flight (9), time doing I/O (10), flushes (16). No cgroup accounts them, so iostat shows
 *   the container's throughput with 0 %util and 0 await.
 *
 * Sectors are the kernel's 512-byte units whatever the device's block size. Every device of
 * the host is listed, in its order and with its field count; one the container never used
 * shows zeros, and so does every partition (the cgroup counts per whole disk).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc_views/diskstats.h"
#include "util/cleanup.h"
#include "util/parse.h"

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n >= PV_DISK_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static int parse_unsigned(const char *s, size_t n, unsigned max, unsigned *ret)
{
	uint64_t v;

	if (parse_u64_n(s, n, &v) < 0 || v > max)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* One line: the device and its field count. */
static int parse_line(const char *line, size_t len, struct pv_disk *ret, unsigned *ret_nfields)
{
	const char *p = line, *end = line + len, *w;
	unsigned nfields = 0;
	uint64_t v;
	size_t n;

	/* dev_t: 12 bits of major, 20 of minor. */
	if (!word_next(&p, end, &w, &n) || parse_unsigned(w, n, 0xfff, &ret->major) < 0 ||
	    !word_next(&p, end, &w, &n) || parse_unsigned(w, n, 0xfffff, &ret->minor) < 0 ||
	    !word_next(&p, end, &w, &n) || !name_ok(w, n))
		return -EINVAL;
	memcpy(ret->name, w, n);
	ret->name[n] = '\0';
	while (word_next(&p, end, &w, &n)) {
		if (parse_u64_n(w, n, &v) < 0)
			return -EINVAL;
		nfields++;
	}
	if (nfields != 11 && nfields != 15 && nfields != 17)
		return -EINVAL;
	*ret_nfields = nfields;
	return 0;
}

static uint64_t dev_key(unsigned major, unsigned minor)
{
	return (uint64_t)major << 32 | minor;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int check_unique(const struct pv_host_diskstats *h)
{
	_cleanup_free_ uint64_t *keys = NULL;

	if (h->n < 2)
		return 0;
	keys = calloc(h->n, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < h->n; i++)
		keys[i] = dev_key(h->disk[i].major, h->disk[i].minor);
	qsort(keys, h->n, sizeof(*keys), cmp_u64);
	for (size_t i = 1; i < h->n; i++)
		if (keys[i] == keys[i - 1])
			return -EINVAL;
	return 0;
}

static int parse_lines(const char *text, struct pv_host_diskstats *h)
{
	const char *pos = text, *line;
	size_t len, cap = 0;

	while (line_next(&pos, &line, &len)) {
		unsigned nfields;
		int r;

		if (h->n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct pv_disk *d = reallocarray(h->disk, ncap, sizeof(*d));

			if (!d)
				return -ENOMEM;
			h->disk = d;
			cap = ncap;
		}
		r = parse_line(line, len, &h->disk[h->n], &nfields);
		if (r < 0)
			return r;
		if (h->n > 0 && nfields != h->nfields)
			return -EINVAL;
		h->nfields = nfields;
		h->n++;
	}
	return check_unique(h);
}

int pv_host_diskstats_parse(const char *text, struct pv_host_diskstats *ret)
{
	struct pv_host_diskstats h = {0};
	int r = parse_lines(text, &h);

	if (r < 0) {
		pv_host_diskstats_done(&h);
		return r;
	}
	*ret = h;
	return 0;
}

void pv_host_diskstats_done(struct pv_host_diskstats *h)
{
	free(h->disk);
	*h = (struct pv_host_diskstats){0};
}

static int cmp_io(const void *key, const void *elem)
{
	uint64_t k = *(const uint64_t *)key;
	const struct pv_disk_io *d = elem;
	uint64_t e = dev_key(d->major, d->minor);

	return k < e ? -1 : k > e;
}

static const struct pv_disk_io *find_io(const struct pv_disk_io *io, size_t n, uint64_t key)
{
	return n ? bsearch(&key, io, n, sizeof(*io), cmp_io) : NULL;
}

/* The figures of a device for the container's I/O on it (io: NULL for none). */
static void figures(const struct pv_disk_io *io, uint64_t f[17])
{
	memset(f, 0, 17 * sizeof(*f));
	if (!io)
		return;
	f[0] = io->rios;
	f[2] = io->rbytes / 512;
	f[4] = io->wios;
	f[6] = io->wbytes / 512;
	f[11] = io->dios;
	f[13] = io->dbytes / 512;
}

static int put_disk(struct strbuf *out, const struct pv_disk *d, unsigned nfields,
		    const struct pv_disk_io *io)
{
	uint64_t f[17];
	int r;

	figures(io, f);
	/* The kernel's layout: "%4d %7d %s" then the figures, one space apart. */
	r = sb_appendf(out, "%4u %7u %s", d->major, d->minor, d->name);
	for (unsigned i = 0; r == 0 && i < nfields; i++)
		r = sb_appendf(out, " %llu", (unsigned long long)f[i]);
	return r < 0 ? r : sb_append(out, "\n", 1);
}

/* sysfs's layout of a stat file (block/genhd.c, part_stat_show()): "%8lu", one space apart. */
static int put_stat(struct strbuf *out, const uint64_t *f, unsigned nfields)
{
	int r = 0;

	sb_reset(out);
	for (unsigned i = 0; r == 0 && i < nfields; i++)
		r = sb_appendf(out, "%s%8llu", i ? " " : "", (unsigned long long)f[i]);
	return r < 0 ? r : sb_append(out, "\n", 1);
}

int pv_diskstats_render(const struct pv_host_diskstats *host, const struct pv_disk_io *io,
			size_t n_io, struct strbuf *out)
{
	if (host->n > 0 && host->nfields != 11 && host->nfields != 15 && host->nfields != 17)
		return -EINVAL;
	for (size_t i = 1; i < n_io; i++)
		if (dev_key(io[i - 1].major, io[i - 1].minor) >= dev_key(io[i].major, io[i].minor))
			return -EINVAL;
	sb_reset(out);
	for (size_t i = 0; i < host->n; i++) {
		const struct pv_disk *d = &host->disk[i];
		int r = put_disk(out, d, host->nfields, find_io(io, n_io, dev_key(d->major, d->minor)));

		if (r < 0)
			return r;
	}
	return 0;
}

int pv_blockstat_render(const struct pv_host_diskstats *host, unsigned major, unsigned minor,
			const struct pv_disk_io *io, size_t n_io, struct strbuf *out)
{
	uint64_t f[17];

	if (host->n > 0 && host->nfields != 11 && host->nfields != 15 && host->nfields != 17)
		return -EINVAL;
	for (size_t i = 1; i < n_io; i++)
		if (dev_key(io[i - 1].major, io[i - 1].minor) >= dev_key(io[i].major, io[i].minor))
			return -EINVAL;
	for (size_t i = 0; i < host->n; i++) {
		if (host->disk[i].major != major || host->disk[i].minor != minor)
			continue;
		figures(find_io(io, n_io, dev_key(major, minor)), f);
		return put_stat(out, f, host->nfields);
	}
	return -ENOENT;
}

int pv_blockstat_host(const char *diskstats, unsigned major, unsigned minor, struct strbuf *out)
{
	struct pv_host_diskstats h = {0};
	const char *pos = diskstats, *line;
	size_t len;
	int r = parse_lines(diskstats, &h);

	if (r < 0) {
		pv_host_diskstats_done(&h);
		return r;
	}
	r = -ENOENT;
	for (size_t i = 0; i < h.n && line_next(&pos, &line, &len); i++) {
		const char *p = line, *end = line + len, *w;
		uint64_t f[17] = {0};
		size_t n;

		if (h.disk[i].major != major || h.disk[i].minor != minor)
			continue;
		/* Checked by parse_lines(): three words, then h.nfields numbers. */
		for (unsigned k = 0; k < 3; k++)
			word_next(&p, end, &w, &n);
		for (unsigned k = 0; k < h.nfields && word_next(&p, end, &w, &n); k++)
			if (parse_u64_n(w, n, &f[k]) < 0)
				f[k] = 0;
		r = put_stat(out, f, h.nfields);
		break;
	}
	pv_host_diskstats_done(&h);
	return r;
}
