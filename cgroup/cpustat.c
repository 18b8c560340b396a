/* Pure parsers of the CPU files: cpu lists (cpuset.cpus*), quotas (v2 cpu.max, v1
 * cpu.cfs_quota_us and cpu.cfs_period_us) and CPU time (v2 cpu.stat, v1 cpuacct.usage_all). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
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
