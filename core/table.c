/* The served-file table (see core/table.h). */
#include <string.h>

#include "cgroup/cgroup.h"
#include "core/table.h"

#define MEM (1u << CG_MEMORY)
#define CPU ((1u << CG_CPU) | (1u << CG_CPUACCT) | (1u << CG_CPUSET))
#define CPUSET ((1u << CG_CPU) | (1u << CG_CPUSET))
#define IO (1u << CG_BLKIO)

/* Directories: no renderer, no host file; v2 as the rows' v2_only. */
#define DIR(n, p, nm, path, v2)                                                             \
	{n, p, nm, path, -1, false, VP_TREE_NONE, VP_HOST_PROC, NULL, 0, VP_VIEW_MEMORY, NULL,  \
	 false, v2}

/* Columns: node, parent, name, path, file, mount, tree, host root, host file,
 * controllers, kind, what, hook_only, v2_only. */
const struct vp_entry vp_entries[] = {
	DIR(1, 0, "proc", "proc", false),
	{2, 1, "meminfo", "proc/meminfo", VP_MEMINFO, true, VP_TREE_NONE, VP_HOST_PROC, "meminfo",
	 MEM, VP_VIEW_MEMORY, "memory limit, usage and its breakdown from memory.stat; swap", false,
	 false},
	{3, 1, "cpuinfo", "proc/cpuinfo", VP_CPUINFO, true, VP_TREE_NONE,
	 VP_HOST_PROC, "cpuinfo", CPUSET,
	 VP_VIEW_CPU, "one block per visible CPU, renumbered from 0", false, false},
	{4, 1, "stat", "proc/stat", VP_STAT, true, VP_TREE_NONE,
	 VP_HOST_PROC, "stat", CPU, VP_VIEW_CPU,
	 "CPU time per visible CPU, running and blocked tasks, the host's btime", false, false},
	{5, 1, "uptime", "proc/uptime", VP_UPTIME, true, VP_TREE_NONE, VP_HOST_PROC, "uptime", CPU,
	 VP_VIEW_CPU, "since the container started; idle time of its visible CPUs", false, false},
	{6, 1, "loadavg", "proc/loadavg", VP_LOADAVG, true, VP_TREE_NONE,
	 VP_HOST_PROC, "loadavg", CPU,
	 VP_VIEW_CPU, "load averages, running and total tasks of the container, its last pid", false,
	 false},
	{7, 1, "swaps", "proc/swaps", VP_SWAPS, true, VP_TREE_NONE, VP_HOST_PROC, "swaps", MEM,
	 VP_VIEW_MEMORY, "one line for the container's swap limit and usage", false, false},
	DIR(8, 0, "sys", "sys", false),
	DIR(9, 8, "devices", "sys/devices", false),
	DIR(10, 9, "system", "sys/devices/system", false),
	/* The view's whole /sys/devices/system/cpu (core/cputree.h). Nodes 12-14 were its
	 * online, possible and present files before the tree: retired, never reused. */
	{11, 10, "cpu", "sys/devices/system/cpu", -1, true, VP_TREE_CPU, VP_HOST_SYS, NULL,
	 (1u << CG_CPU) | (1u << CG_CPUSET), VP_VIEW_CPU,
	 "cpu0..cpu(n-1) with their topology (one package of n cores), online/possible/present "
	 "0-(n-1); the host CPU's cpufreq and cache files, vulnerabilities, cpuidle (README)", false,
	 false},
	{15, 1, "vmstat", "proc/vmstat", VP_VMSTAT, true, VP_TREE_NONE,
	 VP_HOST_PROC, "vmstat", MEM | IO,
	 VP_VIEW_MEMORY, "the host's keys: memory sizes and events from memory.stat and "
	 "memory.events, pgpgin/pgpgout from the container's block I/O, 0 where no cgroup keeps "
	 "a figure", true, false},
	{16, 1, "diskstats", "proc/diskstats", VP_DISKSTATS, true, VP_TREE_NONE,
	 VP_HOST_PROC, "diskstats",
	 IO, VP_VIEW_IO, "the host's devices with the container's reads, writes and discards "
	 "(io.stat, blkio); 0 elsewhere", false, false},
	DIR(17, 1, "pressure", "proc/pressure", true),
	{18, 17, "cpu", "proc/pressure/cpu", VP_PRESSURE_CPU, true, VP_TREE_NONE, VP_HOST_PROC,
	 "pressure/cpu", MEM, VP_VIEW_MEMORY,
	 "the container cgroup's cpu.pressure (pure cgroup v2 hosts)", true, true},
	{19, 17, "memory", "proc/pressure/memory", VP_PRESSURE_MEMORY, true, VP_TREE_NONE,
	 VP_HOST_PROC, "pressure/memory", MEM, VP_VIEW_MEMORY,
	 "the container cgroup's memory.pressure (pure cgroup v2 hosts)", true, true},
	{20, 17, "io", "proc/pressure/io", VP_PRESSURE_IO, true, VP_TREE_NONE, VP_HOST_PROC,
	 "pressure/io", MEM, VP_VIEW_MEMORY,
	 "the container cgroup's io.pressure (pure cgroup v2 hosts)", true, true},
	DIR(21, 8, "class", "sys/class", false),
	/* NAME/stat for each of the host's block devices (core/blocktree.c), what sysstat's
	 * iostat reads (as /sys/block/DEV/stat). The hook mounts each stat file on its own;
	 * the directory itself is never mounted (the rest of the device's sysfs stays). */
	{22, 21, "block", "sys/class/block", -1, true, VP_TREE_BLOCK, VP_HOST_SYS, NULL, IO,
	 VP_VIEW_IO, "NAME/stat for each block device of the host: the figures of the "
	 "container's /proc/diskstats line for it, in sysfs's layout", false, false},
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
	fprintf(f, "| file (under the mount point) | mounted over (hook, CDI) | `docker -v` | "
		   "what a container sees |\n"
		   "|---|---|---|---|\n");
	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i];

		if (e->tree == VP_TREE_BLOCK)
			fprintf(f, "| `%s/NAME/stat` | `/%s/NAME/stat`, each device's | one `-v` per "
				   "device (README) | %s |\n", e->path, e->path, e->what);
		else if (e->file >= 0 || e->mount)
			fprintf(f, "| `%s%s` | %s%s%s | %s | %s |\n", e->path,
				e->file < 0 ? "/" : "", e->mount ? "`/" : "",
				e->mount ? e->path : "not mounted", e->mount ? "`" : "",
				!e->mount ? "no" : e->hook_only ? "no: runc refuses it" : "yes",
				e->what ? e->what : "");
	}
}
