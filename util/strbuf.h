/* A growable string with overflow-checked growth; every failure is -ENOMEM, never abort(). */
#ifndef VP_UTIL_STRBUF_H
#define VP_UTIL_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;  /* NUL-terminated when len > 0 */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
};

#define STRBUF_INIT {NULL, 0, 0}

void sb_release(struct strbuf *sb);
/* Keeps the allocation, forgets the content. */
void sb_reset(struct strbuf *sb);
int sb_reserve(struct strbuf *sb, size_t extra);
int sb_append(struct strbuf *sb, const char *s, size_t n);
int sb_appendf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Give back what the content does not use (for a buffer kept long): cap becomes len + 1 (0
 * when empty). On failure it stays as it was. */
void sb_shrink(struct strbuf *sb);

#endif
