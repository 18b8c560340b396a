/* /proc/diskstats for a container: pure functions from (host file, container I/O) to text. */
#ifndef VP_PROC_VIEWS_DISKSTATS_H
#define VP_PROC_VIEWS_DISKSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

#define PV_DISK_NAME_MAX 64

/* The host's /proc/diskstats, parsed: its devices in the kernel's order (their figures are
 * checked, not kept). */
struct pv_host_diskstats {
	size_t n;
	unsigned nfields; /* figures after the name: 11 (< 4.18), 15 (< 5.5) or 17, every line */
	struct pv_disk {
		unsigned major, minor;
		char name[PV_DISK_NAME_MAX];
	} *disk;
};

/* Parse the host file: lines "major minor name" and nfields numbers, separated by spaces.
 * -EINVAL on any other shape, on lines with different counts, or a device twice. An empty
 * file (a host without block devices) is no device. */
int pv_host_diskstats_parse(const char *text, struct pv_host_diskstats *ret);
void pv_host_diskstats_done(struct pv_host_diskstats *h);

/* The container's I/O on one device (the cgroup's io.stat or blkio figures). */
struct pv_disk_io {
	unsigned major, minor;
	uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};

/* Render the container's /proc/diskstats into out (replacing its content): the host's devices
 * in its order and with its field count, each with the container's I/O (io[], ascending by
 * (major, minor), no device twice: else -EINVAL); see diskstats.c for the rule per field. */
int pv_diskstats_render(const struct pv_host_diskstats *host, const struct pv_disk_io *io,
			size_t n_io, struct strbuf *out);

/*
 * /sys/class/block/NAME/stat of a container (Documentation/block/stat.rst): the figures of
 * its /proc/diskstats line for device major:minor, in sysfs's layout (each "%8llu", one space
 * apart, as many as the host's diskstats has). -ENOENT: the host has no such device.
 */
int pv_blockstat_render(const struct pv_host_diskstats *host, unsigned major, unsigned minor,
			const struct pv_disk_io *io, size_t n_io, struct strbuf *out);
/* The host's own file for device major:minor, from the host's /proc/diskstats text (checked
 * as pv_host_diskstats_parse() does): its figures in sysfs's layout. -ENOENT: no such
 * device. */
int pv_blockstat_host(const char *diskstats, unsigned major, unsigned minor, struct strbuf *out);

#endif
