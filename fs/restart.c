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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "fs/daemon.h"

#define FDNAME_FUSE "vprocfs-fuse"
#define FDNAME_INIT "vprocfs-init"

/* The kernel ABI (linux/fuse.h); Debian 12's headers predate the resend notification. */
#define OP_INIT 26
#define NOTIFY_RESEND 7

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

void vp_restart_init(struct vp_restart *r)
{
	memset(r, 0, sizeof(*r));
	r->fuse_fd = -1;
	r->notify = getenv("NOTIFY_SOCKET") != NULL;
}

void vp_restart_done(struct vp_restart *r)
{
	free(r->init);
	if (r->fuse_fd >= 0 && !r->attached)
		close(r->fuse_fd);
	r->init = NULL;
}

int vp_restart_inherit(struct vp_restart *r)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names), init_fd = -1;

	if (n <= 0)
		return 0; /* nothing inherited (or not for us): a fresh start */
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;

		if (names && names[i] && strcmp(names[i], FDNAME_FUSE) == 0 && r->fuse_fd < 0)
			r->fuse_fd = fd;
		else if (names && names[i] && strcmp(names[i], FDNAME_INIT) == 0 && init_fd < 0)
			init_fd = fd;
		else
			close(fd);
	}
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (init_fd >= 0) {
		/* Binary: read it raw, not with read_fd_all(), which refuses NULs. */
		off_t size = lseek(init_fd, 0, SEEK_END);

		if (size >= (off_t)sizeof(struct in_header) && size <= 65536 &&
		    (r->init = malloc((size_t)size)) &&
		    pread(init_fd, r->init, (size_t)size, 0) == size)
			r->init_len = (size_t)size;
		close(init_fd);
	}
	if (r->fuse_fd < 0 || r->init_len == 0 ||
	    ((const struct in_header *)r->init)->opcode != OP_INIT) {
		fprintf(stderr, "vprocfs: inherited fds without a usable /dev/fuse fd and INIT: "
				"starting afresh\n");
		if (r->fuse_fd >= 0)
			close(r->fuse_fd);
		r->fuse_fd = -1;
		free(r->init);
		r->init = NULL;
		r->init_len = 0;
		return 0;
	}
	return 1;
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
	/* Requests the previous daemon read but never answered: queue them again. */
	if (write(r->fuse_fd, &resend, sizeof(resend)) < 0)
		fprintf(stderr, "vprocfs: the kernel cannot resend pending requests (%s); requests "
				"in flight in the previous daemon are lost\n",
			strerror(errno));
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

int vp_restart_store(struct vp_restart *r, int fuse_fd)
{
	int memfd, ret;

	if (!r->notify || atomic_exchange(&r->stored, true))
		return 0;
	if (r->init_len == 0)
		return -ENODATA;
	memfd = memfd_create("vprocfs-init", MFD_CLOEXEC);
	if (memfd < 0)
		return -errno;
	if (write(memfd, r->init, r->init_len) != (ssize_t)r->init_len) {
		close(memfd);
		return -EIO;
	}
	ret = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=" FDNAME_FUSE, &fuse_fd, 1);
	if (ret >= 0)
		ret = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=" FDNAME_INIT, &memfd, 1);
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
}
