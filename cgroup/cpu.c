/* CPU facts of one container: cpuset, quota and CPU time, v1 and v2. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/parse.h"

/* ---- cpu lists ---------------------------------------------------------------------------- */

static int cpulist_push(struct cg_cpulist *l, unsigned *cap, unsigned cpu)
{
	if (l->n == *cap) {
		unsigned ncap = *cap ? *cap * 2 : 16;
		unsigned *v = realloc(l->cpu, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->cpu = v;
		*cap = ncap;
	}
	l->cpu[l->n++] = cpu;
	return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static int parse_cpu_n(const char *s, size_t n, unsigned *ret)
{
	uint64_t v;

	if (parse_u64_n(s, n, &v) < 0 || v >= CG_MAX_CPUS)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

int cg_parse_cpulist(const char *text, struct cg_cpulist *ret)
{
	struct cg_cpulist l = {0};
	size_t len = strlen(text);
	unsigned cap = 0;
	const char *p = text, *end;
	int r = 0;

	if (len > 0 && text[len - 1] == '\n')
		len--;
	end = text + len;
	while (p < end && r == 0) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *tok_end = comma ? comma : end;
		const char *dash = memchr(p, '-', (size_t)(tok_end - p));
		unsigned lo, hi;

		r = parse_cpu_n(p, (size_t)((dash ? dash : tok_end) - p), &lo);
		hi = lo;
		if (r == 0 && dash)
			r = parse_cpu_n(dash + 1, (size_t)(tok_end - dash - 1), &hi);
		if (r == 0 && hi < lo)
			r = -EINVAL;
		for (unsigned c = lo; r == 0 && c <= hi; c++)
			r = cpulist_push(&l, &cap, c);
		/* "1," and ",1" are malformed: a comma must separate two tokens. */
		if (r == 0 && comma && comma + 1 == end)
			r = -EINVAL;
		p = comma ? comma + 1 : end;
	}
	if (r < 0) {
		free(l.cpu);
		return r;
	}
	if (l.n > 1) {
		unsigned w = 1;

		qsort(l.cpu, l.n, sizeof(*l.cpu), cmp_unsigned);
		for (unsigned i = 1; i < l.n; i++)
			if (l.cpu[i] != l.cpu[w - 1])
				l.cpu[w++] = l.cpu[i];
		l.n = w;
	}
	*ret = l;
	return 0;
}

void cg_cpulist_done(struct cg_cpulist *l)
{
	free(l->cpu);
	*l = (struct cg_cpulist){0};
}

int cg_cpulist_index(const struct cg_cpulist *l, unsigned cpu)
{
	unsigned lo = 0, hi = l->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (l->cpu[mid] == cpu)
			return (int)mid;
		if (l->cpu[mid] < cpu)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* ---- quotas ------------------------------------------------------------------------------- */

static uint64_t ucpus(uint64_t quota, uint64_t period)
{
	unsigned __int128 v = (unsigned __int128)quota * CG_UCPU / period;

	/* A positive quota never rounds down to no CPU at all. */
	return v >= CG_UNLIMITED ? CG_UNLIMITED - 1 : v == 0 ? 1 : (uint64_t)v;
}

int cg_parse_cpu_max(const char *text, uint64_t *ret_ucpus)
{
	const char *sp = strchr(text, ' ');
	uint64_t quota, period;
	size_t plen;

	if (!sp)
		return -EINVAL;
	plen = strlen(sp + 1);
	if (plen > 0 && sp[plen] == '\n')
		plen--;
	if (parse_u64_n(sp + 1, plen, &period) < 0 || period == 0)
		return -EINVAL;
	if ((size_t)(sp - text) == 3 && memcmp(text, "max", 3) == 0) {
		*ret_ucpus = CG_UNLIMITED;
		return 0;
	}
	/* The kernel refuses a zero quota (its minimum is 1 ms): 0 is garbage. */
	if (parse_u64_n(text, (size_t)(sp - text), &quota) < 0 || quota == 0)
		return -EINVAL;
	*ret_ucpus = ucpus(quota, period);
	return 0;
}

int cg_parse_cfs_quota(const char *quota, const char *period, uint64_t *ret_ucpus)
{
	uint64_t q, p;

	if (parse_u64_line(period, &p) < 0 || p == 0)
		return -EINVAL;
	if (strcmp(quota, "-1") == 0 || strcmp(quota, "-1\n") == 0) {
		*ret_ucpus = CG_UNLIMITED;
		return 0;
	}
	if (parse_u64_line(quota, &q) < 0 || q == 0)
		return -EINVAL;
	*ret_ucpus = ucpus(q, p);
	return 0;
}

/* ---- CPU time ----------------------------------------------------------------------------- */

struct cpu_stat_acc {
	struct cg_cpuacct a;
	unsigned seen;
};

static int cpu_stat_kv(const char *key, size_t klen, uint64_t v, void *u)
{
	struct cpu_stat_acc *s = u;
	static const struct {
		const char *name;
		size_t off;
		unsigned bit;
	} keys[] = {
		{"user_usec", offsetof(struct cg_cpuacct, user_us), 1},
		{"system_usec", offsetof(struct cg_cpuacct, system_us), 2},
		{"nice_usec", offsetof(struct cg_cpuacct, nice_us), 4},
		{"usage_usec", 0, 8},
	};

	for (size_t i = 0; i < VP_ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i].name) != klen || memcmp(keys[i].name, key, klen) != 0)
			continue;
		if (keys[i].bit != 8)
			*(uint64_t *)((char *)&s->a + keys[i].off) = v;
		s->seen |= keys[i].bit;
	}
	return 0;
}

int cg_parse_cpu_stat(const char *text, struct cg_cpuacct *ret)
{
	struct cpu_stat_acc s = {{0}, 0};
	int r = parse_kv_lines(text, cpu_stat_kv, &s);

	if (r < 0)
		return r;
	if ((s.seen & (1 | 2 | 8)) != (1 | 2 | 8))
		return -EINVAL;
	/* nice is part of user; a nice larger than user would be a kernel bug: cap it. */
	s.a.nice_us = min_u64(s.a.nice_us, s.a.user_us);
	*ret = s.a;
	return 0;
}

/* Split a line into up to max space-separated fields. */
static size_t fields(const char *line, size_t len, const char **f, size_t *flen, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && line[j] != ' ')
			j++;
		if (j == i || n == max)
			return SIZE_MAX;
		f[n] = line + i;
		flen[n++] = j - i;
		i = j + 1;
		if (j < len && i == len)
			return SIZE_MAX; /* trailing space */
	}
	return n;
}

int cg_parse_cpuacct_usage_all(const char *text, struct cg_cpuacct *ret)
{
	static const char header[] = "cpu user system\n";
	struct cg_cpuacct a = {0};
	const char *line;
	unsigned cap = 0;
	int r = 0;

	if (strncmp(text, header, sizeof(header) - 1) != 0)
		return -EINVAL;
	line = text + sizeof(header) - 1;
	while (*line && r == 0) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *f[3];
		size_t fl[3];
		uint64_t cpu, user, sys;

		if (fields(line, len, f, fl, 3) != 3 || parse_u64_n(f[0], fl[0], &cpu) < 0 ||
		    parse_u64_n(f[1], fl[1], &user) < 0 || parse_u64_n(f[2], fl[2], &sys) < 0 ||
		    cpu != a.ncpu || cpu >= CG_MAX_CPUS) {
			r = -EINVAL;
			break;
		}
		if (a.ncpu == cap) {
			unsigned ncap = cap ? cap * 2 : 16;
			uint64_t *u = realloc(a.cpu_user_us, ncap * sizeof(*u));
			uint64_t *s;

			if (u)
				a.cpu_user_us = u;
			s = u ? realloc(a.cpu_system_us, ncap * sizeof(*s)) : NULL;
			if (!s) {
				r = -ENOMEM;
				break;
			}
			a.cpu_system_us = s;
			cap = ncap;
		}
		a.cpu_user_us[a.ncpu] = user / 1000;
		a.cpu_system_us[a.ncpu] = sys / 1000;
		a.user_us = sat_add(a.user_us, user / 1000);
		a.system_us = sat_add(a.system_us, sys / 1000);
		a.ncpu++;
		if (!eol)
			break;
		line = eol + 1;
	}
	if (r == 0 && a.ncpu == 0)
		r = -EINVAL;
	if (r < 0) {
		cg_cpuacct_done(&a);
		return r;
	}
	*ret = a;
	return 0;
}

void cg_cpuacct_done(struct cg_cpuacct *a)
{
	free(a->cpu_user_us);
	free(a->cpu_system_us);
	*a = (struct cg_cpuacct){0};
}

/* ---- one container ------------------------------------------------------------------------ */

static int read_quota(const struct cg_hier *h, const char *path, struct strbuf *sb,
		      struct strbuf *period, uint64_t *ret)
{
	char cur[PATH_MAX];
	uint64_t min = CG_UNLIMITED;
	int r = cg_path_copy(cur, path);

	if (r < 0)
		return r;
	do {
		uint64_t q;

		if (h->version == CG_V2) {
			r = cg_read_file(h, cur, "cpu.max", sb);
			if (r == -ENOENT)
				continue; /* the root, or cpu not enabled at this level */
			if (r == 0)
				r = cg_parse_cpu_max(sb->buf ? sb->buf : "", &q);
		} else {
			/* v1's root cannot have a quota; "-1" needs no period. */
			if (strcmp(cur, "/") == 0)
				break;
			r = cg_read_file(h, cur, "cpu.cfs_quota_us", sb);
			if (r == 0 && sb->buf && (strcmp(sb->buf, "-1\n") == 0 ||
						  strcmp(sb->buf, "-1") == 0)) {
				q = CG_UNLIMITED;
			} else if (r == 0) {
				r = cg_read_file(h, cur, "cpu.cfs_period_us", period);
				if (r == 0)
					r = cg_parse_cfs_quota(sb->buf ? sb->buf : "",
							       period->buf ? period->buf : "", &q);
			}
		}
		if (r < 0)
			return r;
		min = min_u64(min, q);
	} while (cg_path_up(cur));
	*ret = min;
	return 0;
}

static int read_cpuset(const struct cg_hier *h, const char *path, struct strbuf *sb,
		       struct cg_cpulist *ret)
{
	char cur[PATH_MAX];
	int r = cg_path_copy(cur, path);

	if (r < 0)
		return r;
	if (h->version == CG_V1) {
		/* v1 keeps the effective set (cpus minus offline ones) in effective_cpus. */
		r = cg_read_file(h, cur, "cpuset.effective_cpus", sb);
		if (r == 0 && (r = cg_parse_cpulist(sb->buf ? sb->buf : "", ret)) == 0) {
			if (ret->n > 0)
				return 0;
			cg_cpulist_done(ret);
		}
		if (r < 0 && r != -ENOENT)
			return r;
	}
	do {
		r = cg_read_file(h, cur,
				 h->version == CG_V2 ? "cpuset.cpus.effective" : "cpuset.cpus", sb);
		if (r == -ENOENT && h->version == CG_V2)
			continue; /* cpuset not enabled at this level */
		if (r == 0)
			r = cg_parse_cpulist(sb->buf ? sb->buf : "", ret);
		if (r < 0)
			return r;
		if (ret->n > 0)
			return 0;
		cg_cpulist_done(ret);
	} while (cg_path_up(cur));
	*ret = (struct cg_cpulist){0};
	return 0;
}

static const char *acct_file(const struct cg_hier *h)
{
	return h->version == CG_V2 ? "cpu.stat" : "cpuacct.usage_all";
}

int cg_cpuacct_ino(const struct cg_hier *h, const char *path, ino_t *ret)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (h->version == CG_NONE)
		return -ENODEV;
	r = cg_read_file_ino(h, path, acct_file(h), &sb, ret);
	sb_release(&sb);
	return r;
}

static int read_acct(const struct cg_hier *h, const char *path, struct strbuf *sb,
		     struct cg_cpuacct *ret, ino_t *ret_ino)
{
	int r;

	r = cg_read_file_ino(h, path, acct_file(h), sb, ret_ino);
	if (r < 0)
		return r;
	if (h->version == CG_V2)
		return cg_parse_cpu_stat(sb->buf ? sb->buf : "", ret);
	return cg_parse_cpuacct_usage_all(sb->buf ? sb->buf : "", ret);
}

int cg_cpu_read(const struct cg_layout *layout, char *const paths[CG_NCONTROLLERS],
		bool with_acct, struct cg_cpu *ret)
{
	const struct cg_hier *cpu = &layout->h[CG_CPU], *set = &layout->h[CG_CPUSET];
	const struct cg_hier *acct = &layout->h[CG_CPUACCT];
	struct strbuf sb = STRBUF_INIT, sb2 = STRBUF_INIT;
	struct cg_cpu c = {.quota = CG_UNLIMITED};
	int r = 0;

	if (with_acct && (acct->version == CG_NONE || !paths[CG_CPUACCT]))
		return -ENODEV;
	if (cpu->version != CG_NONE && paths[CG_CPU])
		r = read_quota(cpu, paths[CG_CPU], &sb, &sb2, &c.quota);
	if (r == 0 && set->version != CG_NONE && paths[CG_CPUSET])
		r = read_cpuset(set, paths[CG_CPUSET], &sb, &c.cpus);
	if (r == 0 && with_acct)
		r = read_acct(acct, paths[CG_CPUACCT], &sb, &c.acct, &c.acct_ino);
	sb_release(&sb);
	sb_release(&sb2);
	if (r < 0) {
		cg_cpu_done(&c);
		return r;
	}
	*ret = c;
	return 0;
}

void cg_cpu_done(struct cg_cpu *c)
{
	cg_cpulist_done(&c->cpus);
	cg_cpuacct_done(&c->acct);
}
