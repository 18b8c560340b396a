/*
 * The request loop: a fixed pool of worker threads on the public fuse_session_receive_buf()
 * / fuse_session_process_buf() API, and a main thread that waits for SIGINT/SIGTERM/SIGHUP.
 *
 * Why not fuse_session_loop_mt(): libfuse 3.14 ends it by pthread_cancel()ing workers that
 * are blocked in read(/dev/fuse), and its 3.12-style configuration churned a thread per
 * request on this kind of host. Here a fixed pool is started once, and workers are woken for
 * exit by a signal whose handler does nothing (read() fails with EINTR), so they return
 * normally and free what they hold.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/daemon.h"

#define WAKE_SIGNAL SIGUSR2 /* interrupts a worker's read() */
#define DONE_SIGNAL SIGUSR1 /* a worker tells main that the session ended */

struct worker_arg {
	struct fuse_session *se;
	pthread_t main;
	struct vp_restart *rs;
	unsigned slot; /* in the request journal */
};

static void wake_handler(int sig)
{
	(void)sig;
}

/* Requests are read here, not with fuse_session_receive_buf(): libfuse 3.14 drops a request
 * it has just read when the session has exited meanwhile, and such a request (read during a
 * restart's SIGTERM) is never answered; where the kernel cannot resend it (Linux < 6.9) its
 * caller waits for ever. A request read is always served, and journaled while it is. The
 * kernel refuses a read into less than max_write + headers: libfuse negotiates max_write as
 * its buffer (256 pages) less a page, so this is libfuse's own size plus a margin. */
#define REQ_BUF_SIZE (1024 * 1024 + 64 * 1024)
#define IN_HEADER_SIZE 40 /* struct fuse_in_header */

static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct fuse_buf buf = {.mem = malloc(REQ_BUF_SIZE)};
	int fd = fuse_session_fd(a->se);
	sigset_t wake;

	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	while (buf.mem && !fuse_session_exited(a->se)) {
		ssize_t r = read(fd, buf.mem, REQ_BUF_SIZE);

		if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == ENOENT))
			continue; /* ENOENT: the request was interrupted before we got it */
		if (r < IN_HEADER_SIZE) {
			/* ENODEV: unmounted; 0 or a short read: the connection is broken. */
			if (r < 0 && errno != ENODEV)
				fprintf(stderr, "vprocfs: reading /dev/fuse: %s\n", strerror(errno));
			else if (r >= 0)
				fprintf(stderr, "vprocfs: short read from /dev/fuse (%zd bytes)\n", r);
			fuse_session_exit(a->se);
			break;
		}
		buf.size = (size_t)r;
		if (!atomic_load(&a->rs->captured))
			vp_restart_capture(a->rs, &buf);
		vp_restart_journal_begin(a->rs, a->slot, &buf);
		fuse_session_process_buf(a->se, &buf);
		vp_restart_journal_end(a->rs, a->slot);
		if (atomic_load(&a->rs->captured) && !atomic_load(&a->rs->stored)) {
			int r2 = vp_restart_store(a->rs, fuse_session_fd(a->se));

			if (r2 < 0)
				fprintf(stderr, "vprocfs: storing fds with the service manager: %s\n",
					strerror(-r2));
		}
	}
	free(buf.mem);
	pthread_kill(a->main, DONE_SIGNAL);
	return NULL;
}

int fs_loop_run(struct fuse_session *se, unsigned nthreads, struct vp_restart *rs,
		void (*before_stop)(void *), void *before_arg)
{
	struct sigaction sa = {.sa_handler = wake_handler}; /* no SA_RESTART: read() gets EINTR */
	struct worker_arg *arg = calloc(nthreads, sizeof(*arg));
	pthread_t *t = calloc(nthreads, sizeof(*t));
	sigset_t set;
	unsigned started = 0;
	int sig = 0, r = 0;

	if (!t || !arg) {
		free(t);
		free(arg);
		return -ENOMEM;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(WAKE_SIGNAL, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, DONE_SIGNAL);
	sigaddset(&set, WAKE_SIGNAL);
	/* Workers inherit this mask; each unblocks only WAKE_SIGNAL. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, WAKE_SIGNAL);

	for (; started < nthreads; started++) {
		arg[started] = (struct worker_arg){.se = se, .main = pthread_self(), .rs = rs,
						   .slot = started};
		r = -pthread_create(&t[started], NULL, worker, &arg[started]);
		if (r < 0)
			break;
	}
	if (r == 0) {
		while (sigwait(&set, &sig) == 0 && sig == DONE_SIGNAL && !fuse_session_exited(se))
			;
		if (sig != DONE_SIGNAL)
			fprintf(stderr, "vprocfs: %s, exiting\n", strsignal(sig));
	}
	/* While the workers still serve: what it stops may be waiting for a reply (a
	 * notification waits for pages a READ in flight holds). */
	if (before_stop)
		before_stop(before_arg);
	fuse_session_exit(se);
	for (unsigned i = 0; i < started; i++) {
		struct timespec step = {0, 5 * 1000 * 1000};

		/* A worker may be between its exit check and read(): signal until it is gone. */
		while (pthread_tryjoin_np(t[i], NULL) == EBUSY) {
			pthread_kill(t[i], WAKE_SIGNAL);
			nanosleep(&step, NULL);
		}
	}
	free(t);
	free(arg);
	return r;
}
