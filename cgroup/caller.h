/* Who is asking: from a caller's TID (in the daemon's pid namespace) to its container cgroup,
 * following the "whose view" rule (see cg_pick_container()). Reads /proc only: never forks,
 * never enters a namespace. */
#ifndef VP_CGROUP_CALLER_H
#define VP_CGROUP_CALLER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

/* At most this many pid namespaces' inits are kept, each with a pidfd: the daemon leaves that
 * many descriptors to them. */
#define CG_NSCACHE_FDS 4096

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

/* What vprocfs knows about a caller. */
struct cg_caller {
	/* The container cgroup per controller (malloc()ed). NULL where the controller is not
	 * mounted, and also where it was not asked for (outside cg_caller_resolve()'s mask): a
	 * NULL path says nothing about the caller. */
	char *path[CG_NCONTROLLERS];
	bool host_ns;   /* the caller is in the daemon's pid namespace */
	pid_t init;     /* else: the init of its pid namespace (a pid in the daemon's namespace) */
	unsigned long long init_start; /* and init's start time, clock ticks after boot */
	unsigned ns_level; /* nesting depth of the caller's pid namespace (0 = the daemon's) */
};

/* Resolve caller tid for the mounted controllers of layout in mask (a set of
 * 1u << enum cg_controller; CG_MASK_ALL: every one), reading /proc/TID/cgroup once: a read
 * resolves only what its file needs. host_ns, init, init_start and ns_level are filled
 * whatever the mask. -ESRCH: the caller (or its namespace's init) has exited. */
int cg_caller_resolve(struct cg_nscache *c, const struct cg_layout *l, pid_t tid, unsigned mask,
		      struct cg_caller *ret);
void cg_caller_done(struct cg_caller *caller);

/*
 * A resolution kept for checking it again cheaply: the caller's /proc/TID/cgroup and, for a
 * caller in another pid namespace, its init's /proc/INIT/cgroup, held open, with the texts the
 * resolution was made from. A resolution is a function of those texts (a task's pid namespace
 * and its init never change), so while both files read the same, the caller resolves the
 * same. An open /proc file belongs to its process, not to the pid number: once the process
 * has gone it answers ESRCH, whoever gets the pid next. And a read at offset 0 renders it
 * anew (seq_file, single_open()): a move to another cgroup shows in the next read.
 */
#define CG_PIN_TEXT_MAX 8192 /* longer texts are not kept (then nothing is pinned) */

struct cg_pin {
	int fd, init_fd; /* -1: none (init_fd: the caller is in the daemon's namespace) */
	char *text, *init_text; /* malloc()ed */
	size_t len, init_len;
};
#define CG_PIN_INIT {.fd = -1, .init_fd = -1}

/* cg_caller_resolve(), pinned in *ret_pin where it can be (ret_pin->fd is -1 where it could
 * not: out of fds, a text past CG_PIN_TEXT_MAX); ret_pin NULL: not pinned. Uses two fds at
 * most per pin. */
int cg_caller_resolve_pin(struct cg_nscache *c, const struct cg_layout *l, pid_t tid,
			  unsigned mask, struct cg_caller *ret, struct cg_pin *ret_pin);
/* 1: the pinned files read as when pinned (the caller resolves the same); 0: they do not, or
 * nothing is pinned; -ESRCH: the caller or its init has exited; other -errno. Two pread()s,
 * no lookup. */
int cg_pin_same(const struct cg_pin *p);
/* Closes the files (a CG_PIN_INIT pin too). */
void cg_pin_done(struct cg_pin *p);

/* Pure: the NSpid line of /proc/PID/status text, outermost first, into v[0..max); *ret_n is
 * the number of levels. -EINVAL without an NSpid line, -E2BIG past max levels. */
int cg_parse_nspid(const char *text, pid_t *v, size_t max, size_t *ret_n);

/* Pure: the start time (field 22, clock ticks after boot) from /proc/PID/stat text, parsed
 * after the last ')' since a command name may hold spaces and parentheses. */
int cg_parse_stat_starttime(const char *text, unsigned long long *ret);

/* Pure: the innermost pid from the NSpid line of /proc/PID/status text, and the PPid. */
int cg_parse_status(const char *text, pid_t *ret_ppid, pid_t *ret_nspid_inner);

#endif
