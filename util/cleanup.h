/* Scoped cleanup helpers: __attribute__((cleanup)) wrappers and ownership hand-off. */
#ifndef VP_UTIL_CLEANUP_H
#define VP_UTIL_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void vp_freep(void *p)
{
	free(*(void **)p);
}

static inline void vp_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void vp_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(vp_freep)))
#define _cleanup_close_ __attribute__((cleanup(vp_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(vp_fclosep)))

/* Hand ownership on: returns the value and leaves NULL / -1 behind. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_tf;                                                                               \
	})

#define VP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
