/* Errors that name what failed: the hierarchy, the cgroup and the file. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/cgroup-internal.h"

/* src into dst[size]; when too long, its start and its end (the cgroup's own name, the file
 * and the error) with "..." between. */
static void shorten(char *dst, size_t size, const char *src)
{
	static const char dots[] = "...";
	size_t n = strlen(src), head = size / 4, tail;

	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	tail = size - 1 - head - (sizeof(dots) - 1);
	memcpy(dst, src, head);
	memcpy(dst + head, dots, sizeof(dots) - 1);
	memcpy(dst + head + sizeof(dots) - 1, src + n - tail, tail + 1);
}

const char *cg_error_str(const struct cg_error *e)
{
	return e->where[0] ? e->where : strerror(e->err);
}

void cg_error_printf(struct cg_error *err, int r, const char *fmt, ...)
{
	char what[2 * PATH_MAX], ebuf[128], msg[sizeof(what) + sizeof(ebuf) + 2];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap); /* truncation: shortened below anyway */
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror_r(-r, ebuf, sizeof(ebuf)));
	err->err = -r;
	shorten(err->where, sizeof(err->where), msg);
}

void cg_error_set(struct cg_error *err, const struct cg_hier *h, const char *path,
		  const char *file, int r)
{
	bool sep = file && path[0] && path[strlen(path) - 1] != '/';

	cg_error_printf(err, r, "%s:%s%s%s", h->mount ? h->mount : "(not mounted)", path,
			sep ? "/" : "", file ? file : "");
}

int cg_where_set(struct cg_where *w, const char *path, const char *file, int r)
{
	shorten(w->path, sizeof(w->path), path);
	w->file = file;
	return r;
}
