/* The two JSON documents the OCI hook reads: the container state on stdin and the bundle's
 * config.json. Pure (no I/O), so that the fuzzer can drive them. */
#ifndef VP_OCI_SPEC_H
#define VP_OCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#define OCI_OPT_OUT "io.vprocfs.disable"

struct oci_state {
	int pid;           /* the container's init, > 0 */
	char *bundle;      /* absolute bundle directory (malloc()ed) */
	char *id;          /* container id, "?" when absent (malloc()ed) */
	bool opted_out;    /* annotation OCI_OPT_OUT is "true" or "1" */
};

/* Parse the OCI state text. -EINVAL: not JSON, no positive pid, no bundle, or a bundle that
 * is not an absolute path. */
int oci_parse_state(const char *text, struct oci_state *ret);
void oci_state_done(struct oci_state *s);

/* Parse config.json text: the root file system directory (root.path, relative to bundle
 * unless absolute) into rootfs[size], and the opt-out annotation. -EINVAL: not JSON or no
 * root.path; -ENAMETOOLONG: the path does not fit. */
int oci_parse_config(const char *text, const char *bundle, char *rootfs, size_t size,
		     bool *ret_opted_out);

#endif
