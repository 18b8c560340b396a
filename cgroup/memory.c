/* Memory facts of one cgroup: the v1 and v2 backends behind cg_memory_read(). */
#include <errno.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"
#include "util/parse.h"

static int read_memstat(const struct cg_hier *h, const char *path, enum cg_version v,
			struct strbuf *sb, struct cg_memstat *ret, struct cg_where *w)
{
	int r = cg_read_file(h, path, "memory.stat", sb);

	if (r == 0)
		r = cg_parse_memstat(sb->buf ? sb->buf : "", v, ret);
	return r < 0 ? cg_where_set(w, path, "memory.stat", r) : r;
}

/* v1: memory.stat carries the effective (hierarchical) limits, so three reads suffice:
 * memory.stat, usage and, with swap accounting, memsw usage. Kernels whose memory.stat lacks
 * them get the limits by walking the ancestors. */
static int mem_v1_read(const struct cg_hier *h, const char *path, struct cg_memory *ret,
		       struct cg_where *w)
{
	struct strbuf sb = STRBUF_INIT;
	struct cg_memory m = {0};
	uint64_t memsw_limit, memsw_usage;
	int r;

	r = read_memstat(h, path, CG_V1, &sb, &m.stat, w);
	if (r >= 0 && m.stat.has_hier_limit)
		m.limit = m.stat.hier_limit;
	else if (r >= 0)
		r = cg_read_min(h, path, "memory.limit_in_bytes", cg_parse_limit, CG_MIN_ROOT, &sb,
				&m.limit, w);
	if (r >= 0)
		r = cg_read_u64(h, path, "memory.usage_in_bytes", &sb, &m.usage, w);
	if (r < 0)
		goto out;

	/* memsw files exist only with swap accounting (swapaccount=1). */
	if (m.stat.has_hier_limit && !m.stat.has_hier_memsw_limit)
		goto done;
	if (m.stat.has_hier_memsw_limit)
		memsw_limit = m.stat.hier_memsw_limit;
	else
		r = cg_read_min(h, path, "memory.memsw.limit_in_bytes", cg_parse_limit,
				CG_MIN_ROOT, &sb, &memsw_limit, w);
	if (r == -ENOENT) {
		r = 0;
		goto done;
	}
	if (r >= 0)
		r = cg_read_u64(h, path, "memory.memsw.usage_in_bytes", &sb, &memsw_usage, w);
	if (r < 0)
		goto out;
	m.swap_accounted = true;
	m.swap_limit = memsw_limit == CG_UNLIMITED ? CG_UNLIMITED : sat_sub(memsw_limit, m.limit);
	m.swap_usage = sat_sub(memsw_usage, m.usage);
done:
	*ret = m;
out:
	sb_release(&sb);
	return r;
}

static int mem_v2_read(const struct cg_hier *h, const char *path, struct cg_memory *ret,
		       struct cg_where *w)
{
	struct strbuf sb = STRBUF_INIT;
	struct cg_memory m = {0};
	int r;

	r = cg_read_min(h, path, "memory.max", cg_parse_limit, 0, &sb, &m.limit, w);
	if (r >= 0)
		r = cg_read_u64(h, path, "memory.current", &sb, &m.usage, w);
	if (r >= 0)
		r = read_memstat(h, path, CG_V2, &sb, &m.stat, w);
	if (r < 0)
		goto out;

	/* memory.swap.* exist only with swap accounting (CONFIG_MEMCG_SWAP, swapaccount). */
	r = cg_read_min(h, path, "memory.swap.max", cg_parse_limit, 0, &sb, &m.swap_limit, w);
	if (r == -ENOENT) {
		m.swap_limit = 0;
		r = 0;
		goto done;
	}
	if (r >= 0)
		r = cg_read_u64(h, path, "memory.swap.current", &sb, &m.swap_usage, w);
	if (r < 0)
		goto out;
	m.swap_accounted = true;
done:
	*ret = m;
out:
	sb_release(&sb);
	return r;
}

const struct cg_mem_ops cg_mem_v1_ops = {.read = mem_v1_read};
const struct cg_mem_ops cg_mem_v2_ops = {.read = mem_v2_read};

int cg_memory_read(const struct cg_hier *h, const char *path, struct cg_memory *ret,
		   struct cg_error *err)
{
	struct cg_where w = {NULL, ""};
	int r = cg_path_usable(h, path);

	if (r < 0 || !h->mem)
		r = cg_where_set(&w, path, NULL, r < 0 ? r : -EOPNOTSUPP);
	else
		r = h->mem->read(h, path, ret, &w);
	if (r < 0)
		cg_error_set(err, h, w.path, w.file, r);
	return r;
}

int cg_memory_oom_kill(const struct cg_hier *h, const char *path, uint64_t *ret,
		       struct cg_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *file = NULL;
	uint64_t v = 0;
	int r = cg_path_usable(h, path);

	/* v1 keeps no memory.events (its memory.oom_control is not read). */
	if (r >= 0 && h->version == CG_V2) {
		file = "memory.events";
		r = cg_read_file(h, path, file, &sb);
		if (r >= 0)
			r = cg_parse_memory_events(sb.buf ? sb.buf : "", &v);
	}
	sb_release(&sb);
	if (r < 0) {
		cg_error_set(err, h, path, file, r);
		return r;
	}
	*ret = v;
	return 0;
}
