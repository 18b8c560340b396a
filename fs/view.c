/* The adapter between caller, cgroup facts and renderers: the one place that decides what a
 * caller gets. */
#include <errno.h>
#include <string.h>

#include "fs/daemon.h"
#include "proc_views/meminfo.h"
#include "util/cleanup.h"
#include "util/fileio.h"

static void memory_to_view(const struct cg_memory *m, struct pv_meminfo_ctr *v)
{
	const struct cg_memstat *s = &m->stat;

	*v = (struct pv_meminfo_ctr){
		.limit = m->limit,
		.usage = m->usage,
		.swap_accounted = m->swap_accounted,
		.swap_limit = m->swap_limit,
		.swap_usage = m->swap_usage,
		.anon = s->anon,
		.file = s->file,
		.shmem = s->shmem,
		.mapped = s->file_mapped,
		.dirty = s->file_dirty,
		.writeback = s->file_writeback,
		.active_anon = s->active_anon,
		.inactive_anon = s->inactive_anon,
		.active_file = s->active_file,
		.inactive_file = s->inactive_file,
		.unevictable = s->unevictable,
		.anon_thp = s->anon_thp,
		.file_thp = s->file_thp,
		.shmem_thp = s->shmem_thp,
		.slab = s->slab,
		.slab_reclaimable = s->slab_reclaimable,
		.slab_unreclaimable = s->slab_unreclaimable,
		.kernel_stack = s->kernel_stack,
		.pagetables = s->pagetables,
		.sec_pagetables = s->sec_pagetables,
		.percpu = s->percpu,
		.vmalloc = s->vmalloc,
		.zswap = s->zswap,
		.zswapped = s->zswapped,
	};
}

/*
 * What a caller gets:
 *   - its container's file, computed from the container cgroup (cg_caller_container());
 *   - the host's file unchanged when the container is the root cgroup;
 *   - an error (never another view, never the host's file) when the caller has exited
 *     (-ESRCH), when a cgroup file is missing or malformed, or the host file cannot be parsed.
 */
int fs_render_meminfo(struct vp_daemon *d, pid_t tid, struct strbuf *out)
{
	_cleanup_free_ char *path = NULL;
	struct pv_host_meminfo host;
	struct pv_meminfo_ctr view;
	struct cg_memory mem;
	int r;

	r = cg_caller_container(d->ns, &d->layout.memory, "memory", tid, &path);
	if (r < 0)
		return r;
	if (strcmp(path, "/") == 0)
		return read_fd_all(d->meminfo_fd, out);
	r = cg_memory_read(&d->layout.memory, path, &mem);
	if (r < 0)
		return r;
	r = read_fd_all(d->meminfo_fd, out);
	if (r < 0)
		return r;
	r = pv_host_meminfo_parse(out->buf, &host);
	if (r < 0)
		return r;
	memory_to_view(&mem, &view);
	return pv_meminfo_render(&host, &view, out);
}
