/* The served-file table (see core/table.h). */
#include <string.h>

#include "cgroup/cgroup.h"
#include "core/table.h"

#define MEM (1u << CG_MEMORY)
#define CPU ((1u << CG_CPU) | (1u << CG_CPUACCT) | (1u << CG_CPUSET))
#define CPUSET ((1u << CG_CPU) | (1u << CG_CPUSET))

#define DIR(n, p, nm, path) {n, p, nm, path, -1, false, false, VP_HOST_PROC, NULL, 0, VP_VIEW_MEMORY, NULL}

const struct vp_entry vp_entries[] = {
	DIR(1, 0, "proc", "proc"),
	{2, 1, "meminfo", "proc/meminfo", VP_MEMINFO, true, false, VP_HOST_PROC, "meminfo", MEM,
	 VP_VIEW_MEMORY, "memory limit, usage and its breakdown from memory.stat; swap"},
	{3, 1, "cpuinfo", "proc/cpuinfo", VP_CPUINFO, true, false, VP_HOST_PROC, "cpuinfo", CPUSET,
	 VP_VIEW_CPU, "one block per visible CPU, renumbered from 0"},
	{4, 1, "stat", "proc/stat", VP_STAT, true, false, VP_HOST_PROC, "stat", CPU, VP_VIEW_CPU,
	 "CPU time per visible CPU, running and blocked tasks, the host's btime"},
	{5, 1, "uptime", "proc/uptime", VP_UPTIME, true, false, VP_HOST_PROC, "uptime", CPU, VP_VIEW_CPU,
	 "since the container started; idle time of its visible CPUs"},
	{6, 1, "loadavg", "proc/loadavg", VP_LOADAVG, true, false, VP_HOST_PROC, "loadavg", CPU,
	 VP_VIEW_CPU, "load averages, running and total tasks of the container, its last pid"},
	{7, 1, "swaps", "proc/swaps", VP_SWAPS, true, false, VP_HOST_PROC, "swaps", MEM, VP_VIEW_MEMORY,
	 "one line for the container's swap limit and usage"},
	DIR(8, 0, "sys", "sys"),
	DIR(9, 8, "devices", "sys/devices"),
	DIR(10, 9, "system", "sys/devices/system"),
	/* The view's whole /sys/devices/system/cpu (core/cputree.h). Nodes 12-14 were its
	 * online, possible and present files before the tree: retired, never reused. */
	{11, 10, "cpu", "sys/devices/system/cpu", -1, true, true, VP_HOST_SYS, NULL,
	 (1u << CG_CPU) | (1u << CG_CPUSET), VP_VIEW_CPU,
	 "cpu0..cpu(n-1) with their topology (one package of n cores), online/possible/present "
	 "0-(n-1); the host CPU's cpufreq and cache files, vulnerabilities, cpuidle (README)"},
};

const size_t vp_nentries = sizeof(vp_entries) / sizeof(vp_entries[0]);

const struct vp_entry *vp_entry_by_node(unsigned node)
{
	for (size_t i = 0; i < vp_nentries; i++)
		if (vp_entries[i].node == node)
			return &vp_entries[i];
	return NULL;
}

const struct vp_entry *vp_entry_of_file(enum vp_file f)
{
	for (size_t i = 0; i < vp_nentries; i++)
		if (vp_entries[i].file == (int)f)
			return &vp_entries[i];
	return NULL;
}

const struct vp_entry *vp_entry_by_path(const char *path)
{
	for (size_t i = 0; i < vp_nentries; i++)
		if (strcmp(vp_entries[i].path, path) == 0)
			return &vp_entries[i];
	return NULL;
}

const struct vp_entry *vp_entry_next_child(unsigned parent, size_t *cursor)
{
	while (*cursor < vp_nentries) {
		const struct vp_entry *e = &vp_entries[(*cursor)++];

		if (e->parent == parent)
			return e;
	}
	return NULL;
}

const struct vp_entry *vp_entry_child(unsigned parent, const char *name)
{
	size_t cursor = 0;
	const struct vp_entry *e;

	while ((e = vp_entry_next_child(parent, &cursor)))
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

void vp_table_markdown(FILE *f)
{
	fprintf(f, "| file (under the mount point) | mounted over | what a container sees |\n"
		   "|---|---|---|\n");
	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i];

		if (e->file >= 0 || e->mount)
			fprintf(f, "| `%s%s` | %s%s%s | %s |\n", e->path, e->file < 0 ? "/" : "",
				e->mount ? "`/" : "", e->mount ? e->path : "not mounted",
				e->mount ? "`" : "", e->what ? e->what : "");
	}
}
