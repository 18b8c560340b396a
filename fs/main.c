/* vprocfs: serves container-correct /proc files over FUSE. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/bound.h"
#include "fs/daemon.h"
#include "proc_views/stat.h"
#include "seccomp/agent.h"
#include "util/fileio.h"

#ifndef VPROCFS_VERSION
#define VPROCFS_VERSION "0.1.0"
#endif
#define DEFAULT_MOUNTPOINT "/var/lib/vprocfs"
#define DEFAULT_SECCOMP_SOCKET "/run/vprocfs/seccomp.sock"

/* Forced last so that no -o can undo them. */
#define FORCED_OPTS "ro,allow_other,default_permissions,nosuid,nodev,noexec,fsname=vprocfs,subtype=vprocfs"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vprocfs [OPTIONS] [MOUNTPOINT]\n"
		"\n"
		"Serves /proc files computed for the container of the process that reads them.\n"
		"Bind-mount MOUNTPOINT/proc/*, MOUNTPOINT/sys/devices/system/cpu and each\n"
		"MOUNTPOINT/sys/class/block/NAME/stat over a container's files of the same names\n"
		"(vprocfs --list-files; the OCI hook does it).\n"
		"Runs in the foreground. MOUNTPOINT defaults to " DEFAULT_MOUNTPOINT
		" (created if missing).\n"
		"\n"
		"Options:\n"
		"  -o OPT[,OPT...]  extra FUSE mount options (ro, allow_other, nosuid, nodev,\n"
		"                   noexec and default_permissions are always applied)\n"
		"  -t, --threads N  worker threads serving requests (default: the number of CPUs\n"
		"                   the daemon may run on, at least 2, at most 16)\n"
		"  -c, --cpu-count quota|cpuset\n"
		"                   how many CPUs a container sees: its cpuset capped at its\n"
		"                   CPU quota rounded up (quota, the default), or its cpuset\n"
		"  -s, --seccomp-socket PATH|none\n"
		"                   where OCI runtimes hand over containers' seccomp listeners\n"
		"                   (sysinfo(2) answered for the container; default\n"
		"                   " DEFAULT_SECCOMP_SOCKET "; none: no agent)\n"
		"  -d, --debug      log every FUSE request to stderr\n"
		"      --list-files print the served files (a markdown table) and exit\n"
		"  -h, --help       show this help and exit\n"
		"  -V, --version    show the version and exit\n");
}

/* As many workers as CPUs to run them: more only add context switches per request (on 2
 * CPUs, 2 workers serve 4 readers about 10% faster than 4 workers, and 8 workers 20% slower).
 * At least 2, so that one slow request never stalls every reader; at most 16. */
static unsigned default_threads(void)
{
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 2;

	return n < 2 ? 2 : n > 16 ? 16 : (unsigned)n;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Kept cgroup files are the daemon's main use of descriptors: raise the soft limit to the
 * hard one (and the hard one too where allowed) and give them all but a reserve, the kept
 * callers' files (VP_CALLER_FDS) and the pid namespace inits' pidfds (CG_NSCACHE_FDS). */
static size_t fd_budget(void)
{
	const size_t others = 1024 + VP_CALLER_FDS + CG_NSCACHE_FDS;
	struct rlimit rl, want = {1 << 20, 1 << 20};

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_max < want.rlim_max && setrlimit(RLIMIT_NOFILE, &want) == 0)
		rl = want;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur > others + 1024 ? (size_t)rl.rlim_cur - others : 1024;
}

static int daemon_init(struct vp_daemon *d, enum pv_cpu_count count)
{
	struct vp_core_config cfg = {
		.procfs = "/proc",
		.sysfs = "/sys",
		.fd_budget = fd_budget(),
		.cpu_count = count,
	};
	char msg[512];
	int r;

	clock_gettime(CLOCK_REALTIME, &d->started);
	r = vp_core_new(&cfg, &d->core, msg, sizeof(msg));
	if (r < 0) {
		fprintf(stderr, "vprocfs: %s\n", msg);
		return r;
	}
	r = fs_bound_new(d->core, d->restart.views, d->restart.views_inherited, &d->bound);
	if (r < 0)
		fprintf(stderr, "vprocfs: cannot set up bound views: %s\n", strerror(-r));
	return r;
}

/* The bound views' thread notifies the kernel, which may wait for a READ to be answered: it
 * stops while the workers still serve. */
static void stop_bound(void *arg)
{
	fs_bound_stop(arg);
}

static void daemon_done(struct vp_daemon *d)
{
	fs_bound_free(d->bound);
	vp_core_free(d->core);
}

static int answer_sysinfo(void *ctx, pid_t tid, struct pv_sysinfo *ret)
{
	return vp_sysinfo_for(((struct vp_daemon *)ctx)->core, tid, ret);
}

/* The seccomp agent, with the fds a previous daemon kept in the store. Without a socket (--
 * seccomp-socket none) inherited agent fds are dropped: nobody would answer them. */
static int start_agent(struct vp_daemon *d, const char *socket_path, struct sc_agent **ret)
{
	struct sc_agent_config cfg = {
		.socket_path = socket_path,
		.answer = answer_sysinfo,
		.ctx = d,
		.store = d->restart.notify ? vp_restart_keep_fd : NULL,
		.unstore = d->restart.notify ? vp_restart_unkeep : NULL,
	};
	struct vp_restart *rs = &d->restart;
	int r;

	*ret = NULL;
	if (!socket_path) {
		for (size_t i = 0; i < rs->nkept; i++)
			vp_restart_unkeep(rs->kept_name[i]);
		return 0;
	}
	r = sc_agent_new(&cfg, ret);
	if (r < 0) {
		fprintf(stderr, "vprocfs: cannot start the seccomp agent: %s\n", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < rs->nkept; i++) {
		sc_agent_adopt(*ret, rs->kept_fd[i], rs->kept_name[i]);
		rs->kept_fd[i] = -1;
	}
	r = sc_agent_start(*ret);
	if (r < 0) {
		fprintf(stderr, "vprocfs: cannot start the seccomp agent: %s\n", strerror(-r));
		sc_agent_free(*ret, true);
		*ret = NULL;
		return r;
	}
	if (rs->nkept)
		fprintf(stderr, "vprocfs: seccomp agent took over %zu kept fds\n", rs->nkept);
	fprintf(stderr, "vprocfs: seccomp agent listening on %s\n", socket_path);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"list-files", no_argument, NULL, 'L'},
		{"debug", no_argument, NULL, 'd'},
		{"threads", required_argument, NULL, 't'},
		{"cpu-count", required_argument, NULL, 'c'},
		{"seccomp-socket", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	struct vp_daemon d;
	char mp[PATH_MAX], msg[512];
	const char *mountpoint = DEFAULT_MOUNTPOINT;
	bool debug = false;
	unsigned threads = default_threads();
	enum pv_cpu_count count = PV_COUNT_QUOTA;
	struct vp_restart rs;
	const char *seccomp_socket = DEFAULT_SECCOMP_SOCKET;
	struct sc_agent *agent = NULL;
	bool final = true;
	int inherited;
	char *end;
	long n;
	int c, r, ret = 1;

	if (fuse_opt_add_arg(&args, argv[0]) < 0)
		return 1;
	while ((c = getopt_long(argc, argv, "+hVdo:t:c:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			fuse_opt_free_args(&args);
			return 0;
		case 'V':
			printf("vprocfs %s (libfuse %s)\n", VPROCFS_VERSION, fuse_pkgversion());
			fuse_opt_free_args(&args);
			return 0;
		case 'L':
			vp_table_markdown(stdout);
			fuse_opt_free_args(&args);
			return 0;
		case 'd':
			debug = true;
			break;
		case 't':
			n = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || n < 1 || n > 256) {
				fprintf(stderr, "vprocfs: --threads wants 1..256\n");
				goto out_args;
			}
			threads = (unsigned)n;
			break;
		case 'c':
			if (strcmp(optarg, "quota") == 0) {
				count = PV_COUNT_QUOTA;
			} else if (strcmp(optarg, "cpuset") == 0) {
				count = PV_COUNT_CPUSET;
			} else {
				fprintf(stderr, "vprocfs: --cpu-count wants quota or cpuset\n");
				goto out_args;
			}
			break;
		case 's':
			seccomp_socket = strcmp(optarg, "none") == 0 ? NULL : optarg;
			if (seccomp_socket && seccomp_socket[0] != '/') {
				fprintf(stderr, "vprocfs: --seccomp-socket wants an absolute path or "
						"none\n");
				goto out_args;
			}
			break;
		case 'o':
			if (fuse_opt_add_arg(&args, "-o") < 0 || fuse_opt_add_arg(&args, optarg) < 0)
				goto out_args;
			break;
		default:
			usage(stderr);
			goto out_args;
		}
	}
	if (optind < argc)
		mountpoint = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "vprocfs: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		goto out_args;
	}
	if (fuse_opt_add_arg(&args, "-o") < 0 || fuse_opt_add_arg(&args, FORCED_OPTS) < 0 ||
	    (debug && fuse_opt_add_arg(&args, "-d") < 0))
		goto out_args;

	r = mkdir_p(mountpoint);
	if (r < 0 || !realpath(mountpoint, mp)) {
		fprintf(stderr, "vprocfs: mount point %s: %s\n", mountpoint,
			strerror(r < 0 ? -r : errno));
		goto out_args;
	}
	/* SIGINT, SIGTERM and SIGHUP wait for the request loop's sigwait() from here on: a
	 * service manager may stop us as soon as we said READY (a takeover says it before the
	 * loop runs), and every thread started before the loop (the load sampler, the seccomp
	 * agent) inherits the mask, so none of them is ever picked to die of one. */
	{
		sigset_t stop;

		sigemptyset(&stop);
		sigaddset(&stop, SIGINT);
		sigaddset(&stop, SIGTERM);
		sigaddset(&stop, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &stop, NULL);
	}
	vp_restart_init(&rs);
	inherited = vp_restart_inherit(&rs);
	/* A connection inherited from a previous daemon serves the mount: it is not stale. */
	if (!inherited) {
		r = fs_clear_stale_mount(mp, msg, sizeof(msg));
		if (r < 0) {
			fprintf(stderr, "vprocfs: %s\n", msg);
			vp_restart_done(&rs);
			goto out_args;
		}
	}
	r = vp_restart_journal_open(&rs);
	if (r < 0)
		fprintf(stderr, "vprocfs: no request journal (%s): after a kill -9 on a kernel "
				"without FUSE_NOTIFY_RESEND, requests in flight would be lost\n",
			strerror(-r));
	memset(&d, 0, sizeof(d));
	d.restart = rs;
	r = daemon_init(&d, count);
	if (r < 0)
		goto out_daemon;
	r = vp_core_start_sampler(d.core);
	if (r < 0) {
		fprintf(stderr, "vprocfs: cannot start the load sampler: %s\n", strerror(-r));
		goto out_daemon;
	}

	se = fuse_session_new(&args, &fs_ops, sizeof(fs_ops), &d);
	if (!se)
		goto out_daemon;
	if (inherited) {
		r = vp_restart_attach(&d.restart, se, &d.initialized);
		if (r < 0) {
			fprintf(stderr, "vprocfs: cannot take over the inherited connection: %s\n",
				strerror(-r));
			goto out_session;
		}
		fprintf(stderr, "vprocfs: took over the live connection of %s\n", mp);
		/* No INIT will come on this connection: say READY now, not at the first request,
		 * which may be late. Our fds are in the store already; storing them again would add
		 * entries, so this only tidies a store that holds more than them (fs/restart.c). */
		r = vp_restart_store(&d.restart, fuse_session_fd(se));
		if (r < 0)
			fprintf(stderr, "vprocfs: storing fds with the service manager: %s\n",
				strerror(-r));
	} else if (fuse_session_mount(se, mp) != 0) {
		goto out_session;
	}
	r = fs_bound_start(d.bound, se);
	if (r < 0) {
		fprintf(stderr, "vprocfs: cannot start the expiry thread: %s\n", strerror(-r));
		goto out_unmount;
	}
	r = start_agent(&d, seccomp_socket, &agent);
	if (r < 0)
		goto out_unmount;
	fprintf(stderr, "vprocfs: serving %s\n", mp);
	for (int k = 0; k < CG_NCONTROLLERS; k++)
		fprintf(stderr, "vprocfs:   %-8s %s%s%s\n", cg_controller_name(k),
			cg_version_name(d.core->layout.h[k].version),
			d.core->layout.h[k].mount ? " at " : "",
			d.core->layout.h[k].mount ? d.core->layout.h[k].mount : "");
	r = fs_loop_run(se, threads, &d.restart, stop_bound, d.bound);
	if (r < 0)
		fprintf(stderr, "vprocfs: cannot start workers: %s\n", strerror(-r));
	ret = r < 0 ? 1 : 0;
	/* Under a service manager the connection lives on in its fd store for the next start,
	 * unless the manager is stopping us for good (see README "Restarts"). Otherwise the
	 * mount goes with the daemon. */
	final = !d.restart.notify || vp_restart_stop_kind() == VP_STOP_FINAL;
	/* The agent's fds stay in the store for the next start, as the connection does. */
	sc_agent_free(agent, final);
	if (!d.restart.notify) {
		fuse_session_unmount(se);
	} else if (final) {
		fprintf(stderr, "vprocfs: stopping for good: unmounting %s\n", mp);
		vp_restart_forget();
		if (d.restart.attached)
			umount2(mp, MNT_DETACH);
		else
			fuse_session_unmount(se);
	}
	goto out_session;
out_unmount:
	if (!inherited)
		fuse_session_unmount(se);
out_session:
	fs_bound_stop(d.bound); /* it notifies through se */
	fuse_session_destroy(se);
out_daemon:
	daemon_done(&d);
	vp_restart_done(&d.restart);
out_args:
	fuse_opt_free_args(&args);
	return ret;
}
