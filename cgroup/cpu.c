/* CPU facts of one container: cpuset, quota and CPU time, read from its cgroups by the v1 and
 * v2 backends (struct cg_cpu_ops); the parsers are in cpustat.c. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "util/parse.h"

/* The first non-empty cpu list in file `name` from path up to the root (n == 0: none). A
 * level without the file is passed over when skip_missing (v2: cpuset not enabled there). */
static int walk_cpuset(const struct cg_hier *h, const char *path, const char *name,
		       bool skip_missing, struct strbuf *sb, struct cg_cpulist *ret,
		       struct cg_where *w)
{
	char cur[PATH_MAX];
	int r = cg_path_copy(cur, path);

	if (r < 0)
		return cg_where_set(w, path, NULL, r);
	do {
		r = cg_read_file(h, cur, name, sb);
		if (r == -ENOENT && skip_missing)
			continue;
		if (r == 0)
			r = cg_parse_cpulist(sb->buf ? sb->buf : "", ret);
		if (r < 0)
			return cg_where_set(w, cur, name, r);
		if (ret->n > 0)
			return 0;
		cg_cpulist_done(ret);
	} while (cg_path_up(cur));
	*ret = (struct cg_cpulist){0};
	return 0;
}

/* ---- v1: cpu.cfs_quota_us + cpu.cfs_period_us, cpuset.effective_cpus, cpuacct ------------- */

static bool is_no_quota(const struct strbuf *sb)
{
	return sb->buf && (strcmp(sb->buf, "-1\n") == 0 || strcmp(sb->buf, "-1") == 0);
}

/* Which of the pair cg_parse_cfs_quota() refused: the period unless it is a positive number
 * (it checks that first). */
static const char *bad_cfs_file(const struct strbuf *period)
{
	uint64_t p;

	if (parse_u64_line(period->buf ? period->buf : "", &p) < 0 || p == 0)
		return "cpu.cfs_period_us";
	return "cpu.cfs_quota_us";
}

static int cpu_v1_read_quota(const struct cg_hier *h, const char *path, struct strbuf *sb,
			     uint64_t *ret, struct cg_where *w)
{
	struct strbuf period = STRBUF_INIT;
	char cur[PATH_MAX];
	uint64_t min = CG_UNLIMITED;
	int r = cg_path_copy(cur, path);

	if (r < 0)
		return cg_where_set(w, path, NULL, r);
	/* v1's root cannot have a quota; "-1" needs no period. */
	for (; strcmp(cur, "/") != 0; cg_path_up(cur)) {
		const char *name = "cpu.cfs_quota_us";
		uint64_t q = CG_UNLIMITED;

		r = cg_read_file(h, cur, name, sb);
		if (r == 0 && !is_no_quota(sb)) {
			name = "cpu.cfs_period_us";
			r = cg_read_file(h, cur, name, &period);
			if (r == 0)
				r = cg_parse_cfs_quota(sb->buf ? sb->buf : "",
						       period.buf ? period.buf : "", &q);
			if (r == -EINVAL)
				name = bad_cfs_file(&period);
		}
		if (r < 0) {
			cg_where_set(w, cur, name, r);
			break;
		}
		min = min_u64(min, q);
	}
	sb_release(&period);
	if (r < 0)
		return r;
	*ret = min;
	return 0;
}

static int cpu_v1_read_cpuset(const struct cg_hier *h, const char *path, struct strbuf *sb,
			      struct cg_cpulist *ret, struct cg_where *w)
{
	int r;

	if (path[0] != '/')
		return cg_where_set(w, path, NULL, -EINVAL);
	/* v1 keeps the effective set (cpus minus offline ones) in effective_cpus. */
	r = cg_read_file(h, path, "cpuset.effective_cpus", sb);
	if (r == 0 && (r = cg_parse_cpulist(sb->buf ? sb->buf : "", ret)) == 0) {
		if (ret->n > 0)
			return 0;
		cg_cpulist_done(ret);
	}
	if (r < 0 && r != -ENOENT)
		return cg_where_set(w, path, "cpuset.effective_cpus", r);
	/* Without it (old kernels), an empty cpuset.cpus means "inherit". */
	return walk_cpuset(h, path, "cpuset.cpus", false, sb, ret, w);
}

const struct cg_cpu_ops cg_cpu_v1_ops = {
	.read_quota = cpu_v1_read_quota,
	.read_cpuset = cpu_v1_read_cpuset,
	.acct_file = "cpuacct.usage_all",
	.parse_acct = cg_parse_cpuacct_usage_all,
};

/* ---- v2: cpu.max, cpuset.cpus.effective, cpu.stat ------------------------------------------ */

/* cpu.max is missing at the root, and where the cpu controller is not enabled. */
static int cpu_v2_read_quota(const struct cg_hier *h, const char *path, struct strbuf *sb,
			     uint64_t *ret, struct cg_where *w)
{
	return cg_read_min(h, path, "cpu.max", cg_parse_cpu_max, CG_MIN_ROOT | CG_MIN_OPTIONAL, sb,
			   ret, w);
}

static int cpu_v2_read_cpuset(const struct cg_hier *h, const char *path, struct strbuf *sb,
			      struct cg_cpulist *ret, struct cg_where *w)
{
	return walk_cpuset(h, path, "cpuset.cpus.effective", true, sb, ret, w);
}

const struct cg_cpu_ops cg_cpu_v2_ops = {
	.read_quota = cpu_v2_read_quota,
	.read_cpuset = cpu_v2_read_cpuset,
	.acct_file = "cpu.stat",
	.parse_acct = cg_parse_cpu_stat,
};

/* ---- one container ------------------------------------------------------------------------ */

int cg_cpuacct_ino(const struct cg_hier *h, const char *path, ino_t *ret)
{
	struct strbuf sb = STRBUF_INIT;
	int r;

	if (!h->cpu)
		return -ENODEV;
	r = cg_read_file_ino(h, path, h->cpu->acct_file, &sb, ret);
	sb_release(&sb);
	return r;
}

static int read_acct(const struct cg_hier *h, const char *path, struct strbuf *sb,
		     struct cg_cpuacct *ret, ino_t *ret_ino, struct cg_where *w)
{
	int r = cg_read_file_ino(h, path, h->cpu->acct_file, sb, ret_ino);

	if (r == 0)
		r = h->cpu->parse_acct(sb->buf ? sb->buf : "", ret);
	return r < 0 ? cg_where_set(w, path, h->cpu->acct_file, r) : r;
}

int cg_cpu_usage(const struct cg_hier *h, const char *path, uint64_t *ret_ns)
{
	struct strbuf sb = STRBUF_INIT;
	struct cg_where w;
	int r;

	if (!h->cpu)
		return -ENODEV;
	if (h->version == CG_V1) {
		r = cg_read_u64(h, path, "cpuacct.usage", &sb, ret_ns, &w);
	} else {
		struct cg_cpuacct a = {0};

		r = read_acct(h, path, &sb, &a, NULL, &w);
		if (r == 0)
			*ret_ns = (a.user_us + a.system_us) * 1000;
		cg_cpuacct_done(&a);
	}
	sb_release(&sb);
	return r;
}

int cg_cpu_read(const struct cg_layout *layout, char *const paths[CG_NCONTROLLERS],
		bool with_acct, struct cg_cpu *ret, struct cg_error *err)
{
	const struct cg_hier *cpu = &layout->h[CG_CPU], *set = &layout->h[CG_CPUSET];
	const struct cg_hier *acct = &layout->h[CG_CPUACCT], *at = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct cg_cpu c = {.quota = CG_UNLIMITED};
	struct cg_where w = {NULL, ""};
	int r = 0;

	if (with_acct && (!acct->cpu || !paths[CG_CPUACCT])) {
		cg_error_printf(err, -ENODEV, "%s: %s", cg_controller_name(CG_CPUACCT),
				acct->cpu ? "no cgroup" : "not mounted");
		return -ENODEV;
	}
	if (cpu->cpu && paths[CG_CPU]) {
		at = cpu;
		r = cpu->cpu->read_quota(cpu, paths[CG_CPU], &sb, &c.quota, &w);
	}
	if (r == 0 && set->cpu && paths[CG_CPUSET]) {
		at = set;
		r = set->cpu->read_cpuset(set, paths[CG_CPUSET], &sb, &c.cpus, &w);
	}
	if (r == 0 && with_acct) {
		at = acct;
		r = read_acct(acct, paths[CG_CPUACCT], &sb, &c.acct, &c.acct_ino, &w);
	}
	sb_release(&sb);
	if (r < 0) {
		cg_error_set(err, at, w.path, w.file, r);
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
