/* Reading the files of one cgroup, shared by the memory and CPU readers: by path through the
 * hierarchy's root fd (or its cache of kept files), limits, and the walk up the tree. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/fileio.h"
#include "util/parse.h"

int cg_read_file_ino(const struct cg_hier *h, const char *path, const char *name,
		     struct strbuf *sb, ino_t *ret_ino)
{
	char rel[PATH_MAX];
	const char *p = path;
	struct stat st;
	int n, fd, r;

	while (*p == '/')
		p++;
	n = *p ? snprintf(rel, sizeof(rel), "%s/%s", p, name) : snprintf(rel, sizeof(rel), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(rel))
		return -ENAMETOOLONG;
	if (h->fdc)
		return cg_fdcache_read(h->fdc, rel, sb, ret_ino);
	if (!ret_ino)
		return read_file_at(h->rootfd, rel, sb);
	fd = openat(h->rootfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fstat(fd, &st) < 0 ? -errno : read_fd_all(fd, sb);
	if (r >= 0)
		*ret_ino = st.st_ino;
	close(fd);
	return r;
}

int cg_read_file(const struct cg_hier *h, const char *path, const char *name, struct strbuf *sb)
{
	return cg_read_file_ino(h, path, name, sb, NULL);
}

int cg_read_u64(const struct cg_hier *h, const char *path, const char *name, struct strbuf *sb,
		uint64_t *ret, struct cg_where *w)
{
	int r = cg_read_file(h, path, name, sb);

	if (r == 0)
		r = parse_u64_line(sb->buf ? sb->buf : "", ret);
	return r < 0 ? cg_where_set(w, path, name, r) : r;
}

int cg_dir_ino(const struct cg_hier *h, const char *path, uint64_t *ret)
{
	struct stat st;

	*ret = 0;
	if (!path || h->version == CG_NONE)
		return 0;
	if (fstatat(h->rootfd, path[1] ? path + 1 : ".", &st, 0) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	*ret = (uint64_t)st.st_ino;
	return 0;
}

int cg_path_usable(const struct cg_hier *h, const char *path)
{
	size_t n = strlen(path);

	if (h->version == CG_NONE || h->rootfd < 0)
		return -EOPNOTSUPP;
	if (path[0] != '/' || strstr(path, "/../") || strstr(path, "/./") ||
	    (n >= 3 && strcmp(path + n - 3, "/..") == 0))
		return -EINVAL;
	return 0;
}

int cg_path_copy(char dst[PATH_MAX], const char *src)
{
	size_t n = strlen(src);

	if (src[0] != '/')
		return -EINVAL;
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

bool cg_path_up(char *cur)
{
	char *slash;

	if (strcmp(cur, "/") == 0)
		return false;
	slash = strrchr(cur, '/');
	if (slash == cur)
		cur[1] = '\0';
	else
		*slash = '\0';
	return true;
}

int cg_read_min(const struct cg_hier *h, const char *path, const char *name,
		int (*parse)(const char *text, uint64_t *ret), unsigned flags, struct strbuf *sb,
		uint64_t *ret, struct cg_where *w)
{
	char cur[PATH_MAX];
	uint64_t min = CG_UNLIMITED;
	int r = cg_path_copy(cur, path);

	if (r < 0)
		return cg_where_set(w, path, NULL, r);
	do {
		uint64_t v;

		if (!(flags & CG_MIN_ROOT) && strcmp(cur, "/") == 0)
			break;
		r = cg_read_file(h, cur, name, sb);
		if (r == -ENOENT && (flags & CG_MIN_OPTIONAL))
			continue;
		if (r == 0)
			r = parse(sb->buf ? sb->buf : "", &v);
		if (r < 0)
			return cg_where_set(w, cur, name, r);
		min = min_u64(min, v);
	} while (cg_path_up(cur));
	*ret = min;
	return 0;
}
