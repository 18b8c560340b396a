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
};

static void wake_handler(int sig)
{
	(void)sig;
}

static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct fuse_buf buf = {.mem = NULL};
	sigset_t wake;

	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	while (!fuse_session_exited(a->se)) {
		int r = fuse_session_receive_buf(a->se, &buf);

		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0) {
			/* 0: session exited or the file system was unmounted (ENODEV). */
			if (r < 0)
				fprintf(stderr, "vprocfs: reading /dev/fuse: %s\n", strerror(-r));
			fuse_session_exit(a->se);
			break;
		}
		if (!atomic_load(&a->rs->captured))
			vp_restart_capture(a->rs, &buf);
		fuse_session_process_buf(a->se, &buf);
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

int fs_loop_run(struct fuse_session *se, unsigned nthreads, struct vp_restart *rs)
{
	struct sigaction sa = {.sa_handler = wake_handler}; /* no SA_RESTART: read() gets EINTR */
	struct worker_arg arg = {.se = se, .main = pthread_self(), .rs = rs};
	pthread_t *t = calloc(nthreads, sizeof(*t));
	sigset_t set;
	unsigned started = 0;
	int sig = 0, r = 0;

	if (!t)
		return -ENOMEM;
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
		r = -pthread_create(&t[started], NULL, worker, &arg);
		if (r < 0)
			break;
	}
	if (r == 0) {
		while (sigwait(&set, &sig) == 0 && sig == DONE_SIGNAL && !fuse_session_exited(se))
			;
		if (sig != DONE_SIGNAL)
			fprintf(stderr, "vprocfs: %s, exiting\n", strsignal(sig));
	}
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
	return r;
}
