/* The unit tests' fake host (fakehost.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <unistd.h>

#include "core/tree.h"
#include "fakehost.h"
#include "helpers.h"
#include "util/cleanup.h"

struct fake_host fh;

/* Clock ticks after boot, s seconds ago. */
unsigned long long ticks_ago(unsigned s)
{
	unsigned long long now = vp_now_us() * HZ / 1000000;

	cr_assert_gt(now, (unsigned long long)s * HZ, "booted less than %u s ago", s);
	return now - (unsigned long long)s * HZ;
}

/* The host's files: the fixture's /proc files (v1 has no uptime, loadavg or swaps: v2's),
 * with 1 GiB of swap so that containers' swap limits show; /proc/pressure from the v2 root
 * cgroup's *.pressure (the kernel's system-wide figures), on both hosts (a v1 host's kernel
 * may keep them too); CPUs `online` and the huge page size in /sys. */
static void host_files(const char *fx, const char *online)
{
	static const char *const names[] = {"cpuinfo", "stat",   "uptime",   "loadavg",
					    "swaps",   "vmstat", "diskstats"};
	static const char *const psi[] = {"cpu", "memory", "io"};
	static const char *const ranges[] = {"online", "possible", "present"};
	char p[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		_cleanup_free_ char *text = NULL;

		snprintf(p, sizeof(p), "%s/proc/%s", fx, names[i]);
		if (access(p, R_OK) != 0)
			snprintf(p, sizeof(p), "fixtures/v2/proc/%s", names[i]);
		text = fixture(p);
		tmp_write(fh.proc, names[i], text);
	}
	{
		_cleanup_free_ char *text = NULL, *a = NULL, *b = NULL;

		snprintf(p, sizeof(p), "%s/proc/meminfo", fx);
		text = fixture(p);
		a = replace_line(text, "SwapTotal:", "SwapTotal:       1048576 kB");
		b = replace_line(a, "SwapFree:", "SwapFree:        1048576 kB");
		tmp_write(fh.proc, "meminfo", b);
	}
	for (size_t i = 0; i < sizeof(psi) / sizeof(psi[0]); i++) {
		_cleanup_free_ char *text = NULL;

		snprintf(p, sizeof(p), "fixtures/v2/cgroup/%s.pressure", psi[i]);
		text = fixture(p);
		snprintf(p, sizeof(p), "pressure/%s", psi[i]);
		tmp_write(fh.proc, p, text);
	}
	tmp_write(fh.proc, "sys/kernel/ns_last_pid", "4242\n");
	fh.sys = tmpdir_new();
	tmp_write(fh.sys, "kernel/mm/transparent_hugepage/hpage_pmd_size", "2097152\n");
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "devices/system/cpu/%s", ranges[i]);
		tmp_write(fh.sys, p, online);
	}
}

void core_open(enum cg_version v, enum pv_cpu_count count)
{
	struct vp_core_config cfg = {.procfs = fh.proc,
				     .sysfs = fh.sys,
				     .cgroup_dir = fh.cg,
				     .cgroup_version = v,
				     .cpu_count = count,
				     .hz = HZ,
				     .no_pidfd = true};
	char msg[512] = "";

	cr_assert_eq(vp_core_new(&cfg, &fh.core, msg, sizeof(msg)), 0, "%s", msg);
}

/*
 * The v2 fixture host (16 CPUs): pid 1 in the root cgroup; the container vp_fixture/ctr
 * (cpuset 2-3, quota 0.5 CPU, memory.max 256 MiB, swap 128 MiB) whose threads 403 405 406 408
 * 409 are in pid namespace "ctr", 403 its init, started 100 s ago; 700, a process of the
 * host's pid namespace in the container's cgroup (not among its threads: a reader); 800 in
 * the pod vp_fixture (no threads of its own).
 */
void v2_host(enum pv_cpu_count count)
{
	static const struct {
		pid_t pid;
		char state;
		unsigned age;
		const char *nspid;
	} ctr[] = {{403, 'S', 100, "403\t1"},
		   {405, 'R', 90, "405\t7"},
		   {406, 'D', 80, "406\t8"},
		   {408, 'R', 70, "408\t9"},
		   {409, 'S', 60, "409\t10"}};

	fh.proc = fake_proc_new();
	host_files("fixtures/v2", "0-15\n");
	fh.cg = tmp_copy_tree("fixtures/v2/cgroup");
	fake_pid(fh.proc, 1, "host", 0, "1", "0::/\n");
	fake_stat(fh.proc, 1, 'S', 1);
	for (size_t i = 0; i < sizeof(ctr) / sizeof(ctr[0]); i++) {
		unsigned long long start = ticks_ago(ctr[i].age);

		fake_pid(fh.proc, ctr[i].pid, "ctr", i == 0 ? 398 : 403, ctr[i].nspid,
			 "0::" V2_CTR "\n");
		fake_stat(fh.proc, ctr[i].pid, ctr[i].state, start);
		if (i == 0)
			fh.init_start = start;
	}
	fake_pid(fh.proc, 700, "host", 1, "700", "0::" V2_CTR "\n");
	fake_stat(fh.proc, 700, 'S', ticks_ago(30));
	fake_pid(fh.proc, 800, "host", 1, "800", "0::/vp_fixture\n");
	fake_stat(fh.proc, 800, 'S', ticks_ago(20));
	core_open(CG_V2, count);
}

/* The v1 fixture host (2 CPUs): pid 1 in the root cgroups; 6543, the only task of the
 * container pod/ctr (cpuset 1, quota 0.5 CPU, 256 MiB, memsw 384 MiB), in the host's pid
 * namespace, running, started 300 s ago. */
void v1_host(void)
{
	fh.proc = fake_proc_new();
	host_files("fixtures/v1", "0-1\n");
	fh.cg = tmp_copy_tree("fixtures/v1/cgroup");
	fake_pid(fh.proc, 1, "host", 0, "1",
		 "5:blkio:/\n4:memory:/\n3:cpuset:/\n2:cpu,cpuacct:/\n0::/\n");
	fake_stat(fh.proc, 1, 'S', 1);
	fake_pid(fh.proc, 6543, "host", 1, "6543",
		 "5:blkio:" V1_CTR "\n4:memory:" V1_CTR "\n3:cpuset:" V1_CTR
		 "\n2:cpu,cpuacct:" V1_CTR "\n1:name=systemd:/user.slice\n0::/user.slice\n");
	fh.task_start = ticks_ago(300);
	fake_stat(fh.proc, 6543, 'R', fh.task_start);
	core_open(CG_V1, PV_COUNT_QUOTA);
}

void host_done(void)
{
	vp_core_free(fh.core);
	tmp_remove(fh.proc);
	tmp_remove(fh.sys);
	tmp_remove(fh.cg);
	fh = (struct fake_host){0};
}

/* ---- renderings on the fake host ----------------------------------------------------- */

/* File f for the view of tid (every controller), into out; err gets the error text. */
int render_err(pid_t tid, enum vp_file f, struct strbuf *out, char *err, size_t errsz)
{
	struct vp_view v;
	int r = vp_view_of(fh.core, tid, CG_MASK_ALL, &v);

	cr_assert_eq(r, 0, "view of %d: %d", (int)tid, r);
	err[0] = '\0';
	r = vp_render(fh.core, f, &v, tid, out, err, errsz);
	vp_view_done(&v);
	return r;
}

/* File f for the view of tid (malloc()ed); it must render. */
char *render(pid_t tid, enum vp_file f)
{
	struct strbuf out = STRBUF_INIT;
	char err[512];
	char *text;

	cr_assert_eq(render_err(tid, f, &out, err, sizeof(err)), 0, "%s", err);
	text = strdup(out.buf ? out.buf : "");
	cr_assert_not_null(text);
	sb_release(&out);
	return text;
}

/* File path (below the tree row at root) of tid's view, through the tree's node numbers as
 * the FUSE side walks them. */
char *render_tree_at(pid_t tid, const char *root, const char *path)
{
	struct strbuf out = STRBUF_INIT;
	struct vp_view v;
	char err[512] = "", comp[64];
	unsigned node = vp_entry_by_path(root)->node;
	bool dir = true;
	char *text;

	cr_assert_eq(vp_view_of(fh.core, tid, CG_MASK_ALL, &v), 0);
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");

		cr_assert(dir && n < sizeof(comp), "%s", path);
		memcpy(comp, p, n);
		comp[n] = '\0';
		cr_assert_eq(vp_tree_child(fh.core, &v, node, comp, &node, &dir), 0, "%s", path);
		p += n + (p[n] == '/');
	}
	cr_assert(!dir, "%s is a directory", path);
	cr_assert_eq(vp_tree_render(fh.core, &v, node, &out, err, sizeof(err)), 0, "%s", err);
	vp_view_done(&v);
	text = strdup(out.buf ? out.buf : "");
	cr_assert_not_null(text);
	sb_release(&out);
	return text;
}

int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0'))
		n += strncmp(l, prefix, strlen(prefix)) == 0;
	return n;
}

/* Breaking cgroup file rel (removed when content is NULL) makes the files of fail[] fail
 * for the container, with an error naming the file and the container, and leaves ok[] be. */
void assert_broken(const char *rel, const char *content, const enum vp_file *fail,
			  size_t nfail, enum vp_file ok)
{
	_cleanup_free_ char *saved = NULL;
	struct strbuf out = STRBUF_INIT;
	char p[4200], err[512];

	snprintf(p, sizeof(p), "%s%s", fh.cg, rel);
	saved = fixture(p);
	if (content)
		tmp_write(fh.cg, rel, content);
	else
		tmp_unlink(fh.cg, rel);
	for (size_t i = 0; i < nfail; i++) {
		const char *path = vp_entry_of_file(fail[i])->path;
		int r = render_err(405, fail[i], &out, err, sizeof(err));

		cr_assert_lt(r, 0, "%s with %s broken:\n%s", path, rel, out.buf);
		cr_assert_neq(r, -ESRCH, "%s", path);
		cr_assert(strstr(err, path) && strstr(err, V2_CTR), "%s: %s", path, err);
		cr_assert(strstr(err, strerror(-r)), "%s", err);
	}
	cr_assert_eq(render_err(405, ok, &out, err, sizeof(err)), 0, "%s: %s", rel, err);
	tmp_write(fh.cg, rel, saved);
	for (size_t i = 0; i < nfail; i++)
		cr_assert_eq(render_err(405, fail[i], &out, err, sizeof(err)), 0, "%s", err);
	sb_release(&out);
}
