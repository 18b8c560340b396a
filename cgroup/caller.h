/* Who is asking: from a caller's TID (in the daemon's pid namespace) to its container cgroup,
 * following the "whose view" rule (see cg_pick_container()). Reads /proc only: never forks,
 * never enters a namespace. */
#ifndef VP_CGROUP_CALLER_H
#define VP_CGROUP_CALLER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

/* Cache of pid namespace -> its init, each entry holding a pidfd of that init so that a
 * recycled pid can never be mistaken for it. Thread-safe. */
struct cg_nscache;

int cg_nscache_new(const char *procfs, struct cg_nscache **ret);
void cg_nscache_free(struct cg_nscache *c);
/* Identify inits by start time instead of pidfds (what happens anyway where pidfd_open() is
 * ENOSYS); for tests. */
void cg_nscache_disable_pidfd(struct cg_nscache *c);
/* Number of namespaces cached (tests, stats). */
size_t cg_nscache_size(struct cg_nscache *c);

/* The container cgroup path (malloc()ed) of caller `tid` in hierarchy h for controller.
 * -ESRCH: the caller (or its namespace's init) has exited. */
int cg_caller_container(struct cg_nscache *c, const struct cg_hier *h, const char *controller,
			pid_t tid, char **ret_path);

/* Pure: the start time (field 22, clock ticks after boot) from /proc/PID/stat text, parsed
 * after the last ')' since a command name may hold spaces and parentheses. */
int cg_parse_stat_starttime(const char *text, unsigned long long *ret);

/* Pure: the innermost pid from the NSpid line of /proc/PID/status text, and the PPid. */
int cg_parse_status(const char *text, pid_t *ret_ppid, pid_t *ret_nspid_inner);

#endif
