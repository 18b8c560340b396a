/* rendercost SECONDS CG FILE...: what one rendering costs, measured on the core itself (no
 * FUSE). Joins container CG (comma-separated cgroup directories, one per hierarchy on v1),
 * takes its own view as the daemon would for a reader in that container (vp_view_of), then
 * for each FILE (a name under proc/, or a served path) renders it for
 * that view as often as it can for SECONDS and prints
 *     FILE <µs of CPU per rendering> <µs of wall time per rendering> <bytes>
 * and last
 *     view_of <µs of CPU per call> (what a READLINK of MOUNTPOINT/proc cost the daemon
 *     before the callers' views were kept: vp_view_of + vp_view_format, each call a hit now)
 * and then, for the callers' views kept (core/callers.c), µs of CPU per call for a thread of
 * the daemon's pid namespace (host_) and for one in a pid namespace of its own (ns_, whose
 * init's cgroup file is read too; left out where unshare(CLONE_NEWPID) is refused):
 *     host_miss / ns_miss: vp_view_of() round-robin over THREADS threads (more than the table
 *         holds: every call resolves, opens and keeps the caller's files, evicts another)
 *     host_hit / ns_hit: vp_view_of() of one thread again (two pread()s and a copy)
 *     host_recall / ns_recall: vp_view_recall() without the view, what a READLINK whose slot
 *         is remembered costs in the core
 * Single-threaded; CPU time is this thread's (CLOCK_THREAD_CPUTIME_ID).
 *
 * Not built by the Makefile (the .c files at the top of bench/ are stand-alone programs;
 * this one links the core's objects): bench/run.sh builds it against BUILD/obj. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"

static double clock_s(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int join(const char *cg)
{
	char *list = strdup(cg), *save = NULL;

	if (!list)
		return -1;
	for (char *dir = strtok_r(list, ",", &save); dir; dir = strtok_r(NULL, ",", &save)) {
		char p[4096];
		FILE *f;

		snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
		f = fopen(p, "we");
		if (!f || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0) {
			fprintf(stderr, "rendercost: joining %s: %s\n", dir, strerror(errno));
			free(list);
			return -1;
		}
	}
	free(list);
	return 0;
}

/* A served file by its name under proc/ ("meminfo") or its path ("sys/..."): from the table. */
static const struct vp_entry *file_named(const char *name)
{
	char path[256];
	const struct vp_entry *e;

	snprintf(path, sizeof(path), "proc/%s", name);
	e = strchr(name, '/') ? vp_entry_by_path(name) : vp_entry_by_path(path);
	return e && e->file >= 0 ? e : NULL;
}

/* Sleeping threads: more callers than the table keeps. */
#define THREADS (4 * VP_CALLERS)

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void spawn_sleepers(void)
{
	pthread_attr_t a;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (int i = 0; i < THREADS; i++) {
		pthread_t t;

		if (pthread_create(&t, &a, sleeper, NULL) != 0) {
			fprintf(stderr, "rendercost: cannot start %d threads\n", THREADS);
			exit(1);
		}
	}
	pthread_attr_destroy(&a);
}

/* The threads of process pid other than pid itself, into tids (up to max). */
static size_t threads_of(pid_t pid, pid_t *tids, size_t max)
{
	char p[64];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(p, sizeof(p), "/proc/%d/task", (int)pid);
	d = opendir(p);
	while (d && (de = readdir(d)) && n < max) {
		pid_t t = (pid_t)atoi(de->d_name);

		if (t > 0 && t != pid)
			tids[n++] = t;
	}
	if (d)
		closedir(d);
	return n;
}

/* A process in a pid namespace of its own (its init, with THREADS sleeping threads): its pid
 * here, 0 where that is refused. *ret_child is the process to kill (the init's parent). */
static pid_t spawn_ns_init(pid_t *ret_child)
{
	int fds[2];
	pid_t child, init = 0;

	if (pipe(fds) < 0)
		return 0;
	child = fork();
	if (child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		if (unshare(CLONE_NEWPID) < 0)
			_exit(1);
		init = fork();
		if (init == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			spawn_sleepers();
			if (write(fds[1], "", 1) < 0)
				_exit(1);
			for (;;)
				pause();
		}
		if (init > 0 && write(fds[1], &init, sizeof(init)) < 0)
			_exit(1);
		waitpid(init, NULL, 0);
		_exit(0);
	}
	close(fds[1]);
	if (child < 0 || read(fds[0], &init, sizeof(init)) != sizeof(init) ||
	    read(fds[0], fds, 1) != 1)
		init = 0;
	close(fds[0]);
	*ret_child = child;
	return init;
}

/* µs of this thread's CPU per call of vp_view_of() (recall: vp_view_recall() without the
 * view) for tids[0..n) round-robin, for about secs. */
static double per_call(struct vp_core *core, const pid_t *tids, size_t n, bool recall,
		       double secs)
{
	double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
	size_t calls = 0;

	do {
		for (int k = 0; k < 100; k++, calls++) {
			pid_t tid = tids[calls % n];
			struct vp_view v;
			uint64_t memo;
			int r = recall ? vp_view_recall(core, tid, NULL, &memo, NULL)
				       : vp_view_of(core, tid, CG_MASK_ALL, &v);

			if (r < 0) {
				fprintf(stderr, "rendercost: view of %d: %s\n", (int)tid, strerror(-r));
				exit(1);
			}
			if (!recall)
				vp_view_done(&v);
		}
	} while (clock_s(CLOCK_MONOTONIC) - w0 < secs);
	return (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) / (double)calls * 1e6;
}

/* The kept views' cost for process pid (its threads for the misses). */
static void kept_views(struct vp_core *core, const char *name, pid_t pid, double secs)
{
	static pid_t tids[THREADS + 16];
	size_t n = threads_of(pid, tids, THREADS + 16);

	if (n < 2 * VP_CALLERS) {
		fprintf(stderr, "rendercost: %s: only %zu threads\n", name, n);
		return;
	}
	printf("%s_miss %.2f\n", name, per_call(core, tids, n, false, secs));
	printf("%s_hit %.2f\n", name, per_call(core, &pid, 1, false, secs));
	printf("%s_recall %.2f\n", name, per_call(core, &pid, 1, true, secs));
}

int main(int argc, char **argv)
{
	struct vp_core_config cfg = {.procfs = "/proc", .sysfs = "/sys", .fd_budget = 4096,
				     .cpu_count = PV_COUNT_QUOTA};
	struct vp_core *core;
	struct vp_view v;
	char msg[512];
	double secs;
	pid_t self = getpid();
	int r;

	if (argc < 4 || (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: rendercost SECONDS CG FILE...\n");
		return 2;
	}
	if (join(argv[2]) < 0)
		return 1;
	r = vp_core_new(&cfg, &core, msg, sizeof(msg));
	if (r < 0) {
		fprintf(stderr, "rendercost: %s\n", msg);
		return 1;
	}
	r = vp_view_of(core, self, CG_MASK_ALL, &v);
	if (r < 0) {
		fprintf(stderr, "rendercost: vp_view_of: %s\n", strerror(-r));
		return 1;
	}
	for (int a = 3; a < argc; a++) {
		struct strbuf out = STRBUF_INIT;
		char err[512] = "";
		const struct vp_entry *e = file_named(argv[a]);
		size_t n = 0;
		double c0, w0, c1, w1;

		if (!e) {
			fprintf(stderr, "rendercost: no served file %s\n", argv[a]);
			return 2;
		}
		/* One rendering first: host caches filled, cgroup files opened and kept. */
		r = vp_render(core, (enum vp_file)e->file, &v, 0, &out, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "rendercost: %s: %s\n", argv[a], err[0] ? err : strerror(-r));
			return 1;
		}
		c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		w0 = clock_s(CLOCK_MONOTONIC);
		do {
			for (int k = 0; k < 100; k++, n++)
				if (vp_render(core, (enum vp_file)e->file, &v, 0, &out, err, sizeof(err)) < 0) {
					fprintf(stderr, "rendercost: %s: %s\n", argv[a], err);
					return 1;
				}
			w1 = clock_s(CLOCK_MONOTONIC);
		} while (w1 - w0 < secs);
		c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
		printf("%s %.2f %.2f %zu\n", argv[a], (c1 - c0) / (double)n * 1e6,
		       (w1 - w0) / (double)n * 1e6, out.len);
		sb_release(&out);
	}
	vp_view_done(&v);
	{
		char key[2048];
		size_t n = 0;
		double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);

		do {
			for (int k = 0; k < 100; k++, n++) {
				if (vp_view_of(core, self, CG_MASK_ALL, &v) < 0 ||
				    vp_view_format(&v, key, sizeof(key)) < 0) {
					fprintf(stderr, "rendercost: vp_view_of failed\n");
					return 1;
				}
				vp_view_done(&v);
			}
		} while (clock_s(CLOCK_MONOTONIC) - w0 < secs);
		printf("view_of %.2f\n", (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0) / (double)n * 1e6);
	}
	{
		pid_t child = 0, init;

		spawn_sleepers();
		kept_views(core, "host", self, secs);
		init = spawn_ns_init(&child);
		if (init > 0)
			kept_views(core, "ns", init, secs);
		if (child > 0) {
			if (init > 0)
				kill(init, SIGKILL);
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
	}
	vp_core_free(core);
	return 0;
}
