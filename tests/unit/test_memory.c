/* cg_memory_read() over fixture trees of real v1 and v2 hosts. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "helpers.h"
#include "util/cleanup.h"

/* Rewrite dir/memory.stat of the tree from the fixture's: hierarchical_memory_limit
 * replaced by limit_line (dropped when NULL), hierarchical_memsw_limit dropped if drop_memsw. */
static void write_memstat(const char *dir, const char *limit_line, bool drop_memsw)
{
	char rel[256], src[256];
	char *text, *a, *b;

	snprintf(src, sizeof(src), "fixtures/v1/cgroup/%s/memory.stat", dir);
	text = fixture(src);
	a = limit_line ? replace_line(text, "hierarchical_memory_limit ", limit_line)
		       : drop_line(text, "hierarchical_memory_limit ");
	b = drop_memsw ? drop_line(a, "hierarchical_memsw_limit ") : strdup(a);
	snprintf(rel, sizeof(rel), "%s/memory.stat", dir);
	tmp_write(fx_tree, rel, b);
	free(text);
	free(a);
	free(b);
}

static int read_mem(const char *path, struct cg_memory *m)
{
	return cg_memory_read(&fx_layout.h[CG_MEMORY], path, m, NULL);
}

Test(memory_v2, container_limits_usage_swap)
{
	struct cg_memory m;

	open_tree("fixtures/v2/cgroup", CG_V2);
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), 0);
	cr_assert_eq(m.limit, 268435456);
	cr_assert_eq(m.usage, 121401344);
	cr_assert(m.swap_accounted);
	cr_assert_eq(m.swap_limit, 134217728);
	cr_assert_eq(m.swap_usage, 0);
	cr_assert_eq(m.stat.anon, 76025856);
	close_tree();
}

Test(memory_v2, pod_limit_applies_to_child_without_one)
{
	struct cg_memory m;

	open_tree("fixtures/v2/cgroup", CG_V2);
	tmp_write(fx_tree, "vp_fixture/ctr/memory.max", "max\n");
	tmp_write(fx_tree, "vp_fixture/ctr/memory.swap.max", "max\n");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), 0);
	cr_assert_eq(m.limit, 536870912);
	cr_assert_eq(m.swap_limit, CG_UNLIMITED);
	/* The pod as the container: its own figures. */
	cr_assert_eq(read_mem("/vp_fixture", &m), 0);
	cr_assert_eq(m.limit, 536870912);
	cr_assert_eq(m.usage, 121659392);
	close_tree();
}

Test(memory_v2, lower_ancestor_limit_wins)
{
	struct cg_memory m;

	open_tree("fixtures/v2/cgroup", CG_V2);
	tmp_write(fx_tree, "vp_fixture/memory.max", "104857600\n");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), 0);
	cr_assert_eq(m.limit, 104857600);
	close_tree();
}

Test(memory_v2, no_swap_accounting)
{
	struct cg_memory m;
	char p[4200];

	open_tree("fixtures/v2/cgroup", CG_V2);
	snprintf(p, sizeof(p), "%s/vp_fixture/ctr/memory.swap.max", fx_tree);
	cr_assert_eq(remove(p), 0);
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), 0);
	cr_assert_not(m.swap_accounted);
	close_tree();
}

Test(memory_v2, missing_or_malformed_files_fail)
{
	struct cg_memory m = {.limit = 1};

	open_tree("fixtures/v2/cgroup", CG_V2);
	cr_assert_eq(read_mem("/vp_fixture/gone", &m), -ENOENT);
	tmp_write(fx_tree, "vp_fixture/ctr/memory.max", "lots\n");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), -EINVAL);
	tmp_write(fx_tree, "vp_fixture/ctr/memory.max", "");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), -EINVAL);
	tmp_write(fx_tree, "vp_fixture/ctr/memory.max", "99999999999999999999999\n");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), -ERANGE);
	tmp_write(fx_tree, "vp_fixture/ctr/memory.max", "max\n");
	tmp_write(fx_tree, "vp_fixture/memory.max", "garbage\n");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), -EINVAL);
	tmp_write(fx_tree, "vp_fixture/memory.max", "max\n");
	tmp_write(fx_tree, "vp_fixture/ctr/memory.current", "\n");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), -EINVAL);
	tmp_write(fx_tree, "vp_fixture/ctr/memory.current", "4096\n");
	tmp_write(fx_tree, "vp_fixture/ctr/memory.stat", "anon oops\n");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), -EINVAL);
	tmp_write(fx_tree, "vp_fixture/ctr/memory.stat", "anon 1\n");
	tmp_write(fx_tree, "vp_fixture/ctr/memory.swap.current", "x\n");
	cr_assert_eq(read_mem("/vp_fixture/ctr", &m), -EINVAL);
	/* Nothing was written by the failures. */
	cr_assert_eq(m.limit, 1);
	/* Paths that could leave the hierarchy are refused. */
	cr_assert_eq(read_mem("/vp_fixture/../..", &m), -EINVAL);
	cr_assert_eq(read_mem("relative", &m), -EINVAL);
	close_tree();
}

Test(memory_v1, capture_with_memsw)
{
	struct cg_memory m;

	open_tree("fixtures/v1/cgroup", CG_V1);
	cr_assert_eq(read_mem("/pod/ctr", &m), 0);
	cr_assert_eq(m.limit, 268435456);
	cr_assert_eq(m.usage, 42950656);
	cr_assert(m.swap_accounted);
	/* memsw 384 MiB - memory 256 MiB. */
	cr_assert_eq(m.swap_limit, 134217728);
	cr_assert_eq(m.swap_usage, 43470848 - 42950656);
	cr_assert_eq(m.stat.file, 42237952);
	/* The pod: its own limit; memsw unlimited means unlimited swap. */
	cr_assert_eq(read_mem("/pod", &m), 0);
	cr_assert_eq(m.limit, 536870912);
	cr_assert_eq(m.swap_limit, CG_UNLIMITED);
	close_tree();
}

Test(memory_v1, unlimited_child_under_limited_pod_and_no_memsw)
{
	struct cg_memory m;
	char p[4200];

	open_tree("fixtures/v1/cgroup", CG_V1);
	/* What the kernel shows then: the pod's limit as the hierarchical one, no memsw. */
	tmp_write(fx_tree, "pod/ctr/memory.limit_in_bytes", "9223372036854771712\n");
	snprintf(p, sizeof(p), "%s/pod/ctr/memory.memsw.limit_in_bytes", fx_tree);
	cr_assert_eq(remove(p), 0);
	write_memstat("pod/ctr", "hierarchical_memory_limit 536870912", true);
	cr_assert_eq(read_mem("/pod/ctr", &m), 0);
	cr_assert_eq(m.limit, 536870912);
	cr_assert_not(m.swap_accounted);
	close_tree();
}

Test(memory_v1, without_hierarchical_keys_limits_are_walked)
{
	struct cg_memory m;

	/* Kernels whose memory.stat lacks hierarchical_*: the limit files up the tree. */
	open_tree("fixtures/v1/cgroup", CG_V1);
	tmp_write(fx_tree, "pod/ctr/memory.limit_in_bytes", "9223372036854771712\n");
	tmp_write(fx_tree, "pod/ctr/memory.memsw.limit_in_bytes", "9223372036854771712\n");
	tmp_write(fx_tree, "pod/memory.memsw.limit_in_bytes", "671088640\n");
	write_memstat("pod/ctr", NULL, true);
	cr_assert_eq(read_mem("/pod/ctr", &m), 0);
	cr_assert_eq(m.limit, 536870912, "the pod's");
	cr_assert(m.swap_accounted);
	cr_assert_eq(m.swap_limit, 671088640 - 536870912);
	close_tree();
}

Test(memory_v1, hierarchical_keys_are_used)
{
	struct cg_memory m;

	/* The effective limits come from memory.stat, as the kernel computed them. */
	open_tree("fixtures/v1/cgroup", CG_V1);
	write_memstat("pod/ctr", "hierarchical_memory_limit 100000000", false);
	cr_assert_eq(read_mem("/pod/ctr", &m), 0);
	cr_assert_eq(m.limit, 100000000);
	cr_assert_eq(m.swap_limit, 402653184 - 100000000);
	close_tree();
}

Test(memory, layout_without_controller)
{
	struct cg_hier none = {.version = CG_NONE, .rootfd = -1};
	struct cg_memory m;

	cr_assert_eq(cg_memory_read(&none, "/a", &m, NULL), -EOPNOTSUPP);
	cr_assert_eq(cg_layout_from_dir("/nonexistent-vprocfs", CG_V2, &fx_layout), -ENOENT);
}

/* ---- errors name the file and the cgroup ------------------------------------------------ */

static int read_mem_err(const char *path, struct cg_error *e)
{
	struct cg_memory m;

	*e = (struct cg_error){.err = -1};
	return cg_memory_read(&fx_layout.h[CG_MEMORY], path, &m, e);
}

Test(memory_errors, v2_missing_and_malformed_files)
{
	static const struct damage d[] = {
		{"vp_fixture/ctr/memory.current", NULL, ENOENT, NULL},
		/* An ancestor's limit is malformed: its file is the one named. */
		{"vp_fixture/memory.max", "garbage\n", EINVAL, NULL},
		{"vp_fixture/ctr/memory.stat", "anon oops\n", EINVAL, NULL},
		{"vp_fixture/ctr/memory.swap.current", "x\n", EINVAL, NULL},
	};
	struct cg_error e;

	check_damages("fixtures/v2/cgroup", CG_V2, "/vp_fixture/ctr", read_mem_err, d,
		      VP_ARRAY_SIZE(d));
	/* A cgroup that is gone: the first file read is named. */
	open_tree("fixtures/v2/cgroup", CG_V2);
	cr_assert_eq(read_mem_err("/vp_fixture/gone", &e), -ENOENT);
	assert_cg_error(&e, fx_tree, "vp_fixture/gone/memory.max", ENOENT);
	close_tree();
}

Test(memory_errors, v1_missing_and_malformed_files)
{
	static const struct damage d[] = {
		{"pod/ctr/memory.usage_in_bytes", NULL, ENOENT, NULL},
		{"pod/ctr/memory.memsw.usage_in_bytes", "lots\n", EINVAL, NULL},
		{"pod/ctr/memory.stat", "total_rss x\n", EINVAL, NULL},
	};

	check_damages("fixtures/v1/cgroup", CG_V1, "/pod/ctr", read_mem_err, d, VP_ARRAY_SIZE(d));
}

Test(memory_errors, untouched_on_success_and_optional_files)
{
	struct cg_error e;

	/* No swap accounting is no failure: nothing is written. */
	open_tree("fixtures/v2/cgroup", CG_V2);
	tmp_unlink(fx_tree, "vp_fixture/ctr/memory.swap.max");
	cr_assert_eq(read_mem_err("/vp_fixture/ctr", &e), 0);
	cr_assert_eq(e.err, -1);
	cr_assert_eq(e.where[0], '\0');
	/* Without an error wanted, a failure is still a failure. */
	cr_assert_eq(cg_memory_read(&fx_layout.h[CG_MEMORY], "/gone", &(struct cg_memory){0},
				    NULL),
		     -ENOENT);
	close_tree();
}

Test(memory_errors, refused_paths_and_long_paths)
{
	char path[1200] = "", want_end[256];
	struct cg_error e;
	size_t n;

	open_tree("fixtures/v2/cgroup", CG_V2);
	cr_assert_eq(read_mem_err("relative", &e), -EINVAL);
	cr_assert_str_eq(e.where + strlen(fx_tree), ":relative: Invalid argument");
	/* A long path keeps its start (the hierarchy) and its end (the cgroup's own name, the
	 * file and the error). */
	for (int i = 0; i < 10; i++)
		strcat(path, "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			     "aaaaaaaaaaaaaaaaaaaaaaa");
	strcat(path, "/ctr");
	cr_assert_eq(read_mem_err(path, &e), -ENOENT);
	n = strlen(e.where);
	cr_assert_eq(n, sizeof(e.where) - 1);
	cr_assert_eq(strncmp(e.where, fx_tree, strlen(fx_tree)), 0, "%s", e.where);
	cr_assert_not_null(strstr(e.where, "..."));
	snprintf(want_end, sizeof(want_end), "/ctr/memory.max: %s", strerror(ENOENT));
	cr_assert_str_eq(e.where + n - strlen(want_end), want_end);
	close_tree();
}

Test(memory_errors, error_str_without_where)
{
	struct cg_error e = {.err = ENOENT};

	cr_assert_str_eq(cg_error_str(&e), strerror(ENOENT));
}
