/* The tree vprocfs serves. Inode numbers are fixed forever (see fs/daemon.h). */
#include <string.h>

#include "fs/daemon.h"
#include "util/cleanup.h"

#define DIR(ino, parent, name) {ino, parent, name, NULL, FS_VIEW_MEMORY, NULL}
#define CPU "/sys/devices/system/cpu/"

static const struct fs_node nodes[] = {
	DIR(FS_INO_ROOT, FS_INO_ROOT, ""),
	DIR(FS_INO_PROC, FS_INO_ROOT, "proc"),
	{FS_INO_PROC_MEMINFO, FS_INO_PROC, "meminfo", fs_render_meminfo, FS_VIEW_MEMORY,
	 "/proc/meminfo"},
	{FS_INO_PROC_CPUINFO, FS_INO_PROC, "cpuinfo", fs_render_cpuinfo, FS_VIEW_CPU,
	 "/proc/cpuinfo"},
	{FS_INO_PROC_STAT, FS_INO_PROC, "stat", fs_render_stat, FS_VIEW_CPU, "/proc/stat"},
	{FS_INO_PROC_UPTIME, FS_INO_PROC, "uptime", fs_render_uptime, FS_VIEW_CPU, "/proc/uptime"},
	{FS_INO_PROC_LOADAVG, FS_INO_PROC, "loadavg", fs_render_loadavg, FS_VIEW_CPU,
	 "/proc/loadavg"},
	{FS_INO_PROC_SWAPS, FS_INO_PROC, "swaps", fs_render_swaps, FS_VIEW_MEMORY, "/proc/swaps"},
	DIR(FS_INO_SYS, FS_INO_ROOT, "sys"),
	DIR(FS_INO_SYS_DEVICES, FS_INO_SYS, "devices"),
	DIR(FS_INO_SYS_DEVICES_SYSTEM, FS_INO_SYS_DEVICES, "system"),
	DIR(FS_INO_SYS_CPU, FS_INO_SYS_DEVICES_SYSTEM, "cpu"),
	{FS_INO_SYS_CPU_ONLINE, FS_INO_SYS_CPU, "online", fs_render_sys_cpu_range, FS_VIEW_CPU,
	 CPU "online"},
	{FS_INO_SYS_CPU_POSSIBLE, FS_INO_SYS_CPU, "possible", fs_render_sys_cpu_range,
	 FS_VIEW_CPU, CPU "possible"},
	{FS_INO_SYS_CPU_PRESENT, FS_INO_SYS_CPU, "present", fs_render_sys_cpu_range, FS_VIEW_CPU,
	 CPU "present"},
};

const struct fs_node *fs_node_get(fuse_ino_t ino)
{
	for (size_t i = 0; i < VP_ARRAY_SIZE(nodes); i++)
		if (nodes[i].ino == ino)
			return &nodes[i];
	return NULL;
}

const struct fs_node *fs_node_next_child(fuse_ino_t parent, size_t *cursor)
{
	while (*cursor < VP_ARRAY_SIZE(nodes)) {
		const struct fs_node *n = &nodes[(*cursor)++];

		if (n->parent == parent && n->ino != parent)
			return n;
	}
	return NULL;
}

const struct fs_node *fs_node_child(fuse_ino_t parent, const char *name)
{
	size_t cursor = 0;
	const struct fs_node *n;

	while ((n = fs_node_next_child(parent, &cursor)))
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}
