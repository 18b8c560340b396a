/* reffs [-t N] DIR MOUNTPOINT: the benchmark's transport floor. A trivial low-level FUSE file
 * system that serves the files of DIR, read once at start, as MOUNTPOINT/proc/<name>:
 * constant content, no rendering, no per-caller work, with the mount options and open flags
 * (direct_io, no flush) of a good FUSE daemon. A cycle (open, read, read at EOF, close)
 * costs 4 requests: OPEN, READ, READ, RELEASE (names and attributes are cached for a day,
 * no FLUSH). Whatever vprocfs costs beyond this is its own.
 *
 * Thread model: libfuse's 3.1-style multi-threaded loop, fuse_session_loop_mt(se, 0) (a
 * worker per request in flight, up to 10 idle ones kept), or with -t N a fixed pool of N
 * workers on fuse_session_receive_buf()/fuse_session_process_buf() (vprocfs's own loop).
 * bench/run.sh runs both and takes the faster as the floor. */
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 32
#define INO_PROC 2

static struct file {
	char name[256];
	char *data;
	size_t len;
} files[MAX_FILES];
static size_t nfiles;

static const struct file *by_ino(fuse_ino_t ino)
{
	return ino >= 3 && ino < 3 + nfiles ? &files[ino - 3] : NULL;
}

static void attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = ino <= INO_PROC ? S_IFDIR | 0555 : S_IFREG | 0444;
	st->st_nlink = ino <= INO_PROC ? 2 : 1;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = {.generation = 1, .attr_timeout = 86400, .entry_timeout = 86400};

	if (parent == FUSE_ROOT_ID && strcmp(name, "proc") == 0)
		e.ino = INO_PROC;
	for (size_t i = 0; parent == INO_PROC && i < nfiles && !e.ino; i++)
		if (strcmp(files[i].name, name) == 0)
			e.ino = 3 + i;
	if (!e.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	attr(e.ino, &e.attr);
	fuse_reply_entry(req, &e);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino > INO_PROC && !by_ino(ino)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	attr(ino, &st);
	fuse_reply_attr(req, &st, 86400);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (!by_ino(ino)) {
		fuse_reply_err(req, ino <= INO_PROC ? EISDIR : ENOENT);
		return;
	}
	fi->direct_io = 1;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	const struct file *f = by_ino(ino);

	(void)fi;
	if (off < 0 || (size_t)off >= f->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, f->data + off,
			       size < f->len - (size_t)off ? size : f->len - (size_t)off);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.open = op_open,
	.read = op_read,
};

static int load(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) && nfiles < MAX_FILES) {
		char p[4096];
		struct stat st;
		int fd;

		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		fd = open(p, O_RDONLY);
		files[nfiles].data = malloc((size_t)st.st_size + 1);
		if (fd < 0 || !files[nfiles].data ||
		    read(fd, files[nfiles].data, (size_t)st.st_size) != st.st_size)
			return -1;
		close(fd);
		files[nfiles].len = (size_t)st.st_size;
		snprintf(files[nfiles].name, sizeof(files[nfiles].name), "%s", de->d_name);
		nfiles++;
	}
	closedir(d);
	return 0;
}

static void *worker(void *arg)
{
	struct fuse_session *se = arg;
	struct fuse_buf buf = {.mem = NULL};

	while (!fuse_session_exited(se)) {
		int r = fuse_session_receive_buf(se, &buf);

		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0)
			break;
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
	return NULL;
}

/* N workers; the main thread waits for SIGINT/SIGTERM, unmounts and exits. */
static int pool(struct fuse_session *se, int n)
{
	sigset_t set;
	pthread_t t;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, worker, se) != 0)
			return 1;
	sigwait(&set, &sig);
	fuse_session_unmount(se);
	_exit(0);
}

int main(int argc, char **argv)
{
	char *fargv[] = {argv[0], "-o",
			 "ro,allow_other,default_permissions,nosuid,nodev,noexec,fsname=reffs,"
			 "subtype=reffs",
			 NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se;
	int r = 1, threads = 0;

	if (argc == 5 && strcmp(argv[1], "-t") == 0 && (threads = atoi(argv[2])) > 0) {
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 || load(argv[1]) < 0) {
		fprintf(stderr, "usage: reffs [-t N] DIR MOUNTPOINT (DIR: readable regular files)\n");
		return 2;
	}
	se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se || fuse_session_mount(se, argv[2]) != 0)
		return 1;
	if (threads)
		return pool(se, threads);
	if (fuse_set_signal_handlers(se) != 0)
		return 1;
	r = fuse_session_loop_mt(se, 0);
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	return r ? 1 : 0;
}
