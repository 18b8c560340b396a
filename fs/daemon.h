/* fs/: the only code that speaks FUSE. The daemon's whole state lives in one struct, handed
 * to libfuse as userdata. */
#ifndef VP_FS_DAEMON_H
#define VP_FS_DAEMON_H

#define FUSE_USE_VERSION 31

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup/caller.h"
#include "cgroup/cgroup.h"
#include "proc_views/cpumodel.h"
#include "proc_views/sysinfo.h"
#include "util/strbuf.h"

struct fs_handle;
struct vp_ctrs;
struct pv_host_meminfo;

/* Nodes have fixed inode numbers: a restarted daemon that takes over a live FUSE connection
 * (a later feature) must answer for the inodes the kernel already knows. Never renumber;
 * append. */
enum {
	FS_INO_ROOT = 1, /* FUSE_ROOT_ID */
	FS_INO_PROC = 2,
	FS_INO_PROC_MEMINFO = 3,
	FS_INO_PROC_CPUINFO = 4,
	FS_INO_PROC_STAT = 5,
	FS_INO_PROC_UPTIME = 6,
	FS_INO_PROC_LOADAVG = 7,
	FS_INO_PROC_SWAPS = 8,
	FS_INO_SYS = 9,
	FS_INO_SYS_DEVICES = 10,
	FS_INO_SYS_DEVICES_SYSTEM = 11,
	FS_INO_SYS_CPU = 12,
	FS_INO_SYS_CPU_ONLINE = 13,
	FS_INO_SYS_CPU_POSSIBLE = 14,
	FS_INO_SYS_CPU_PRESENT = 15,
	FS_INO_MAX = 15,
};

/* How long a host file's content is reused by renderers. The host values in a container's
 * files (MemTotal, SwapTotal, CommitLimit, cpuinfo's fields, the online CPUs) are quasi-
 * static; every container figure is read afresh on each read. */
#define VP_HOST_TTL_MS 1000

struct vp_host_cache {
	pthread_rwlock_t lock; /* readers copy concurrently; a refresh writes */
	uint64_t at_ms; /* when text was read (CLOCK_MONOTONIC_COARSE); 0: never */
	struct strbuf text;
	struct pv_host_meminfo *meminfo; /* parsed, for /proc/meminfo only */
};

/* One open file: the snapshot the last read at offset 0 rendered for its caller. */
struct fs_handle {
	pthread_mutex_t lock;
	const struct fs_node *node;
	struct strbuf snap;
	struct strbuf scratch;
	bool have; /* snap holds a rendering */
	uint32_t slot;
};

#define FS_HANDLE_CHUNKS 1024 /* x 1024 slots: at most ~1M files open at once */

/* Open files by fh (fs/handles.c). */
struct fs_handle_table {
	pthread_mutex_t lock; /* allocation and the free list */
	uint32_t instance;    /* random per start: the upper half of every fh we hand out */
	_Atomic(struct fs_handle *) *chunk[FS_HANDLE_CHUNKS];
	uint32_t *free;
	size_t nfree, cap_free;
	uint32_t next;
};

int fs_handles_init(struct fs_handle_table *t);
/* Free every handle still open (at exit: RELEASEs still queued are never answered). */
void fs_handles_done(struct fs_handle_table *t);
int fs_handle_new(struct fs_handle_table *t, struct fs_handle **ret, uint64_t *ret_fh);
/* The handle for fh, or NULL when fh is not one of this instance's (a file opened through a
 * previous daemon on the same connection). */
struct fs_handle *fs_handle_get(struct fs_handle_table *t, uint64_t fh);
void fs_handle_free(struct fs_handle_table *t, struct fs_handle *h);

/* Restart survival (fs/restart.c). */
struct vp_restart {
	bool notify;   /* NOTIFY_SOCKET is set: a service manager keeps our fds */
	bool attached; /* the session runs on an inherited /dev/fuse fd */
	int fuse_fd;   /* the inherited /dev/fuse fd, -1 */
	void *init;    /* the connection's raw INIT request */
	size_t init_len;
	uint64_t replay_unique;
	atomic_bool replaying, captured, stored;
	/* The request journal: a memfd kept in the store, one slot per worker holding the
	 * request it is serving, for a daemon that takes over on a kernel without
	 * FUSE_NOTIFY_RESEND (Linux < 6.9) to serve those again. */
	int journal_fd;
	unsigned char *journal;
	bool journal_inherited, journal_dups;
	/* Inherited entries of the seccomp agent (names SC_FDNAME_PREFIX*), for it to adopt. */
	int *kept_fd;
	char **kept_name;
	size_t nkept;
};

void vp_restart_init(struct vp_restart *r);
void vp_restart_done(struct vp_restart *r);
/* Take the fds a previous daemon stored: 1 when both were inherited, 0 for a fresh start. */
int vp_restart_inherit(struct vp_restart *r);
/* Run session se on the inherited fd and replay INIT; *initialized is set by the init op. */
int vp_restart_attach(struct vp_restart *r, struct fuse_session *se, const bool *initialized);
/* The request journal (after vp_restart_inherit(), before any worker runs): the inherited
 * one, or a new one. */
int vp_restart_journal_open(struct vp_restart *r);
/* Worker slot starts serving buf / is done with it (no-ops without a journal or slot). */
void vp_restart_journal_begin(struct vp_restart *r, unsigned slot, const struct fuse_buf *buf);
void vp_restart_journal_end(struct vp_restart *r, unsigned slot);
/* Keep a copy of buf if it is the connection's INIT. */
void vp_restart_capture(struct vp_restart *r, const struct fuse_buf *buf);
/* Once INIT is known, under a service manager (no-op without NOTIFY_SOCKET): a fresh start
 * stores INIT, then fuse_fd; a takeover stores nothing, unless the store it inherited holds
 * duplicates or junk of ours, which it tidies to one entry of each (README "Restarts");
 * then READY=1. */
int vp_restart_store(struct vp_restart *r, int fuse_fd);
/* At exit under a service manager: is this a stop for good, or a restart? */
enum vp_stop_kind { VP_STOP_RESTART, VP_STOP_FINAL };
enum vp_stop_kind vp_restart_stop_kind(void);
/* Drop our fds from the service manager's store (before a final stop). */
void vp_restart_forget(void);
/* Keep fd in the service manager's store under name / drop every entry of that name (the
 * seccomp agent's fds); 0 / no-op without NOTIFY_SOCKET. */
int vp_restart_keep_fd(const char *name, int fd);
void vp_restart_unkeep(const char *name);

struct vp_daemon {
	struct cg_layout layout;
	struct cg_nscache *ns;
	/* The host's file behind each served node (pass-through for callers in the root
	 * cgroup, and input of the renderers), read with pread(); -1 for directories. */
	int host_fd[FS_INO_MAX + 1];
	int procfd;                 /* the daemon's /proc */
	unsigned hz;                /* USER_HZ */
	unsigned long long btime;   /* the host's boot time (from /proc/stat) */
	enum pv_cpu_count cpu_count; /* --cpu-count */
	struct vp_ctrs *ctrs;       /* per-container state and the load sampler */
	struct vp_host_cache host_meminfo, host_cpuinfo, host_online;
	struct timespec started;
	struct vp_restart restart;
	bool initialized; /* the session saw INIT (first-hand or replayed) */
	/* Open file handles, so that those whose RELEASE never came (the daemon stopped with
	 * releases still queued) are freed at exit. */
	struct fs_handle_table handles;
};

/* A served file's renderer: the file for a caller outside the root cgroup, into out. */
typedef int (*fs_render_fn)(struct vp_daemon *d, const struct cg_caller *c, pid_t tid,
			    struct strbuf *out);

/* Whose cgroup decides whether a caller is "in the root cgroup" (gets the host's file). */
enum fs_view_kind {
	FS_VIEW_MEMORY, /* the memory controller's path */
	FS_VIEW_CPU,    /* the cpu, cpuacct and cpuset paths, all of them */
};

struct fs_node {
	fuse_ino_t ino;
	fuse_ino_t parent;
	const char *name;
	fs_render_fn render;   /* NULL for directories */
	enum fs_view_kind kind;
	const char *host_path; /* the host's file */
};

int fs_render_meminfo(struct vp_daemon *d, const struct cg_caller *c, pid_t tid,
		      struct strbuf *out);
int fs_render_swaps(struct vp_daemon *d, const struct cg_caller *c, pid_t tid,
		    struct strbuf *out);
int fs_render_cpuinfo(struct vp_daemon *d, const struct cg_caller *c, pid_t tid,
		      struct strbuf *out);
int fs_render_stat(struct vp_daemon *d, const struct cg_caller *c, pid_t tid,
		   struct strbuf *out);
int fs_render_uptime(struct vp_daemon *d, const struct cg_caller *c, pid_t tid,
		     struct strbuf *out);
int fs_render_loadavg(struct vp_daemon *d, const struct cg_caller *c, pid_t tid,
		      struct strbuf *out);
int fs_render_sys_cpu_range(struct vp_daemon *d, const struct cg_caller *c, pid_t tid,
			    struct strbuf *out);

/* Render node n for caller tid: resolves the caller, passes the host's file through for
 * callers in the root cgroup, else calls n->render. */
int fs_render_node(struct vp_daemon *d, const struct fs_node *n, pid_t tid, struct strbuf *out);

/* sysinfo(2) for caller tid as its meminfo, uptime and loadavg show it: 0, 1 when the caller
 * is the host's (let the kernel answer), or -errno (-ESRCH: gone; -EIO: no view). */
int vp_sysinfo_for(struct vp_daemon *d, pid_t tid, struct pv_sysinfo *ret);

const struct fs_node *fs_node_get(fuse_ino_t ino);
const struct fs_node *fs_node_child(fuse_ino_t parent, const char *name);
/* Iterate children of parent: *cursor starts at 0. */
const struct fs_node *fs_node_next_child(fuse_ino_t parent, size_t *cursor);

extern const struct fuse_lowlevel_ops fs_ops;

/* Serve requests with nthreads workers until SIGINT/SIGTERM/SIGHUP or unmount. Workers hand
 * the connection's INIT to rs and store the fds once it is processed. */
int fs_loop_run(struct fuse_session *se, unsigned nthreads, struct vp_restart *rs);

int vp_daemon_init(struct vp_daemon *d, enum pv_cpu_count count);
void vp_host_cache_init(struct vp_host_cache *hc);
void vp_host_cache_done(struct vp_host_cache *hc);
/* ---- per-container state (fs/containers.c) ---------------------------------------------- */

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

int vp_ctrs_new(struct vp_daemon *d, struct vp_ctrs **ret);
/* Stops the sampler and frees everything. */
void vp_ctrs_free(struct vp_ctrs *s);
/* Start the load sampler thread (every PV_LOAD_FREQ_S seconds). */
int vp_ctrs_start_sampler(struct vp_ctrs *s);
/* Look up (or start tracking) the container of caller c, mark it read, count its tasks if
 * the sampler has no fresh count, and when cpu is given fold that CPU sample in. The state
 * after the update is copied to *ret. ino identifies the cgroup: cg_cpu_read()'s acct_ino
 * (a container whose number changed was recreated and starts afresh); 0: looked up here
 * with cg_cpuacct_ino(). */
int vp_ctr_observe(struct vp_ctrs *s, const struct cg_caller *c, const struct pv_cpu_sample *cpu,
		   ino_t ino, struct vp_ctr_view *ret);
/* Number of containers tracked (tests, stats). */
size_t vp_ctrs_count(struct vp_ctrs *s);
/* A monotonic clock in microseconds (CLOCK_BOOTTIME, the clock of /proc/uptime). */
uint64_t vp_now_us(void);

void vp_daemon_done(struct vp_daemon *d);

/* Mount point housekeeping: -EBUSY when a live vprocfs serves mountpoint; a stale one (its
 * daemon died) is detached. */
int fs_clear_stale_mount(const char *mountpoint, char *msg, size_t msgsz);

#endif
