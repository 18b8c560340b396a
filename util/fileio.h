/* Bounded reads of kernel text files in one read(), relative to a held directory fd. */
#ifndef VP_UTIL_FILEIO_H
#define VP_UTIL_FILEIO_H

#include <stddef.h>

#include "util/strbuf.h"

/* Largest kernel text file we accept (memory.stat of a big v2 cgroup is ~2 KiB, cpuinfo of
 * 256 CPUs ~400 KiB). */
#define VP_READ_MAX (4u << 20)

/* Reads all of fd from offset 0 into sb (replacing its content) with pread(), growing the
 * buffer when a read fills it. Refuses embedded NULs (-EBADMSG) and files over VP_READ_MAX
 * (-EFBIG). */
int read_fd_all(int fd, struct strbuf *sb);
/* openat(dirfd, path, O_RDONLY|O_CLOEXEC) + read_fd_all + close. dirfd may be AT_FDCWD. */
int read_file_at(int dirfd, const char *path, struct strbuf *sb);

#endif
