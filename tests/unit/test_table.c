/* core/table.c: the served-file table's invariants, which fs/'s node numbers, the OCI hook's
 * mounts and the CDI spec rely on, and its lookups agreeing with the rows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "core/table.h"

#define MEM_BIT (1u << CG_MEMORY)
#define IO_BIT (1u << CG_BLKIO)

static bool is_dir(const struct vp_entry *e)
{
	return e->file < 0;
}

Test(table, nodes_unique_and_in_range)
{
	cr_assert_gt(vp_nentries, 0);
	for (size_t i = 0; i < vp_nentries; i++) {
		cr_assert(vp_entries[i].node >= 1 && vp_entries[i].node <= VP_NODE_MAX, "%s: %u",
			  vp_entries[i].path, vp_entries[i].node);
		for (size_t j = i + 1; j < vp_nentries; j++)
			cr_assert_neq(vp_entries[i].node, vp_entries[j].node, "%s and %s",
				      vp_entries[i].path, vp_entries[j].path);
	}
	cr_assert_null(vp_entry_by_node(0), "0 is the view's root, not a row");
	cr_assert_null(vp_entry_by_node(VP_NODE_MAX + 1));
}

Test(table, parents_are_directories_and_paths_compose)
{
	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i], *p;
		char want[512];

		cr_assert(e->name[0] && !strchr(e->name, '/'), "%s: name %s", e->path, e->name);
		cr_assert(strcmp(e->name, ".") && strcmp(e->name, ".."), "%s", e->path);
		if (e->parent == 0) {
			cr_assert_str_eq(e->path, e->name);
			continue;
		}
		p = vp_entry_by_node(e->parent);
		cr_assert_not_null(p, "%s: no parent %u", e->path, e->parent);
		cr_assert(is_dir(p), "%s: parent %s is a file", e->path, p->path);
		snprintf(want, sizeof(want), "%s/%s", p->path, e->name);
		cr_assert_str_eq(e->path, want);
	}
}

Test(table, every_file_has_exactly_one_row)
{
	for (int f = 0; f < VP_NFILES; f++) {
		size_t n = 0;

		for (size_t i = 0; i < vp_nentries; i++)
			n += vp_entries[i].file == f;
		cr_assert_eq(n, 1, "file %d has %zu rows", f, n);
	}
	for (size_t i = 0; i < vp_nentries; i++)
		cr_assert(vp_entries[i].file >= -1 && vp_entries[i].file < VP_NFILES, "%s",
			  vp_entries[i].path);
}

/* What a renderer needs: a host file, a line for the README, and controllers that agree with
 * the cgroups that decide whether the view is the host's. Directories have none of these. */
Test(table, file_rows_are_complete)
{
	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i];

		if (is_dir(e) && e->tree == VP_TREE_CPU) {
			/* The cpu tree: its renderers read the CPU model's controllers. */
			cr_assert_null(e->host_rel, "%s", e->path);
			cr_assert(e->what && e->what[0], "%s", e->path);
			cr_assert(e->mount, "%s", e->path);
			cr_assert_eq(e->controllers, (1u << CG_CPU) | (1u << CG_CPUSET), "%s", e->path);
			continue;
		}
		if (is_dir(e) && e->tree == VP_TREE_BLOCK) {
			/* The block tree: the container's I/O, as diskstats. */
			cr_assert_null(e->host_rel, "%s", e->path);
			cr_assert(e->what && e->what[0], "%s", e->path);
			cr_assert(e->mount && !e->hook_only && !e->v2_only, "%s", e->path);
			cr_assert_eq(e->controllers, 1u << CG_BLKIO, "%s", e->path);
			cr_assert_eq(e->kind, VP_VIEW_IO, "%s", e->path);
			continue;
		}
		cr_assert_eq(e->tree, VP_TREE_NONE, "%s", e->path);
		if (is_dir(e)) {
			cr_assert_null(e->host_rel, "%s", e->path);
			cr_assert_eq(e->controllers, 0, "%s", e->path);
			continue;
		}
		cr_assert(e->host_rel && e->host_rel[0] && e->host_rel[0] != '/', "%s", e->path);
		cr_assert(e->what && e->what[0], "%s", e->path);
		cr_assert_neq(e->controllers, 0, "%s", e->path);
		cr_assert_eq(e->controllers & ~((1u << CG_NCONTROLLERS) - 1), 0, "%s", e->path);
		/* The controller that decides whether the view is the host's is read; the CPU
		 * ones only by CPU files. */
		if (e->kind == VP_VIEW_MEMORY)
			cr_assert_eq(e->controllers & ~IO_BIT, MEM_BIT, "%s", e->path);
		else if (e->kind == VP_VIEW_IO)
			cr_assert_eq(e->controllers, IO_BIT, "%s", e->path);
		else
			cr_assert_eq(e->controllers & (MEM_BIT | IO_BIT), 0, "%s", e->path);
	}
}

Test(table, lookups_agree_with_the_rows)
{
	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i];

		cr_assert_eq(vp_entry_by_node(e->node), e, "%s", e->path);
		cr_assert_eq(vp_entry_by_path(e->path), e, "%s", e->path);
		cr_assert_eq(vp_entry_child(e->parent, e->name), e, "%s", e->path);
		if (!is_dir(e))
			cr_assert_eq(vp_entry_of_file((enum vp_file)e->file), e, "%s", e->path);
	}
	cr_assert_null(vp_entry_by_path(""));
	cr_assert_null(vp_entry_by_path("/proc/meminfo"), "paths are relative");
	cr_assert_null(vp_entry_by_path("proc/meminfo/"));
	cr_assert_null(vp_entry_by_path("proc/nope"));
	cr_assert_null(vp_entry_child(0, "meminfo"), "not a child of the root");
	cr_assert_null(vp_entry_of_file(VP_NFILES));
}

/* next_child() visits every child of a directory once, and nothing else. */
Test(table, next_child_enumerates_each_directory)
{
	for (size_t d = 0; d <= vp_nentries; d++) {
		unsigned parent = d < vp_nentries ? vp_entries[d].node : 0;
		size_t cursor = 0, seen = 0, want = 0;
		const struct vp_entry *e;

		for (size_t i = 0; i < vp_nentries; i++)
			want += vp_entries[i].parent == parent;
		while ((e = vp_entry_next_child(parent, &cursor))) {
			cr_assert_eq(e->parent, parent, "%s", e->path);
			cr_assert_eq(vp_entry_child(parent, e->name), e, "names are unique: %s",
				     e->path);
			seen++;
		}
		cr_assert_eq(seen, want, "node %u: %zu children, %zu seen", parent, want, seen);
		cr_assert_null(vp_entry_next_child(parent, &cursor), "stays at the end");
		if (d < vp_nentries && !is_dir(&vp_entries[d]))
			cr_assert_eq(want, 0, "%s is a file with children", vp_entries[d].path);
	}
}

/* The hook bind-mounts each mount row over "/" + path in a container. */
Test(table, mount_rows_are_under_proc_or_sys)
{
	size_t n = 0;

	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i];

		if (!e->mount)
			continue;
		n++;
		cr_assert(strncmp(e->path, "proc/", 5) == 0 || strncmp(e->path, "sys/", 4) == 0,
			  "%s", e->path);
		cr_assert(e->file >= -1 && e->file < VP_NFILES, "%s", e->path);
	}
	cr_assert_gt(n, 0);
}

/* Rows for the hook only are mounted (by the hook); everything under a directory served only
 * on v2 hosts is too (fs/ hides each row on its own: a file served under a hidden directory
 * could not be reached). */
Test(table, hook_only_and_v2_only_rows)
{
	size_t hook_only = 0, v2_only = 0;

	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i], *p = vp_entry_by_node(e->parent);

		if (e->hook_only) {
			cr_assert(e->mount, "%s", e->path);
			hook_only++;
		}
		v2_only += e->v2_only;
		if (p && p->v2_only)
			cr_assert(e->v2_only, "%s under %s", e->path, p->path);
	}
	cr_assert_gt(hook_only, 0);
	cr_assert_gt(v2_only, 0);
	/* runc's list of /proc files a config.json mount may cover: the CDI spec keeps to it. */
	for (size_t i = 0; i < vp_nentries; i++) {
		static const char *const runc_allows[] = {
			"proc/cpuinfo", "proc/diskstats", "proc/meminfo", "proc/stat",
			"proc/swaps",   "proc/uptime",    "proc/loadavg",
		};
		const struct vp_entry *e = &vp_entries[i];
		bool allowed = strncmp(e->path, "proc/", 5) != 0;

		for (size_t k = 0; k < sizeof(runc_allows) / sizeof(runc_allows[0]); k++)
			allowed = allowed || strcmp(e->path, runc_allows[k]) == 0;
		if (e->mount)
			cr_assert_eq(e->hook_only, !allowed, "%s", e->path);
	}
}
