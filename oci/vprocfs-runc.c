/*
 * vprocfs-runc: an OCI runtime shim, invoked exactly like runc (or crun). On `create` and `run`
 * it edits <bundle>/config.json in place, then execs the real runtime with the same argv;
 * every other command goes straight to the runtime.
 *
 * The edits (see oci/runc-shim.h), only while vprocfs is mounted (the mount point is a
 * fuse.vprocfs mount in /proc/self/mountinfo):
 *  - the vprocfs OCI hook in hooks.createRuntime (unless there), when the hook is executable;
 *  - sysinfo(2) sent to the daemon's seccomp agent (SCMP_ACT_NOTIFY, listenerPath), when its
 *    socket exists and accepts a connection, unless the profile belongs to another agent or
 *    does not allow sysinfo.
 * It never breaks a container: the opt-out annotation io.vprocfs.disable=true (or "1"), a
 * config it cannot read, parse or write, or any other trouble leaves config.json as it was,
 * and the runtime runs all the same. The new config is written atomically (a temporary file in
 * the same directory, fsync, rename; mode and owner kept).
 *
 * Every decision on create and run is one line "vprocfs-runc: ...": appended to the runtime's
 * own log file when it is given one (--log FILE, in its --log-format, json or text, at level
 * info), else on stderr; and to the shim's log file when one is configured. Not on stderr
 * then: containerd, Docker and podman give `runc create` the container's own stdio, so stderr
 * would land in the container's log. Other commands say nothing unless the runtime cannot be
 * found.
 *
 * Settings, highest first: environment VPROCFS_RUNTIME, VPROCFS_HOOK, VPROCFS_MOUNTPOINT,
 * VPROCFS_SECCOMP_SOCKET (empty: no seccomp edit); the file /etc/vprocfs/runc.conf (or
 * $VPROCFS_RUNC_CONF) with `key = value` lines: runtime, hook, mountpoint, seccomp_socket, log;
 * then the defaults: runc from PATH, the hook installed with this shim, /var/lib/vprocfs,
 * /run/vprocfs/seccomp.sock, no log file. The runtime is looked up in PATH skipping this very
 * program (so the shim may be installed as `runc` ahead of the real one).
 *
 * The shim opens nothing that survives the exec (everything is O_CLOEXEC) and closes nothing
 * it did not open: runc's --preserve-fds and LISTEN_FDS pass through.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "oci/runc-shim.h"

#define DEFAULT_RUNTIME "runc"
#define DEFAULT_MOUNTPOINT "/var/lib/vprocfs"
#define DEFAULT_SOCKET "/run/vprocfs/seccomp.sock"
#define DEFAULT_CONF "/etc/vprocfs/runc.conf"
#ifndef VPROCFS_HOOK_PATH
#define VPROCFS_HOOK_PATH "/usr/local/libexec/vprocfs/vprocfs-oci-hook"
#endif
#define MOUNTINFO_MAX (64u << 20)
#define CONF_MAX (1u << 20)

/* Architectures of a seccomp profile made from nothing: the native one and its compat ABIs.
 * A profile without them would leave a 32-bit program in the container to libseccomp's
 * bad-architecture action (kill) where it used to run unfiltered. */
static const char *const native_arches[] = {
#if defined(__x86_64__)
	"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
#elif defined(__aarch64__)
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
#elif defined(__i386__)
	"SCMP_ARCH_X86",
#elif defined(__arm__)
	"SCMP_ARCH_ARM",
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	"SCMP_ARCH_PPC64LE",
#elif defined(__s390x__)
	"SCMP_ARCH_S390X", "SCMP_ARCH_S390",
#elif defined(__riscv) && __riscv_xlen == 64
	"SCMP_ARCH_RISCV64",
#endif
	NULL,
};

struct settings {
	const char *runtime, *hook, *mountpoint, *socket, *log;
};

static bool loud;         /* create or run, or trouble: say() says things */
static bool stderr_ok;    /* fd 2 was open at the start */
static int log_fd = -1;   /* the shim's own log file */
static int rt_log_fd = -1; /* the runtime's --log file (then nothing goes to stderr) */
static bool rt_log_json;  /* --log-format json */
static char tag[160];     /* "create ID: " */
static const char *level = "info"; /* in the runtime's log */

/* Write all of line[0..n) (best effort: a log is no reason to fail a container). */
static void put(int fd, const char *line, int n, size_t size)
{
	if (n > 0 && write(fd, line, (size_t)n < size ? (size_t)n : size - 1) < 0) {
		/* nothing to do */
	}
}

/* s as the inside of a JSON (or logrus text) string into out[size]. */
static void quote(const char *s, char *out, size_t size)
{
	size_t o = 0;

	for (; *s && o + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char body[2048], msg[2100], line[4600], q[4400], stamp[40];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (!loud)
		return;
	va_start(ap, fmt);
	n = snprintf(body, sizeof(body), "%s", tag);
	vsnprintf(body + n, sizeof(body) - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "vprocfs-runc: %s", body);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (rt_log_fd >= 0) {
		quote(msg, q, sizeof(q));
		if (rt_log_json)
			n = snprintf(line, sizeof(line),
				     "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level, q, stamp);
		else
			n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", stamp, level,
				     q);
		put(rt_log_fd, line, n, sizeof(line));
	} else if (stderr_ok) {
		n = snprintf(line, sizeof(line), "%s\n", msg);
		put(STDERR_FILENO, line, n, sizeof(line));
	}
	if (log_fd >= 0) {
		n = snprintf(line, sizeof(line), "%s vprocfs-runc[%d]: %s\n", stamp, (int)getpid(), body);
		put(log_fd, line, n, sizeof(line));
	}
}

/* Each line of a '\n'-separated notes buffer, with a prefix. */
static void say_notes(const char *prefix, const char *notes)
{
	for (const char *p = notes; *p;) {
		size_t len = strcspn(p, "\n");

		say("%s%.*s", prefix, (int)len, p);
		p += len + (p[len] == '\n');
	}
}

/* The whole file (at most max bytes, else EFBIG), NUL-terminated, malloc()ed; NULL and errno
 * on failure. A FIFO or device is refused (EINVAL): opening one could block. */
static char *read_all(const char *path, size_t max, size_t *ret_len, struct stat *ret_st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	size_t cap = 65536, len = 0;
	struct stat st;
	char *buf = NULL;
	int e;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && (errno = EINVAL)))
		goto fail;
	for (;;) {
		ssize_t n;

		if (!buf || len + 1 >= cap) {
			char *nb;

			if (buf)
				cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			if (buf && len + 1 >= cap) {
				errno = EFBIG;
				goto fail;
			}
			if (!(nb = realloc(buf, cap)))
				goto fail;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	if (ret_st)
		*ret_st = st;
	return buf;
fail:
	e = errno;
	free(buf);
	close(fd);
	errno = e;
	return NULL;
}

/* ---- settings ----------------------------------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] ? v : NULL;
}

static void load_settings(struct settings *s, struct shim_conf *conf)
{
	const char *path = env("VPROCFS_RUNC_CONF"), *v;
	bool explicit = path != NULL;
	char *text;
	int read_errno = 0;

	if (!path)
		path = DEFAULT_CONF;
	memset(conf, 0, sizeof(*conf));
	text = read_all(path, CONF_MAX, NULL, NULL);
	if (!text)
		read_errno = errno;
	else if (shim_parse_conf(text, conf) < 0)
		read_errno = ENOMEM;
	free(text);

	s->runtime = conf->runtime ? conf->runtime : DEFAULT_RUNTIME;
	s->hook = conf->hook ? conf->hook : VPROCFS_HOOK_PATH;
	s->mountpoint = conf->mountpoint ? conf->mountpoint : DEFAULT_MOUNTPOINT;
	s->socket = conf->seccomp_socket ? conf->seccomp_socket : DEFAULT_SOCKET;
	s->log = conf->log && conf->log[0] ? conf->log : NULL;
	if ((v = env("VPROCFS_RUNTIME")))
		s->runtime = v;
	if ((v = env("VPROCFS_HOOK")))
		s->hook = v;
	if ((v = env("VPROCFS_MOUNTPOINT")))
		s->mountpoint = v;
	if ((v = getenv("VPROCFS_SECCOMP_SOCKET")))
		s->socket = v; /* set but empty: no seccomp edit */

	if (s->log) {
		log_fd = open(s->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
			      0640);
		if (log_fd < 0)
			say("log file %s: %s: logging to stderr only", s->log, strerror(errno));
	}
	if (read_errno && (explicit || read_errno != ENOENT))
		say("%s: %s: using the defaults and the environment", path, strerror(read_errno));
	if (conf->notes[0]) {
		char prefix[PATH_MAX + 8];

		snprintf(prefix, sizeof(prefix), "%s: ", path);
		say_notes(prefix, conf->notes);
	}
}

/* ---- the real runtime -------------------------------------------------------------------- */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool usable(const char *path, const struct stat *self, bool *was_self)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return false;
	if (self && same_file(&st, self)) {
		*was_self = true;
		return false;
	}
	return true;
}

/* The runtime's path into out[size]: a name is looked up in PATH, skipping this program.
 * false with the reason in why[whysize]. */
static bool resolve_runtime(const char *rt, char *out, size_t size, char *why, size_t whysize)
{
	const char *path = getenv("PATH");
	struct stat self_st, *self = stat("/proc/self/exe", &self_st) == 0 ? &self_st : NULL;
	bool was_self = false;

	if (strchr(rt, '/')) {
		if (usable(rt, self, &was_self) && (size_t)snprintf(out, size, "%s", rt) < size)
			return true;
		snprintf(why, whysize, "runtime %s: %s", rt,
			 was_self ? "is this shim itself" : "not an executable file");
		return false;
	}
	if (!path || !path[0])
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (const char *p = path;; p++) {
		size_t len = strcspn(p, ":");
		int n = snprintf(out, size, "%.*s/%s", (int)len, len ? p : ".", rt);

		if (n > 0 && (size_t)n < size && usable(out, self, &was_self))
			return true;
		p += len;
		if (!*p)
			break;
	}
	snprintf(why, whysize, "no runtime %s in PATH%s", rt, was_self ? " other than this shim" : "");
	return false;
}

/* ---- the edit ---------------------------------------------------------------------------- */

/* Whether vprocfs serves `mnt`: its topmost mount is of type fuse.vprocfs. Only mountinfo is
 * read; nothing on the mount is touched (a restarting daemon would make us wait). */
static bool vprocfs_mounted(const char *mnt)
{
	char real[PATH_MAX], fstype[64], *info;
	bool found;

	if (!realpath(mnt, real)) {
		say("vprocfs mount point %s: %s: config.json left alone", mnt, strerror(errno));
		return false;
	}
	info = read_all("/proc/self/mountinfo", MOUNTINFO_MAX, NULL, NULL);
	if (!info) {
		say("/proc/self/mountinfo: %s: config.json left alone", strerror(errno));
		return false;
	}
	found = shim_mountinfo_fstype(info, real, fstype, sizeof(fstype));
	free(info);
	if (!found || strcmp(fstype, "fuse.vprocfs") != 0) {
		say("vprocfs is not mounted on %s (%s%s): config.json left alone", real,
		    found ? "a mount of type " : "nothing mounted", found ? fstype : "");
		return false;
	}
	return true;
}

/* Whether a seccomp agent listens on `path`: a socket that accepts a connection (closed at
 * once; a full backlog counts as listening). A stale socket file would make the runtime fail
 * to create the container. */
static bool agent_listening(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, r;

	if (stat(path, &st) < 0) {
		say("no seccomp agent at %s (%s): sysinfo not intercepted", path, strerror(errno));
		return false;
	}
	if (!S_ISSOCK(st.st_mode)) {
		say("%s is not a socket: sysinfo not intercepted", path);
		return false;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		say("seccomp socket path %s is too long: sysinfo not intercepted", path);
		return false;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		say("socket: %s: sysinfo not intercepted", strerror(errno));
		return false;
	}
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0 && errno != EAGAIN && errno != EINPROGRESS) {
		say("seccomp agent at %s does not answer (%s): sysinfo not intercepted", path,
		    strerror(errno));
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

/* Write text over path atomically, with st's mode and owner: 0 or -errno. */
static int replace_file(const char *path, const char *text, const struct stat *st)
{
	const char *slash = strrchr(path, '/');
	char tmp[PATH_MAX + 64];
	size_t len = strlen(text), done = 0;
	int fd, dfd, e;

	if (slash)
		snprintf(tmp, sizeof(tmp), "%.*s/.%s.vprocfs-XXXXXX", (int)(slash - path), path,
			 slash + 1);
	else
		snprintf(tmp, sizeof(tmp), ".%s.vprocfs-XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, st->st_mode & 07777) < 0 ||
	    ((st->st_uid != geteuid() || st->st_gid != getegid()) &&
	     fchown(fd, st->st_uid, st->st_gid) < 0))
		goto fail;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	/* The rename itself, durable. */
	snprintf(tmp, sizeof(tmp), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
		 slash ? path : ".");
	dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -e;
}

static void edit(const struct settings *s, const struct shim_argv *a)
{
	struct shim_edit_opts opts = {.mountpoint = s->mountpoint, .arches = native_arches};
	char given[PATH_MAX + 16], real[PATH_MAX];
	struct shim_edit e;
	struct stat st;
	size_t len;
	char *text;
	int r;

	if (!vprocfs_mounted(s->mountpoint))
		return;
	if (access(s->hook, X_OK) == 0)
		opts.hook = s->hook;
	else
		say("hook %s: %s: not added", s->hook, strerror(errno));
	if (!s->socket[0])
		say("no seccomp socket configured: sysinfo not intercepted");
	else if (agent_listening(s->socket))
		opts.listener = s->socket;
	if (!opts.hook && !opts.listener) {
		say("nothing to add: config.json left alone");
		return;
	}

	if (a->config)
		snprintf(given, sizeof(given), "%s", a->config);
	else
		snprintf(given, sizeof(given), "%s/config.json", a->bundle ? a->bundle : ".");
	/* A symbolic link is followed: its target is what the runtime reads, and is replaced. */
	if (!realpath(given, real) || !(text = read_all(real, SHIM_CONFIG_MAX, &len, &st))) {
		say("%s: %s: left alone", given, strerror(errno));
		return;
	}
	shim_edit_config(text, len, &opts, &e);
	free(text);
	switch (e.verdict) {
	case SHIM_CHANGED:
		say_notes("", e.notes);
		r = replace_file(real, e.text, &st);
		if (r < 0)
			say("%s: cannot write (%s): left alone", real, strerror(-r));
		else
			say("%s written", real);
		break;
	case SHIM_UNCHANGED:
		say_notes("", e.notes);
		say("%s: nothing to change", real);
		break;
	case SHIM_OPTED_OUT:
		say("%s: opted out (annotation io.vprocfs.disable): left alone", real);
		break;
	case SHIM_MALFORMED:
		say("%s: cannot edit (%s): left alone", real, e.notes);
		break;
	case SHIM_NOMEM:
		say("%s: out of memory: left alone", real);
		break;
	}
	shim_edit_done(&e);
}

int main(int argc, char **argv)
{
	struct settings s;
	struct shim_conf conf;
	struct shim_argv a;
	char runtime[PATH_MAX], why[PATH_MAX + 64];
	bool create_or_run;
	int r;

	stderr_ok = fcntl(STDERR_FILENO, F_GETFD) >= 0;
	r = shim_parse_argv(argc, (const char *const *)argv, &a);
	create_or_run = a.command >= 0 && (strcmp(argv[a.command], "create") == 0 ||
					   strcmp(argv[a.command], "run") == 0);
	loud = create_or_run;
	if (loud && a.log) {
		/* Opened (and created) as runc opens it. */
		rt_log_fd = open(a.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
				 0644);
		rt_log_json = a.log_format && strcmp(a.log_format, "json") == 0;
	}
	load_settings(&s, &conf);
	if (!resolve_runtime(s.runtime, runtime, sizeof(runtime), why, sizeof(why))) {
		loud = true;
		level = "error";
		say("%s", why);
		shim_conf_done(&conf);
		return 127;
	}

	if (create_or_run) {
		snprintf(tag, sizeof(tag), "%s %.120s: ", argv[a.command], a.id ? a.id : "?");
		if (r < 0)
			say("an option lacks its value: config.json left alone");
		else if (a.help)
			; /* the runtime prints its help: nothing to edit */
		else if (a.positionals != 1)
			say("%d container ids given: config.json left alone", a.positionals);
		else
			edit(&s, &a);
		tag[0] = '\0';
	}

	argv[0] = (char *)s.runtime;
	execv(runtime, argv);
	loud = true;
	level = "error";
	say("cannot execute %s: %s", runtime, strerror(errno));
	shim_conf_done(&conf);
	return 126;
}
