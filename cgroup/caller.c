/* Caller -> container cgroup, with a per-pid-namespace cache of init processes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/caller.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/parse.h"

#define NSCACHE_MAX CG_NSCACHE_FDS

struct ns_entry {
	dev_t dev;
	ino_t ino;
	pid_t init; /* init's pid in the daemon's pid namespace */
	int pidfd;  /* pidfd of init: readable once init has exited; -1 without pidfd support */
	unsigned long long start; /* init's start time (and its identity without pidfds) */
	unsigned level; /* nesting depth of the namespace */
	unsigned long long used; /* last use, for eviction */
};

struct cg_nscache {
	pthread_mutex_t lock;
	int procfd; /* the daemon's /proc */
	dev_t self_dev;
	ino_t self_ino;
	struct ns_entry *v;
	size_t n, cap;
	unsigned long long clock;
	bool no_pidfd;
};

static int parse_pid_field(const char *p, size_t n, pid_t *ret)
{
	uint64_t v;

	if (parse_u64_n(p, n, &v) < 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

int cg_parse_status(const char *text, pid_t *ret_ppid, pid_t *ret_nspid_inner)
{
	const char *line = text;
	pid_t ppid = -1, inner = -1;

	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		if (len > 5 && memcmp(line, "PPid:", 5) == 0) {
			const char *p = line + 5;

			while (p < line + len && (*p == '\t' || *p == ' '))
				p++;
			if (parse_pid_field(p, (size_t)(line + len - p), &ppid) < 0)
				return -EINVAL;
		} else if (len > 6 && memcmp(line, "NSpid:", 6) == 0) {
			/* "NSpid:\t<outer>\t...\t<inner>": the last field is the innermost. */
			const char *end = line + len, *p = end;

			while (p > line + 6 && (p[-1] == '\t' || p[-1] == ' '))
				p--, end--;
			while (p > line + 6 && p[-1] != '\t' && p[-1] != ' ')
				p--;
			/* A pid is never 0 (PPid is, for init). */
			if (parse_pid_field(p, (size_t)(end - p), &inner) < 0 || inner == 0)
				return -EINVAL;
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	if (ppid < 0 || inner < 0)
		return -EINVAL;
	*ret_ppid = ppid;
	*ret_nspid_inner = inner;
	return 0;
}

/* ENOENT/ESRCH on /proc/PID/... means the process has gone. */
static int proc_errno(int r)
{
	return r == -ENOENT || r == -ESRCH ? -ESRCH : r;
}

static int pid_ns(struct cg_nscache *c, pid_t pid, struct stat *ret)
{
	char p[64];

	snprintf(p, sizeof(p), "%d/ns/pid", (int)pid);
	if (fstatat(c->procfd, p, ret, 0) < 0)
		return proc_errno(-errno);
	return 0;
}

static int pid_read(struct cg_nscache *c, pid_t pid, const char *file, struct strbuf *sb)
{
	char p[64];

	snprintf(p, sizeof(p), "%d/%s", (int)pid, file);
	return proc_errno(read_file_at(c->procfd, p, sb));
}

int cg_nscache_new(const char *procfs, struct cg_nscache **ret)
{
	struct cg_nscache *c = calloc(1, sizeof(*c));
	struct stat st;

	if (!c)
		return -ENOMEM;
	c->procfd = open(procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->procfd < 0 || fstatat(c->procfd, "self/ns/pid", &st, 0) < 0) {
		int r = -errno;

		if (c->procfd >= 0)
			close(c->procfd);
		free(c);
		return r;
	}
	c->self_dev = st.st_dev;
	c->self_ino = st.st_ino;
	pthread_mutex_init(&c->lock, NULL);
	*ret = c;
	return 0;
}

void cg_nscache_free(struct cg_nscache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].pidfd >= 0)
			close(c->v[i].pidfd);
	free(c->v);
	close(c->procfd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void cg_nscache_disable_pidfd(struct cg_nscache *c)
{
	c->no_pidfd = true;
}

size_t cg_nscache_size(struct cg_nscache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}

int cg_parse_stat_starttime(const char *text, unsigned long long *ret)
{
	char state;

	return cg_parse_stat_state(text, &state, ret);
}

static int pid_starttime(struct cg_nscache *c, pid_t pid, unsigned long long *ret)
{
	struct strbuf sb = STRBUF_INIT;
	int r = pid_read(c, pid, "stat", &sb);

	if (r >= 0)
		r = cg_parse_stat_starttime(sb.buf, ret);
	sb_release(&sb);
	return r;
}

/* Whether the entry's init is still the same live process: its pidfd has not signalled exit,
 * or (without pidfds, e.g. kernels before 5.3 or valgrind) a process with its pid and start
 * time exists. */
static bool entry_alive(struct cg_nscache *c, const struct ns_entry *e)
{
	struct pollfd p = {.fd = e->pidfd, .events = POLLIN};
	unsigned long long start;

	if (e->pidfd >= 0)
		return poll(&p, 1, 0) == 0;
	return pid_starttime(c, e->init, &start) == 0 && start == e->start;
}

static void entry_drop(struct cg_nscache *c, size_t i)
{
	if (c->v[i].pidfd >= 0)
		close(c->v[i].pidfd);
	c->v[i] = c->v[--c->n];
}

/* Under lock: the live init of namespace (dev, ino), or 0. Dead entries are dropped. */
static pid_t cache_get(struct cg_nscache *c, dev_t dev, ino_t ino, struct ns_entry *ret)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].ino != ino || c->v[i].dev != dev)
			continue;
		if (!entry_alive(c, &c->v[i])) {
			entry_drop(c, i);
			return 0;
		}
		c->v[i].used = ++c->clock;
		if (ret)
			*ret = c->v[i];
		return c->v[i].init;
	}
	return 0;
}

/* Under lock: takes ownership of pidfd. */
static int cache_put(struct cg_nscache *c, dev_t dev, ino_t ino, pid_t init, int pidfd,
		     unsigned long long start, unsigned level)
{
	if (c->n == c->cap) {
		size_t victim = 0;

		for (size_t i = c->n; i-- > 0;)
			if (!entry_alive(c, &c->v[i]))
				entry_drop(c, i);
		if (c->n == c->cap && c->cap >= NSCACHE_MAX) {
			for (size_t i = 1; i < c->n; i++)
				if (c->v[i].used < c->v[victim].used)
					victim = i;
			entry_drop(c, victim);
		}
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16;
			struct ns_entry *v = realloc(c->v, cap * sizeof(*v));

			if (!v) {
				if (pidfd >= 0)
					close(pidfd);
				return -ENOMEM;
			}
			c->v = v;
			c->cap = cap;
		}
	}
	c->v[c->n++] = (struct ns_entry){dev, ino, init, pidfd, start, level, ++c->clock};
	return 0;
}

/* Whether pid is the init (innermost pid 1) of namespace (dev, ino). */
static int is_init_of(struct cg_nscache *c, pid_t pid, dev_t dev, ino_t ino, struct strbuf *sb,
		      pid_t *ret_ppid)
{
	struct stat st;
	pid_t ppid, inner;
	int r;

	r = pid_ns(c, pid, &st);
	if (r < 0)
		return r;
	r = pid_read(c, pid, "status", sb);
	if (r < 0)
		return r;
	r = cg_parse_status(sb->buf, &ppid, &inner);
	if (r < 0)
		return r;
	if (ret_ppid)
		*ret_ppid = st.st_dev == dev && st.st_ino == ino ? ppid : 0;
	return st.st_dev == dev && st.st_ino == ino && inner == 1;
}

/* Find init of (dev, ino) starting from a member `pid`: up the parent chain while it stays
 * in the namespace (the common case), else a scan of /proc (a process that entered the
 * namespace with setns, e.g. `docker exec`, has its parent outside). */
static int find_init(struct cg_nscache *c, pid_t pid, dev_t dev, ino_t ino, pid_t *ret)
{
	struct strbuf sb = STRBUF_INIT;
	_cleanup_close_ int dfd = -1;
	DIR *d;
	struct dirent *de;
	int r = 0;

	for (pid_t p = pid; p > 0;) {
		pid_t ppid;

		r = is_init_of(c, p, dev, ino, &sb, &ppid);
		if (r > 0) {
			*ret = p;
			goto out;
		}
		if (r < 0 && p == pid)
			goto out;
		if (r < 0)
			break;
		p = ppid;
	}

	dfd = openat(c->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		r = -errno;
		goto out;
	}
	d = fdopendir(dfd);
	if (!d) {
		r = -errno;
		goto out;
	}
	dfd = -1;
	r = -ESRCH;
	while ((de = readdir(d))) {
		pid_t cand;

		if (parse_pid_field(de->d_name, strlen(de->d_name), &cand) < 0)
			continue;
		if (is_init_of(c, cand, dev, ino, &sb, NULL) > 0) {
			*ret = cand;
			r = 1;
			break;
		}
	}
	closedir(d);
out:
	sb_release(&sb);
	return r < 0 ? r : 0;
}

int cg_parse_nspid(const char *text, pid_t *v, size_t max, size_t *ret_n)
{
	size_t len, n = 0;
	const char *p = find_line(text, "NSpid:", &len), *end;

	if (!p)
		return -EINVAL;
	for (end = p + len;;) {
		size_t f;

		while (p < end && (*p == '\t' || *p == ' '))
			p++;
		if (p == end)
			break;
		f = strcspn(p, "\t \n");
		if (n == max)
			return -E2BIG;
		if (parse_pid_field(p, f, &v[n]) < 0 || v[n] == 0)
			return -EINVAL;
		n++;
		p += f;
	}
	if (n == 0)
		return -EINVAL;
	*ret_n = n;
	return 0;
}

/* Namespace depth of a process from its status text (NSpid has one field per level). */
static int status_level(const char *text, unsigned *ret)
{
	pid_t v[64];
	size_t n;
	int r = cg_parse_nspid(text, v, VP_ARRAY_SIZE(v), &n);

	if (r < 0)
		return r;
	*ret = (unsigned)(n - 1);
	return 0;
}

static int init_of_ns(struct cg_nscache *c, pid_t member, dev_t dev, ino_t ino,
		      struct ns_entry *ret)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long start = 0;
	unsigned level = 0;
	pid_t init;
	int pidfd, r;

	pthread_mutex_lock(&c->lock);
	init = cache_get(c, dev, ino, ret);
	pthread_mutex_unlock(&c->lock);
	if (init > 0)
		return 0;

	r = find_init(c, member, dev, ino, &init);
	if (r < 0)
		return r;
	if (c->no_pidfd) {
		pidfd = -1;
		errno = ENOSYS;
	} else {
		pidfd = (int)syscall(SYS_pidfd_open, init, 0);
	}
	if (pidfd < 0 && errno != ENOSYS)
		return proc_errno(-errno);
	/* The start time read before the re-check below identifies init without pidfds, and
	 * is the container's start for uptime. */
	r = pid_starttime(c, init, &start);
	if (r < 0) {
		if (pidfd >= 0)
			close(pidfd);
		return r;
	}
	/* The pid may have been recycled between the scan and pidfd_open(): check again now
	 * that the pidfd (or the start time) pins the process. */
	r = is_init_of(c, init, dev, ino, &sb, NULL);
	if (r > 0 && status_level(sb.buf, &level) < 0)
		r = -EINVAL;
	sb_release(&sb);
	if (r <= 0) {
		if (pidfd >= 0)
			close(pidfd);
		return r < 0 ? r : -ESRCH;
	}
	pthread_mutex_lock(&c->lock);
	if (cache_get(c, dev, ino, NULL) == 0)
		r = cache_put(c, dev, ino, init, pidfd, start, level);
	else if (pidfd >= 0)
		close(pidfd);
	if (r >= 0 && cache_get(c, dev, ino, ret) == 0)
		r = -ESRCH;
	pthread_mutex_unlock(&c->lock);
	return r < 0 ? r : 0;
}

/* Whether init of (dev, ino) is still the cached, live one: confirms a read made in between. */
static bool init_still(struct cg_nscache *c, dev_t dev, ino_t ino, pid_t init)
{
	pid_t now;

	pthread_mutex_lock(&c->lock);
	now = cache_get(c, dev, ino, NULL);
	pthread_mutex_unlock(&c->lock);
	return now == init;
}

void cg_caller_done(struct cg_caller *caller)
{
	for (int i = 0; i < CG_NCONTROLLERS; i++)
		free(caller->path[i]);
	*caller = (struct cg_caller){0};
}

/* Where a resolve reads the caller's files: through a directory fd of /proc/TID, which names
 * that one process (a lookup under it fails once the process has gone, whoever gets its pid
 * next), or by path. */
struct who {
	int at;
	char prefix[16]; /* "" or "TID/" */
};

static int who_stat_ns(const struct who *w, struct stat *ret)
{
	char p[32];

	snprintf(p, sizeof(p), "%sns/pid", w->prefix);
	return fstatat(w->at, p, ret, 0) < 0 ? proc_errno(-errno) : 0;
}

/* The cgroup file of w, read (and kept open in *ret_fd where ret_fd is not NULL). */
static int who_read_cgroup(const struct who *w, struct strbuf *sb, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	char p[32];
	int r;

	snprintf(p, sizeof(p), "%scgroup", w->prefix);
	fd = openat(w->at, p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return proc_errno(-errno);
	r = proc_errno(read_fd_all(fd, sb));
	if (r >= 0 && ret_fd)
		*ret_fd = TAKE_FD(fd);
	return r;
}

/* A text kept in a pin, or -E2BIG. */
static int pin_text(const struct strbuf *sb, char **ret, size_t *ret_len)
{
	size_t len = sb->buf ? sb->len : 0;

	if (len > CG_PIN_TEXT_MAX)
		return -E2BIG;
	*ret = malloc(len + 1);
	if (!*ret)
		return -ENOMEM;
	memcpy(*ret, sb->buf ? sb->buf : "", len + 1);
	*ret_len = len;
	return 0;
}

void cg_pin_done(struct cg_pin *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->init_fd >= 0)
		close(p->init_fd);
	free(p->text);
	free(p->init_text);
	*p = (struct cg_pin)CG_PIN_INIT;
}

/* Whether fd reads text[0..len) now: 1 yes, 0 no (a longer read says so), -errno. */
static int pin_reads(int fd, const char *text, size_t len)
{
	char buf[CG_PIN_TEXT_MAX + 1];
	ssize_t n;

	do
		n = pread(fd, buf, len + 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return proc_errno(-errno);
	return (size_t)n == len && memcmp(buf, text, len) == 0;
}

int cg_pin_same(const struct cg_pin *p)
{
	int r;

	if (p->fd < 0)
		return 0;
	r = pin_reads(p->fd, p->text, p->len);
	if (r > 0 && p->init_fd >= 0)
		r = pin_reads(p->init_fd, p->init_text, p->init_len);
	return r;
}

/* Per controller k of hiers[0..n) in mask (bit k): the caller's path g, init's path i (if
 * any), the pick. With pin: the files it was made from are kept open there (left empty where
 * that fails: out of fds, a text past CG_PIN_TEXT_MAX). */
static int resolve(struct cg_nscache *c, const struct cg_hier *const *hiers,
		   const char *const *names, size_t n, unsigned mask, pid_t tid,
		   struct cg_caller *ret, struct cg_pin *pin)
{
	struct strbuf sb = STRBUF_INIT;
	char *g[CG_NCONTROLLERS] = {NULL};
	struct cg_caller out = {0};
	struct cg_pin kept = CG_PIN_INIT;
	struct ns_entry e = {0};
	_cleanup_close_ int dfd = -1;
	struct who w = {c->procfd, ""};
	struct stat ns;
	bool any = false;
	int r;

	if (tid <= 0)
		return -ESRCH;
	snprintf(w.prefix, sizeof(w.prefix), "%d/", (int)tid);
	if (pin) {
		/* Every read below through this one process: the texts kept are its own. */
		dfd = openat(c->procfd, w.prefix, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 && (errno == ENOENT || errno == ESRCH))
			return -ESRCH;
		if (dfd >= 0) {
			w.at = dfd;
			w.prefix[0] = '\0';
		}
	}
	r = who_stat_ns(&w, &ns);
	if (r >= 0)
		r = who_read_cgroup(&w, &sb, dfd >= 0 ? &kept.fd : NULL);
	if (r >= 0 && kept.fd >= 0 && pin_text(&sb, &kept.text, &kept.len) < 0)
		cg_pin_done(&kept);
	for (size_t k = 0; k < n && r >= 0; k++) {
		if (hiers[k]->version == CG_NONE || !(mask & (1u << k)))
			continue;
		r = cg_proc_cgroup_path(sb.buf ? sb.buf : "", hiers[k]->version, names[k], &g[k]);
		any = true;
	}
	if (r < 0)
		goto out;
	out.host_ns = ns.st_dev == c->self_dev && ns.st_ino == c->self_ino;
	if (!out.host_ns) {
		struct who iw = {c->procfd, ""};

		r = init_of_ns(c, tid, ns.st_dev, ns.st_ino, &e);
		snprintf(iw.prefix, sizeof(iw.prefix), "%d/", (int)e.init);
		/* Kept even when no controller was asked for: the pin then still fails once init
		 * has gone. init_still() below confirms that the file opened is init's. */
		if (r >= 0 && (any || kept.fd >= 0))
			r = who_read_cgroup(&iw, &sb, kept.fd >= 0 ? &kept.init_fd : NULL);
		if (r >= 0 && kept.init_fd >= 0 &&
		    pin_text(&sb, &kept.init_text, &kept.init_len) < 0)
			cg_pin_done(&kept);
		out.init = e.init;
		out.init_start = e.start;
		out.ns_level = e.level;
	}
	for (size_t k = 0; k < n && r >= 0; k++) {
		_cleanup_free_ char *i = NULL;

		if (!g[k])
			continue;
		if (!out.host_ns)
			r = cg_proc_cgroup_path(sb.buf ? sb.buf : "", hiers[k]->version, names[k], &i);
		if (r >= 0)
			r = cg_pick_container(g[k], i, &out.path[k]);
	}
	if (r >= 0 && !out.host_ns && !init_still(c, ns.st_dev, ns.st_ino, e.init))
		r = -ESRCH;
out:
	sb_release(&sb);
	for (size_t k = 0; k < n; k++)
		free(g[k]);
	if (r < 0) {
		cg_pin_done(&kept);
		cg_caller_done(&out);
		return r;
	}
	if (pin)
		*pin = kept;
	*ret = out;
	return 0;
}

int cg_caller_resolve(struct cg_nscache *c, const struct cg_layout *l, pid_t tid, unsigned mask,
		      struct cg_caller *ret)
{
	return cg_caller_resolve_pin(c, l, tid, mask, ret, NULL);
}

int cg_caller_resolve_pin(struct cg_nscache *c, const struct cg_layout *l, pid_t tid,
			  unsigned mask, struct cg_caller *ret, struct cg_pin *ret_pin)
{
	const struct cg_hier *hiers[CG_NCONTROLLERS];
	const char *names[CG_NCONTROLLERS];

	for (int k = 0; k < CG_NCONTROLLERS; k++) {
		hiers[k] = &l->h[k];
		names[k] = cg_controller_name(k);
	}
	return resolve(c, hiers, names, CG_NCONTROLLERS, mask, tid, ret, ret_pin);
}

int cg_caller_container(struct cg_nscache *c, const struct cg_hier *h, const char *controller,
			pid_t tid, char **ret_path)
{
	struct cg_caller caller;
	int r = resolve(c, &h, &controller, 1, 1u, tid, &caller, NULL);

	if (r < 0)
		return r;
	if (!caller.path[0]) {
		cg_caller_done(&caller);
		return -ENODEV;
	}
	*ret_path = caller.path[0];
	caller.path[0] = NULL;
	cg_caller_done(&caller);
	return 0;
}
