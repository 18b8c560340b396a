/* Start-up discovery of where the controllers are mounted (libcgroup), and which cgroup
 * version each mount is (statfs magic). */
#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"

const char *cg_version_name(enum cg_version v)
{
	switch (v) {
	case CG_V1:
		return "cgroup v1";
	case CG_V2:
		return "cgroup v2";
	default:
		return "not mounted";
	}
}

static int hier_open(const char *dir, enum cg_version v, struct cg_hier *ret)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *m;

	if (fd < 0)
		return -errno;
	if (v != CG_V1 && v != CG_V2)
		return -EINVAL;
	m = strdup(dir);
	if (!m)
		return -ENOMEM;
	*ret = (struct cg_hier){
		.version = v,
		.rootfd = TAKE_FD(fd),
		.mount = m,
		.mem = v == CG_V1 ? &cg_mem_v1_ops : &cg_mem_v2_ops,
	};
	return 0;
}

static void hier_done(struct cg_hier *h)
{
	if (h->rootfd >= 0)
		close(h->rootfd);
	free(h->mount);
	*h = (struct cg_hier){.rootfd = -1};
}

int cg_layout_from_dir(const char *dir, enum cg_version v, struct cg_layout *ret)
{
	struct cg_layout l = {.memory = {.rootfd = -1}};
	int r = hier_open(dir, v, &l.memory);

	if (r < 0)
		return r;
	*ret = l;
	return 0;
}

static int mount_version(const char *dir, enum cg_version *ret)
{
	struct statfs sf;

	if (statfs(dir, &sf) < 0)
		return -errno;
	if (sf.f_type == CGROUP2_SUPER_MAGIC)
		*ret = CG_V2;
	else if (sf.f_type == CGROUP_SUPER_MAGIC)
		*ret = CG_V1;
	else
		return -EMEDIUMTYPE;
	return 0;
}

int cg_layout_discover(struct cg_layout *ret)
{
	struct cg_layout l = {.memory = {.rootfd = -1}};
	struct cgroup_mount_point mp;
	void *handle = NULL;
	char *memdir = NULL;
	enum cg_version v = CG_NONE;
	int r;

	/* libcgroup returns ECG* codes, not errnos: map them to what they mean to us. */
	if (cgroup_init() != 0)
		return -ENODEV;
	r = cgroup_get_controller_begin(&handle, &mp);
	while (r == 0) {
		if (strcmp(mp.name, "memory") == 0 && !memdir) {
			memdir = strdup(mp.path);
			if (!memdir) {
				cgroup_get_controller_end(&handle);
				return -ENOMEM;
			}
		}
		r = cgroup_get_controller_next(&handle, &mp);
	}
	cgroup_get_controller_end(&handle);
	if (!memdir)
		return -ENODEV;

	r = mount_version(memdir, &v);
	if (r >= 0)
		r = hier_open(memdir, v, &l.memory);
	free(memdir);
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}

void cg_layout_done(struct cg_layout *l)
{
	hier_done(&l->memory);
}
