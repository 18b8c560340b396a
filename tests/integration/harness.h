/* Integration test harness: a real vprocfs mount (harness.c: daemons, the tests' start and
 * end), real cgroups (cgroups.c), real namespaces (containers.c: scripts run in containers).
 * Needs root and /dev/fuse; without them every test is reported SKIPPED (loudly), never
 * passed. */
#ifndef VP_TESTS_HARNESS_H
#define VP_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct daemon {
	pid_t pid;
	char mnt[256];
	char log[300];
	char arg[64]; /* one extra daemon option, e.g. "--cpu-count=cpuset" ("" for none) */
};

/* Sleep ms milliseconds. */
void msleep(int ms);
/* Skips the current test, loudly, unless root with /dev/fuse and a writable memory cgroup. */
void require_capable(void);
/* fork(), with the child killed when the test process dies (a test that times out is
 * SIGKILLed by criterion, its fini never runs: nothing it started may outlive it). */
pid_t fork_child(void);
/* Start build/vprocfs (VPROCFS_BIN) on a fresh mount point and wait until it serves. */
void daemon_start(struct daemon *d);
/* Start on an existing mount point; returns the exit status if it exited within `wait_ms`,
 * or -1 if it is running (then d->pid is set). Unless until_exit, returns -1 as soon as the
 * mount serves. */
int daemon_start_at(struct daemon *d, const char *mnt, int wait_ms, bool until_exit);
/* SIGTERM; asserts a clean exit (status 0) and that the mount is gone. */
void daemon_stop(struct daemon *d);
void daemon_dump_log(const struct daemon *d);
/* SIGKILL, detach the mount, no assertions (cleanup after a failure). */
void daemon_kill(struct daemon *d);
/* Every test ends with test_finish(), so that a daemon that does not exit cleanly (or that
 * ASan/LSan faults at exit) fails the test itself: criterion does not count assertions in a
 * suite's fini. The fini calls test_teardown(), which cleans up after a failed test without
 * asserting. Both remove the test's cgroups. */
void test_finish(struct daemon *d);
void test_teardown(struct daemon *d);
/* "<mnt>/proc/meminfo" */
const char *meminfo_path(const struct daemon *d);

/* Test cgroups named vprocfs-test-<pid>-<name>, in the memory hierarchy and (v1) the same
 * name in the cpu, cpuacct, cpuset and blkio hierarchies, whose cpuset copies its parent's;
 * removed (their processes killed) by cg_cleanup(), which every test's fini calls. */
const char *cg_create(const char *name); /* returns the memory hierarchy's directory */
/* Whether controller ("memory", "cpu", "cpuacct", "cpuset", "blkio" or "io") can be used by
 * tests. */
bool ctl_available(const char *controller);
/* v1: a throttle limit (10 GB/s read and write) on block device majmin ("254:0") for cgroup
 * dir, without which this kernel's blkio.throttle counters stay 0; v2: nothing (io.stat
 * counts anyway). */
void cg_set_io_limit(const char *dir, const char *majmin);
/* Bytes read and written by cgroup dir on device majmin (NULL: all devices), from the
 * cgroup's own file (v1 blkio.throttle.io_service_bytes_recursive, v2 io.stat); 0 when it
 * lists no such device. */
void cg_io_bytes(const char *dir, const char *majmin, unsigned long long *rbytes,
		 unsigned long long *wbytes);
/* Whether the daemon serves proc/pressure here: a pure v2 host whose kernel keeps PSI. */
bool pressure_served(void);
/* The host's block devices (lines of /proc/diskstats, at most the hook's 256): one stat
 * file mount each by the hook. */
int block_devices(void);
/* CPU limits of cgroup dir (as returned by cg_create()): quota_us per 100 ms period (-1 no
 * quota, 0 leave as is), cpus a cpu list (NULL: leave as is). */
void cg_set_cpu(const char *dir, long quota_us, const char *cpus);
void cg_set_limit(const char *dir, unsigned long long bytes);
void cg_cleanup(void);
/* Remove the cgroups (and their processes) of test processes that no longer exist: a test
 * that criterion kills at its timeout never runs its fini. */
void cg_sweep_stale(void);
/* Remove one cgroup made by cg_create() now (its processes killed; `dir` may be the pointer
 * cg_create() returned, which is invalid afterwards); 0, or -1 if it is still there. */
int cg_destroy(const char *dir);
/* Move the calling process into cgroup dir; 0 or -1. */
int cg_join(const char *dir);
/* SIGKILL every process in cgroup dir and wait until it is empty. */
void kill_members_of(const char *dir);
bool cg_is_v2(void);
/* Whether assertions about time (latency bounds, rates) are checked: not where
 * VPROCFS_TIMING=0 (the test lab's emulated guests, where time means nothing); everything
 * else still is. Says so on stderr when not. */
bool timing_checked(const char *what);
const char *cg_mount(void); /* the memory hierarchy's mount point */

/* The files vprocfs serves, relative to its mount point and to / ("proc/meminfo", ...), and
 * those it serves only where pressure_served(). */
extern const char *const served_files[];
extern const char *const pressure_files[];

/* Run `script` with sh in a fresh pid+mount namespace whose process starts in cgroup `dir`
 * (NULL: stay where we are), with every served file bind-mounted over /proc and /sys (the
 * pressure files where served).
 * Captures stdout (and stderr) into out; returns the exit status. */
int run_in_container(const struct daemon *d, const char *dir, const char *script, char *out,
		     size_t outsz);
/* run_in_container() of script[k] in cgroup dir[k] for each k < n (at most 8), all at once:
 * out[k] (outsz bytes each) gets the output, ret[k] the exit status. */
void run_in_containers(const struct daemon *d, size_t n, const char *const *dir,
		       const char *const *script, char *const *out, size_t outsz, int *ret);
/* A race script's result: exit status 0 and its line "reads=R empty=E foreign=F" with
 * want_reads reads, none empty, none showing another container's content. */
void assert_clean_reads(const char *out, int ret, unsigned long want_reads);
/* Run `script` with sh without namespaces, in cgroup dir. */
int run_in_cgroup(const char *dir, const char *script, char *out, size_t outsz);

/* The number after "<key>:" in meminfo-style text, in kB; aborts the test if absent. */
unsigned long long meminfo_value(const char *text, const char *key);
/* Read a whole file with one open/read loop/close. Returns bytes or -errno. */
ssize_t read_whole(const char *path, char *buf, size_t sz);

/* OCI bundles for VPROCFS_OCI_RUNTIME (default runc): oci_runtime() names it. make_bundle()
 * makes WORK/NAME: a busybox-static rootfs (writable) with the sysinfo probe
 * (VPROCFS_PROBE) as /bin/probe, `script` as /check.sh (the container's command), a memory
 * limit, the vprocfs hook for mount point mnt, and, unless sc_socket is NULL, a seccomp
 * profile that hands sysinfo to the agent at sc_socket (what vprocfs-runc writes).
 * run_bundle() runs it in the foreground as vp-si-<test pid>-NAME (state in WORK/state) and
 * returns the exit status, output in out. */
const char *oci_runtime(void);
void make_bundle(const char *work, const char *name, int limit_mb, const char *mnt,
		 const char *sc_socket, const char *script);
int run_bundle(const char *work, const char *name, char *out, size_t outsz);

#endif
