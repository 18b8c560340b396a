/* rendercost SECONDS CG FILE...: what one rendering costs, measured on the core itself (no
 * FUSE). Joins container CG (comma-separated cgroup directories, one per hierarchy on v1),
 * takes its own view as the daemon would for a reader in that container (vp_view_of), then
 * for each FILE (a name under proc/, or a served path) renders it for
 * that view as often as it can for SECONDS and prints
 *     FILE <µs of CPU per rendering> <µs of wall time per rendering> <bytes>
 * and last
 *     view_of <µs of CPU per call> (what a READLINK of MOUNTPOINT/proc costs the daemon:
 *     whose view the caller is in, vp_view_of + vp_view_format)
 * Single-threaded; CPU time is this thread's (CLOCK_THREAD_CPUTIME_ID).
 *
 * Not built by the Makefile (the .c files at the top of bench/ are stand-alone programs;
 * this one links the core's objects): bench/run.sh builds it against BUILD/obj. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
	vp_core_free(core);
	return 0;
}
