/* sysinfo-probe [N]: what a container's sysinfo(2) and getloadavg(3) say, as key=value lines;
 * with N, calls sysinfo N times and prints "calls=N ok=K failed=F" (failures' errno too).
 * sysinfo-probe remap N: N calls into a page that another thread keeps unmapping and mapping
 * again, read-only or writable: each call must either fill it with the same figures or fail
 * with EFAULT; prints "calls=N ok=K efault=E other=O wrong=W".
 * Static, so that it runs in a busybox rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysinfo.h>

static char *page;
static atomic_bool stop;

static void *remapper(void *arg)
{
	(void)arg;
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		munmap(page, 4096);
		/* Unmapped for a moment, then read-only or writable. */
		if (mmap(page, 4096, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			abort();
	}
	return NULL;
}

static int remap(long n)
{
	struct sysinfo ref;
	long ok = 0, efault = 0, other = 0, wrong = 0;
	pthread_t t;

	if (sysinfo(&ref) != 0)
		return 2;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || pthread_create(&t, NULL, remapper, NULL) != 0)
		return 2;
	for (long i = 0; i < n; i++) {
		struct sysinfo *si = (struct sysinfo *)page;

		if (syscall(SYS_sysinfo, si) == 0) {
			struct sysinfo copy;

			/* The page may be gone again by now: copy what is there, if anything. */
			struct iovec l = {&copy, sizeof(copy)}, r = {page, sizeof(copy)};

			ok++;
			/* Read back without faulting (the page may be gone or new and empty). */
			if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) == (ssize_t)sizeof(copy) &&
			    copy.totalram != 0 &&
			    copy.totalram * copy.mem_unit != ref.totalram * ref.mem_unit)
				wrong++;
		} else if (errno == EFAULT) {
			efault++;
		} else {
			other++;
		}
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("calls=%ld ok=%ld efault=%ld other=%ld wrong=%ld\n", n, ok, efault, other, wrong);
	return other || wrong ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sysinfo si;
	double la[3] = {-1, -1, -1};

	if (argc > 2 && strcmp(argv[1], "remap") == 0)
		return remap(strtol(argv[2], NULL, 10));

	if (argc > 1) {
		long n = strtol(argv[1], NULL, 10), ok = 0, failed = 0;
		unsigned long long first = 0;
		int err = 0;

		for (long i = 0; i < n; i++) {
			if (sysinfo(&si) == 0) {
				unsigned long long t = (unsigned long long)si.totalram * si.mem_unit;

				if (!first)
					first = t;
				if (t == first)
					ok++;
				else
					failed++;
			} else {
				failed++;
				err = errno;
			}
		}
		printf("calls=%ld ok=%ld failed=%ld errno=%d total_kb=%llu\n", n, ok, failed, err,
		       first / 1024);
		return failed ? 1 : 0;
	}
	if (sysinfo(&si) != 0) {
		printf("sysinfo failed: %s\n", strerror(errno));
		return 1;
	}
	if (getloadavg(la, 3) != 3)
		printf("getloadavg failed\n");
	printf("totalram_kb=%llu\nfreeram_kb=%llu\nsharedram_kb=%llu\nbufferram_kb=%llu\n"
	       "totalswap_kb=%llu\nfreeswap_kb=%llu\nuptime=%ld\nprocs=%u\nmem_unit=%u\n"
	       "loads=%.2f %.2f %.2f\ngetloadavg=%.2f %.2f %.2f\n",
	       (unsigned long long)si.totalram * si.mem_unit / 1024,
	       (unsigned long long)si.freeram * si.mem_unit / 1024,
	       (unsigned long long)si.sharedram * si.mem_unit / 1024,
	       (unsigned long long)si.bufferram * si.mem_unit / 1024,
	       (unsigned long long)si.totalswap * si.mem_unit / 1024,
	       (unsigned long long)si.freeswap * si.mem_unit / 1024, si.uptime,
	       (unsigned)si.procs, si.mem_unit, si.loads[0] / 65536.0, si.loads[1] / 65536.0,
	       si.loads[2] / 65536.0, la[0], la[1], la[2]);
	return 0;
}
