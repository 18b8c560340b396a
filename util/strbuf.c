#include "util/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

int sb_reserve(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - sb->len - 1)
		return -ENOMEM;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(sb->buf, cap);
	if (!p)
		return -ENOMEM;
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

void sb_shrink(struct strbuf *sb)
{
	char *p;

	if (sb->len == 0) {
		sb_release(sb);
		return;
	}
	if (sb->cap == sb->len + 1)
		return;
	p = realloc(sb->buf, sb->len + 1);
	if (!p)
		return;
	sb->buf = p;
	sb->cap = sb->len + 1;
}

int sb_append(struct strbuf *sb, const char *s, size_t n)
{
	int r = sb_reserve(sb, n);

	if (r < 0)
		return r;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sb_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	r = sb_reserve(sb, 64);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sb->cap - sb->len) {
		r = sb_reserve(sb, (size_t)n);
		if (r < 0)
			return r;
		va_start(ap, fmt);
		n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
		if (n < 0 || (size_t)n >= sb->cap - sb->len)
			return -EINVAL;
	}
	sb->len += (size_t)n;
	return 0;
}
