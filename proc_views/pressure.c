/*
 * /proc/pressure/{cpu,memory,io} of a container: the container cgroup's cpu.pressure,
 * memory.pressure and io.pressure (v2 only), whose format the kernel shares with the
 * system-wide files. The text is parsed strictly and printed again (never passed on
 * unchecked), "some" then "full" exactly when the cgroup's file has a full line.
 */
#include <errno.h>
#include <string.h>

#include "proc_views/pressure.h"
#include "util/parse.h"

static const char *const avg_names[3] = {"avg10=", "avg60=", "avg300="};

/* "label=" at *p, then the word up to the next space (or end): value in [*ret_v, *ret_n). */
static int field(const char **p, const char *end, const char *label, const char **ret_v,
		 size_t *ret_n)
{
	size_t ln = strlen(label);
	const char *v, *sp;

	if ((size_t)(end - *p) < ln || memcmp(*p, label, ln) != 0)
		return -EINVAL;
	v = *p + ln;
	sp = memchr(v, ' ', (size_t)(end - v));
	*ret_v = v;
	*ret_n = (size_t)((sp ? sp : end) - v);
	*p = sp ? sp + 1 : end;
	return 0;
}

/* A number as the kernel prints it: no leading zero (so that the text printed again is the
 * text read). */
static int parse_number(const char *s, size_t n, uint64_t *ret)
{
	if (n > 1 && s[0] == '0')
		return -EINVAL;
	return parse_u64_n(s, n, ret);
}

/* "12.34" as 1234. */
static int parse_avg(const char *s, size_t n, uint64_t *ret)
{
	uint64_t i, f;

	if (n < 4 || s[n - 3] != '.' || parse_number(s, n - 3, &i) < 0 ||
	    parse_u64_n(s + n - 2, 2, &f) < 0 || i > (UINT64_MAX - 99) / 100)
		return -EINVAL;
	*ret = i * 100 + f;
	return 0;
}

static int parse_line(const char *line, size_t len, const char *kind, struct pv_psi_line *ret)
{
	const char *p = line, *end = line + len, *v;
	struct pv_psi_line l;
	size_t n;

	if (len < 5 || memcmp(line, kind, 4) != 0 || line[4] != ' ')
		return -EINVAL;
	p += 5;
	for (int i = 0; i < 3; i++)
		if (field(&p, end, avg_names[i], &v, &n) < 0 || parse_avg(v, n, &l.avg[i]) < 0 ||
		    p == end)
			return -EINVAL;
	if (field(&p, end, "total=", &v, &n) < 0 || v + n != end ||
	    parse_number(v, n, &l.total) < 0)
		return -EINVAL;
	*ret = l;
	return 0;
}

int pv_pressure_parse(const char *text, struct pv_pressure *ret)
{
	const char *pos = text, *line;
	struct pv_pressure p = {0};
	size_t len;

	if (!line_next(&pos, &line, &len) || parse_line(line, len, "some", &p.some) < 0)
		return -EINVAL;
	if (line_next(&pos, &line, &len)) {
		if (parse_line(line, len, "full", &p.full) < 0 || line_next(&pos, &line, &len))
			return -EINVAL;
		p.has_full = true;
	}
	*ret = p;
	return 0;
}

static int put_line(struct strbuf *out, const char *kind, const struct pv_psi_line *l)
{
	return sb_appendf(out, "%s avg10=%llu.%02llu avg60=%llu.%02llu avg300=%llu.%02llu total=%llu\n",
			  kind, (unsigned long long)(l->avg[0] / 100),
			  (unsigned long long)(l->avg[0] % 100), (unsigned long long)(l->avg[1] / 100),
			  (unsigned long long)(l->avg[1] % 100), (unsigned long long)(l->avg[2] / 100),
			  (unsigned long long)(l->avg[2] % 100), (unsigned long long)l->total);
}

int pv_pressure_render(const struct pv_pressure *p, struct strbuf *out)
{
	int r;

	sb_reset(out);
	r = put_line(out, "some", &p->some);
	if (r == 0 && p->has_full)
		r = put_line(out, "full", &p->full);
	return r;
}
