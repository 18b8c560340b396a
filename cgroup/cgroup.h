/*
 * cgroup/: discovers the cgroup hierarchies (v1, v2, hybrid) and reads limits and usage into
 * plain structs. Knows nothing about /proc formats or FUSE.
 *
 * Error convention: functions return 0 or -errno; ret_* out-parameters are written only on
 * success. -ESRCH means "the process in question has exited". The readers of cgroup files
 * also say which file failed, in an optional struct cg_error (below).
 */
#ifndef VP_CGROUP_CGROUP_H
#define VP_CGROUP_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* "No limit": v1's 9223372036854771712 (and anything at least PAGE_COUNTER_MAX with 64 KiB
 * pages) and v2's "max" both map to this. */
#define CG_UNLIMITED UINT64_MAX
/* Smallest value a v1 limit file prints for "unlimited" (LONG_MAX rounded down to 64 KiB). */
#define CG_V1_UNLIMITED_MIN UINT64_C(9223372036854710272)

enum cg_version {
	CG_NONE = 0, /* controller not mounted */
	CG_V1 = 1,
	CG_V2 = 2,
};

struct cg_mem_ops;
struct cg_cpu_ops;
struct cg_fdcache;

/* One hierarchy holding a controller. */
struct cg_hier {
	enum cg_version version;
	int rootfd;  /* O_DIRECTORY fd of the hierarchy's mount point, -1 when CG_NONE */
	char *mount; /* mount point path, for messages */
	const struct cg_mem_ops *mem; /* memory backend, chosen once by version */
	const struct cg_cpu_ops *cpu; /* cpu, cpuacct and cpuset backend, likewise */
	struct cg_fdcache *fdc; /* kept open files; NULL unless a real cgroup file system */
};

/* The controllers vprocfs reads. On cgroup v2 "cpuacct" is the unified hierarchy itself
 * (cpu.stat exists in every v2 cgroup, whether or not the cpu controller is enabled), and so
 * is "blkio" (v2 calls the controller "io": its io.stat is in the unified hierarchy). Values
 * are stored in views' texts (core/core.c): append, never renumber. */
enum cg_controller {
	CG_MEMORY,
	CG_CPU,
	CG_CPUACCT,
	CG_CPUSET,
	CG_BLKIO,
	CG_NCONTROLLERS,
};

/* A set of controllers: (1u << CG_MEMORY) | (1u << CG_CPU)..., all of them: */
#define CG_MASK_ALL ((1u << CG_NCONTROLLERS) - 1)

/* Where each controller vprocfs reads lives. h[CG_MEMORY] is always mounted; the others may
 * be CG_NONE (then: no quota, the host's online CPUs, no CPU accounting and no block I/O
 * accounting respectively). */
struct cg_layout {
	struct cg_hier h[CG_NCONTROLLERS];
};

/* Close kept files not read for max_idle_s seconds (they pin removed cgroups). */
void cg_layout_sweep(const struct cg_layout *l, unsigned max_idle_s);

/* Discovers the host's layout with libcgroup (controller -> mount point) and statfs()
 * (cgroup1 or cgroup2 on that mount point). fd_budget: how many file descriptors the layout's
 * hierarchies may keep open, in all (each gets an equal share); the daemon derives it from its
 * RLIMIT_NOFILE. */
int cg_layout_discover(size_t fd_budget, struct cg_layout *ret);
/* A layout whose every controller is the tree at dir with the given version: fixture trees
 * in tests (a v1 fixture holds every controller's files in one tree), or an override. Its
 * hierarchies share CG_DEFAULT_FD_BUDGET kept files. */
int cg_layout_from_dir(const char *dir, enum cg_version v, struct cg_layout *ret);
#define CG_DEFAULT_FD_BUDGET 1024
void cg_layout_done(struct cg_layout *l);
/* The inode number of cgroup path's directory in h (0 where h is not mounted or path is
 * NULL): a cgroup removed and created again at the same path has another. -ESRCH: there is
 * no such cgroup (removed). */
int cg_dir_ino(const struct cg_hier *h, const char *path, uint64_t *ret);
const char *cg_version_name(enum cg_version v);
/* "memory", "cpu", "cpuacct", "cpuset", "blkio": the names /proc/PID/cgroup uses on v1. */
const char *cg_controller_name(enum cg_controller c);

/* ---- errors ------------------------------------------------------------------------------- */

/* Which file of which cgroup a read failed on, for a message: cg_memory_read(),
 * cg_memory_oom_kill(), cg_io_read(), cg_pressure_read(), cg_cpu_read() and cg_tasks_count()
 * take an optional (NULL: not wanted) struct cg_error * last, and fill it only when they fail, e.g. with
 * "/sys/fs/cgroup/memory:/docker/abc/memory.limit_in_bytes: Invalid argument": the mount
 * point of the hierarchy, ':', the cgroup path, the file (none when the cgroup itself
 * failed), ": " and strerror(). Too long a text keeps its start and its end, with "..." in
 * between. */
struct cg_error {
	int err;         /* the errno (positive): the call returned -err */
	char where[512]; /* NUL-terminated */
};

/* e->where, or strerror(e->err) when where is empty. */
const char *cg_error_str(const struct cg_error *e);

/* ---- /proc/PID/cgroup ------------------------------------------------------------------ */

/* From the text of /proc/PID/cgroup, the path of the hierarchy holding `controller` in
 * hierarchy version v (v1: the line whose controller list names it, e.g. "memory"; v2: the
 * "0::" line, controller ignored). The returned path starts with '/', is relative to the
 * hierarchy root and is malloc()ed. -ENOENT: no such line; -EINVAL: malformed text;
 * -ESRCH: the cgroup is marked " (deleted)" (the process is exiting). */
int cg_proc_cgroup_path(const char *text, enum cg_version v, const char *controller,
			char **ret_path);

/* ---- whose view -------------------------------------------------------------------------- */

/* The container for a caller whose own cgroup is `caller` when the init of its pid namespace
 * is in `init` (NULL when the caller is in the daemon's pid namespace): init's cgroup with a
 * trailing "/init.scope" removed, if that is the caller's cgroup or one of its ancestors;
 * otherwise the caller's own cgroup. Returns a malloc()ed path. */
int cg_pick_container(const char *caller, const char *init, char **ret_path);
/* Whether a is b or an ancestor of b (both absolute cgroup paths). */
bool cg_path_is_ancestor(const char *a, const char *b);

/* ---- memory ------------------------------------------------------------------------------- */

/* The event counters of memory.stat, named as the kernel names them in both v2 memory.stat and
 * /proc/vmstat (pgfault, pswpin, workingset_refault_anon, pgscan_kswapd, thp_fault_alloc...):
 * counts of events or of pages, never bytes. v1 has four of them (total_pgfault,
 * total_pgmajfault, total_workingset_refault_{anon,file}); its pgpgin/pgpgout count charges
 * to the cgroup, not block I/O, and are not read. */
#define CG_NMEMEVENTS 41
extern const char *const cg_memevent_names[CG_NMEMEVENTS];

/* memory.stat, normalized to v2 names. v1 values come from the hierarchical total_* keys.
 * A key absent from the file reads 0. */
struct cg_memstat {
	uint64_t anon, file, shmem, file_mapped, file_dirty, file_writeback;
	uint64_t active_anon, inactive_anon, active_file, inactive_file, unevictable;
	uint64_t anon_thp, file_thp, shmem_thp;
	uint64_t slab, slab_reclaimable, slab_unreclaimable;
	uint64_t kernel_stack, pagetables, sec_pagetables, percpu, vmalloc;
	uint64_t zswap, zswapped;
	/* v1 only: hierarchical_memory_limit and hierarchical_memsw_limit (the minimum over the
	 * cgroup and its ancestors, CG_UNLIMITED for none), when the file has them. */
	bool has_hier_limit, has_hier_memsw_limit;
	uint64_t hier_limit, hier_memsw_limit;
	uint64_t event[CG_NMEMEVENTS]; /* event[i] is counter cg_memevent_names[i] */
};

/* Parse memory.stat text of the given version into *ret. Unknown keys are ignored; a line
 * that is not "key number", or a key read here twice, is -EINVAL. */
int cg_parse_memstat(const char *text, enum cg_version v, struct cg_memstat *ret);
/* oom_kill of v2 memory.events (processes the OOM killer killed in the subtree; 0 when the
 * kernel has no such key). The file's shape as memory.stat's; a known key twice is -EINVAL. */
int cg_parse_memory_events(const char *text, uint64_t *ret_oom_kill);

/* Parse a one-value limit file: a decimal number or "max", optional trailing newline. v1
 * values >= CG_V1_UNLIMITED_MIN and "max" give CG_UNLIMITED. -EINVAL (garbage, empty),
 * -ERANGE (overflow). */
int cg_parse_limit(const char *text, uint64_t *ret);

/* What a container's memory looks like. Byte values. */
struct cg_memory {
	uint64_t limit;      /* effective: minimum over the cgroup and its ancestors */
	uint64_t usage;      /* the cgroup's own: v1 memory.usage_in_bytes, v2 memory.current */
	bool swap_accounted; /* false: no memsw / memory.swap.* files */
	uint64_t swap_limit; /* effective swap limit (v1: memsw - memory limit) */
	uint64_t swap_usage;
	struct cg_memstat stat;
};

/* Read the memory facts of cgroup `path` (absolute within hierarchy h). Every file must exist
 * and parse, else the call fails (-ENOENT, -EINVAL, -ERANGE...): nothing is guessed. The only
 * optional files are the swap ones (absent: swap_accounted = false). */
int cg_memory_read(const struct cg_hier *h, const char *path, struct cg_memory *ret,
		   struct cg_error *err);
/* The processes the OOM killer killed in cgroup path's subtree: v2 memory.events' oom_kill
 * (the file must exist and parse); 0 on v1, whose memory.events does not exist. */
int cg_memory_oom_kill(const struct cg_hier *h, const char *path, uint64_t *ret,
		       struct cg_error *err);

/* ---- io ----------------------------------------------------------------------------------- */

/* The I/O of a cgroup subtree on one block device, since the cgroup was created. */
struct cg_iodev {
	unsigned major, minor;
	uint64_t rbytes, wbytes, rios, wios, dbytes, dios; /* read, written, discarded */
};

/* Per device, ascending by (major, minor), no two alike. */
struct cg_iostat {
	size_t n;
	struct cg_iodev *dev;
};

/* Parse v2 io.stat: lines "MAJ:MIN" then words "key=value"; rbytes wbytes rios wios dbytes
 * dios are read (absent: 0), other words (cost.vrate=1.00, depth=max...) ignored. A device
 * twice, a known key twice, a bad number or a word that is not key=value: -EINVAL. */
int cg_parse_io_stat(const char *text, struct cg_iostat *ret);
/* Parse v1 blkio.throttle.io_service_bytes_recursive (bytes) and io_serviced_recursive (ios):
 * lines "MAJ:MIN Read|Write|Sync|Async|Discard|Total N", then one last line "Total N". Read,
 * Write and Discard are read; a device missing from one file has 0 there. -EINVAL on any
 * other shape, an operation twice for a device, or a missing or misplaced final Total. */
int cg_parse_blkio(const char *bytes, const char *ios, struct cg_iostat *ret);
void cg_iostat_done(struct cg_iostat *s);
/* The I/O of cgroup path's subtree, per device: v2 io.stat; v1 the blkio hierarchy's
 * blkio.throttle.io_service_bytes_recursive and io_serviced_recursive. -ENOENT when the
 * cgroup has no such file (v2: the io controller is not enabled for it; v1: a kernel without
 * blk-throttle): the caller decides what that means; -EINVAL when one is malformed. */
int cg_io_read(const struct cg_hier *h, const char *path, struct cg_iostat *ret,
	       struct cg_error *err);

/* ---- pressure (PSI) ------------------------------------------------------------------------ */

enum cg_psi {
	CG_PSI_CPU,
	CG_PSI_MEMORY,
	CG_PSI_IO,
	CG_NPSI,
};

/* Hand the text of cgroup path's cpu.pressure, memory.pressure or io.pressure (v2 only: the
 * kernel keeps them in every v2 cgroup; -EOPNOTSUPP on v1) to parse(text, arg), which checks
 * and keeps it (the format is /proc's, parsed outside cgroup/); a failure of either names
 * the file in err. */
int cg_pressure_read(const struct cg_hier *h, const char *path, enum cg_psi res,
		     int (*parse)(const char *text, void *arg), void *arg, struct cg_error *err);

/* ---- cpu, cpuacct, cpuset ----------------------------------------------------------------- */

/* Upper bound on CPU numbers vprocfs accepts in cpu lists (the kernel's NR_CPUS maximum). */
#define CG_MAX_CPUS 8192

/* A set of CPUs, ascending, no duplicates. */
struct cg_cpulist {
	unsigned n;
	unsigned *cpu;
};

/* Parse a kernel cpu list ("0-3,8,10-11", optional trailing newline; "" or "\n" is the empty
 * set). -EINVAL on garbage, reversed ranges or numbers >= CG_MAX_CPUS. */
int cg_parse_cpulist(const char *text, struct cg_cpulist *ret);
void cg_cpulist_done(struct cg_cpulist *l);
/* Index of cpu in l, or -1. */
int cg_cpulist_index(const struct cg_cpulist *l, unsigned cpu);

/* One CPU in millionths ("micro-CPUs"): quotas are expressed in these units. */
#define CG_UCPU UINT64_C(1000000)

/* Parse v2 cpu.max ("max 100000" or "50000 100000") into micro-CPUs (CG_UNLIMITED for max).
 * -EINVAL on garbage or a zero period. */
int cg_parse_cpu_max(const char *text, uint64_t *ret_ucpus);
/* v1: cfs_quota_us and cfs_period_us texts ("-1" = no quota). */
int cg_parse_cfs_quota(const char *quota, const char *period, uint64_t *ret_ucpus);

/* CPU time a cgroup has used, in microseconds, summed over its subtree. */
struct cg_cpuacct {
	uint64_t user_us;   /* including nice time */
	uint64_t nice_us;   /* part of user_us; 0 where the kernel does not report it (v1) */
	uint64_t system_us;
	/* v1 only (cpuacct.usage_all): per host CPU user and system time; ncpu 0 on v2. */
	unsigned ncpu;
	uint64_t *cpu_user_us, *cpu_system_us;
};

/* Parse v2 cpu.stat (usage_usec, user_usec, system_usec required; nice_usec optional). */
int cg_parse_cpu_stat(const char *text, struct cg_cpuacct *ret);
/* Parse v1 cpuacct.usage_all ("cpu user system" header, then "N user_ns system_ns"). */
int cg_parse_cpuacct_usage_all(const char *text, struct cg_cpuacct *ret);
void cg_cpuacct_done(struct cg_cpuacct *a);

/* The CPU facts of one container. */
struct cg_cpu {
	/* Effective cpuset: v2 cpuset.cpus.effective of the nearest cgroup that has the file;
	 * v1 cpuset.effective_cpus, else the nearest non-empty cpuset.cpus up the tree. n == 0
	 * when the cpuset controller is not mounted (the caller uses the host's online CPUs). */
	struct cg_cpulist cpus;
	/* Minimum over the cgroup and its ancestors of quota/period, micro-CPUs; CG_UNLIMITED
	 * when no level has a quota or the cpu controller is not mounted. */
	uint64_t quota;
	struct cg_cpuacct acct;
	/* Inode of the accounting file read: differs when a cgroup of the same path is
	 * recreated (identifies the cgroup without another lookup). */
	ino_t acct_ino;
};

/* Read the CPU facts of the container whose cgroup is paths[c] in hierarchy layout->h[c]
 * (paths[] indexed by enum cg_controller, NULL for unmounted controllers): cpus and quota,
 * and acct when with_acct (else acct is all 0). The cpuacct files must exist and parse
 * (-ENOENT, -EINVAL..., -ENODEV without a cpuacct hierarchy); a level without quota or
 * cpuset files (the controller is not enabled there on v2) does not constrain. */
int cg_cpu_read(const struct cg_layout *layout, char *const paths[CG_NCONTROLLERS],
		bool with_acct, struct cg_cpu *ret, struct cg_error *err);
void cg_cpu_done(struct cg_cpu *c);
/* The acct_ino cg_cpu_read() would give for cgroup path of the cpuacct hierarchy h. */
int cg_cpuacct_ino(const struct cg_hier *h, const char *path, ino_t *ret);
/* CPU time cgroup path of the cpuacct hierarchy h has used, in nanoseconds (v1
 * cpuacct.usage; v2 cpu.stat's usage_usec, times 1000): one small read. */
int cg_cpu_usage(const struct cg_hier *h, const char *path, uint64_t *ret_ns);

/* ---- tasks ------------------------------------------------------------------------------- */

/* The threads of a cgroup subtree, by scheduler state. */
struct cg_tasks {
	unsigned running; /* R */
	unsigned blocked; /* D (uninterruptible) */
	unsigned total;
	pid_t newest;     /* the newest thread: latest start time (of those, the highest TID) */
	unsigned long long newest_start; /* and its start time, clock ticks after boot */
	unsigned long long oldest_start; /* earliest start time, clock ticks after boot */
};

/* Pure: state letter and start time from /proc/TID/stat text. */
int cg_parse_stat_state(const char *text, char *ret_state, unsigned long long *ret_start);

/* Count the threads of cgroup path and its descendants in hierarchy h (v1 "tasks", v2
 * "cgroup.threads"), reading /proc/TID/stat under procfd. Threads that exit meanwhile are
 * skipped. At most CG_TASKS_MAX_DIRS cgroups are visited, so that a container that creates
 * a huge tree of cgroups only gets a partial count. */
#define CG_TASKS_MAX_DIRS 1024
int cg_tasks_count(const struct cg_hier *h, const char *path, int procfd, struct cg_tasks *ret,
		   struct cg_error *err);

#endif
