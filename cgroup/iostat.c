/* Pure parsers of a cgroup's per-device I/O: v2 io.stat, v1 blkio.throttle.*_recursive. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/parse.h"

/* dev_t's limits: 12 bits of major, 20 of minor. */
#define DEV_MAJOR_MAX 0xfffu
#define DEV_MINOR_MAX 0xfffffu

struct iodevs {
	struct cg_iostat s;
	size_t cap;
};

static struct cg_iodev *iodev_add(struct iodevs *d, unsigned major, unsigned minor)
{
	if (d->s.n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 8;
		struct cg_iodev *v = reallocarray(d->s.dev, ncap, sizeof(*v));

		if (!v)
			return NULL;
		d->s.dev = v;
		d->cap = ncap;
	}
	d->s.dev[d->s.n] = (struct cg_iodev){.major = major, .minor = minor};
	return &d->s.dev[d->s.n++];
}

/* The device's entry, added when new. Lines of one device come together: look from the end. */
static struct cg_iodev *iodev_get(struct iodevs *d, unsigned major, unsigned minor)
{
	for (size_t i = d->s.n; i > 0; i--)
		if (d->s.dev[i - 1].major == major && d->s.dev[i - 1].minor == minor)
			return &d->s.dev[i - 1];
	return iodev_add(d, major, minor);
}

static int cmp_iodev(const void *a, const void *b)
{
	const struct cg_iodev *x = a, *y = b;

	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

/* Sort, refuse a device listed twice, hand the array on. */
static int iodevs_finish(struct iodevs *d, struct cg_iostat *ret)
{
	if (d->s.n > 1)
		qsort(d->s.dev, d->s.n, sizeof(*d->s.dev), cmp_iodev);
	for (size_t i = 1; i < d->s.n; i++)
		if (cmp_iodev(&d->s.dev[i - 1], &d->s.dev[i]) == 0)
			return -EINVAL;
	*ret = d->s;
	d->s = (struct cg_iostat){0};
	return 0;
}

/* "MAJ:MIN" exactly. */
static int parse_dev(const char *s, size_t n, unsigned *ret_major, unsigned *ret_minor)
{
	const char *colon = memchr(s, ':', n);
	uint64_t major, minor;

	if (!colon || parse_u64_n(s, (size_t)(colon - s), &major) < 0 ||
	    parse_u64_n(colon + 1, n - (size_t)(colon - s) - 1, &minor) < 0 ||
	    major > DEV_MAJOR_MAX || minor > DEV_MINOR_MAX)
		return -EINVAL;
	*ret_major = (unsigned)major;
	*ret_minor = (unsigned)minor;
	return 0;
}

#define IOF(field) offsetof(struct cg_iodev, field)
static const struct {
	const char *name;
	size_t offset;
} io_stat_keys[] = {
	{"rbytes", IOF(rbytes)}, {"wbytes", IOF(wbytes)}, {"rios", IOF(rios)},
	{"wios", IOF(wios)},     {"dbytes", IOF(dbytes)}, {"dios", IOF(dios)},
};

static uint64_t *iodev_field(struct cg_iodev *d, size_t offset)
{
	return (uint64_t *)((char *)d + offset);
}

/* One "key=value" word of an io.stat line. */
static int io_stat_word(const char *w, size_t n, struct cg_iodev *d, bool seen[])
{
	const char *eq = memchr(w, '=', n);
	size_t klen;

	if (!eq || eq == w || eq == w + n - 1)
		return -EINVAL;
	klen = (size_t)(eq - w);
	for (size_t k = 0; k < VP_ARRAY_SIZE(io_stat_keys); k++) {
		if (strlen(io_stat_keys[k].name) != klen || memcmp(io_stat_keys[k].name, w, klen) != 0)
			continue;
		if (seen[k] || parse_u64_n(eq + 1, n - klen - 1,
					   iodev_field(d, io_stat_keys[k].offset)) < 0)
			return -EINVAL;
		seen[k] = true;
		return 0;
	}
	return 0;
}

static int io_stat_lines(const char *text, struct iodevs *d)
{
	const char *pos = text, *line;
	size_t len;

	while (line_next(&pos, &line, &len)) {
		const char *p = line, *end = line + len, *w;
		bool seen[VP_ARRAY_SIZE(io_stat_keys)] = {false};
		struct cg_iodev *dev;
		unsigned major, minor;
		size_t n;

		/* The device first, at the start of the line. */
		if (len == 0 || *line == ' ' || !word_next(&p, end, &w, &n) ||
		    parse_dev(w, n, &major, &minor) < 0)
			return -EINVAL;
		dev = iodev_add(d, major, minor);
		if (!dev)
			return -ENOMEM;
		while (word_next(&p, end, &w, &n))
			if (io_stat_word(w, n, dev, seen) < 0)
				return -EINVAL;
	}
	return 0;
}

int cg_parse_io_stat(const char *text, struct cg_iostat *ret)
{
	struct iodevs d = {0};
	int r = io_stat_lines(text, &d);

	if (r == 0)
		r = iodevs_finish(&d, ret);
	cg_iostat_done(&d.s);
	return r;
}

/* v1: the operations of a blkg_rwstat file, and where one file's figures go. */
enum { OP_READ, OP_WRITE, OP_SYNC, OP_ASYNC, OP_DISCARD, OP_TOTAL, NOPS };
static const char *const rwstat_ops[NOPS] = {"Read", "Write", "Sync", "Async", "Discard", "Total"};

struct rwstat_file {
	size_t read, write, discard; /* cg_iodev field offsets */
};

static int rwstat_op(const char *w, size_t n)
{
	for (int i = 0; i < NOPS; i++)
		if (strlen(rwstat_ops[i]) == n && memcmp(rwstat_ops[i], w, n) == 0)
			return i;
	return -EINVAL;
}

/* Which operations one file gave per device (by index in the device list), to refuse an
 * operation given twice. */
struct rwstat_seen {
	unsigned char *ops;
	size_t cap;
};

static int seen_mark(struct rwstat_seen *s, size_t dev, int op)
{
	if (dev >= s->cap) {
		size_t ncap = dev < 8 ? 16 : dev * 2;
		unsigned char *b = realloc(s->ops, ncap);

		if (!b)
			return -ENOMEM;
		memset(b + s->cap, 0, ncap - s->cap);
		s->ops = b;
		s->cap = ncap;
	}
	if (s->ops[dev] & (1u << op))
		return -EINVAL;
	s->ops[dev] |= (unsigned char)(1u << op);
	return 0;
}

/* One "MAJ:MIN Op N" line (words separated by one space). */
static int rwstat_line(const char *line, size_t len, const struct rwstat_file *f,
		       struct iodevs *d, struct rwstat_seen *seen)
{
	const char *end = line + len, *sp1 = memchr(line, ' ', len), *sp2;
	struct cg_iodev *dev;
	unsigned major, minor;
	uint64_t v;
	int op, r;

	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
	if (!sp2 || parse_dev(line, (size_t)(sp1 - line), &major, &minor) < 0 ||
	    (op = rwstat_op(sp1 + 1, (size_t)(sp2 - sp1 - 1))) < 0 ||
	    parse_u64_n(sp2 + 1, (size_t)(end - sp2 - 1), &v) < 0)
		return -EINVAL;
	dev = iodev_get(d, major, minor);
	if (!dev)
		return -ENOMEM;
	r = seen_mark(seen, (size_t)(dev - d->s.dev), op);
	if (r < 0)
		return r;
	if (op == OP_READ)
		*iodev_field(dev, f->read) = v;
	else if (op == OP_WRITE)
		*iodev_field(dev, f->write) = v;
	else if (op == OP_DISCARD)
		*iodev_field(dev, f->discard) = v;
	return 0;
}

/* Device lines, then exactly one "Total N" as the last line. */
static int rwstat_lines(const char *text, const struct rwstat_file *f, struct iodevs *d)
{
	const char *pos = text, *line;
	struct rwstat_seen seen = {0};
	bool total = false;
	size_t len;
	int r = 0;

	while (r == 0 && line_next(&pos, &line, &len)) {
		uint64_t v;

		if (total)
			r = -EINVAL;
		else if (len > 6 && memcmp(line, "Total ", 6) == 0) {
			total = true;
			r = parse_u64_n(line + 6, len - 6, &v) < 0 ? -EINVAL : 0;
		} else
			r = rwstat_line(line, len, f, d, &seen);
	}
	free(seen.ops);
	if (r == 0 && !total)
		r = -EINVAL;
	return r;
}

int cg_parse_blkio(const char *bytes, const char *ios, struct cg_iostat *ret)
{
	static const struct rwstat_file bytes_file = {IOF(rbytes), IOF(wbytes), IOF(dbytes)};
	static const struct rwstat_file ios_file = {IOF(rios), IOF(wios), IOF(dios)};
	struct iodevs d = {0};
	int r;

	/* Both files into one device list: the second file finds the first one's devices. */
	r = rwstat_lines(bytes, &bytes_file, &d);
	if (r == 0)
		r = rwstat_lines(ios, &ios_file, &d);
	if (r == 0)
		r = iodevs_finish(&d, ret);
	cg_iostat_done(&d.s);
	return r;
}

void cg_iostat_done(struct cg_iostat *s)
{
	free(s->dev);
	*s = (struct cg_iostat){0};
}
