/* Pure parsers of memory.stat, memory.events and one-value limit files. */
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

const char *const cg_memevent_names[] = {
	"pgfault", "pgmajfault", "pswpin", "pswpout",
	"pgrefill", "pgactivate", "pgdeactivate", "pglazyfree", "pglazyfreed",
	"pgscan_kswapd", "pgscan_direct", "pgscan_khugepaged", "pgscan_proactive",
	"pgsteal_kswapd", "pgsteal_direct", "pgsteal_khugepaged", "pgsteal_proactive",
	"workingset_refault_anon", "workingset_refault_file",
	"workingset_activate_anon", "workingset_activate_file",
	"workingset_restore_anon", "workingset_restore_file", "workingset_nodereclaim",
	"pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged", "pgdemote_proactive",
	"pgpromote_success",
	"swpin_zero", "swpout_zero", "zswpin", "zswpout", "zswpwb",
	"thp_fault_alloc", "thp_collapse_alloc", "thp_swpout", "thp_swpout_fallback",
	"numa_pages_migrated", "numa_pte_updates", "numa_hint_faults",
};

/* The events v1 has, as total_<name>. */
static const char *const v1_memevents[] = {
	"pgfault", "pgmajfault", "workingset_refault_anon", "workingset_refault_file",
};

static bool key_is(const char *key, size_t keylen, const char *name)
{
	return name && strlen(name) == keylen && memcmp(name, key, keylen) == 0;
}

static int memevent_index(enum cg_version v, const char *key, size_t keylen)
{
	if (v == CG_V1) {
		bool known = false;

		if (keylen <= 6 || memcmp(key, "total_", 6) != 0)
			return -1;
		key += 6;
		keylen -= 6;
		for (size_t i = 0; i < VP_ARRAY_SIZE(v1_memevents) && !known; i++)
			known = key_is(key, keylen, v1_memevents[i]);
		if (!known)
			return -1;
	}
	for (size_t i = 0; i < CG_NMEMEVENTS; i++)
		if (key_is(key, keylen, cg_memevent_names[i]))
			return (int)i;
	return -1;
}

static bool key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.';
}

static bool key_ok(const char *key, size_t keylen)
{
	for (size_t i = 0; i < keylen; i++)
		if (!key_char_ok(key[i]))
			return false;
	return true;
}

/* Mark a key as read; a key read twice makes the file malformed (which value would count?). */
static int see(bool *seen)
{
	if (*seen)
		return -EINVAL;
	*seen = true;
	return 0;
}

struct memstat_acc {
	enum cg_version v;
	struct cg_memstat st;
	bool seen[VP_ARRAY_SIZE(memstat_keys)];
	bool seen_event[CG_NMEMEVENTS];
};

static int memstat_kv(const char *key, size_t keylen, uint64_t val, void *u)
{
	struct memstat_acc *a = u;
	int ev;

	if (!key_ok(key, keylen))
		return -EINVAL;
	if (a->v == CG_V1 && key_is(key, keylen, "hierarchical_memory_limit")) {
		if (see(&a->st.has_hier_limit) < 0)
			return -EINVAL;
		a->st.hier_limit = val >= CG_V1_UNLIMITED_MIN ? CG_UNLIMITED : val;
		return 0;
	}
	if (a->v == CG_V1 && key_is(key, keylen, "hierarchical_memsw_limit")) {
		if (see(&a->st.has_hier_memsw_limit) < 0)
			return -EINVAL;
		a->st.hier_memsw_limit = val >= CG_V1_UNLIMITED_MIN ? CG_UNLIMITED : val;
		return 0;
	}
	for (size_t i = 0; i < VP_ARRAY_SIZE(memstat_keys); i++) {
		const char *k = a->v == CG_V1 ? memstat_keys[i].v1 : memstat_keys[i].v2;

		if (key_is(key, keylen, k)) {
			if (see(&a->seen[i]) < 0)
				return -EINVAL;
			*(uint64_t *)((char *)&a->st + memstat_keys[i].offset) = val;
			return 0;
		}
	}
	ev = memevent_index(a->v, key, keylen);
	if (ev >= 0) {
		if (see(&a->seen_event[ev]) < 0)
			return -EINVAL;
		a->st.event[ev] = val;
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

static const char *const memory_events_keys[] = {
	"low", "high", "max", "oom", "oom_kill", "oom_group_kill",
};

struct events_acc {
	bool seen[VP_ARRAY_SIZE(memory_events_keys)];
	uint64_t oom_kill;
};

static int memory_events_kv(const char *key, size_t keylen, uint64_t val, void *u)
{
	struct events_acc *a = u;

	if (!key_ok(key, keylen))
		return -EINVAL;
	for (size_t i = 0; i < VP_ARRAY_SIZE(memory_events_keys); i++)
		if (key_is(key, keylen, memory_events_keys[i])) {
			if (see(&a->seen[i]) < 0)
				return -EINVAL;
			if (strcmp(memory_events_keys[i], "oom_kill") == 0)
				a->oom_kill = val;
			break;
		}
	return 0;
}

int cg_parse_memory_events(const char *text, uint64_t *ret_oom_kill)
{
	struct events_acc a = {0};
	int r = parse_kv_lines(text, memory_events_kv, &a);

	if (r < 0)
		return r;
	*ret_oom_kill = a.oom_kill;
	return 0;
}
