/* The seccomp agent (see agent.h). One thread, one epoll set: the listening socket, runtimes'
 * connections while they send a container's fd, and every container's notify fd. Level
 * triggered, one notification per ready fd per round: a container that floods sysinfo gets
 * its turn like every other, never all of them. */
#include "seccomp/agent.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "seccomp/state.h"

#define X32_BIT 0x40000000u
#define NR_SYSINFO_I386 116
#define CONN_MAX 64             /* runtimes sending at once */
#define CONN_BUF_MAX (1u << 20) /* a state larger than this is refused */
#define CONN_TIMEOUT_MS 5000
#define CONN_FDS_MAX 16

enum kind { K_WAKE, K_LISTEN, K_CONN, K_NOTIFY };

struct entry {
	enum kind kind;
	int fd;
	char name[48];   /* K_NOTIFY, K_LISTEN: the name in the fd store */
	/* K_CONN */
	char *buf;
	size_t len;
	int fds[CONN_FDS_MAX];
	int nfds;
	uint64_t deadline_ms;
	struct entry *next;
};

/* The notification being answered, in a memfd kept in the store: a daemon killed between
 * SECCOMP_IOCTL_NOTIF_RECV and _SEND leaves its caller waiting for an answer that the kernel
 * never offers again (RECV returns only new notifications), so the next daemon answers it
 * from here. */
struct journal {
	uint32_t magic;
	uint32_t busy;      /* 1 while a notification is between RECV and SEND */
	uint64_t id;
	uint32_t pid;
	uint32_t arch;
	int32_t nr;
	uint32_t pad;
	uint64_t arg0;
	char name[48];      /* the notify fd's name in the store */
};
#define JOURNAL_MAGIC 0x7670736a /* "vpsj" */

struct sc_agent {
	struct sc_agent_config cfg;
	int journal_fd;
	struct journal *journal;
	int epfd, wakefd;
	struct entry wake;
	struct entry *listen; /* adopted or created; NULL before start */
	struct entry *entries; /* every K_CONN and K_NOTIFY */
	size_t nconns;
	pthread_t thread;
	bool running;
	pthread_mutex_t lock; /* stats */
	struct sc_agent_stats stats;
	uint64_t serial;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("vprocfs: seccomp: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void count(struct sc_agent *a, unsigned long long *field)
{
	pthread_mutex_lock(&a->lock);
	(*field)++;
	pthread_mutex_unlock(&a->lock);
}

int sc_agent_new(const struct sc_agent_config *cfg, struct sc_agent **ret)
{
	struct sc_agent *a = calloc(1, sizeof(*a));
	struct epoll_event ev = {.events = EPOLLIN};

	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	a->journal_fd = -1;
	pthread_mutex_init(&a->lock, NULL);
	a->epfd = epoll_create1(EPOLL_CLOEXEC);
	a->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	a->wake.kind = K_WAKE;
	a->wake.fd = a->wakefd;
	ev.data.ptr = &a->wake;
	if (a->epfd < 0 || a->wakefd < 0 || epoll_ctl(a->epfd, EPOLL_CTL_ADD, a->wakefd, &ev) < 0) {
		int e = -errno;

		if (a->epfd >= 0)
			close(a->epfd);
		if (a->wakefd >= 0)
			close(a->wakefd);
		free(a);
		return e;
	}
	{
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		a->serial = ((uint64_t)t.tv_sec << 20) ^ (uint64_t)t.tv_nsec ^ ((uint64_t)getpid() << 40);
	}
	*ret = a;
	return 0;
}

static int watch(struct sc_agent *a, struct entry *e)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = e};

	return epoll_ctl(a->epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0 ? -errno : 0;
}

/* Whether fd is a seccomp listener ("anon_inode:seccomp notify"). */
static bool is_notify_fd(int fd)
{
	char p[64], target[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:seccomp notify") == 0;
}

static bool is_listening_unix_socket(int fd)
{
	int type = 0, listening = 0, domain = 0;
	socklen_t l = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0)
		return false;
	l = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &l) < 0)
		return false;
	l = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l) < 0)
		return false;
	return type == SOCK_STREAM && listening && domain == AF_UNIX;
}

static void drop(struct sc_agent *a, struct entry *e, bool unstore)
{
	struct entry **pp;

	for (pp = &a->entries; *pp && *pp != e; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = e->next;
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, e->fd, NULL);
	if (e->kind == K_CONN) {
		for (int i = 0; i < e->nfds; i++)
			close(e->fds[i]);
		a->nconns--;
	}
	if (unstore && e->name[0] && a->cfg.unstore)
		a->cfg.unstore(e->name);
	close(e->fd);
	free(e->buf);
	free(e);
}

static int add_notify(struct sc_agent *a, int fd, const char *name, bool store)
{
	struct entry *e = calloc(1, sizeof(*e));
	int r;

	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	e->kind = K_NOTIFY;
	e->fd = fd;
	if (name)
		snprintf(e->name, sizeof(e->name), "%s", name);
	else
		snprintf(e->name, sizeof(e->name), SC_FDNAME_PREFIX "%016llx",
			 (unsigned long long)a->serial++);
	r = watch(a, e);
	if (r < 0) {
		close(fd);
		free(e);
		return r;
	}
	e->next = a->entries;
	a->entries = e;
	/* Stored after it is watched: from here on a restart keeps it. */
	if (store && a->cfg.store && a->cfg.store(e->name, fd) < 0)
		say("could not keep %s in the fd store: a restart will break its container's "
		    "sysinfo", e->name);
	count(a, &a->stats.notify_fds);
	return 0;
}

static int map_journal(struct sc_agent *a, int fd)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != sizeof(struct journal))
		return -EINVAL;
	p = mmap(NULL, sizeof(struct journal), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (((struct journal *)p)->magic != JOURNAL_MAGIC) {
		munmap(p, sizeof(struct journal));
		return -EINVAL;
	}
	a->journal = p;
	a->journal_fd = fd;
	return 0;
}

static int make_journal(struct sc_agent *a)
{
	int fd = memfd_create("vprocfs-seccomp-journal", MFD_CLOEXEC), r;
	struct journal j = {.magic = JOURNAL_MAGIC};

	if (fd < 0)
		return -errno;
	if (pwrite(fd, &j, sizeof(j), 0) != sizeof(j) || (r = map_journal(a, fd)) < 0) {
		close(fd);
		return -EIO;
	}
	if (a->cfg.store && a->cfg.store(SC_FDNAME_JOURNAL, fd) < 0)
		say("could not keep the journal in the fd store");
	return 0;
}

int sc_agent_adopt(struct sc_agent *a, int fd, const char *name)
{
	if (strcmp(name, SC_FDNAME_JOURNAL) == 0) {
		if (a->journal || map_journal(a, fd) < 0) {
			say("inherited %s is not a journal: dropped", name);
			close(fd);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(name, SC_FDNAME_LISTEN) == 0) {
		if (a->listen || !is_listening_unix_socket(fd)) {
			say("inherited %s is not a listening unix socket: dropped", name);
			close(fd);
			return -EINVAL;
		}
		a->listen = calloc(1, sizeof(*a->listen));
		if (!a->listen) {
			close(fd);
			return -ENOMEM;
		}
		a->listen->kind = K_LISTEN;
		a->listen->fd = fd;
		snprintf(a->listen->name, sizeof(a->listen->name), "%s", name);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		return watch(a, a->listen);
	}
	if (!is_notify_fd(fd)) {
		say("inherited %s is not a seccomp listener: dropped", name);
		if (a->cfg.unstore)
			a->cfg.unstore(name);
		close(fd);
		return -EINVAL;
	}
	return add_notify(a, fd, name, false);
}

static int make_listener(struct sc_agent *a)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = a->cfg.socket_path;
	char dir[sizeof(sa.sun_path)];
	char *slash;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A live agent there keeps it; a socket file left by a daemon that was killed (nobody
	 * listens) is replaced. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	{
		mode_t old = umask(0177);

		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old);
	}
	if (r < 0 || listen(fd, 128) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	a->listen = calloc(1, sizeof(*a->listen));
	if (!a->listen) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	a->listen->kind = K_LISTEN;
	a->listen->fd = fd;
	snprintf(a->listen->name, sizeof(a->listen->name), SC_FDNAME_LISTEN);
	r = watch(a, a->listen);
	if (r == 0 && a->cfg.store && a->cfg.store(SC_FDNAME_LISTEN, fd) < 0)
		say("could not keep the listening socket in the fd store");
	return r;
}

static void accept_conns(struct sc_agent *a)
{
	for (;;) {
		int fd = accept4(a->listen->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct ucred cred;
		socklen_t l = sizeof(cred);
		struct entry *e;

		if (fd < 0)
			return;
		/* Only root may hand us a container (the socket is 0600 too). */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0 || cred.uid != 0 ||
		    a->nconns >= CONN_MAX || !(e = calloc(1, sizeof(*e)))) {
			count(a, &a->stats.rejected_conns);
			close(fd);
			continue;
		}
		e->kind = K_CONN;
		e->fd = fd;
		e->deadline_ms = now_ms() + CONN_TIMEOUT_MS;
		if (watch(a, e) < 0) {
			close(fd);
			free(e);
			continue;
		}
		e->next = a->entries;
		a->entries = e;
		a->nconns++;
	}
}

/* Read what a runtime sends; once the state parses, adopt its seccomp fd. */
static void read_conn(struct sc_agent *a, struct entry *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * CONN_FDS_MAX)];
		struct cmsghdr align;
	} u;
	char chunk[16384];
	struct iovec iov = {chunk, sizeof(chunk)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct sc_state st;
	ssize_t n = recvmsg(e->fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *fds = (int *)CMSG_DATA(c);

			for (size_t i = 0; i < k; i++) {
				if (e->nfds < CONN_FDS_MAX)
					e->fds[e->nfds++] = fds[i];
				else
					close(fds[i]);
			}
		}
	if (n > 0) {
		char *b;

		if (e->len + (size_t)n > CONN_BUF_MAX || !(b = realloc(e->buf, e->len + (size_t)n + 1))) {
			say("a runtime sent more than %u bytes: refused", CONN_BUF_MAX);
			count(a, &a->stats.rejected_conns);
			drop(a, e, false);
			return;
		}
		e->buf = b;
		memcpy(e->buf + e->len, chunk, (size_t)n);
		e->len += (size_t)n;
		e->buf[e->len] = '\0';
	}
	if (e->len && sc_parse_state(e->buf, e->len, &st) == 0) {
		if (st.seccomp_index < e->nfds && is_notify_fd(e->fds[st.seccomp_index])) {
			int fd = e->fds[st.seccomp_index];

			e->fds[st.seccomp_index] = -1;
			for (int i = st.seccomp_index; i + 1 < e->nfds; i++)
				e->fds[i] = e->fds[i + 1];
			e->nfds--;
			if (add_notify(a, fd, NULL, true) == 0)
				say("container %s (pid %d): sysinfo answered from here on", st.id,
				    st.pid);
		} else {
			say("container %s (pid %d): no seccomp listener fd among %d fds: ignored",
			    st.id, st.pid, e->nfds);
			count(a, &a->stats.rejected_conns);
		}
		drop(a, e, false);
		return;
	}
	if (n <= 0) { /* closed (or failed) before a whole state came */
		if (e->len || e->nfds) {
			say("a runtime's message is not a container process state (%zu bytes, %d "
			    "fds): ignored", e->len, e->nfds);
			count(a, &a->stats.rejected_conns);
		}
		drop(a, e, false);
	}
}

static int respond(int fd, uint64_t id, int error, uint32_t flags)
{
	struct seccomp_notif_resp resp = {.id = id, .error = error, .flags = flags};

	return ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}

static bool id_valid(int fd, uint64_t id)
{
	return ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* Write buf at addr in the caller's memory. The mem file is opened first and checked
 * against the notification after: the pid cannot have been reused while the caller still
 * waits in this call, so the file is the caller's. */
static int write_caller(int nfd, const struct seccomp_notif *n, const void *buf, size_t len)
{
	char p[48];
	int mem, r = 0;
	ssize_t w;

	if (!n->data.args[0])
		return -EFAULT;
	snprintf(p, sizeof(p), "/proc/%u/mem", n->pid);
	mem = open(p, O_WRONLY | O_CLOEXEC);
	if (mem < 0)
		return id_valid(nfd, n->id) ? -EFAULT : -ESRCH;
	if (!id_valid(nfd, n->id)) {
		close(mem);
		return -ESRCH;
	}
	w = pwrite(mem, buf, len, (off_t)n->data.args[0]);
	if (w != (ssize_t)len)
		r = -EFAULT; /* unmapped or read-only: what the kernel itself would say */
	close(mem);
	if (r == 0 && !id_valid(nfd, n->id))
		r = -ESRCH;
	return r;
}

static void journal_note(struct sc_agent *a, const struct entry *e, const struct seccomp_notif *n)
{
	struct journal *j = a->journal;

	if (!j)
		return;
	j->id = n->id;
	j->pid = n->pid;
	j->arch = n->data.arch;
	j->nr = n->data.nr;
	j->arg0 = n->data.args[0];
	snprintf(j->name, sizeof(j->name), "%s", e->name);
	__atomic_store_n(&j->busy, 1, __ATOMIC_RELEASE);
}

static void journal_done(struct sc_agent *a)
{
	if (a->journal)
		__atomic_store_n(&a->journal->busy, 0, __ATOMIC_RELEASE);
}

static void answer(struct sc_agent *a, struct entry *e, const struct seccomp_notif *np);

static void serve_one(struct sc_agent *a, struct entry *e)
{
	struct seccomp_notif n;

	memset(&n, 0, sizeof(n));
	if (ioctl(e->fd, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0)
		return; /* ENOENT: the caller went away; EINTR */
	journal_note(a, e, &n);
	answer(a, e, &n);
	journal_done(a);
}

/* A notification the previous daemon received and never answered. */
static void replay_journal(struct sc_agent *a)
{
	struct journal *j = a->journal;
	struct seccomp_notif n;

	if (!j || !__atomic_load_n(&j->busy, __ATOMIC_ACQUIRE))
		return;
	memset(&n, 0, sizeof(n));
	n.id = j->id;
	n.pid = j->pid;
	n.data.arch = j->arch;
	n.data.nr = j->nr;
	n.data.args[0] = j->arg0;
	for (struct entry *e = a->entries; e; e = e->next)
		if (e->kind == K_NOTIFY && strncmp(e->name, j->name, sizeof(j->name)) == 0 &&
		    id_valid(e->fd, n.id)) {
			say("answering a call the previous daemon left open (pid %u)", n.pid);
			answer(a, e, &n);
			break;
		}
	journal_done(a);
}

static void answer(struct sc_agent *a, struct entry *e, const struct seccomp_notif *np)
{
	struct seccomp_notif n = *np;
	unsigned char out[PV_SYSINFO64_SIZE];
	struct pv_sysinfo si;
	size_t len = 0;
	int r;

	if (n.data.arch == AUDIT_ARCH_X86_64 && (n.data.nr & ~X32_BIT) == SYS_sysinfo)
		len = PV_SYSINFO64_SIZE;
	else if (n.data.arch == AUDIT_ARCH_I386 && n.data.nr == NR_SYSINFO_I386)
		len = PV_SYSINFO32_SIZE;
	if (!len) {
		count(a, &a->stats.continued);
		respond(e->fd, n.id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return;
	}
	r = a->cfg.answer(a->cfg.ctx, (pid_t)n.pid, &si);
	if (r == 1) {
		count(a, &a->stats.continued);
		respond(e->fd, n.id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return;
	}
	if (r == 0) {
		if (len == PV_SYSINFO64_SIZE)
			pv_sysinfo_pack64(&si, out);
		else
			pv_sysinfo_pack32(&si, out);
		r = write_caller(e->fd, &n, out, len);
	}
	if (r == -ESRCH) /* nobody left to answer */
		return;
	count(a, r == 0 ? &a->stats.answered : &a->stats.failed);
	/* Never the host's figures instead: a container whose view cannot be computed gets the
	 * error (EIO for a malformed cgroup file, EFAULT for a bad pointer). */
	respond(e->fd, n.id, r, 0);
}

static void sweep_conns(struct sc_agent *a)
{
	uint64_t now = now_ms();

	for (struct entry *e = a->entries, *next; e; e = next) {
		next = e->next;
		if (e->kind == K_CONN && now > e->deadline_ms) {
			say("a runtime's connection sent no whole state in %d ms: closed",
			    CONN_TIMEOUT_MS);
			count(a, &a->stats.rejected_conns);
			drop(a, e, false);
		}
	}
}

static void *run(void *arg)
{
	struct sc_agent *a = arg;
	struct epoll_event ev[64];

	for (;;) {
		int n = epoll_wait(a->epfd, ev, 64, a->nconns ? 500 : -1);

		for (int i = 0; i < n; i++) {
			struct entry *e = ev[i].data.ptr;

			switch (e->kind) {
			case K_WAKE:
				return NULL;
			case K_LISTEN:
				accept_conns(a);
				break;
			case K_CONN:
				read_conn(a, e);
				break;
			case K_NOTIFY:
				if (ev[i].events & EPOLLIN)
					serve_one(a, e);
				else if (ev[i].events & (EPOLLHUP | EPOLLERR))
					drop(a, e, true); /* its container is gone */
				break;
			}
		}
		if (a->nconns)
			sweep_conns(a);
	}
	return NULL;
}

int sc_agent_start(struct sc_agent *a)
{
	int r;

	if (!a->journal && (r = make_journal(a)) < 0) {
		say("cannot make the journal: %s", strerror(-r));
		return r;
	}
	replay_journal(a);
	if (!a->listen && a->cfg.socket_path) {
		r = make_listener(a);
		if (r < 0) {
			say("cannot listen on %s: %s", a->cfg.socket_path, strerror(-r));
			return r;
		}
	}
	r = -pthread_create(&a->thread, NULL, run, a);
	if (r == 0)
		a->running = true;
	return r;
}

void sc_agent_free(struct sc_agent *a, bool final)
{
	uint64_t one = 1;

	if (!a)
		return;
	if (a->running) {
		if (write(a->wakefd, &one, sizeof(one)) != sizeof(one))
			say("cannot wake the agent thread");
		pthread_join(a->thread, NULL);
	}
	while (a->entries)
		drop(a, a->entries, final);
	if (a->listen) {
		if (final && a->cfg.unstore)
			a->cfg.unstore(a->listen->name);
		/* Created here or inherited, the file names our socket: nobody will listen on
		 * it after a final stop, and a runtime that found it would fail to start its
		 * container. */
		if (final && a->cfg.socket_path)
			unlink(a->cfg.socket_path);
		close(a->listen->fd);
		free(a->listen);
	}
	if (a->journal) {
		if (final && a->cfg.unstore)
			a->cfg.unstore(SC_FDNAME_JOURNAL);
		munmap(a->journal, sizeof(*a->journal));
		close(a->journal_fd);
	}
	close(a->wakefd);
	close(a->epfd);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

void sc_agent_get_stats(struct sc_agent *a, struct sc_agent_stats *ret)
{
	pthread_mutex_lock(&a->lock);
	*ret = a->stats;
	pthread_mutex_unlock(&a->lock);
}
