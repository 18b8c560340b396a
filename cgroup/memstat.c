/* Pure parsers of memory.stat and one-value limit files. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/parse.h"

int cg_parse_limit(const char *text, uint64_t *ret)
{
	uint64_t v;
	int r;

	if (strcmp(text, "max") == 0 || strcmp(text, "max\n") == 0) {
		*ret = CG_UNLIMITED;
		return 0;
	}
	r = parse_u64_line(text, &v);
	if (r < 0)
		return r;
	*ret = v >= CG_V1_UNLIMITED_MIN ? CG_UNLIMITED : v;
	return 0;
}

struct memstat_key {
	const char *v1; /* hierarchical total_* key, NULL when v1 has none */
	const char *v2;
	size_t offset;
};

#define K(v1, v2, field) {v1, v2, offsetof(struct cg_memstat, field)}
static const struct memstat_key memstat_keys[] = {
	K("total_rss", "anon", anon),
	K("total_cache", "file", file),
	K("total_shmem", "shmem", shmem),
	K("total_mapped_file", "file_mapped", file_mapped),
	K("total_dirty", "file_dirty", file_dirty),
	K("total_writeback", "file_writeback", file_writeback),
	K("total_active_anon", "active_anon", active_anon),
	K("total_inactive_anon", "inactive_anon", inactive_anon),
	K("total_active_file", "active_file", active_file),
	K("total_inactive_file", "inactive_file", inactive_file),
	K("total_unevictable", "unevictable", unevictable),
	K("total_rss_huge", "anon_thp", anon_thp),
	K(NULL, "file_thp", file_thp),
	K(NULL, "shmem_thp", shmem_thp),
	K(NULL, "slab", slab),
	K(NULL, "slab_reclaimable", slab_reclaimable),
	K(NULL, "slab_unreclaimable", slab_unreclaimable),
	K(NULL, "kernel_stack", kernel_stack),
	K(NULL, "pagetables", pagetables),
	K(NULL, "sec_pagetables", sec_pagetables),
	K(NULL, "percpu", percpu),
	K(NULL, "vmalloc", vmalloc),
	K(NULL, "zswap", zswap),
	K(NULL, "zswapped", zswapped),
};
#undef K

static bool key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

struct memstat_acc {
	enum cg_version v;
	struct cg_memstat st;
};

static int memstat_kv(const char *key, size_t keylen, uint64_t val, void *u)
{
	struct memstat_acc *a = u;

	for (size_t i = 0; i < keylen; i++)
		if (!key_char_ok(key[i]))
			return -EINVAL;
	if (a->v == CG_V1 && keylen == 25 && memcmp(key, "hierarchical_memory_limit", 25) == 0) {
		a->st.has_hier_limit = true;
		a->st.hier_limit = val >= CG_V1_UNLIMITED_MIN ? CG_UNLIMITED : val;
	} else if (a->v == CG_V1 && keylen == 24 && memcmp(key, "hierarchical_memsw_limit", 24) == 0) {
		a->st.has_hier_memsw_limit = true;
		a->st.hier_memsw_limit = val >= CG_V1_UNLIMITED_MIN ? CG_UNLIMITED : val;
	}
	for (size_t i = 0; i < VP_ARRAY_SIZE(memstat_keys); i++) {
		const char *k = a->v == CG_V1 ? memstat_keys[i].v1 : memstat_keys[i].v2;

		if (k && strlen(k) == keylen && memcmp(k, key, keylen) == 0) {
			*(uint64_t *)((char *)&a->st + memstat_keys[i].offset) = val;
			break;
		}
	}
	return 0;
}

int cg_parse_memstat(const char *text, enum cg_version v, struct cg_memstat *ret)
{
	struct memstat_acc a = {.v = v};
	int r;

	if (v != CG_V1 && v != CG_V2)
		return -EINVAL;
	r = parse_kv_lines(text, memstat_kv, &a);
	if (r < 0)
		return r;
	*ret = a.st;
	return 0;
}
