/* The message an OCI runtime sends to a seccomp agent at linux.seccomp.listenerPath: a JSON
 * "container process state" (runtime-spec 1.0.2+: ociVersion, fds, pid, metadata, state)
 * with the fds themselves in SCM_RIGHTS, named in order by "fds". Pure: no I/O. */
#ifndef VP_SECCOMP_STATE_H
#define VP_SECCOMP_STATE_H

#include <stddef.h>

struct sc_state {
	int seccomp_index; /* index of "seccompFd" in fds (and in SCM_RIGHTS) */
	int nfds;          /* names in fds */
	int pid;           /* the container process, > 0 */
	char id[128];      /* state.id, "?" when absent; truncated */
	char metadata[64]; /* metadata, "" when absent; truncated */
};

/* -EINVAL: not a JSON object, no "fds" array of strings naming "seccompFd" exactly once, or
 * no positive "pid". */
int sc_parse_state(const char *text, size_t len, struct sc_state *ret);

#endif
