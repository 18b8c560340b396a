/* Integration test harness: scripts run in containers (harness.h): a fresh pid+mount
 * namespace in a test cgroup with the served files bind-mounted, one or several at once. */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(const char *dir, const char *const argv[], char *out, size_t outsz)
{
	int pfd[2], status;
	size_t used = 0;
	pid_t pid;

	cr_assert_eq(pipe(pfd), 0);
	pid = fork_child();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (dir && cg_join(dir) != 0) {
			perror("joining cgroup");
			_exit(126);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t n = read(pfd[0], out + used, outsz - 1 - used);

		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == outsz - 1)
			break;
	}
	out[used] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *const served_files[] = {
	"proc/meminfo", "proc/cpuinfo", "proc/stat", "proc/uptime", "proc/loadavg", "proc/swaps",
	"sys/devices/system/cpu", "proc/vmstat", "proc/diskstats", NULL,
};

const char *const pressure_files[] = {
	"proc/pressure/cpu", "proc/pressure/memory", "proc/pressure/io", NULL,
};

int run_in_container(const struct daemon *d, const char *dir, const char *script, char *out,
		     size_t outsz)
{
	char full[16384];
	const char *argv[] = {"unshare", "--pid", "--fork", "--mount", "--propagation", "private",
			      "--mount-proc", "sh", "-c", full, NULL};
	size_t used = 0;

	/* What a runtime does: every served file bind-mounted over the container's own (mount
	 * --bind, not runc: it would refuse /proc/vmstat and /proc/pressure). */
	for (size_t i = 0; served_files[i]; i++)
		used += (size_t)snprintf(full + used, sizeof(full) - used,
					 "mount --bind '%s/%s' /%s || exit 99\n", d->mnt,
					 served_files[i], served_files[i]);
	for (size_t i = 0; pressure_served() && pressure_files[i]; i++)
		used += (size_t)snprintf(full + used, sizeof(full) - used,
					 "mount --bind '%s/%s' /%s || exit 99\n", d->mnt,
					 pressure_files[i], pressure_files[i]);
	/* The block tree: each device's stat file, as the hook mounts them. */
	used += (size_t)snprintf(full + used, sizeof(full) - used,
				 "for b in /sys/class/block/*; do\n"
				 "  s='%s/sys/class/block/'${b##*/}/stat\n"
				 "  [ -e \"$b/stat\" ] || continue\n"
				 "  [ -e \"$s\" ] || { echo \"vprocfs lists no $s\" >&2; exit 99; }\n"
				 "  mount --bind \"$s\" \"$b/stat\" || exit 99\n"
				 "done\n",
				 d->mnt);
	snprintf(full + used, sizeof(full) - used, "%s", script);
	return run(dir, argv, out, outsz);
}

void run_in_containers(const struct daemon *d, size_t n, const char *const *dir,
		       const char *const *script, char *const *out, size_t outsz, int *ret)
{
	int pfd[8][2];
	pid_t kid[8];

	cr_assert(n <= 8 && outsz > 16);
	for (size_t k = 0; k < n; k++) {
		cr_assert_eq(pipe(pfd[k]), 0);
		kid[k] = fork_child();
		cr_assert_geq(kid[k], 0);
		if (kid[k] == 0) {
			int r = run_in_container(d, dir[k], script[k], out[k], outsz);

			dprintf(pfd[k][1], "%d\n%s", r, out[k]);
			_exit(0);
		}
		close(pfd[k][1]);
	}
	for (size_t k = 0; k < n; k++) {
		size_t used = 0;
		ssize_t got;
		char *nl;

		while (used < outsz - 1 &&
		       (got = read(pfd[k][0], out[k] + used, outsz - 1 - used)) > 0)
			used += (size_t)got;
		out[k][used] = '\0';
		close(pfd[k][0]);
		waitpid(kid[k], NULL, 0);
		nl = strchr(out[k], '\n');
		cr_assert_not_null(nl, "container %zu said nothing", k);
		ret[k] = atoi(out[k]);
		memmove(out[k], nl + 1, strlen(nl + 1) + 1);
	}
}

void assert_clean_reads(const char *out, int ret, unsigned long want_reads)
{
	unsigned long reads = 0, empty = 1, foreign = 1;
	const char *p = strstr(out, "reads=");

	cr_assert_eq(ret, 0, "%s", out);
	cr_assert_not_null(p, "%s", out);
	cr_assert_eq(sscanf(p, "reads=%lu empty=%lu foreign=%lu", &reads, &empty, &foreign), 3,
		     "%s", out);
	cr_assert_eq(reads, want_reads, "%s", out);
	cr_assert_eq(empty, 0, "empty reads:\n%s", out);
	cr_assert_eq(foreign, 0, "other content:\n%s", out);
}

int run_in_cgroup(const char *dir, const char *script, char *out, size_t outsz)
{
	const char *argv[] = {"sh", "-c", script, NULL};

	return run(dir, argv, out, outsz);
}

