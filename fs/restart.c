/*
 * Surviving our own restarts: the kernel's FUSE connection outlives the daemon.
 *
 * A fresh daemon mounts, and when the kernel's INIT request arrives it keeps a copy of the
 * raw message. Under a service manager (NOTIFY_SOCKET set) it then stores, in the manager's
 * file descriptor store, the /dev/fuse fd ("vprocfs-fuse") and a memfd holding that INIT
 * ("vprocfs-init"), and says READY=1. While the manager holds the /dev/fuse fd the
 * connection stays alive whatever happens to the daemon: containers' bind mounts keep
 * working, and requests made while no daemon runs wait in the kernel's queue.
 *
 * A daemon started with both fds (LISTEN_FDS/LISTEN_FDNAMES, sd_listen_fds_with_names())
 * does not mount: it attaches its session to the inherited fd (fuse_session_custom_io()),
 * replays the saved INIT into the session — libfuse answers nothing before INIT, and the
 * kernel sends INIT once per connection — swallowing the INIT reply the kernel is not
 * waiting for, and so negotiates exactly what the first daemon negotiated. It then asks the
 * kernel to resend the requests the previous daemon had read but not answered
 * (FUSE_NOTIFY_RESEND, Linux 6.9+), and serves. Inode numbers are fixed (fs/daemon.h), and
 * file handles of the previous daemon are recognized as foreign (fs/handles.c).
 *
 * The store must hold exactly those two fds, each once, whatever happened before (README
 * "Restarts"). systemd keeps every fd it is sent under its name, names need not be unique,
 * and it drops only an fd that is the very same open file as one it holds (same_fd()), so a
 * daemon that took over never stores again: it would add a new INIT memfd each time (and,
 * where systemd cannot use kcmp(), the /dev/fuse fd too). It keeps what it inherited, and
 * its choice among entries of one name is deterministic: the first valid one in LISTEN_FDS
 * order (a /dev/fuse fd on a live connection; a memfd holding an INIT request). A store that
 * holds anything more of ours is tidied before the first request is read, without a moment
 * in which a kill -9 could lose the connection: FDSTOREREMOVE drops every entry of a name
 * (and stores nothing even with FDSTORE=1 in the same message), so copies under a name of
 * their own (a clone of the /dev/fuse fd, a new INIT memfd) hold the connection while the
 * names are emptied and refilled. A fresh start drops whatever of ours it inherited.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "fs/daemon.h"
#include "fs/bound.h"
#include "seccomp/agent.h"

#define FDNAME_FUSE "vprocfs-fuse"
#define FDNAME_INIT "vprocfs-init"
#define FDNAME_JOURNAL "vprocfs-journal"
/* The request journal: one slot per worker (at most 256 workers), each the request being
 * served; requests that do not fit (none of this file system's but BATCH_FORGET) are not kept,
 * nor those that get no reply. */
#define JOURNAL_SLOTS 256
#define JOURNAL_SLOT 4096
#define JOURNAL_SIZE (JOURNAL_SLOTS * JOURNAL_SLOT)
/* The same memfd holds the bound views' slots after the journal (fs/bound.h): sparse, only
 * the slots in use take memory. */
#define MEMFD_SIZE (JOURNAL_SIZE + FS_SLOTS_SIZE)
struct jslot {
	uint32_t busy, len;
	unsigned char data[JOURNAL_SLOT - 8];
};
#define OP_FORGET 2
#define OP_INIT 26
#define OP_INTERRUPT 36
#define OP_DESTROY 38
#define OP_BATCH_FORGET 42
/* Copies that hold connection and INIT while a taken-over daemon tidies the store:
 * "vprocfs-hold-<pid>", gone once it is done (one left by a killed daemon is taken over). */
#define FDNAME_HOLD "vprocfs-hold-"

/* The kernel ABI (linux/fuse.h); Debian 12's headers predate the resend notification. */
#define OP_INIT 26
#define NOTIFY_RESEND 7
#define FUSE_MINOR 229 /* /dev/fuse is the misc device 10:229 */
#define DEV_IOC_CLONE _IOR(229, 0, uint32_t) /* FUSE_DEV_IOC_CLONE */

struct in_header {
	uint32_t len, opcode;
	uint64_t unique, nodeid;
	uint32_t uid, gid, pid;
	uint16_t total_extlen, padding;
};

struct out_header {
	uint32_t len;
	int32_t error;
	uint64_t unique;
};

/* What the previous daemons left in the store, for vp_restart_store(). */
static struct {
	unsigned n;	/* entries inherited, of any name */
	bool tidy;	/* ours are not exactly one vprocfs-fuse and one vprocfs-init, both used */
	char **ours;	/* the distinct names of our entries (fuse, init, hold) */
	size_t nours;
} inherited;

static void forget_inherited(void)
{
	for (size_t i = 0; i < inherited.nours; i++)
		free(inherited.ours[i]);
	free(inherited.ours);
	inherited.ours = NULL;
	inherited.nours = 0;
}

static bool is_ours(const char *name)
{
	return strcmp(name, FDNAME_FUSE) == 0 || strcmp(name, FDNAME_INIT) == 0 ||
	       strncmp(name, FDNAME_HOLD, strlen(FDNAME_HOLD)) == 0;
}

static bool inherited_name(const char *name)
{
	for (size_t i = 0; i < inherited.nours; i++)
		if (strcmp(inherited.ours[i], name) == 0)
			return true;
	return false;
}

static void note_ours(const char *name)
{
	char **v;

	if (inherited_name(name))
		return;
	v = realloc(inherited.ours, (inherited.nours + 1) * sizeof(*v));
	if (!v)
		return;
	inherited.ours = v;
	if ((v[inherited.nours] = strdup(name)))
		inherited.nours++;
}

void vp_restart_init(struct vp_restart *r)
{
	memset(r, 0, sizeof(*r));
	r->fuse_fd = -1;
	r->journal_fd = -1;
	r->notify = getenv("NOTIFY_SOCKET") != NULL;
}

static void journal_clear(struct vp_restart *r);
static uint64_t *journal_max_unique(struct vp_restart *r);

int vp_restart_journal_open(struct vp_restart *r)
{
	void *p;

	if (r->journal_fd < 0) {
		r->journal_fd = memfd_create(FDNAME_JOURNAL, MFD_CLOEXEC);
		if (r->journal_fd < 0 || ftruncate(r->journal_fd, MEMFD_SIZE) < 0)
			return -errno;
		r->journal_inherited = false;
	}
	p = mmap(NULL, JOURNAL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, r->journal_fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	r->journal = p;
	p = mmap(NULL, FS_SLOTS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, r->journal_fd,
		 JOURNAL_SIZE);
	if (p == MAP_FAILED) {
		munmap(r->journal, JOURNAL_SIZE);
		r->journal = NULL;
		return -errno;
	}
	r->views = p;
	/* The slots of bound views are this connection's only when it is taken over. */
	r->views_inherited = r->fuse_fd >= 0 && r->journal_inherited;
	/* Not taking a connection over: what the journal holds belongs to a connection that is
	 * gone, and must never be replayed into this one. */
	if (r->fuse_fd < 0) {
		journal_clear(r);
		__atomic_store_n(journal_max_unique(r), 0, __ATOMIC_RELEASE);
	}
	return 0;
}

/* The last slot is the journal's header: the highest unique read so far. */
#define JOURNAL_WORKERS (JOURNAL_SLOTS - 1)
static uint64_t *journal_max_unique(struct vp_restart *r)
{
	return (uint64_t *)(r->journal + (size_t)JOURNAL_WORKERS * JOURNAL_SLOT);
}

void vp_restart_journal_begin(struct vp_restart *r, unsigned slot, const struct fuse_buf *buf)
{
	struct jslot *j;
	uint32_t op;

	if (r->journal && !(buf->flags & FUSE_BUF_IS_FD) && buf->size >= sizeof(struct in_header)) {
		uint64_t u = ((const struct in_header *)buf->mem)->unique;
		uint64_t *max = journal_max_unique(r), cur = __atomic_load_n(max, __ATOMIC_RELAXED);

		while (u > cur && !__atomic_compare_exchange_n(max, &cur, u, true, __ATOMIC_RELEASE,
							       __ATOMIC_RELAXED))
			;
	}
	if (slot >= JOURNAL_WORKERS)
		return;

	if (!r->journal || slot >= JOURNAL_SLOTS || (buf->flags & FUSE_BUF_IS_FD) ||
	    buf->size < sizeof(struct in_header) || buf->size > sizeof(j->data))
		return;
	op = ((const struct in_header *)buf->mem)->opcode;
	if (op == OP_FORGET || op == OP_BATCH_FORGET || op == OP_INTERRUPT || op == OP_INIT ||
	    op == OP_DESTROY)
		return;
	j = (struct jslot *)(r->journal + (size_t)slot * JOURNAL_SLOT);
	memcpy(j->data, buf->mem, buf->size);
	j->len = (uint32_t)buf->size;
	__atomic_store_n(&j->busy, 1, __ATOMIC_RELEASE);
}

void vp_restart_journal_end(struct vp_restart *r, unsigned slot)
{
	if (r->journal && slot < JOURNAL_WORKERS)
		__atomic_store_n(&((struct jslot *)(r->journal + (size_t)slot * JOURNAL_SLOT))->busy,
				 0, __ATOMIC_RELEASE);
}

/* Serve again what the previous daemon was serving when it died: replies carry the original
 * unique, so the kernel completes the waiting requests (one it has since dropped, its caller
 * gone, answers ENOENT, which libfuse ignores). */
static unsigned journal_replay(struct vp_restart *r, struct fuse_session *se)
{
	unsigned n = 0;

	for (unsigned i = 0; r->journal && i < JOURNAL_WORKERS; i++) {
		struct jslot *j = (struct jslot *)(r->journal + (size_t)i * JOURNAL_SLOT);
		struct fuse_buf buf = {.size = j->len};

		if (!__atomic_load_n(&j->busy, __ATOMIC_ACQUIRE) || j->len > sizeof(j->data) ||
		    j->len < sizeof(struct in_header) || !(buf.mem = malloc(j->len)))
			continue;
		memcpy(buf.mem, j->data, j->len);
		fuse_session_process_buf(se, &buf);
		free(buf.mem);
		__atomic_store_n(&j->busy, 0, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

/* Requests the previous daemon had read are either requeued by the kernel or served from
 * the journal: clear it in either case. */
static void journal_clear(struct vp_restart *r)
{
	for (unsigned i = 0; r->journal && i < JOURNAL_WORKERS; i++)
		vp_restart_journal_end(r, i);
}

void vp_restart_done(struct vp_restart *r)
{
	if (r->journal)
		munmap(r->journal, JOURNAL_SIZE);
	r->journal = NULL;
	if (r->views)
		munmap(r->views, FS_SLOTS_SIZE);
	r->views = NULL;
	if (r->journal_fd >= 0)
		close(r->journal_fd);
	r->journal_fd = -1;
	for (size_t i = 0; i < r->nkept; i++) {
		if (r->kept_fd[i] >= 0)
			close(r->kept_fd[i]);
		free(r->kept_name[i]);
	}
	free(r->kept_fd);
	free(r->kept_name);
	r->kept_fd = NULL;
	r->kept_name = NULL;
	r->nkept = 0;
	free(r->init);
	if (r->fuse_fd >= 0 && !r->attached)
		close(r->fuse_fd);
	r->init = NULL;
	forget_inherited();
}

/* A /dev/fuse fd on a live connection. One never mounted, or whose connection has ended
 * (unmounted, aborted), polls POLLERR; polling reads nothing off the connection. */
static bool fuse_fd_live(int fd)
{
	struct pollfd p = {.fd = fd};
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(10, FUSE_MINOR) &&
	       poll(&p, 1, 0) >= 0 && !(p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

/* A stored INIT: a regular file (a memfd) holding exactly one INIT request. A malloc()ed copy,
 * or NULL. Binary: read raw, not with read_fd_all(), which refuses NULs. */
static void *read_init(int fd, size_t *len)
{
	const struct in_header *h;
	struct stat st;
	void *buf;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(*h) ||
	    st.st_size > 65536)
		return NULL;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return NULL;
	h = buf;
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size || h->opcode != OP_INIT ||
	    h->len != (uint32_t)st.st_size) {
		free(buf);
		return NULL;
	}
	*len = (size_t)st.st_size;
	return buf;
}

static int notify_state(const char *state, const int *fds, unsigned nfds)
{
	int r = sd_pid_notify_with_fds(0, 0, state, fds, nfds);

	return r > 0 ? 0 : r < 0 ? r : -ENOTCONN;
}

static int store_as(const char *name, const int *fds, unsigned nfds)
{
	char state[128];

	snprintf(state, sizeof(state), "FDSTORE=1\nFDNAME=%s", name);
	return notify_state(state, fds, nfds);
}

/* systemd removes every entry of that name. */
static int unstore(const char *name)
{
	char state[128];

	snprintf(state, sizeof(state), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	return notify_state(state, NULL, 0);
}

static bool keep(struct vp_restart *r, int i, const char *name)
{
	int *fds = realloc(r->kept_fd, (r->nkept + 1) * sizeof(*fds));
	char **names;

	if (!fds)
		return false;
	r->kept_fd = fds;
	names = realloc(r->kept_name, (r->nkept + 1) * sizeof(*names));
	if (!names)
		return false;
	r->kept_name = names;
	if (!(names[r->nkept] = strdup(name)))
		return false;
	fds[r->nkept++] = SD_LISTEN_FDS_START + i;
	return true;
}

int vp_restart_keep_fd(const char *name, int fd)
{
	return getenv("NOTIFY_SOCKET") ? store_as(name, &fd, 1) : 0;
}

void vp_restart_unkeep(const char *name)
{
	if (getenv("NOTIFY_SOCKET"))
		unstore(name);
}

int vp_restart_inherit(struct vp_restart *r)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names), fuse_i = -1, init_i = -1;
	size_t nfuse = 0, ninit = 0, nhold = 0;

	forget_inherited();
	if (n <= 0)
		return 0; /* nothing inherited (or not for us): a fresh start */
	/* Which entries to use, whatever the store holds: the first valid one in LISTEN_FDS order
	 * of the right name, else of a hold name (a tidy-up that was killed half-way). */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n; i++) {
			const char *nm = names && names[i] ? names[i] : "";
			bool hold = strncmp(nm, FDNAME_HOLD, strlen(FDNAME_HOLD)) == 0;
			void *init;
			size_t len;

			if (pass == 1 && !hold)
				continue;
			if (fuse_i < 0 && (pass == 1 || strcmp(nm, FDNAME_FUSE) == 0) &&
			    fuse_fd_live(SD_LISTEN_FDS_START + i))
				fuse_i = i;
			else if (init_i < 0 && (pass == 1 || strcmp(nm, FDNAME_INIT) == 0) &&
				 (init = read_init(SD_LISTEN_FDS_START + i, &len))) {
				init_i = i;
				r->init = init;
				r->init_len = len;
			}
		}
	for (int i = 0; i < n; i++) {
		const char *nm = names && names[i] ? names[i] : "";

		if (is_ours(nm)) {
			nfuse += strcmp(nm, FDNAME_FUSE) == 0;
			ninit += strcmp(nm, FDNAME_INIT) == 0;
			nhold += strncmp(nm, FDNAME_HOLD, strlen(FDNAME_HOLD)) == 0;
			note_ours(nm);
		}
		/* The first valid journal is kept (vp_restart_journal_open()). */
		if (strcmp(nm, FDNAME_JOURNAL) == 0) {
			struct stat st;
			int fd = SD_LISTEN_FDS_START + i;

			if (!r->journal_inherited && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			    st.st_size == MEMFD_SIZE) {
				r->journal_fd = fd;
				r->journal_inherited = true;
				continue;
			}
			r->journal_dups = true;
		}
		/* The seccomp agent's entries are handed to it (main.c); of the rest, all but the
		 * /dev/fuse fd taken over are closed. Entries of other names stay in the store. */
		if (strncmp(nm, SC_FDNAME_PREFIX, strlen(SC_FDNAME_PREFIX)) == 0 && keep(r, i, nm))
			continue;
		if (i != fuse_i || init_i < 0)
			close(SD_LISTEN_FDS_START + i);
	}
	inherited.n = (unsigned)n;
	inherited.tidy = nfuse != 1 || ninit != 1 || nhold != 0 || fuse_i < 0 || init_i < 0 ||
			 strcmp(names[fuse_i], FDNAME_FUSE) != 0 ||
			 strcmp(names[init_i], FDNAME_INIT) != 0;
	if (fuse_i >= 0 && init_i >= 0) {
		r->fuse_fd = SD_LISTEN_FDS_START + fuse_i;
		if (inherited.tidy)
			fprintf(stderr, "vprocfs: the fd store holds %zu " FDNAME_FUSE ", %zu " FDNAME_INIT
					" and %zu " FDNAME_HOLD "* entries: using entries %d and %d of %d "
					"(LISTEN_FDS order), tidying up\n",
				nfuse, ninit, nhold, fuse_i + 1, init_i + 1, n);
	}
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (r->fuse_fd >= 0)
		return 1;

	fprintf(stderr, "vprocfs: inherited fds without a usable /dev/fuse fd and INIT: "
			"starting afresh\n");
	free(r->init);
	r->init = NULL;
	r->init_len = 0;
	/* Drop ours now: junk, or a live connection without its INIT, which nobody can serve and
	 * which would keep the mount from answering ENOTCONN, so that it can be detached. */
	for (size_t i = 0; r->notify && i < inherited.nours; i++)
		unstore(inherited.ours[i]);
	forget_inherited();
	return 0;
}

static ssize_t io_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	return read(fd, buf, len);
}

/* The INIT reply to a replayed INIT goes nowhere: the kernel answered INIT long ago. */
static ssize_t io_writev(int fd, struct iovec *iov, int count, void *userdata)
{
	struct vp_restart *r = &((struct vp_daemon *)userdata)->restart; /* session userdata */

	if (atomic_load(&r->replaying) && count > 0 && iov[0].iov_len >= sizeof(struct out_header) &&
	    ((const struct out_header *)iov[0].iov_base)->unique == r->replay_unique) {
		ssize_t total = 0;

		for (int i = 0; i < count; i++)
			total += (ssize_t)iov[i].iov_len;
		atomic_store(&r->replaying, false);
		return total;
	}
	return writev(fd, iov, count);
}

/* What neither the kernel nor the journal can give back: requests the previous daemon had
 * read when it was killed, but had not yet journaled (killed on its way back from read()).
 * Their callers would wait for ever; end them as the kernel ends a closed device's requests
 * (ECONNABORTED). Only requests the kernel has handed out can be answered (a reply to any
 * other unique, or one not allocated yet, is ENOENT), and this runs before this daemon reads
 * anything: so every unique near the highest the previous daemon saw is tried. */
static unsigned end_lost_requests(struct vp_restart *r)
{
	uint64_t max = r->journal ? __atomic_load_n(journal_max_unique(r), __ATOMIC_ACQUIRE) : 0;
	uint64_t from = max > 2048 ? (max - 2048) & ~UINT64_C(1) : 2;
	unsigned ended = 0;

	if (!max)
		return 0;
	for (uint64_t u = from; u <= max + 8192; u += 2) {
		struct out_header h = {sizeof(h), -ECONNABORTED, u};

		if (write(r->fuse_fd, &h, sizeof(h)) == (ssize_t)sizeof(h))
			ended++;
	}
	return ended;
}

int vp_restart_attach(struct vp_restart *r, struct fuse_session *se, const bool *initialized)
{
	const struct fuse_custom_io io = {.read = io_read, .writev = io_writev};
	struct out_header resend = {sizeof(resend), NOTIFY_RESEND, 0};
	struct fuse_buf buf = {.size = r->init_len};
	int ret;

	/* libfuse copies io, and hands io_writev the session's userdata (the vp_daemon). */
	ret = fuse_session_custom_io(se, &io, r->fuse_fd);
	if (ret < 0)
		return ret;
	r->attached = true;
	buf.mem = malloc(r->init_len);
	if (!buf.mem)
		return -ENOMEM;
	memcpy(buf.mem, r->init, r->init_len);
	r->replay_unique = ((const struct in_header *)r->init)->unique;
	atomic_store(&r->replaying, true);
	fuse_session_process_buf(se, &buf);
	free(buf.mem);
	if (!*initialized || atomic_load(&r->replaying))
		return -EPROTO;
	atomic_store(&r->captured, true);
	/* Requests the previous daemon read but never answered: queue them again, or where the
	 * kernel cannot (Linux < 6.9), serve them from the journal. VPROCFS_TEST_NO_RESEND=1
	 * makes a newer kernel's test take the older kernels' path. */
	if (getenv("VPROCFS_TEST_NO_RESEND") || write(r->fuse_fd, &resend, sizeof(resend)) < 0) {
		const char *why = getenv("VPROCFS_TEST_NO_RESEND") ? "VPROCFS_TEST_NO_RESEND"
								    : strerror(errno);
		unsigned n = journal_replay(r, se), lost = end_lost_requests(r);

		fprintf(stderr, "vprocfs: the kernel cannot resend pending requests (%s): served "
				"%u from the journal, ended %u that were lost (ECONNABORTED)\n",
			why, n, lost);
	}
	journal_clear(r);
	return 0;
}

void vp_restart_capture(struct vp_restart *r, const struct fuse_buf *buf)
{
	const struct in_header *h = buf->mem;

	if (atomic_load(&r->captured) || buf->size < sizeof(*h) || (buf->flags & FUSE_BUF_IS_FD) ||
	    h->opcode != OP_INIT)
		return;
	free(r->init);
	r->init = malloc(buf->size);
	if (!r->init)
		return;
	memcpy(r->init, buf->mem, buf->size);
	r->init_len = buf->size;
	atomic_store(&r->captured, true);
}

static int init_memfd(const struct vp_restart *r)
{
	int fd = memfd_create(FDNAME_INIT, MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, r->init, r->init_len) != (ssize_t)r->init_len) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Leave exactly one vprocfs-fuse (fuse_fd: the very file the session reads, so that requests
 * read but not answered stay on the connection when the daemon is killed; a clone's are
 * ended with ECONNABORTED when the clone closes) and one vprocfs-init. FDSTOREREMOVE drops
 * every entry of a name, so copies under a name of their own hold the connection and its
 * INIT while the names are emptied and refilled: a kill -9 anywhere leaves the next start a
 * live connection and its INIT. Runs before any request is read, after the resend: the
 * session's fd holds no request in flight. The store needs room for 2 more entries. */
static int tidy_store(const struct vp_restart *r, int fuse_fd)
{
	const char *max = getenv("FDSTORE"); /* FileDescriptorStoreMax, systemd >= 254 */
	int hold[2] = {-1, -1}, init = -1, ret = 0;
	uint32_t src = (uint32_t)fuse_fd;
	char name[64];

	if (max && strtoul(max, NULL, 10) < (unsigned long)inherited.n + 2)
		return -ENOSPC;
	snprintf(name, sizeof(name), FDNAME_HOLD "%d", (int)getpid());
	for (int k = 1; inherited_name(name); k++)
		snprintf(name, sizeof(name), FDNAME_HOLD "%d-%d", (int)getpid(), k);
	hold[0] = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (hold[0] < 0 || ioctl(hold[0], DEV_IOC_CLONE, &src) < 0)
		ret = -errno;
	if (ret == 0 && (hold[1] = init_memfd(r)) < 0)
		ret = hold[1];
	if (ret == 0 && (init = init_memfd(r)) < 0)
		ret = init;
	if (ret == 0)
		ret = store_as(name, hold, 2);
	for (size_t i = 0; ret == 0 && i < inherited.nours; i++)
		ret = unstore(inherited.ours[i]);
	/* INIT before the /dev/fuse fd: the store never holds a connection without its INIT. */
	if (ret == 0)
		ret = store_as(FDNAME_INIT, &init, 1);
	if (ret == 0)
		ret = store_as(FDNAME_FUSE, &fuse_fd, 1);
	if (ret == 0)
		ret = unstore(name);
	for (int i = 0; i < 2; i++)
		if (hold[i] >= 0)
			close(hold[i]);
	if (init >= 0)
		close(init);
	return ret;
}

int vp_restart_store(struct vp_restart *r, int fuse_fd)
{
	int memfd, ret;

	if (!r->notify || atomic_exchange(&r->stored, true))
		return 0;
	if (r->init_len == 0)
		return -ENODATA;
	/* The journal: an inherited one is in the store already (once, unless an older daemon
	 * left duplicates: then it goes in again alone, a moment without it costing only the
	 * replay); a new one goes in now. */
	if (r->journal_fd >= 0 && (!r->journal_inherited || r->journal_dups)) {
		if (r->journal_dups)
			unstore(FDNAME_JOURNAL);
		ret = store_as(FDNAME_JOURNAL, &r->journal_fd, 1);
		if (ret < 0)
			fprintf(stderr, "vprocfs: cannot keep the request journal: %s\n",
				strerror(-ret));
	}
	if (r->attached) {
		/* Our fds are in the store already: nothing to store, unless it needs tidying. */
		if (inherited.tidy) {
			ret = tidy_store(r, fuse_fd);
			if (ret < 0)
				fprintf(stderr, "vprocfs: cannot tidy the fd store up (%s); it keeps "
						"the extra entries, and the connection\n",
					strerror(-ret));
			else
				fprintf(stderr, "vprocfs: the fd store holds one " FDNAME_FUSE
						" and one " FDNAME_INIT " again\n");
		}
		forget_inherited();
		return sd_notify(0, "READY=1\nSTATUS=serving");
	}
	memfd = init_memfd(r);
	if (memfd < 0)
		return memfd;
	/* INIT first: a kill -9 between the two leaves no connection without its INIT. */
	ret = store_as(FDNAME_INIT, &memfd, 1);
	if (ret == 0)
		ret = store_as(FDNAME_FUSE, &fuse_fd, 1);
	close(memfd);
	if (ret < 0)
		return ret;
	return sd_notify(0, "READY=1\nSTATUS=serving");
}

/* Whether a SIGTERM from the service manager is a stop (the unit's job is "stop") or a
 * restart: systemd sends SIGTERM for both, and ExecStop/ExecStopPost run for both, so ask it
 * over D-Bus which job it is running for our unit. Anything unclear (no unit, no bus, no job:
 * a stray `kill`, after which Restart=always starts us again) counts as a restart: keeping
 * the mount is the safe side, since the next start either takes it over or clears it. */
enum vp_stop_kind vp_restart_stop_kind(void)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	enum vp_stop_kind kind = VP_STOP_RESTART;
	char *unit = NULL, *type = NULL;
	const char *unit_path, *job_path;
	sd_bus *bus = NULL;
	uint32_t job_id;

	if (sd_pid_get_unit(0, &unit) < 0 || sd_bus_open_system(&bus) < 0)
		goto out;
	sd_bus_set_method_call_timeout(bus, 2 * 1000 * 1000);
	if (sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "GetUnit", &err, &reply, "s",
			       unit) < 0 ||
	    sd_bus_message_read(reply, "o", &unit_path) < 0)
		goto out;
	{
		sd_bus_message *job = NULL;

		if (sd_bus_get_property(bus, "org.freedesktop.systemd1", unit_path,
					"org.freedesktop.systemd1.Unit", "Job", &err, &job, "(uo)") >= 0 &&
		    sd_bus_message_read(job, "(uo)", &job_id, &job_path) >= 0 && job_id != 0 &&
		    sd_bus_get_property_string(bus, "org.freedesktop.systemd1", job_path,
					       "org.freedesktop.systemd1.Job", "JobType", &err,
					       &type) >= 0)
			kind = strcmp(type, "stop") == 0 ? VP_STOP_FINAL : VP_STOP_RESTART;
		sd_bus_message_unref(job);
	}
out:
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	free(unit);
	free(type);
	return kind;
}

void vp_restart_forget(void)
{
	sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=" FDNAME_FUSE);
	sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=" FDNAME_INIT);
	sd_notify(0, "FDSTOREREMOVE=1\nFDNAME=" FDNAME_JOURNAL);
}
