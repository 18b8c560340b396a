/* The tree vprocfs serves. Inode numbers are fixed forever (see fs/daemon.h). */
#include <string.h>

#include "fs/daemon.h"
#include "util/cleanup.h"

static const struct fs_node nodes[] = {
	{FS_INO_ROOT, FS_INO_ROOT, "", NULL},
	{FS_INO_PROC, FS_INO_ROOT, "proc", NULL},
	{FS_INO_PROC_MEMINFO, FS_INO_PROC, "meminfo", fs_render_meminfo},
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
