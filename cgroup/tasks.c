/* Counting a cgroup subtree's threads by scheduler state (for loadavg and procs_running). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/parse.h"

int cg_parse_stat_state(const char *text, char *ret_state, unsigned long long *ret_start)
{
	const char *p = strrchr(text, ')');
	uint64_t v;

	/* "pid (comm) S ...": the command may hold spaces and ')', so parse after the last ')'.
	 * The state is field 3, the start time field 22. */
	if (!p || p[1] != ' ' || !p[2] || p[2] == ' ' || (p[3] != ' ' && p[3] != '\0'))
		return -EINVAL;
	*ret_state = p[2];
	p += 3;
	for (int field = 4; field <= 22; field++) {
		if (*p != ' ')
			return -EINVAL;
		p++;
		if (field < 22)
			p += strcspn(p, " \n");
	}
	if (parse_u64_n(p, strcspn(p, " \n"), &v) < 0)
		return -EINVAL;
	*ret_start = v;
	return 0;
}

struct walk {
	int procfd;
	const char *file;   /* v1 "tasks", v2 "cgroup.threads" */
	const char *failed; /* where a directory failed: file, or NULL for the directory */
	unsigned dirs;
	struct strbuf sb, stat;
	struct cg_tasks t;
};

static void count_thread(struct walk *w, pid_t tid)
{
	char p[32];
	char state;
	unsigned long long start;

	snprintf(p, sizeof(p), "%d/stat", (int)tid);
	if (read_file_at(w->procfd, p, &w->stat) < 0 || !w->stat.buf ||
	    cg_parse_stat_state(w->stat.buf, &state, &start) < 0)
		return; /* exited meanwhile */
	w->t.total++;
	if (state == 'R')
		w->t.running++;
	else if (state == 'D')
		w->t.blocked++;
	/* The newest by start time: after the pid counter wraps (pid_max), a higher TID may
	 * be older. Threads started in the same tick: the higher TID. */
	if (w->t.newest == 0 || start > w->t.newest_start ||
	    (start == w->t.newest_start && tid > w->t.newest)) {
		w->t.newest = tid;
		w->t.newest_start = start;
	}
	if (start < w->t.oldest_start)
		w->t.oldest_start = start;
}

/* Takes ownership of dirfd. */
static int walk_dir(struct walk *w, int dirfd, bool top)
{
	DIR *d;
	struct dirent *de;
	int r;

	if (++w->dirs > CG_TASKS_MAX_DIRS) {
		close(dirfd);
		return 0;
	}
	r = read_file_at(dirfd, w->file, &w->sb);
	if (r < 0) {
		close(dirfd);
		w->failed = w->file;
		/* A child cgroup removed meanwhile is not an error; the container's own is. */
		return top || r != -ENOENT ? r : 0;
	}
	for (const char *line = w->sb.buf ? w->sb.buf : ""; *line;) {
		size_t len = strcspn(line, "\n");
		uint64_t tid;

		if (parse_u64_n(line, len, &tid) == 0 && tid > 0 && tid <= INT_MAX)
			count_thread(w, (pid_t)tid);
		line += len;
		if (*line)
			line++;
	}
	d = fdopendir(dirfd);
	if (!d) {
		r = -errno;
		close(dirfd);
		w->failed = NULL;
		return r;
	}
	while ((de = readdir(d))) {
		int fd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		walk_dir(w, fd, false);
	}
	closedir(d);
	return 0;
}

int cg_tasks_count(const struct cg_hier *h, const char *path, int procfd, struct cg_tasks *ret,
		   struct cg_error *err)
{
	struct walk w = {.procfd = procfd, .file = h->version == CG_V2 ? "cgroup.threads" : "tasks"};
	const char *rel = path;
	int fd, r;

	while (*rel == '/')
		rel++;
	fd = openat(h->rootfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		cg_error_set(err, h, path, NULL, r);
		return r;
	}
	w.t.oldest_start = ~0ULL;
	r = walk_dir(&w, fd, true);
	sb_release(&w.sb);
	sb_release(&w.stat);
	if (r < 0) {
		/* Only the top directory's failures end the walk: w.failed is its. */
		cg_error_set(err, h, path, w.failed, r);
		return r;
	}
	if (w.t.total == 0)
		w.t.oldest_start = 0;
	*ret = w.t;
	return 0;
}
