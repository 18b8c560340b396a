/* readbench FILE READERS SECONDS: open -> read to EOF -> close cycles per second with READERS
 * concurrent threads. Prints "<cycles/s> <errors>". Every read result is checked for size. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static const char *path;
static atomic_bool stop;

struct counts {
	unsigned long long cycles, errors;
};

static void *reader(void *p)
{
	struct counts *c = p;
	char buf[65536];

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n, total = 0;

		if (fd < 0) {
			c->errors++;
			continue;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			total += n;
		close(fd);
		if (n < 0 || total == 0)
			c->errors++;
		else
			c->cycles++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1, dur;
	pthread_t *t;
	struct counts *c;
	unsigned long long cycles = 0, errors = 0;
	int n;
	double secs;

	if (argc != 4 || (n = atoi(argv[2])) < 1 || n > 1024 || atof(argv[3]) <= 0) {
		fprintf(stderr, "usage: readbench FILE READERS SECONDS\n");
		return 2;
	}
	path = argv[1];
	secs = atof(argv[3]);
	t = calloc((size_t)n, sizeof(*t));
	c = calloc((size_t)n, sizeof(*c));
	if (!t || !c)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, reader, &c[i]);
	dur.tv_sec = (time_t)secs;
	dur.tv_nsec = (long)((secs - (double)dur.tv_sec) * 1e9);
	nanosleep(&dur, NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		cycles += c[i].cycles;
		errors += c[i].errors;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f %llu\n", (double)cycles / secs, errors);
	free(t);
	free(c);
	return errors ? 1 : 0;
}
