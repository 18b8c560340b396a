/* The adapter between caller, cgroup facts and renderers: the one place that decides what a
 * caller gets. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "proc_views/cpuinfo.h"
#include "proc_views/diskstats.h"
#include "proc_views/loadavg.h"
#include "proc_views/meminfo.h"
#include "proc_views/pressure.h"
#include "proc_views/stat.h"
#include "proc_views/swaps.h"
#include "proc_views/sys_cpu.h"
#include "proc_views/uptime.h"
#include "proc_views/vmstat.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/parse.h"

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

/* ---- host files, reused for VP_HOST_TTL_MS -------------------------------------------- */

void vp_host_cache_init(struct vp_host_cache *hc)
{
	memset(hc, 0, sizeof(*hc));
	pthread_rwlock_init(&hc->lock, NULL);
}

void vp_host_cache_done(struct vp_host_cache *hc)
{
	pthread_rwlock_destroy(&hc->lock);
	sb_release(&hc->text);
	free(hc->meminfo);
	free(hc->vmstat);
	if (hc->diskstats)
		pv_host_diskstats_done(hc->diskstats);
	free(hc->diskstats);
}

static bool fresh(const struct vp_host_cache *hc, uint64_t now)
{
	return hc->at_ms && now - hc->at_ms < VP_HOST_TTL_MS;
}

/* Parse hc->text into hc's parsed form (under its write lock): one per host file that a
 * renderer needs parsed. */
typedef int (*host_parse_fn)(struct vp_host_cache *hc);

static const char *host_text_of(const struct vp_host_cache *hc)
{
	return hc->text.buf ? hc->text.buf : "";
}

static int parse_meminfo(struct vp_host_cache *hc)
{
	if (!hc->meminfo && !(hc->meminfo = malloc(sizeof(*hc->meminfo))))
		return -ENOMEM;
	return pv_host_meminfo_parse(host_text_of(hc), hc->meminfo);
}

static int parse_vmstat(struct vp_host_cache *hc)
{
	if (!hc->vmstat && !(hc->vmstat = malloc(sizeof(*hc->vmstat))))
		return -ENOMEM;
	return pv_host_vmstat_parse(host_text_of(hc), hc->vmstat);
}

static int parse_diskstats(struct vp_host_cache *hc)
{
	struct pv_host_diskstats h;
	int r;

	if (!hc->diskstats && !(hc->diskstats = calloc(1, sizeof(*hc->diskstats))))
		return -ENOMEM;
	r = pv_host_diskstats_parse(host_text_of(hc), &h);
	if (r < 0)
		return r;
	pv_host_diskstats_done(hc->diskstats);
	*hc->diskstats = h;
	return 0;
}

/* Take hc's lock for reading with content at most VP_HOST_TTL_MS old, refreshing it from
 * host file fd (and parsing it with parse, unless NULL) first if needed. */
static int host_lock_fresh(struct vp_host_cache *hc, int fd, host_parse_fn parse)
{
	uint64_t now = vp_coarse_ms();
	int r = 0;

	pthread_rwlock_rdlock(&hc->lock);
	if (fresh(hc, now))
		return 0;
	pthread_rwlock_unlock(&hc->lock);
	pthread_rwlock_wrlock(&hc->lock);
	if (!fresh(hc, now)) {
		r = read_fd_all(fd, &hc->text);
		if (r >= 0 && parse)
			r = parse(hc);
		hc->at_ms = r < 0 ? 0 : now;
	}
	pthread_rwlock_unlock(&hc->lock);
	if (r < 0)
		return r;
	/* Fresh enough for this read even if another refresh races in between. */
	pthread_rwlock_rdlock(&hc->lock);
	if (hc->at_ms)
		return 0;
	pthread_rwlock_unlock(&hc->lock);
	return -EIO;
}

/* The host file's (fd) text into out. */
static int host_text(struct vp_host_cache *hc, int fd, struct strbuf *out)
{
	int r = host_lock_fresh(hc, fd, NULL);

	if (r < 0)
		return r;
	sb_reset(out);
	r = sb_append(out, hc->text.buf ? hc->text.buf : "", hc->text.len);
	pthread_rwlock_unlock(&hc->lock);
	return r;
}

/* The container's memory facts (mem) and the host's meminfo, parsed, and the renderers'
 * view of the two. */
static int memory_view(struct vp_core *d, const struct cg_caller *c, struct cg_memory *mem,
		       struct pv_host_meminfo *host, struct pv_meminfo_ctr *view,
		       struct cg_error *err)
{
	struct vp_host_cache *hc = &d->host_meminfo;
	int r;

	if (!c->path[CG_MEMORY])
		return -ENODEV;
	r = cg_memory_read(&d->layout.h[CG_MEMORY], c->path[CG_MEMORY], mem, err);
	if (r < 0)
		return r;
	r = host_lock_fresh(hc, d->host_fd[VP_MEMINFO], parse_meminfo);
	if (r < 0)
		return r;
	host->n = hc->meminfo->n;
	memcpy(host->line, hc->meminfo->line, host->n * sizeof(host->line[0]));
	pthread_rwlock_unlock(&hc->lock);
	memory_to_view(mem, view);
	return 0;
}

static int render_meminfo(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			 struct cg_error *err, struct strbuf *out)
{
	struct pv_host_meminfo host;
	struct pv_meminfo_ctr view;
	struct cg_memory mem;
	int r;

	(void)tid;
	r = memory_view(d, c, &mem, &host, &view, err);
	return r < 0 ? r : pv_meminfo_render(&host, &view, out);
}

static int render_swaps(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			 struct cg_error *err, struct strbuf *out)
{
	struct pv_host_meminfo host;
	struct pv_meminfo_ctr view;
	struct cg_memory mem;
	uint64_t total, free;
	int r;

	(void)tid;
	r = memory_view(d, c, &mem, &host, &view, err);
	if (r >= 0)
		r = pv_meminfo_swap(&host, &view, &total, &free);
	return r < 0 ? r : pv_swaps_render(total, sat_sub(total, free), out);
}

/* ---- block I/O and pressure -------------------------------------------------------------- */

/*
 * The container's block I/O per device (none: an empty list). A container without I/O
 * accounting did no I/O as far as anyone can tell: its figures are 0, as the kernel's keys
 * that no cgroup keeps are. That is a host without a blkio hierarchy, or a cgroup without
 * the files (v2: the io controller is not enabled for it; v1: a kernel without blk-throttle).
 * A cgroup that is gone is -ESRCH; a malformed file -EINVAL.
 */
static int io_view(struct vp_core *d, const struct cg_caller *c, struct cg_iostat *ret,
		   struct cg_error *err)
{
	const struct cg_hier *h = &d->layout.h[CG_BLKIO];
	struct cg_error ioerr;
	uint64_t ino;
	int r;

	if (h->version == CG_NONE) {
		*ret = (struct cg_iostat){0};
		return 0;
	}
	if (!c->path[CG_BLKIO])
		return -ENODEV;
	r = cg_io_read(h, c->path[CG_BLKIO], ret, &ioerr);
	if (r == -ENOENT) {
		r = cg_dir_ino(h, c->path[CG_BLKIO], &ino);
		if (r >= 0)
			*ret = (struct cg_iostat){0};
		return r;
	}
	if (r < 0 && err)
		*err = ioerr;
	return r;
}

static void iodev_to_view(const struct cg_iodev *s, struct pv_disk_io *v)
{
	*v = (struct pv_disk_io){
		.major = s->major,
		.minor = s->minor,
		.rbytes = s->rbytes,
		.wbytes = s->wbytes,
		.rios = s->rios,
		.wios = s->wios,
		.dbytes = s->dbytes,
		.dios = s->dios,
	};
}

static int render_diskstats(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			    struct cg_error *err, struct strbuf *out)
{
	struct vp_host_cache *hc = &d->host_diskstats;
	_cleanup_free_ struct pv_disk_io *io = NULL;
	struct cg_iostat s;
	int r;

	(void)tid;
	r = io_view(d, c, &s, err);
	if (r < 0)
		return r;
	io = calloc(s.n ? s.n : 1, sizeof(*io));
	for (size_t i = 0; io && i < s.n; i++)
		iodev_to_view(&s.dev[i], &io[i]);
	r = io ? host_lock_fresh(hc, d->host_fd[VP_DISKSTATS], parse_diskstats) : -ENOMEM;
	if (r >= 0) {
		r = pv_diskstats_render(hc->diskstats, io, s.n, out);
		pthread_rwlock_unlock(&hc->lock);
	}
	cg_iostat_done(&s);
	return r;
}

static const char *kind_path(const struct vp_view *v, enum vp_view_kind kind);

int vp_block_each(struct vp_core *d,
		  int (*fn)(const char *name, unsigned major, unsigned minor, void *u), void *u)
{
	struct vp_host_cache *hc = &d->host_diskstats;
	int r = host_lock_fresh(hc, d->host_fd[VP_DISKSTATS], parse_diskstats);

	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < hc->diskstats->n; i++) {
		const struct pv_disk *k = &hc->diskstats->disk[i];

		r = fn(k->name, k->major, k->minor, u);
	}
	pthread_rwlock_unlock(&hc->lock);
	return r;
}

int vp_block_stat_render(struct vp_core *d, const struct vp_view *v, unsigned major,
			 unsigned minor, struct strbuf *out, char *err, size_t errsz)
{
	struct vp_host_cache *hc = &d->host_diskstats;
	_cleanup_free_ struct pv_disk_io *io = NULL;
	struct cg_error ce = {0};
	struct cg_iostat s = {0};
	int r;

	if (vp_view_is_host(v, VP_VIEW_IO)) {
		/* The host's figures now, not the cached device list's. */
		r = read_fd_all(d->host_fd[VP_DISKSTATS], out);
		if (r >= 0) {
			struct strbuf text = *out;

			*out = (struct strbuf)STRBUF_INIT;
			r = pv_blockstat_host(text.buf ? text.buf : "", major, minor, out);
			sb_release(&text);
		}
	} else {
		r = io_view(d, &v->c, &s, &ce);
		if (r >= 0) {
			io = calloc(s.n ? s.n : 1, sizeof(*io));
			for (size_t i = 0; io && i < s.n; i++)
				iodev_to_view(&s.dev[i], &io[i]);
			r = io ? host_lock_fresh(hc, d->host_fd[VP_DISKSTATS], parse_diskstats)
			       : -ENOMEM;
			if (r >= 0) {
				r = pv_blockstat_render(hc->diskstats, major, minor, io, s.n, out);
				pthread_rwlock_unlock(&hc->lock);
			}
			cg_iostat_done(&s);
		}
	}
	if (r < 0 && err && errsz && ce.where[0])
		snprintf(err, errsz, "sys/class/block (%u:%u): %s", major, minor, cg_error_str(&ce));
	else if (r < 0 && err && errsz)
		snprintf(err, errsz, "sys/class/block (%u:%u) for the cgroup %s: %s", major, minor,
			 kind_path(v, VP_VIEW_IO), strerror(-r));
	return r;
}

static int render_vmstat(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			 struct cg_error *err, struct strbuf *out)
{
	struct vp_host_cache *hc = &d->host_vmstat;
	struct pv_host_meminfo host;
	struct pv_vmstat_ctr v = {0};
	struct cg_memory mem;
	struct cg_iostat io;
	int r;

	(void)tid;
	r = memory_view(d, c, &mem, &host, &v.mem, err);
	if (r >= 0)
		r = pv_meminfo_free(&host, &v.mem, &v.free_kb);
	if (r >= 0)
		r = cg_memory_oom_kill(&d->layout.h[CG_MEMORY], c->path[CG_MEMORY], &v.oom_kill,
				       err);
	if (r >= 0)
		r = io_view(d, c, &io, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < io.n; i++) {
		v.io_rbytes = sat_add(v.io_rbytes, io.dev[i].rbytes);
		v.io_wbytes = sat_add(v.io_wbytes, io.dev[i].wbytes);
	}
	cg_iostat_done(&io);
	v.n_events = CG_NMEMEVENTS;
	v.event_name = cg_memevent_names;
	v.event = mem.stat.event;
	r = host_lock_fresh(hc, d->host_fd[VP_VMSTAT], parse_vmstat);
	if (r < 0)
		return r;
	r = pv_vmstat_render(hc->vmstat, &v, d->page_size, d->thp_size, out);
	pthread_rwlock_unlock(&hc->lock);
	return r;
}

static int parse_pressure(const char *text, void *arg)
{
	return pv_pressure_parse(text, arg);
}

/* The container cgroup's pressure file, checked and printed again. On v2, the only place
 * these rows are served, the memory controller's cgroup is the unified hierarchy's. */
static int render_pressure(struct vp_core *d, const struct cg_caller *c, enum cg_psi res,
			   struct cg_error *err, struct strbuf *out)
{
	struct pv_pressure p;
	int r;

	if (!c->path[CG_MEMORY])
		return -ENODEV;
	r = cg_pressure_read(&d->layout.h[CG_MEMORY], c->path[CG_MEMORY], res, parse_pressure, &p,
			     err);
	return r < 0 ? r : pv_pressure_render(&p, out);
}

static int render_pressure_cpu(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			       struct cg_error *err, struct strbuf *out)
{
	(void)tid;
	return render_pressure(d, c, CG_PSI_CPU, err, out);
}

static int render_pressure_memory(struct vp_core *d, const struct cg_caller *c, pid_t tid,
				  struct cg_error *err, struct strbuf *out)
{
	(void)tid;
	return render_pressure(d, c, CG_PSI_MEMORY, err, out);
}

static int render_pressure_io(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			      struct cg_error *err, struct strbuf *out)
{
	(void)tid;
	return render_pressure(d, c, CG_PSI_IO, err, out);
}

/* ---- CPU views ------------------------------------------------------------------------- */

/* The container's CPU facts and model. cpu->cpus holds the cpuset or, where the cpuset
 * controller is missing, the host's online CPUs. */
static int cpu_view(struct vp_core *d, const struct cg_caller *c, bool with_acct,
		    struct cg_error *err, struct strbuf *scratch, struct cg_cpu *cpu,
		    struct pv_cpu_model *m)
{
	int r = cg_cpu_read(&d->layout, c->path, with_acct, cpu, err);

	if (r < 0)
		return r;
	if (cpu->cpus.n == 0) {
		r = host_text(&d->host_online, d->host_online_fd, scratch);
		if (r >= 0)
			r = cg_parse_cpulist(scratch->buf ? scratch->buf : "", &cpu->cpus);
		if (r >= 0 && cpu->cpus.n == 0)
			r = -EINVAL;
	}
	if (r >= 0)
		r = pv_cpu_model(cpu->cpus.cpu, cpu->cpus.n, cpu->quota, d->cpu_count, m);
	if (r < 0)
		cg_cpu_done(cpu);
	return r;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * UINT64_C(1099511628211);
}

/* The container's CPU time per visible CPU, its counters updated, and its other state. */
static int observe_cpu(struct vp_core *d, const struct cg_caller *c, struct cg_error *err,
		       struct strbuf *scratch,
		       struct pv_cpu_model *m, struct vp_ctr_view *v)
{
	struct cg_cpu cpu;
	struct pv_cpu_sample smp = {0};
	_cleanup_free_ uint64_t *raw = NULL;
	int r = cpu_view(d, c, true, err, scratch, &cpu, m);

	if (r < 0)
		return r;
	raw = calloc((size_t)m->n * PV_IDLE, sizeof(*raw));
	if (!raw) {
		cg_cpu_done(&cpu);
		return -ENOMEM;
	}
	for (int f = 0; f < PV_IDLE; f++)
		smp.raw[f] = raw + (size_t)f * m->n;
	smp.n = m->n;
	smp.capacity = m->capacity;
	smp.map_key = mix(UINT64_C(1469598103934665603), m->n);
	if (cpu.acct.ncpu == 0) {
		/* v2 reports totals only: spread over the visible CPUs. */
		for (unsigned i = 0; i < m->n; i++) {
			raw[PV_USER * m->n + i] =
				pv_spread(cpu.acct.user_us - cpu.acct.nice_us, m->n, i);
			raw[PV_NICE * m->n + i] = pv_spread(cpu.acct.nice_us, m->n, i);
			raw[PV_SYSTEM * m->n + i] = pv_spread(cpu.acct.system_us, m->n, i);
		}
	} else {
		/* v1 reports per host CPU: host CPU k of the cpuset shows as k mod n, CPUs
		 * outside it (where the container ran before its cpuset changed) as cpu mod n. */
		for (unsigned h = 0; h < cpu.acct.ncpu; h++) {
			int idx = cg_cpulist_index(&cpu.cpus, h);
			unsigned slot = (idx >= 0 ? (unsigned)idx : h) % m->n;

			raw[PV_USER * m->n + slot] += cpu.acct.cpu_user_us[h];
			raw[PV_SYSTEM * m->n + slot] += cpu.acct.cpu_system_us[h];
		}
		for (unsigned i = 0; i < cpu.cpus.n; i++)
			smp.map_key = mix(smp.map_key, cpu.cpus.cpu[i]);
	}
	r = vp_ctr_observe(d->ctrs, c, &smp, cpu.acct_ino, v, err);
	/* m->host_cpu points into cpu.cpus: callers that need it use cpu_view() instead. */
	m->host_cpu = NULL;
	cg_cpu_done(&cpu);
	return r;
}

static int render_cpuinfo(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			 struct cg_error *err, struct strbuf *out)
{
	struct strbuf host = STRBUF_INIT;
	struct pv_cpu_model m;
	struct cg_cpu cpu;
	int r;

	(void)tid;
	r = cpu_view(d, c, false, err, out, &cpu, &m);
	if (r < 0)
		return r;
	r = host_text(&d->host_cpuinfo, d->host_fd[VP_CPUINFO], &host);
	if (r >= 0)
		r = pv_cpuinfo_render(host.buf ? host.buf : "", m.host_cpu, m.n, out);
	sb_release(&host);
	cg_cpu_done(&cpu);
	return r;
}

int vp_view_cpus(struct vp_core *d, const struct vp_view *v, unsigned **ret_host_cpu,
		 unsigned *ret_n, char *err, size_t errsz)
{
	struct cg_error ce = {0};
	struct strbuf scratch = STRBUF_INIT;
	struct pv_cpu_model m;
	struct cg_cpu cpu;
	unsigned *hc;
	int r = cpu_view(d, &v->c, false, &ce, &scratch, &cpu, &m);

	sb_release(&scratch);
	if (r < 0) {
		if (err && errsz)
			snprintf(err, errsz, "sys/devices/system/cpu: %s",
				 ce.where[0] ? cg_error_str(&ce) : strerror(-r));
		return r;
	}
	hc = malloc(m.n * sizeof(*hc));
	if (hc)
		memcpy(hc, m.host_cpu, m.n * sizeof(*hc));
	cg_cpu_done(&cpu);
	if (!hc)
		return -ENOMEM;
	*ret_host_cpu = hc;
	*ret_n = m.n;
	return 0;
}

static int render_stat(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			 struct cg_error *err, struct strbuf *out)
{
	struct pv_cpu_model m;
	struct vp_ctr_view v;
	int r;

	(void)tid;
	r = observe_cpu(d, c, err, out, &m, &v);
	if (r < 0)
		return r;
	r = pv_stat_render(&(struct pv_stat_in){.t = &v.t,
						 .hz = d->hz,
						 .btime = d->btime,
						 .running = v.tasks.running,
						 .blocked = v.tasks.blocked},
			   out);
	pv_cputime_done(&v.t);
	return r;
}

/* Microseconds since boot at which the container started, for this caller: the init of its
 * pid namespace, or for callers in the host's the oldest task of the container cgroup. */
static uint64_t start_us(const struct vp_core *d, const struct cg_caller *c,
			 const struct vp_ctr_view *v)
{
	unsigned long long ticks = c->host_ns ? v->start_ticks : c->init_start;

	return (uint64_t)((unsigned __int128)ticks * 1000000 / d->hz);
}

static int render_uptime(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			 struct cg_error *err, struct strbuf *out)
{
	struct pv_cpu_model m;
	struct vp_ctr_view v;
	int r;

	(void)tid;
	r = observe_cpu(d, c, err, out, &m, &v);
	if (r < 0)
		return r;
	{
		uint64_t up = sat_sub(vp_now_us(), start_us(d, c, &v));
		/* Readers of one container in different pid namespaces may see different ages:
		 * idle never exceeds C x the age shown. */
		uint64_t cap = (uint64_t)((unsigned __int128)m.capacity * up / PV_UCPU);

		r = pv_uptime_render(up, min_u64(v.t.total[PV_IDLE], cap), out);
	}
	pv_cputime_done(&v.t);
	return r;
}

/* The newest thread of the container as numbered in the caller's pid namespace; where it
 * is not visible there (exited, or outside the caller's namespace), the caller itself. */
static pid_t last_pid(struct vp_core *d, const struct cg_caller *c, pid_t tid, pid_t newest,
		      struct strbuf *sb)
{
	pid_t ns[64];
	size_t n;
	char p[48];
	uint64_t v;

	if (c->host_ns) {
		if (read_file_at(d->procfd, "sys/kernel/ns_last_pid", sb) == 0 && sb->buf &&
		    parse_u64_line(sb->buf, &v) == 0 && v <= INT32_MAX)
			return (pid_t)v;
		return newest;
	}
	for (int k = 0; k < 2; k++) {
		pid_t who = k == 0 ? newest : tid;

		snprintf(p, sizeof(p), "%d/status", (int)who);
		if (who > 0 && read_file_at(d->procfd, p, sb) == 0 && sb->buf &&
		    cg_parse_nspid(sb->buf, ns, VP_ARRAY_SIZE(ns), &n) == 0 && n > c->ns_level)
			return ns[c->ns_level];
	}
	return 0; /* the caller has exited: nobody reads the answer */
}

static int render_loadavg(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			 struct cg_error *err, struct strbuf *out)
{
	struct vp_ctr_view v;
	pid_t last;
	int r;

	r = vp_ctr_observe(d->ctrs, c, NULL, 0, &v, err);
	if (r < 0)
		return r;
	pv_cputime_done(&v.t);
	last = last_pid(d, c, tid, v.tasks.newest, out);
	return pv_loadavg_render(v.avg, v.tasks.running, v.tasks.total, last, out);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

typedef int (*render_fn)(struct vp_core *d, const struct cg_caller *c, pid_t tid,
			 struct cg_error *err, struct strbuf *out);

static const render_fn renderers[VP_NFILES] = {
	[VP_MEMINFO] = render_meminfo,
	[VP_CPUINFO] = render_cpuinfo,
	[VP_STAT] = render_stat,
	[VP_UPTIME] = render_uptime,
	[VP_LOADAVG] = render_loadavg,
	[VP_SWAPS] = render_swaps,
	[VP_VMSTAT] = render_vmstat,
	[VP_DISKSTATS] = render_diskstats,
	[VP_PRESSURE_CPU] = render_pressure_cpu,
	[VP_PRESSURE_MEMORY] = render_pressure_memory,
	[VP_PRESSURE_IO] = render_pressure_io,
};

/* The cgroup of the view that decides for files of this kind, for messages. */
static const char *kind_path(const struct vp_view *v, enum vp_view_kind kind)
{
	const char *p = v->c.path[kind == VP_VIEW_IO ? CG_BLKIO
				  : kind == VP_VIEW_CPU ? CG_CPUACCT
							: CG_MEMORY];

	return p ? p : "(none)";
}

/*
 * What a view gets:
 *   - its container's file, computed from the container cgroup;
 *   - the host's file unchanged when the container is the root cgroup (for CPU views: the
 *     root cgroup of every CPU controller);
 *   - an error (never another view, never the host's file) when the view's tasks have
 *     exited (-ESRCH), when a cgroup file is missing or malformed, or a host file cannot be
 *     parsed.
 */
int vp_render(struct vp_core *d, enum vp_file f, const struct vp_view *v, pid_t tid,
	      struct strbuf *out, char *err, size_t errsz)
{
	const struct vp_entry *e = (unsigned)f < VP_NFILES ? vp_entry_of_file(f) : NULL;
	struct cg_error ce = {0};
	int r;

	if (!e)
		return -EINVAL;
	if (!vp_core_serves(d, e))
		return -ENOENT;
	if (vp_view_is_host(v, e->kind))
		r = read_fd_all(d->host_fd[f], out);
	else
		r = renderers[f](d, &v->c, tid, &ce, out);
	/* Name what failed: the cgroup file where one did, else the view's cgroup. */
	if (r < 0 && err && errsz && ce.where[0])
		snprintf(err, errsz, "%s: %s", e->path, cg_error_str(&ce));
	else if (r < 0 && err && errsz)
		snprintf(err, errsz, "%s for the cgroup %s: %s", e->path, kind_path(v, e->kind),
			 strerror(-r));
	return r;
}

/* sysinfo(2) for caller tid, from the same renderings as its /proc/meminfo, /proc/uptime
 * and /proc/loadavg (the caller resolved once for the three): 1 when the caller is the
 * host's for every one of them (the kernel's own answer is then the right one). */
int vp_sysinfo_for(struct vp_core *d, pid_t tid, struct pv_sysinfo *ret)
{
	static const enum vp_file files[3] = {VP_MEMINFO, VP_UPTIME, VP_LOADAVG};
	struct strbuf sb[3] = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
	struct vp_view v;
	int r;

	r = vp_view_of(d, tid, CG_MASK_ALL, &v);
	if (r < 0)
		return r;
	if (vp_view_is_host(&v, VP_VIEW_MEMORY) && vp_view_is_host(&v, VP_VIEW_CPU)) {
		vp_view_done(&v);
		return 1;
	}
	for (int i = 0; i < 3 && r >= 0; i++)
		r = vp_render(d, files[i], &v, tid, &sb[i], NULL, 0);
	vp_view_done(&v);
	if (r >= 0)
		r = pv_sysinfo_parse(sb[0].buf ? sb[0].buf : "", sb[1].buf ? sb[1].buf : "",
				     sb[2].buf ? sb[2].buf : "", ret);
	for (int i = 0; i < 3; i++)
		sb_release(&sb[i]);
	return r < 0 ? (r == -EINVAL ? -EIO : r) : 0;
}
