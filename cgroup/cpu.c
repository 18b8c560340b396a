/* CPU facts of one container: cpuset, quota and CPU time, read from its cgroups (v1 and v2);
 * the parsers are in cpustat.c. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "util/parse.h"

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
