/*
 * core/: the view core. Who is asking, which container's view that is, and each served
 * file's content for that view, from cgroups, /proc and the host's files. Knows nothing of
 * FUSE: fs/ serves it as files, seccomp/ answers sysinfo(2) from it.
 *
 * Threads: every function may be called from any number of threads at once.
 */
#ifndef VP_CORE_CORE_H
#define VP_CORE_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/caller.h"
#include "cgroup/cgroup.h"
#include "core/table.h"
#include "proc_views/cpumodel.h"
#include "proc_views/sysinfo.h"
#include "util/strbuf.h"

struct vp_ctrs;
struct vp_callers;
struct pv_host_meminfo;
struct pv_host_vmstat;
struct pv_host_diskstats;


/* How long a host file's content is reused by renderers. The host values in a container's
 * files (MemTotal, SwapTotal, CommitLimit, cpuinfo's fields, the online CPUs, vmstat's keys,
 * diskstats' devices) are quasi-static; every container figure is read afresh on each
 * rendering. */
#define VP_HOST_TTL_MS 1000

struct vp_host_cache {
	pthread_rwlock_t lock; /* readers copy concurrently; a refresh writes */
	uint64_t at_ms; /* when text was read (CLOCK_MONOTONIC_COARSE); 0: never */
	struct strbuf text;
	/* text parsed, for the files that need it (NULL for the others) */
	struct pv_host_meminfo *meminfo;
	struct pv_host_vmstat *vmstat;
	struct pv_host_diskstats *diskstats;
};

struct vp_core_config {
	const char *procfs;  /* "/proc", or a fake one in tests */
	const char *sysfs;   /* "/sys" */
	/* The cgroup hierarchies: discovered on the host when NULL, else every controller is
	 * the tree at cgroup_dir with version cgroup_version (fixture trees). */
	const char *cgroup_dir;
	enum cg_version cgroup_version;
	size_t fd_budget;    /* kept cgroup files, all hierarchies together; 0: 1024 */
	enum pv_cpu_count cpu_count;
	unsigned hz;         /* USER_HZ; 0: sysconf(_SC_CLK_TCK) */
	bool no_pidfd;       /* identify pid namespace inits by start time (tests) */
};

struct vp_core {
	struct cg_layout layout;
	struct cg_nscache *ns;
	int procfd;                 /* the configured procfs */
	/* The host's file behind each served file (passed through for callers in the root
	 * cgroup, and input of the renderers), read with pread(); -1 for files not served. */
	int host_fd[VP_NFILES];
	int cpu_sysfd;              /* the host's devices/system/cpu directory */
	int host_online_fd;         /* its online file */
	unsigned kernel_max;        /* its kernel_max */
	/* The rows marked v2_only are served: the memory controller is on cgroup v2 and the
	 * host has their files (/proc/pressure: the kernel keeps pressure information). */
	bool v2_rows;
	unsigned hz;
	unsigned long long btime;   /* the host's boot time (from /proc/stat) */
	uint64_t page_size;         /* bytes */
	uint64_t thp_size;          /* a PMD-mapped transparent huge page, bytes; 0: unknown */
	enum pv_cpu_count cpu_count;
	struct vp_ctrs *ctrs;       /* per-container state and the load sampler */
	struct vp_callers *callers; /* the callers' views, kept (core/callers.c) */
	struct vp_host_cache host_meminfo, host_cpuinfo, host_online, host_vmstat, host_diskstats;
};

/* Errors name what failed on stderr-bound msg (may be NULL). */
int vp_core_new(const struct vp_core_config *cfg, struct vp_core **ret, char *msg, size_t msgsz);
/* Stops the sampler and frees everything. */
void vp_core_free(struct vp_core *c);
/* Start the load sampler thread (every PV_LOAD_FREQ_S seconds). */
int vp_core_start_sampler(struct vp_core *c);

/* Whether table row e exists on this host (rows marked v2_only: only where c->v2_rows).
 * fs/ lists and looks up only these; vp_render() of another is -ENOENT. */
bool vp_core_serves(const struct vp_core *c, const struct vp_entry *e);

/* ---- views -------------------------------------------------------------------------------- */

/*
 * A view: what a caller's files are computed from. It is the caller's container (its
 * cgroup per controller, following the "whose view" rule of cgroup/caller.h) plus the pid
 * namespace the caller sees pids and uptime in. Callers with equal views get equal files.
 */
struct vp_view {
	struct cg_caller c;
	/* The inode number of each cgroup directory (0: none or not known): a cgroup removed
	 * and created again at the same path is another container, so another view. */
	uint64_t ino[CG_NCONTROLLERS];
};

/* The view of thread tid (a pid in the core's procfs), for the controllers in mask
 * (CG_MASK_* bits; the others read as unmounted). -ESRCH: tid has exited. */
int vp_view_of(struct vp_core *core, pid_t tid, unsigned mask, struct vp_view *ret);
void vp_view_done(struct vp_view *v);

/*
 * The callers' views are kept (core/callers.c): vp_view_of() with CG_MASK_ALL gives a thread
 * that asked before its kept view while its /proc/TID/cgroup and its namespace init's read as
 * when it was resolved (two pread()s; the cgroup directories' inode numbers are checked again
 * once a second). At most VP_CALLERS threads, VP_CALLER_FDS descriptors.
 */
#define VP_CALLERS 256
#define VP_CALLER_FDS (2 * VP_CALLERS)

/* vp_view_of(core, tid, CG_MASK_ALL, ret) for a front end that keeps a number per view (fs/:
 * the view's slot): ret may be NULL (not wanted); *ret_memo (when not NULL) is what
 * vp_view_memo() stored for this very resolution of tid, 0 if nothing; *ret_serial (when not
 * NULL) names the resolution for vp_view_memo(), 0 if it was not kept. */
int vp_view_recall(struct vp_core *core, pid_t tid, struct vp_view *ret, uint64_t *ret_memo,
		   uint64_t *ret_serial);
/* Store memo (not 0) with resolution serial of tid; nothing if tid has been resolved anew
 * since. */
void vp_view_memo(struct vp_core *core, pid_t tid, uint64_t serial, uint64_t memo);
/* Resolve tid anew on its next call (the front end learnt that its view is gone). */
void vp_view_forget(struct vp_core *core, pid_t tid);
/* Threads kept (tests, stats). */
size_t vp_callers_count(struct vp_callers *cs);
/* Whether the view gets the host's files of this kind unchanged (the root cgroup). */
bool vp_view_is_host(const struct vp_view *v, enum vp_view_kind kind);

/* A view as one line of text, and back: "key" of bound views, kept across restarts (fs/).
 * The text names the cgroup paths, the cgroup directories' inode numbers and the pid
 * namespace (its init's pid and start time).
 * -EINVAL: malformed; -ENAMETOOLONG from format when out is too small. */
int vp_view_format(const struct vp_view *v, char *out, size_t outsz);
int vp_view_parse(const char *text, struct vp_view *ret);

/* Whether the view's container and pid namespace still exist (the same cgroup directories,
 * by inode, and the same init): 0 alive, -ESRCH gone. */
int vp_view_alive(struct vp_core *core, const struct vp_view *v);

/* ---- files -------------------------------------------------------------------------------- */

/* File f as view v sees it, into out (replaced). tid is a thread of the view or 0: the last
 * pid of loadavg falls back to it where the container's newest thread is not visible in the
 * view's pid namespace. Errors: -ESRCH (the view's tasks are gone), -EIO-like codes when a
 * cgroup or host file is missing or malformed (never another view, never the host's file);
 * err, when not NULL, then says which file failed. */
int vp_render(struct vp_core *core, enum vp_file f, const struct vp_view *v, pid_t tid,
	      struct strbuf *out, char *err, size_t errsz);

/* The host CPUs view v sees as its CPUs 0..n-1 (*ret_host_cpu malloc()ed, n entries). */
int vp_view_cpus(struct vp_core *core, const struct vp_view *v, unsigned **ret_host_cpu,
		 unsigned *ret_n, char *err, size_t errsz);

/* The host's block devices as its /proc/diskstats lists them (at most VP_HOST_TTL_MS old):
 * fn(name, major, minor, u) each, in its order, stopping at a non-zero return (returned:
 * negative for an error, positive for a device found).
 * fn runs under the host file's lock: it must not call back into the core. */
int vp_block_each(struct vp_core *core,
		  int (*fn)(const char *name, unsigned major, unsigned minor, void *u), void *u);
/* /sys/class/block/NAME/stat of device major:minor as view v sees it (proc_views/diskstats.h;
 * the host's figures for a view in the root I/O cgroup). -ENOENT: no such device now. */
int vp_block_stat_render(struct vp_core *core, const struct vp_view *v, unsigned major,
			 unsigned minor, struct strbuf *out, char *err, size_t errsz);

/* sysinfo(2) for caller tid as its meminfo, uptime and loadavg show it: 0, 1 when the caller
 * is the host's (let the kernel answer), or -errno (-ESRCH: gone; -EIO: no view). */
int vp_sysinfo_for(struct vp_core *core, pid_t tid, struct pv_sysinfo *ret);

/* ---- per-container state (core/containers.c) ------------------------------------------ */

/* How long a container's state (CPU counters, load averages) is kept after its last read.
 * Readers that come back within this keep seeing non-decreasing counters. */
#define VP_CTR_TTL_S 900
/* At most this many containers are tracked; past it the least recently read is forgotten. */
#define VP_CTR_MAX 16384

struct vp_ctr_view {
	/* CPU counters after this read's update, copied out: t.slot points to the copy's
	 * own array (free with pv_cputime_done()). */
	struct pv_cputime t;
	unsigned long long start_ticks; /* the oldest task's start, clock ticks after boot */
	unsigned long avg[3];
	struct cg_tasks tasks;
};

int vp_ctrs_new(struct vp_core *core, struct vp_ctrs **ret);
void vp_ctrs_free(struct vp_ctrs *s);
int vp_ctrs_start_sampler(struct vp_ctrs *s);
/* One pass of the sampler (what its thread does every PV_LOAD_FREQ_S): a load tick for
 * every recently read container that is due one; stale entries are freed. */
void vp_ctrs_sample(struct vp_ctrs *s);
/* Look up (or start tracking) the container of caller c, mark it read, count its tasks if
 * the sampler has no fresh count, and when cpu is given fold that CPU sample in. The state
 * after the update is copied to *ret. ino identifies the cgroup: cg_cpu_read()'s acct_ino
 * (a container whose number changed was recreated and starts afresh); 0: looked up here
 * with cg_cpuacct_ino(). err (or NULL) names a cgroup file that failed. */
int vp_ctr_observe(struct vp_ctrs *s, const struct cg_caller *c, const struct pv_cpu_sample *cpu,
		   ino_t ino, struct vp_ctr_view *ret, struct cg_error *err);
/* Number of containers tracked (tests, stats). */
size_t vp_ctrs_count(struct vp_ctrs *s);
/* ---- the callers' views (core/callers.c) ------------------------------------------------ */
int vp_callers_new(struct vp_callers **ret);
void vp_callers_free(struct vp_callers *cs);
/* CLOCK_MONOTONIC_COARSE in milliseconds, never 0. */
uint64_t vp_coarse_ms(void);

/* A monotonic clock in microseconds (CLOCK_BOOTTIME, the clock of /proc/uptime). */
uint64_t vp_now_us(void);

/* ---- host files (core/render.c) -------------------------------------------------------- */
void vp_host_cache_init(struct vp_host_cache *hc);
void vp_host_cache_done(struct vp_host_cache *hc);

#endif
