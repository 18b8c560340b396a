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

/* fd_budget: the layout's, of which each hierarchy keeps a share open. */
static int hier_open(const char *dir, enum cg_version v, size_t fd_budget, struct cg_hier *ret)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct cg_fdcache *fdc = NULL;
	struct statfs sf;
	char *m;
	int r;

	if (fd < 0)
		return -errno;
	if (v != CG_V1 && v != CG_V2)
		return -EINVAL;
	/* Only kernfs regenerates a kept file's content on every read at offset 0 and says
	 * ENODEV once its cgroup is gone: fixture trees are read by path every time. */
	if (fstatfs(fd, &sf) == 0 &&
	    (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC)) {
		r = cg_fdcache_new(fd, fd_budget / CG_NCONTROLLERS, &fdc);
		if (r < 0)
			return r;
	}
	m = strdup(dir);
	if (!m) {
		cg_fdcache_free(fdc);
		return -ENOMEM;
	}
	*ret = (struct cg_hier){
		.version = v,
		.rootfd = TAKE_FD(fd),
		.mount = m,
		.mem = v == CG_V1 ? &cg_mem_v1_ops : &cg_mem_v2_ops,
		.cpu = v == CG_V1 ? &cg_cpu_v1_ops : &cg_cpu_v2_ops,
		.fdc = fdc,
	};
	return 0;
}

static void hier_done(struct cg_hier *h)
{
	cg_fdcache_free(h->fdc);
	if (h->rootfd >= 0)
		close(h->rootfd);
	free(h->mount);
	*h = (struct cg_hier){.rootfd = -1};
}

void cg_layout_sweep(const struct cg_layout *l, unsigned max_idle_s)
{
	for (int c = 0; c < CG_NCONTROLLERS; c++)
		if (l->h[c].fdc)
			cg_fdcache_sweep(l->h[c].fdc, max_idle_s);
}

static const char *const controller_names[CG_NCONTROLLERS] = {
	[CG_MEMORY] = "memory",
	[CG_CPU] = "cpu",
	[CG_CPUACCT] = "cpuacct",
	[CG_CPUSET] = "cpuset",
	[CG_BLKIO] = "blkio",
};

/* The name libcgroup may list a controller under besides its v1 name: v2's "io". */
static bool controller_is(const char *name, int c)
{
	return strcmp(name, controller_names[c]) == 0 || (c == CG_BLKIO && strcmp(name, "io") == 0);
}

const char *cg_controller_name(enum cg_controller c)
{
	return c < CG_NCONTROLLERS ? controller_names[c] : "?";
}

static void layout_init(struct cg_layout *l)
{
	for (int c = 0; c < CG_NCONTROLLERS; c++)
		l->h[c] = (struct cg_hier){.rootfd = -1};
}

int cg_layout_from_dir(const char *dir, enum cg_version v, struct cg_layout *ret)
{
	struct cg_layout l;

	layout_init(&l);
	for (int c = 0; c < CG_NCONTROLLERS; c++) {
		int r = hier_open(dir, v, CG_DEFAULT_FD_BUDGET, &l.h[c]);

		if (r < 0) {
			cg_layout_done(&l);
			return r;
		}
	}
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

static int open_controller(const char *dir, size_t fd_budget, struct cg_hier *h)
{
	enum cg_version v = CG_NONE;
	int r = mount_version(dir, &v);

	return r < 0 ? r : hier_open(dir, v, fd_budget, h);
}

/* The controllers whose files a v2 host keeps in the unified hierarchy even where libcgroup
 * does not list them. */
static const int unified_always[] = {CG_CPUACCT, CG_BLKIO};

int cg_layout_discover(size_t fd_budget, struct cg_layout *ret)
{
	struct cg_layout l;
	struct cgroup_mount_point mp;
	void *handle = NULL;
	char *dirs[CG_NCONTROLLERS] = {NULL};
	int r = 0;

	layout_init(&l);
	/* libcgroup returns ECG* codes, not errnos: map them to what they mean to us. */
	if (cgroup_init() != 0)
		return -ENODEV;
	/* Controller -> mount point; the first mount listed for a controller wins. */
	for (int g = cgroup_get_controller_begin(&handle, &mp); g == 0;
	     g = cgroup_get_controller_next(&handle, &mp)) {
		for (int c = 0; c < CG_NCONTROLLERS && r == 0; c++)
			if (controller_is(mp.name, c) && !dirs[c] &&
			    !(dirs[c] = strdup(mp.path)))
				r = -ENOMEM;
	}
	cgroup_get_controller_end(&handle);
	if (r == 0 && !dirs[CG_MEMORY])
		r = -ENODEV;
	for (int c = 0; c < CG_NCONTROLLERS && r == 0; c++)
		if (dirs[c])
			r = open_controller(dirs[c], fd_budget, &l.h[c]);
	/* On cgroup v2 CPU accounting (cpu.stat) is in every cgroup, with or without the cpu
	 * controller, and io.stat wherever the io controller is enabled: use the unified
	 * hierarchy that holds memory or cpu. */
	for (size_t i = 0; i < VP_ARRAY_SIZE(unified_always) && r == 0; i++) {
		int c = unified_always[i], from = l.h[CG_CPU].version == CG_V2 ? CG_CPU : CG_MEMORY;

		if (l.h[c].version == CG_NONE && l.h[from].version == CG_V2)
			r = hier_open(l.h[from].mount, CG_V2, fd_budget, &l.h[c]);
	}
	for (int c = 0; c < CG_NCONTROLLERS; c++)
		free(dirs[c]);
	if (r < 0) {
		cg_layout_done(&l);
		return r;
	}
	*ret = l;
	return 0;
}

void cg_layout_done(struct cg_layout *l)
{
	for (int c = 0; c < CG_NCONTROLLERS; c++)
		hier_done(&l->h[c]);
}
