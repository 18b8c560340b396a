/* /sys/devices/system/cpu for a container that sees n CPUs: which entries exist, what each
 * file holds. Pure: paths and numbers in, text out. */
#ifndef VP_PROC_VIEWS_CPUTREE_H
#define VP_PROC_VIEWS_CPUTREE_H

#include <stddef.h>

#include "util/strbuf.h"

/* The kernel's NR_CPUS maximum. */
#define PV_CPUTREE_MAX_CPUS 8192
#define PV_CPUTREE_PATH_MAX 256

struct pv_cputree_in {
	unsigned n;               /* visible CPUs, numbered 0..n-1 as in the container's cpuinfo */
	const unsigned *host_cpu; /* host_cpu[i]: the host CPU behind visible CPU i (n entries) */
	unsigned kernel_max;      /* the host's kernel_max (NR_CPUS - 1), at least n - 1 */
};

enum pv_cputree_type {
	PV_CPUTREE_DIR,  /* a directory of the view: pv_cputree_list() */
	PV_CPUTREE_FILE, /* a file of the view: pv_cputree_render() */
	PV_CPUTREE_HOST, /* the host's entry at host_path, read-only, file or directory */
};

struct pv_cputree_node {
	enum pv_cputree_type type;
	char host_path[PV_CPUTREE_PATH_MAX]; /* PV_CPUTREE_HOST: relative to the host's tree */
};

/* What path is: relative to /sys/devices/system/cpu, "" for the directory itself, components
 * separated by one '/', none empty, "." or "..". -ENOENT for what the view does not have,
 * -ENOTDIR below a file, -ENAMETOOLONG, -EINVAL for bad in. See cputree.c for the entries. */
int pv_cputree_lookup(const struct pv_cputree_in *in, const char *path,
		      struct pv_cputree_node *ret);
/* The entries of directory path (a PV_CPUTREE_DIR): fn(name, type, u) for each, stopping at
 * the first negative return, which is returned. -ENOTDIR for a file or host entry. */
int pv_cputree_list(const struct pv_cputree_in *in, const char *path,
		    int (*fn)(const char *name, enum pv_cputree_type type, void *u), void *u);
/* The content of file path (a PV_CPUTREE_FILE) into out, replacing it. -EISDIR for a
 * directory, -EREMOTE for a host entry. */
int pv_cputree_render(const struct pv_cputree_in *in, const char *path, struct strbuf *out);

/* The kernel's bitmap format ("%*pb\n"): nbits bits in 32-bit groups of hex digits, most
 * significant first, comma-separated, the first group only as wide as its bits need; bits
 * first..last set. -EINVAL unless first <= last < nbits <= PV_CPUTREE_MAX_CPUS. */
int pv_cpumask_render(unsigned nbits, unsigned first, unsigned last, struct strbuf *out);

#endif
