#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

int read_fd_all(int fd, struct strbuf *sb)
{
	size_t want = sb->cap > 4096 ? sb->cap - 1 : 4096;

	for (;;) {
		ssize_t n;
		int r;

		sb_reset(sb);
		r = sb_reserve(sb, want);
		if (r < 0)
			return r;
		/* One byte more than we expect: a full read means the file may be longer. */
		n = pread(fd, sb->buf, sb->cap - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n < sb->cap - 1) {
			sb->len = (size_t)n;
			sb->buf[n] = '\0';
			if (memchr(sb->buf, '\0', (size_t)n))
				return -EBADMSG;
			return 0;
		}
		if (sb->cap >= VP_READ_MAX)
			return -EFBIG;
		want = sb->cap * 2;
	}
}

int read_file_at(int dirfd, const char *path, struct strbuf *sb)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return read_fd_all(fd, sb);
}
