/* The core's lifecycle and its views: from a caller to the view it gets, a view as text
 * (kept across restarts by fs/) and back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "proc_views/stat.h"
#include "util/cleanup.h"
#include "util/fileio.h"
#include "util/parse.h"

/* "what arg: strerror(r)" into msg; returns r. */
static int say(char *msg, size_t msgsz, int r, const char *what, const char *arg)
{
	if (msg && msgsz)
		snprintf(msg, msgsz, "%s%s%s: %s", what, *arg ? " " : "", arg, strerror(-r));
	return r;
}

/* The host's files of the table's rows; v2_only rows only where the memory controller is on
 * cgroup v2 and the host has them all (no /proc/pressure: a kernel without PSI). */
static int open_host_files(struct vp_core *c, const struct vp_core_config *cfg, char *msg,
			   size_t msgsz)
{
	struct strbuf sb = STRBUF_INIT;
	char path[4096];
	int r;

	c->v2_rows = c->layout.h[CG_MEMORY].version == CG_V2;
	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i];

		if (e->file < 0 || (e->v2_only && !c->v2_rows))
			continue;
		snprintf(path, sizeof(path), "%s/%s",
			 e->host_root == VP_HOST_PROC ? cfg->procfs : cfg->sysfs, e->host_rel);
		c->host_fd[e->file] = open(path, O_RDONLY | O_CLOEXEC);
		if (c->host_fd[e->file] < 0 && e->v2_only && errno == ENOENT)
			c->v2_rows = false;
		else if (c->host_fd[e->file] < 0)
			return say(msg, msgsz, -errno, "cannot open", path);
	}
	snprintf(path, sizeof(path), "%s/devices/system/cpu", cfg->sysfs);
	c->cpu_sysfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->cpu_sysfd < 0)
		return say(msg, msgsz, -errno, "cannot open", path);
	c->host_online_fd = openat(c->cpu_sysfd, "online", O_RDONLY | O_CLOEXEC);
	if (c->host_online_fd < 0)
		return say(msg, msgsz, -errno, "cannot open the online file of", path);
	/* NR_CPUS - 1; only shown (kernel_max), so a host without the file shows 8191. */
	{
		uint64_t km;

		c->kernel_max = 8191;
		if (read_file_at(c->cpu_sysfd, "kernel_max", &sb) == 0 && sb.buf &&
		    parse_u64_line(sb.buf, &km) == 0 && km < 65536)
			c->kernel_max = (unsigned)km;
	}
	for (size_t i = 0; i < vp_nentries && !c->v2_rows; i++) {
		const struct vp_entry *e = &vp_entries[i];

		if (e->file >= 0 && e->v2_only && c->host_fd[e->file] >= 0) {
			close(c->host_fd[e->file]);
			c->host_fd[e->file] = -1;
		}
	}
	r = read_fd_all(c->host_fd[VP_STAT], &sb);
	if (r >= 0)
		r = pv_host_stat_btime(sb.buf ? sb.buf : "", &c->btime);
	sb_release(&sb);
	if (r < 0)
		return say(msg, msgsz, r, "no btime in the stat file of", cfg->procfs);
	return 0;
}

/* The size of a PMD-mapped transparent huge page, for vmstat's huge page counts: 0 (unknown)
 * on a kernel without THP. */
static int read_thp_size(struct vp_core *c, const struct vp_core_config *cfg, char *msg,
			 size_t msgsz)
{
	struct strbuf sb = STRBUF_INIT;
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/kernel/mm/transparent_hugepage/hpage_pmd_size",
		 cfg->sysfs);
	r = read_file_at(AT_FDCWD, path, &sb);
	if (r >= 0)
		r = parse_u64_line(sb.buf ? sb.buf : "", &c->thp_size);
	sb_release(&sb);
	if (r == -ENOENT) {
		c->thp_size = 0;
		return 0;
	}
	return r < 0 ? say(msg, msgsz, r, "cannot read", path) : 0;
}

int vp_core_new(const struct vp_core_config *cfg, struct vp_core **ret, char *msg, size_t msgsz)
{
	struct vp_core *c = calloc(1, sizeof(*c));
	long hz, page;
	int r;

	if (!c)
		return -ENOMEM;
	for (int i = 0; i < VP_NFILES; i++)
		c->host_fd[i] = -1;
	c->procfd = -1;
	c->cpu_sysfd = -1;
	c->host_online_fd = -1;
	for (int k = 0; k < CG_NCONTROLLERS; k++)
		c->layout.h[k].rootfd = -1;
	c->cpu_count = cfg->cpu_count;
	hz = cfg->hz ? (long)cfg->hz : sysconf(_SC_CLK_TCK);
	c->hz = hz > 0 && hz < 1000000 ? (unsigned)hz : 100;
	page = sysconf(_SC_PAGESIZE);
	c->page_size = page > 0 ? (uint64_t)page : 4096;
	vp_host_cache_init(&c->host_meminfo);
	vp_host_cache_init(&c->host_cpuinfo);
	vp_host_cache_init(&c->host_online);
	vp_host_cache_init(&c->host_vmstat);
	vp_host_cache_init(&c->host_diskstats);
	if (cfg->cgroup_dir) {
		r = cg_layout_from_dir(cfg->cgroup_dir, cfg->cgroup_version, &c->layout);
	} else {
		r = cg_layout_discover(cfg->fd_budget ? cfg->fd_budget : CG_DEFAULT_FD_BUDGET,
				       &c->layout);
	}
	if (r < 0) {
		say(msg, msgsz, r, "no memory cgroup controller found", "");
		goto fail;
	}
	r = cg_nscache_new(cfg->procfs, &c->ns);
	if (r < 0) {
		say(msg, msgsz, r, "cannot open", cfg->procfs);
		goto fail;
	}
	if (cfg->no_pidfd)
		cg_nscache_disable_pidfd(c->ns);
	c->procfd = open(cfg->procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->procfd < 0) {
		r = say(msg, msgsz, -errno, "cannot open", cfg->procfs);
		goto fail;
	}
	r = open_host_files(c, cfg, msg, msgsz);
	if (r >= 0)
		r = read_thp_size(c, cfg, msg, msgsz);
	if (r < 0)
		goto fail;
	r = vp_ctrs_new(c, &c->ctrs);
	if (r >= 0)
		r = vp_callers_new(&c->callers);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	vp_core_free(c);
	return r;
}

void vp_core_free(struct vp_core *c)
{
	if (!c)
		return;
	vp_ctrs_free(c->ctrs);
	vp_callers_free(c->callers);
	vp_host_cache_done(&c->host_meminfo);
	vp_host_cache_done(&c->host_cpuinfo);
	vp_host_cache_done(&c->host_online);
	vp_host_cache_done(&c->host_vmstat);
	vp_host_cache_done(&c->host_diskstats);
	for (int i = 0; i < VP_NFILES; i++)
		if (c->host_fd[i] >= 0)
			close(c->host_fd[i]);
	if (c->procfd >= 0)
		close(c->procfd);
	if (c->cpu_sysfd >= 0)
		close(c->cpu_sysfd);
	if (c->host_online_fd >= 0)
		close(c->host_online_fd);
	cg_nscache_free(c->ns);
	cg_layout_done(&c->layout);
	free(c);
}

int vp_core_start_sampler(struct vp_core *c)
{
	return vp_ctrs_start_sampler(c->ctrs);
}

bool vp_core_serves(const struct vp_core *c, const struct vp_entry *e)
{
	return !e->v2_only || c->v2_rows;
}

/* ---- views ------------------------------------------------------------------------------ */

int vp_view_of(struct vp_core *core, pid_t tid, unsigned mask, struct vp_view *ret)
{
	struct vp_view v = {0};
	int r;

	if (mask == CG_MASK_ALL)
		return vp_view_recall(core, tid, ret, NULL, NULL);
	r = cg_caller_resolve(core->ns, &core->layout, tid, mask, &v.c);

	for (int k = 0; k < CG_NCONTROLLERS && r >= 0; k++)
		r = cg_dir_ino(&core->layout.h[k], v.c.path[k], &v.ino[k]);
	if (r < 0) {
		vp_view_done(&v);
		return r;
	}
	*ret = v;
	return 0;
}

void vp_view_done(struct vp_view *v)
{
	cg_caller_done(&v->c);
	memset(v->ino, 0, sizeof(v->ino));
}

/* Whether a controller's path is the hierarchy root (an unmounted controller, NULL, does
 * not make a caller a container). */
static bool is_root(const char *path)
{
	return !path || strcmp(path, "/") == 0;
}

/* Without CPU accounting nothing is known about the view's CPU use, nor without a memory
 * path (the memory controller is always mounted: the view's mask left it out) about its
 * memory, nor without a blkio path about its I/O: not "host", so the renderer decides
 * instead of passing the host's file to a container. */
bool vp_view_is_host(const struct vp_view *v, enum vp_view_kind kind)
{
	const struct cg_caller *c = &v->c;

	if (kind == VP_VIEW_MEMORY)
		return c->path[CG_MEMORY] && is_root(c->path[CG_MEMORY]);
	if (kind == VP_VIEW_IO)
		return c->path[CG_BLKIO] && is_root(c->path[CG_BLKIO]);
	return c->path[CG_CPUACCT] && is_root(c->path[CG_CPUACCT]) && is_root(c->path[CG_CPU]) &&
	       is_root(c->path[CG_CPUSET]);
}

/*
 * The text of a view: "vpview2 NS MEMORY CPU CPUACCT CPUSET BLKIO" where NS is "host" or
 * "LEVEL:INIT:START" and each path is "-" (none) or the cgroup path with bytes outside
 * '!'..'~' and '%' written as %XX. One line, no spaces inside fields.
 *
 * "vpview1" texts, from releases before the blkio controller, have four paths (and four
 * inode numbers): a daemon that takes over from one reads its slots back with no blkio path,
 * so the files its containers mounted keep working (the files that need blkio, which those
 * releases did not serve, fail for such views).
 */
#define VIEW_MAGIC "vpview2"
#define VIEW_MAGIC_V1 "vpview1"
#define VIEW_V1_CONTROLLERS 4
_Static_assert(sizeof(VIEW_MAGIC) == sizeof(VIEW_MAGIC_V1), "one length of magic");
_Static_assert(VIEW_V1_CONTROLLERS < CG_NCONTROLLERS, "v1 texts name the first controllers");

/* Append byte ch to out (NUL kept after it). */
static int put_ch(char *out, size_t outsz, size_t *pos, char ch)
{
	if (*pos + 1 >= outsz)
		return -ENAMETOOLONG;
	out[(*pos)++] = ch;
	out[*pos] = '\0';
	return 0;
}

static int put_str(char *out, size_t outsz, size_t *pos, const char *s)
{
	int r = 0;

	for (; *s && r >= 0; s++)
		r = put_ch(out, outsz, pos, *s);
	return r;
}

int vp_view_format(const struct vp_view *v, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	const struct cg_caller *c = &v->c;
	char ns[80];
	size_t pos = 0;
	int r;

	if (outsz == 0)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (c->host_ns)
		snprintf(ns, sizeof(ns), "host");
	else
		snprintf(ns, sizeof(ns), "%u:%d:%llu", c->ns_level, (int)c->init, c->init_start);
	r = put_str(out, outsz, &pos, VIEW_MAGIC " ");
	if (r >= 0)
		r = put_str(out, outsz, &pos, ns);
	for (int k = 0; k < CG_NCONTROLLERS && r >= 0; k++) {
		const unsigned char *p = (const unsigned char *)c->path[k];

		r = put_str(out, outsz, &pos, p ? " " : " -");
		for (; p && *p && r >= 0; p++) {
			if (*p > ' ' && *p < 0x7f && *p != '%') {
				r = put_ch(out, outsz, &pos, (char)*p);
				continue;
			}
			r = put_ch(out, outsz, &pos, '%');
			if (r >= 0)
				r = put_ch(out, outsz, &pos, hex[*p >> 4]);
			if (r >= 0)
				r = put_ch(out, outsz, &pos, hex[*p & 15]);
		}
	}
	/* " i=MEMORY,CPU,CPUACCT,CPUSET,BLKIO" when any inode number is known. */
	for (int k = 0; k < CG_NCONTROLLERS && r >= 0; k++) {
		if (!v->ino[k])
			continue;
		r = put_str(out, outsz, &pos, " i=");
		for (int j = 0; j < CG_NCONTROLLERS && r >= 0; j++) {
			char num[24];

			snprintf(num, sizeof(num), "%s%llu", j ? "," : "",
				 (unsigned long long)v->ino[j]);
			r = put_str(out, outsz, &pos, num);
		}
		break;
	}
	return r;
}

static int unhex(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* One path field [s, e) into a malloc()ed string (NULL for "-"). */
static int parse_path(const char *s, const char *e, char **ret)
{
	char *p, *o;

	*ret = NULL;
	if (e - s == 1 && *s == '-')
		return 0;
	if (e == s || *s != '/')
		return -EINVAL;
	p = o = malloc((size_t)(e - s) + 1);
	if (!p)
		return -ENOMEM;
	for (; s < e; s++) {
		if (*s == '%') {
			int hi = e - s > 2 ? unhex(s[1]) : -1, lo = hi >= 0 ? unhex(s[2]) : -1;

			if (lo < 0 || (hi == 0 && lo == 0)) {
				free(p);
				return -EINVAL;
			}
			*o++ = (char)(hi * 16 + lo);
			s += 2;
		} else if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f) {
			free(p);
			return -EINVAL;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	*ret = p;
	return 0;
}

/* The NS field [s, e) other than "host": "LEVEL:INIT:START", each a whole decimal number
 * in range (sscanf() would take signs, spaces and overflowing numbers). */
static int parse_ns(const char *s, const char *e, struct cg_caller *c)
{
	uint64_t v[3];

	for (int i = 0; i < 3; i++) {
		const char *end = i < 2 ? memchr(s, ':', (size_t)(e - s)) : e;

		if (!end || parse_u64_n(s, (size_t)(end - s), &v[i]) < 0)
			return -EINVAL;
		s = end + 1;
	}
	if (v[0] == 0 || v[0] > 32 || v[1] == 0 || v[1] > INT32_MAX)
		return -EINVAL;
	c->ns_level = (unsigned)v[0];
	c->init = (pid_t)v[1];
	c->init_start = v[2];
	return 0;
}

int vp_view_parse(const char *text, struct vp_view *ret)
{
	struct cg_caller c = {0};
	uint64_t ino[CG_NCONTROLLERS] = {0};
	const char *s = text, *e;
	int n, r = 0;

	if (strncmp(s, VIEW_MAGIC " ", strlen(VIEW_MAGIC) + 1) == 0)
		n = CG_NCONTROLLERS;
	else if (strncmp(s, VIEW_MAGIC_V1 " ", strlen(VIEW_MAGIC_V1) + 1) == 0)
		n = VIEW_V1_CONTROLLERS;
	else
		return -EINVAL;
	s += strlen(VIEW_MAGIC) + 1;
	e = strchr(s, ' ');
	if (!e)
		return -EINVAL;
	if (e - s == 4 && strncmp(s, "host", 4) == 0)
		c.host_ns = true;
	else if (parse_ns(s, e, &c) < 0)
		return -EINVAL;
	for (int k = 0; k < n && r >= 0; k++) {
		if (*e != ' ') {
			r = -EINVAL;
			break;
		}
		s = e + 1;
		e = s + strcspn(s, " ");
		r = parse_path(s, e, &c.path[k]);
	}
	if (r >= 0 && strncmp(e, " i=", 3) == 0) {
		/* The inode numbers: one per path, comma-separated, not all 0 (that is written
		 * as no field at all). */
		bool any = false;

		s = e + 3;
		for (int k = 0; k < n && r >= 0; k++) {
			size_t len = strspn(s, "0123456789");

			if (len == 0 || (len > 1 && *s == '0') || parse_u64_n(s, len, &ino[k]) < 0 ||
			    s[len] != (k + 1 < n ? ',' : '\0'))
				r = -EINVAL;
			any |= ino[k] != 0;
			s += len + (k + 1 < n);
		}
		if (r >= 0 && !any)
			r = -EINVAL;
		e = s;
	}
	if (r >= 0 && *e != '\0')
		r = -EINVAL;
	if (r < 0) {
		cg_caller_done(&c);
		return r;
	}
	ret->c = c;
	memcpy(ret->ino, ino, sizeof(ino));
	return 0;
}

int vp_view_alive(struct vp_core *core, const struct vp_view *v)
{
	const struct cg_caller *c = &v->c;
	struct strbuf sb = STRBUF_INIT;
	unsigned long long start;
	char p[32];
	int r;

	if (!c->host_ns) {
		snprintf(p, sizeof(p), "%d/stat", (int)c->init);
		r = read_file_at(core->procfd, p, &sb);
		if (r >= 0)
			r = cg_parse_stat_starttime(sb.buf ? sb.buf : "", &start);
		sb_release(&sb);
		if (r < 0 || start != c->init_start)
			return -ESRCH;
	}
	for (int k = 0; k < CG_NCONTROLLERS; k++) {
		uint64_t ino;

		if (cg_dir_ino(&core->layout.h[k], c->path[k], &ino) < 0 ||
		    (v->ino[k] && ino != v->ino[k]))
			return -ESRCH;
	}
	return 0;
}
