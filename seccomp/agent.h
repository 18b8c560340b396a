/* The seccomp agent: answers sysinfo(2) for containers through seccomp user notification.
 *
 * An OCI runtime (runc >= 1.1, crun) whose config.json has a SCMP_ACT_NOTIFY rule and
 * linux.seccomp.listenerPath connects to our socket once per container and sends the
 * container's notify fd (SCM_RIGHTS) with a JSON state (seccomp/state.h). The agent thread
 * watches every notify fd: a sysinfo call is answered with the caller's container figures
 * (answer()), written into the caller's memory through /proc/PID/mem between two
 * SECCOMP_IOCTL_NOTIF_ID_VALID checks; any other call, or a caller answer() says is the
 * host's, continues in the kernel (SECCOMP_USER_NOTIF_FLAG_CONTINUE). A notify fd that hangs
 * up (its container is gone) is dropped. Under a service manager the listening socket and
 * every notify fd are kept in its fd store (a notify fd that closes makes every later
 * notified call fail with ENOSYS: a restart must not close them), and adopted again at the
 * next start, with a journal (a memfd, also kept) of the call being answered: the kernel
 * never offers a received notification again, so a daemon killed mid-answer would leave
 * its caller waiting forever; the next one answers it. */
#ifndef VP_SECCOMP_AGENT_H
#define VP_SECCOMP_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc_views/sysinfo.h"

#define SC_FDNAME_PREFIX "vprocfs-sc-"          /* every fd the agent stores */
#define SC_FDNAME_LISTEN SC_FDNAME_PREFIX "listen" /* the listening socket */
#define SC_FDNAME_JOURNAL SC_FDNAME_PREFIX "journal" /* the call being answered */

struct sc_agent;

struct sc_agent_config {
	/* The socket to listen on (created, mode 0600, its directory 0755) unless a listening
	 * socket was adopted; NULL: none. */
	const char *socket_path;
	/* The figures for caller tid (in our pid namespace): 0 and *ret filled; 1: the caller
	 * is the host's, let the kernel answer; < 0: that errno for the caller. */
	int (*answer)(void *ctx, pid_t tid, struct pv_sysinfo *ret);
	void *ctx;
	/* Keep fd in the service manager's store under name / drop name from it; NULL: no
	 * service manager. */
	int (*store)(const char *name, int fd);
	void (*unstore)(const char *name);
};

struct sc_agent_stats {
	unsigned long long notify_fds, answered, continued, failed, rejected_conns;
};

int sc_agent_new(const struct sc_agent_config *cfg, struct sc_agent **ret);
/* An fd inherited from the store under name (SC_FDNAME_LISTEN or another SC_FDNAME_PREFIX
 * name): taken over; -EINVAL (and fd closed) if it is not what its name says. */
int sc_agent_adopt(struct sc_agent *a, int fd, const char *name);
/* Listen (unless a socket was adopted) and start the agent thread. */
int sc_agent_start(struct sc_agent *a);
/* Stop the thread and close everything. final (a stop for good, or no service manager):
 * drop our fds from the store and remove the socket file; otherwise leave both for the next
 * start. */
void sc_agent_free(struct sc_agent *a, bool final);
void sc_agent_get_stats(struct sc_agent *a, struct sc_agent_stats *ret);

#endif
