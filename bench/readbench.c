/* readbench: the load generator of `make bench`.
 *
 *   readbench cycles FILE READERS SECONDS CG...
 *       READERS processes, reader i in container CG[i % n], each doing open -> read to EOF
 *       -> close as fast as it can for SECONDS. Prints "<cycles/s> <errors>".
 *   readbench scale FILE LANES SECONDS BURST CG...
 *       One process per container (at least 64, spread over the containers), in LANES
 *       rings: the process holding a ring's token does BURST cycles, then hands the token to
 *       the next process of its ring (a pipe write), so LANES readers are busy at any time
 *       and the containers are read round-robin. Prints "<cycles/s> <errors>".
 *   readbench now
 *       Prints CLOCK_MONOTONIC in seconds (for READBENCH_AT, see run_timed()).
 *   readbench park THREADS FILE CG...
 *       One process per container with THREADS threads in all (sleeping), each process
 *       reading FILE once (so that the daemon tracks the container). Prints "parked N" when
 *       all are in place, then sleeps until killed; its processes die with it.
 *
 * A container CG is a comma-separated list of cgroup directories (one per hierarchy on
 * cgroup v1) that a process joins by writing its pid to their cgroup.procs; "-" stays where
 * readbench was started (inside a runc container, or an unshared mount namespace set up in
 * a container's cgroup). Every read is checked: an open or read error, or an empty file,
 * counts as an error. Links only the C library: bench/run.sh builds a static copy to run
 * inside a busybox container. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCALE_MIN_PROCS 64

struct shared {
	atomic_bool go, stop;
	atomic_ullong cycles, errors;
};

static struct shared *sh;

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static int join(const char *cg)
{
	char *list, *save = NULL;

	if (strcmp(cg, "-") == 0)
		return 0;
	list = strdup(cg);
	if (!list)
		return -1;
	for (char *dir = strtok_r(list, ",", &save); dir; dir = strtok_r(NULL, ",", &save)) {
		char p[4096];
		FILE *f;

		snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
		f = fopen(p, "we");
		if (!f || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0) {
			fprintf(stderr, "readbench: joining %s: %s\n", dir, strerror(errno));
			free(list);
			return -1;
		}
	}
	free(list);
	return 0;
}

/* One open -> read to EOF -> close cycle; false on error. */
static bool cycle(const char *path)
{
	static __thread char buf[1 << 16];
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n == 0 && total > 0;
}

static void sleep_s(double secs)
{
	struct timespec d = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};

	while (nanosleep(&d, &d) < 0 && errno == EINTR)
		;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0 && prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(2);
	return pid;
}

static void wait_all(pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

/* Start the children (they wait for sh->go), run for secs, stop, report. With READBENCH_AT
 * (CLOCK_MONOTONIC seconds, see "readbench now") the run starts then, not 0.2 s from now:
 * several readbench processes (one per runc container, say) run over the same window. One
 * started after that time (by more than 50 ms) fails. */
static int run_timed(pid_t *pids, int n, double secs)
{
	const char *at = getenv("READBENCH_AT");
	unsigned long long c, e;
	double t0, t1;

	if (at && *at) {
		double when = atof(at), late = now_s() - when;

		if (late > 0.05) {
			fprintf(stderr, "readbench: started %.3f s after READBENCH_AT\n", late);
			atomic_store(&sh->stop, true);
			atomic_store(&sh->go, true);
			wait_all(pids, n);
			return 3;
		}
		if (late < 0)
			sleep_s(-late);
	} else {
		sleep_s(0.2); /* let every child join its cgroup */
	}
	t0 = now_s();
	atomic_store(&sh->go, true);
	sleep_s(secs);
	atomic_store(&sh->stop, true);
	t1 = now_s();
	wait_all(pids, n);
	c = atomic_load(&sh->cycles);
	e = atomic_load(&sh->errors);
	printf("%.0f %llu\n", (double)c / (t1 - t0), e);
	return e ? 1 : 0;
}

static int cmd_cycles(const char *path, int readers, double secs, char **cg, int ncg)
{
	pid_t *pids = calloc((size_t)readers, sizeof(*pids));

	if (!pids)
		die("calloc");
	for (int i = 0; i < readers; i++) {
		pids[i] = spawn();
		if (pids[i] == 0) {
			unsigned long long c = 0, e = 0;

			if (join(cg[i % ncg]) < 0)
				_exit(2);
			while (!atomic_load(&sh->go))
				usleep(100);
			while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
				if (cycle(path))
					c++;
				else
					e++;
			}
			atomic_fetch_add(&sh->cycles, c);
			atomic_fetch_add(&sh->errors, e);
			_exit(0);
		}
	}
	return run_timed(pids, readers, secs);
}

static int cmd_scale(const char *path, int lanes, double secs, int burst, char **cg, int ncg)
{
	/* At least SCALE_MIN_PROCS processes whatever the number of containers, so that every
	 * run hands the token between processes alike (a ring of one would spare the wake-ups
	 * and flatter the one-container figure). */
	int nproc = ncg > SCALE_MIN_PROCS ? ncg : SCALE_MIN_PROCS;
	pid_t *pids = calloc((size_t)nproc, sizeof(*pids));
	int (*pipes)[2] = calloc((size_t)nproc, sizeof(*pipes));

	if (!pids || !pipes)
		die("calloc");
	for (int i = 0; i < nproc; i++)
		if (pipe(pipes[i]) < 0)
			die("pipe");
	/* Process i is in ring i % lanes; its successor is i + lanes (wrapping in the ring). */
	for (int i = 0; i < nproc; i++) {
		pids[i] = spawn();
		if (pids[i] == 0) {
			int next = i + lanes < nproc ? i + lanes : i % lanes;
			unsigned long long c = 0, e = 0;
			char tok;

			if (join(cg[i % ncg]) < 0)
				_exit(2);
			for (;;) {
				if (read(pipes[i][0], &tok, 1) != 1)
					_exit(2);
				if (tok == 'q' || atomic_load(&sh->stop))
					break;
				for (int k = 0; k < burst; k++) {
					if (cycle(path))
						c++;
					else
						e++;
				}
				if (write(pipes[next][1], "t", 1) != 1)
					_exit(2);
			}
			atomic_fetch_add(&sh->cycles, c);
			atomic_fetch_add(&sh->errors, e);
			/* Pass the end on around the ring. */
			if (write(pipes[next][1], "q", 1) != 1)
				_exit(2);
			_exit(0);
		}
	}
	sleep_s(0.5);
	{
		unsigned long long c, e;
		double t0 = now_s(), t1;

		for (int l = 0; l < lanes; l++)
			if (write(pipes[l][1], "t", 1) != 1)
				die("write");
		sleep_s(secs);
		atomic_store(&sh->stop, true);
		t1 = now_s();
		wait_all(pids, nproc);
		c = atomic_load(&sh->cycles);
		e = atomic_load(&sh->errors);
		printf("%.0f %llu\n", (double)c / (t1 - t0), e);
		return e ? 1 : 0;
	}
}

static void *sleeper(void *p)
{
	(void)p;
	for (;;)
		pause();
	return NULL;
}

static int cmd_park(int threads, const char *path, char **cg, int ncg)
{
	int ready[2];
	char b;

	if (pipe(ready) < 0)
		die("pipe");
	for (int i = 0; i < ncg; i++) {
		pid_t pid = spawn();

		if (pid == 0) {
			pthread_t t;

			close(ready[0]);
			if (join(cg[i]) < 0 || !cycle(path))
				_exit(2);
			for (int k = 1; k < threads; k++)
				if (pthread_create(&t, NULL, sleeper, NULL) != 0)
					_exit(2);
			if (write(ready[1], "r", 1) != 1)
				_exit(2);
			for (;;)
				pause();
		}
	}
	close(ready[1]);
	for (int i = 0; i < ncg; i++)
		if (read(ready[0], &b, 1) != 1) {
			fprintf(stderr, "readbench: a parked process failed\n");
			return 1;
		}
	printf("parked %d\n", ncg);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct rlimit rl;

	/* scale holds two pipe fds per process. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die("mmap");
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "now") == 0) {
		printf("%.3f\n", now_s());
		return 0;
	}
	if (argc >= 6 && strcmp(argv[1], "cycles") == 0 && atoi(argv[3]) > 0 && atof(argv[4]) > 0)
		return cmd_cycles(argv[2], atoi(argv[3]), atof(argv[4]), argv + 5, argc - 5);
	if (argc >= 7 && strcmp(argv[1], "scale") == 0 && atoi(argv[3]) > 0 &&
	    atof(argv[4]) > 0 && atoi(argv[5]) > 0)
		return cmd_scale(argv[2], atoi(argv[3]), atof(argv[4]), atoi(argv[5]), argv + 6,
				 argc - 6);
	if (argc >= 5 && strcmp(argv[1], "park") == 0 && atoi(argv[2]) > 0)
		return cmd_park(atoi(argv[2]), argv[3], argv + 4, argc - 4);
	fprintf(stderr, "usage: readbench cycles FILE READERS SECONDS CG... (env READBENCH_AT)\n"
			"       readbench now\n"
			"       readbench scale FILE LANES SECONDS BURST CG...\n"
			"       readbench park THREADS FILE CG...\n");
	return 2;
}
