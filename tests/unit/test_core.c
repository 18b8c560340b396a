/* core/ on a fake host: a fake /proc and /sys in temporary directories (the host's files from
 * the fixtures; processes whose pid namespaces are hard links, see helpers.c) and a copy of a
 * fixture cgroup tree as every controller. Inits are told by their start time (no_pidfd), so
 * no process of the fake /proc needs to exist, and no root is needed. What a fake /proc cannot
 * stand for (pidfds, real namespaces, cgroupfs's kept files) the integration tests cover. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "core/tree.h"
#include "fakehost.h"
#include "helpers.h"
#include "util/cleanup.h"
#include "util/parse.h"

TestSuite(core, .fini = host_done);

/* ---- lifecycle ---------------------------------------------------------------------------- */

/* vp_core_new() on the v2 fake host with file rel of root (/proc or /sys) removed, or its
 * content replaced when content is not NULL: the error names what is wrong. */
static void assert_new_fails(const char *root, const char *rel, const char *content,
			     const char *want)
{
	struct vp_core_config cfg = {.procfs = fh.proc, .sysfs = fh.sys, .cgroup_dir = fh.cg,
				     .cgroup_version = CG_V2, .hz = HZ, .no_pidfd = true};
	struct vp_core *c = NULL;
	_cleanup_free_ char *saved = NULL;
	char p[4200], msg[512] = "";

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	saved = fixture(p);
	if (content)
		tmp_write(root, rel, content);
	else
		tmp_unlink(root, rel);
	cr_assert_lt(vp_core_new(&cfg, &c, msg, sizeof(msg)), 0, "%s", rel);
	cr_assert_null(c);
	cr_assert(strstr(msg, want), "%s: %s", rel, msg);
	tmp_write(root, rel, saved);
}

Test(core, new_fails_naming_what_is_wrong)
{
	char want[4200];

	v2_host(PV_COUNT_QUOTA);
	snprintf(want, sizeof(want), "%s/meminfo", fh.proc);
	assert_new_fails(fh.proc, "meminfo", NULL, want);
	snprintf(want, sizeof(want), "the online file of %s/devices/system/cpu", fh.sys);
	assert_new_fails(fh.sys, "devices/system/cpu/online", NULL, want);
	assert_new_fails(fh.proc, "stat", "cpu  1 2 3 4\n", "no btime");
	/* Last: restored as a plain file, not the namespace link. */
	assert_new_fails(fh.proc, "self/ns/pid", NULL, fh.proc);
}

/* The load sampler thread starts, and stops with the core at once. */
Test(core, sampler_stops_with_the_core, .timeout = 10)
{
	v2_host(PV_COUNT_QUOTA);
	cr_assert_eq(vp_core_start_sampler(fh.core), 0);
	vp_core_free(fh.core);
	fh.core = NULL;
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* File f for the view of tid (every controller), into out; err gets the error text. */
static int render_err(pid_t tid, enum vp_file f, struct strbuf *out, char *err, size_t errsz)
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
static char *render(pid_t tid, enum vp_file f)
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
static char *render_tree_at(pid_t tid, const char *root, const char *path)
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

static char *render_tree(pid_t tid, const char *path)
{
	return render_tree_at(tid, "sys/devices/system/cpu", path);
}

/* A meminfo figure in kB. */
static uint64_t kb(const char *meminfo, const char *key)
{
	size_t len;
	const char *p = find_line(meminfo, key, &len);
	uint64_t v;

	cr_assert_not_null(p, "no %s in:\n%s", key, meminfo);
	cr_assert_eq(sscanf(p, " %" SCNu64 " kB", &v), 1, "%s%.*s", key, (int)len, p);
	return v;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0'))
		n += strncmp(l, prefix, strlen(prefix)) == 0;
	return n;
}

/* The numbers of the "cpu" line and of each "cpuN" line of /proc/stat, in order. */
static size_t stat_counters(const char *stat, unsigned long long *v, size_t max)
{
	size_t n = 0;

	for (const char *l = stat; *l && strncmp(l, "cpu", 3) == 0; l = strchr(l, '\n') + 1) {
		const char *p = l + strcspn(l, " ");
		int used;
		unsigned long long x;

		while (sscanf(p, " %llu%n", &x, &used) == 1 && n < max) {
			v[n++] = x;
			p += used;
			if (*p == '\n')
				break;
		}
		cr_assert_not_null(strchr(l, '\n'));
	}
	return n;
}

/* /proc/uptime for tid: its first figure, in hundredths of a second, is the age of what
 * started at start_ticks, at the time of reading; idle at most C x that (quota 0.5 CPU). */
static void assert_uptime(pid_t tid, unsigned long long start_ticks)
{
	unsigned long long us, uf, is, iff;
	uint64_t start_us = start_ticks * 1000000 / HZ, up_cs, idle_cs;
	uint64_t before = vp_now_us();
	_cleanup_free_ char *text = render(tid, VP_UPTIME);
	uint64_t after = vp_now_us();

	cr_assert_eq(sscanf(text, "%llu.%2llu %llu.%2llu\n", &us, &uf, &is, &iff), 4, "%s", text);
	up_cs = us * 100 + uf;
	idle_cs = is * 100 + iff;
	cr_assert(up_cs >= (before - start_us) / 10000 && up_cs <= (after - start_us) / 10000,
		  "uptime %s for an age of %" PRIu64 " to %" PRIu64 " us", text, before - start_us,
		  after - start_us);
	cr_assert_leq(idle_cs, up_cs / 2 + 1, "%s", text);
}

/* ---- views --------------------------------------------------------------------------------- */

static void assert_paths(const struct vp_view *v, const char *path, unsigned mask)
{
	for (int k = 0; k < CG_NCONTROLLERS; k++) {
		if (mask & (1u << k))
			cr_assert_str_eq(v->c.path[k] ? v->c.path[k] : "(null)", path, "controller %d",
					 k);
		else
			cr_assert_null(v->c.path[k], "controller %d", k);
	}
}

Test(core, view_of_container_host_and_gone)
{
	struct vp_view v;

	v2_host(PV_COUNT_QUOTA);
	/* A thread of the container in its own pid namespace. */
	cr_assert_eq(vp_view_of(fh.core, 405, CG_MASK_ALL, &v), 0);
	assert_paths(&v, V2_CTR, CG_MASK_ALL);
	cr_assert_not(v.c.host_ns);
	cr_assert_eq(v.c.init, 403);
	cr_assert_eq(v.c.init_start, fh.init_start);
	cr_assert_eq(v.c.ns_level, 1);
	cr_assert_not(vp_view_is_host(&v, VP_VIEW_MEMORY));
	cr_assert_not(vp_view_is_host(&v, VP_VIEW_CPU));
	vp_view_done(&v);
	/* A process of the host's pid namespace in the container's cgroup. */
	cr_assert_eq(vp_view_of(fh.core, 700, CG_MASK_ALL, &v), 0);
	assert_paths(&v, V2_CTR, CG_MASK_ALL);
	cr_assert(v.c.host_ns);
	cr_assert_eq(v.c.init, 0);
	cr_assert_not(vp_view_is_host(&v, VP_VIEW_CPU));
	vp_view_done(&v);
	/* The root cgroup: the host's files. */
	cr_assert_eq(vp_view_of(fh.core, 1, CG_MASK_ALL, &v), 0);
	assert_paths(&v, "/", CG_MASK_ALL);
	cr_assert(v.c.host_ns);
	cr_assert(vp_view_is_host(&v, VP_VIEW_MEMORY));
	cr_assert(vp_view_is_host(&v, VP_VIEW_CPU));
	vp_view_done(&v);
	/* Gone, or never there. */
	cr_assert_eq(vp_view_of(fh.core, 999999, CG_MASK_ALL, &v), -ESRCH);
	cr_assert_eq(vp_view_of(fh.core, 0, CG_MASK_ALL, &v), -ESRCH);
}

Test(core, view_of_with_a_mask)
{
	const unsigned mem = 1u << CG_MEMORY, cpu = CG_MASK_ALL & ~mem;
	struct vp_view v;

	v2_host(PV_COUNT_QUOTA);
	cr_assert_eq(vp_view_of(fh.core, 405, mem, &v), 0);
	assert_paths(&v, V2_CTR, mem);
	cr_assert_not(vp_view_is_host(&v, VP_VIEW_MEMORY));
	vp_view_done(&v);
	cr_assert_eq(vp_view_of(fh.core, 405, cpu, &v), 0);
	assert_paths(&v, V2_CTR, cpu);
	cr_assert_not(vp_view_is_host(&v, VP_VIEW_CPU));
	/* Nothing is known of its memory: not the host's either. */
	cr_assert_not(vp_view_is_host(&v, VP_VIEW_MEMORY));
	vp_view_done(&v);
	/* The root cgroup without CPU accounting is nobody's CPU view: not the host's. */
	cr_assert_eq(vp_view_of(fh.core, 1, mem, &v), 0);
	assert_paths(&v, "/", mem);
	cr_assert(vp_view_is_host(&v, VP_VIEW_MEMORY));
	cr_assert_not(vp_view_is_host(&v, VP_VIEW_CPU));
	vp_view_done(&v);
}

/* A container's view without the controllers a file reads fails; it never gets the host's
 * file. */
Test(core, view_without_the_files_controllers_fails)
{
	const unsigned mem = 1u << CG_MEMORY, cpu = CG_MASK_ALL & ~mem;
	struct strbuf out = STRBUF_INIT;
	char err[512];
	struct vp_view v;

	v2_host(PV_COUNT_QUOTA);
	cr_assert_eq(vp_view_of(fh.core, 405, cpu, &v), 0);
	cr_assert_eq(vp_render(fh.core, VP_MEMINFO, &v, 405, &out, err, sizeof(err)), -ENODEV,
		     "%s", out.buf);
	cr_assert_eq(vp_render(fh.core, VP_SWAPS, &v, 405, &out, err, sizeof(err)), -ENODEV);
	vp_view_done(&v);
	cr_assert_eq(vp_view_of(fh.core, 405, mem, &v), 0);
	cr_assert_eq(vp_render(fh.core, VP_STAT, &v, 405, &out, err, sizeof(err)), -ENODEV);
	cr_assert_eq(vp_render(fh.core, VP_LOADAVG, &v, 405, &out, err, sizeof(err)), -ENODEV);
	cr_assert_eq(vp_render(fh.core, VP_NFILES, &v, 405, &out, err, sizeof(err)), -EINVAL);
	vp_view_done(&v);
	sb_release(&out);
}

Test(core, view_alive_until_cgroup_or_init_goes)
{
	struct vp_view v, host_ns, parsed;
	char key[512], cmd[4200];

	v2_host(PV_COUNT_QUOTA);
	cr_assert_eq(vp_view_of(fh.core, 405, CG_MASK_ALL, &v), 0);
	cr_assert_eq(vp_view_of(fh.core, 700, CG_MASK_ALL, &host_ns), 0);
	cr_assert_eq(vp_view_alive(fh.core, &v), 0);
	cr_assert_eq(vp_view_alive(fh.core, &host_ns), 0);
	/* A view kept as text across a restart. */
	cr_assert_eq(vp_view_format(&v, key, sizeof(key)), 0);
	cr_assert_eq(vp_view_parse(key, &parsed), 0);
	cr_assert_eq(vp_view_alive(fh.core, &parsed), 0);
	/* The init's pid now belongs to another process (another start time). */
	fake_stat(fh.proc, 403, 'S', fh.init_start + 1);
	cr_assert_eq(vp_view_alive(fh.core, &v), -ESRCH);
	cr_assert_eq(vp_view_alive(fh.core, &parsed), -ESRCH);
	cr_assert_eq(vp_view_alive(fh.core, &host_ns), 0, "no pid namespace of its own");
	fake_stat(fh.proc, 403, 'S', fh.init_start);
	cr_assert_eq(vp_view_alive(fh.core, &v), 0);
	/* The container's cgroup is removed. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s" V2_CTR "'", fh.cg);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(vp_view_alive(fh.core, &v), -ESRCH);
	cr_assert_eq(vp_view_alive(fh.core, &host_ns), -ESRCH);
	vp_view_done(&v);
	vp_view_done(&host_ns);
	vp_view_done(&parsed);
	/* The root cgroup stays. */
	cr_assert_eq(vp_view_of(fh.core, 1, CG_MASK_ALL, &v), 0);
	cr_assert_eq(vp_view_alive(fh.core, &v), 0);
	vp_view_done(&v);
}

/* ---- files --------------------------------------------------------------------------------- */

Test(core, v2_container_files)
{
	_cleanup_free_ char *mem = NULL, *cpuinfo = NULL, *stat = NULL, *swaps = NULL,
			    *load = NULL;

	v2_host(PV_COUNT_QUOTA);
	mem = render(405, VP_MEMINFO);
	cr_assert_eq(kb(mem, "MemTotal:"), 262144, "memory.max, 256 MiB");
	cr_assert_eq(kb(mem, "MemFree:"), 262144 - 118556, "less memory.current");
	cr_assert_eq(kb(mem, "SwapTotal:"), 131072, "memory.swap.max, 128 MiB");
	cr_assert_eq(kb(mem, "SwapFree:"), 131072);
	swaps = render(405, VP_SWAPS);
	cr_assert_str_eq(swaps, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
				"none                                    virtual\t131072\t\t0\t\t-2\n");
	/* Quota 0.5 CPU of the cpuset 2-3: one CPU. */
	cpuinfo = render(405, VP_CPUINFO);
	cr_assert_eq(count_lines(cpuinfo, "processor\t:"), 1, "%s", cpuinfo);
	cr_assert(strncmp(cpuinfo, "processor\t: 0\n", 14) == 0);
	{
		static const char *const ranges[] = {"online", "possible", "present"};

		for (size_t i = 0; i < 3; i++) {
			_cleanup_free_ char *range = render_tree(405, ranges[i]);

			cr_assert_str_eq(range, "0\n", "%s", ranges[i]);
		}
	}
	/* cpu.stat: user 3085751 us, system 84711 us. */
	stat = render(405, VP_STAT);
	cr_assert(strncmp(stat, "cpu  308 0 8 ", 13) == 0, "%s", stat);
	cr_assert(strstr(stat, "\ncpu0 308 0 8 "), "%s", stat);
	cr_assert_null(strstr(stat, "\ncpu1 "));
	cr_assert(strstr(stat, "\nbtime 1795423975\n"), "the host's");
	cr_assert(strstr(stat, "\nprocs_running 2\nprocs_blocked 1\n"), "%s", stat);
	/* Threads 405 and 408 running of 5; the newest, 409, is 10 in the container. */
	load = render(405, VP_LOADAVG);
	cr_assert_str_eq(load, "0.00 0.00 0.00 2/5 10\n");
	assert_uptime(405, fh.init_start);
}

Test(core, v2_host_namespace_reader)
{
	_cleanup_free_ char *mem = NULL, *load = NULL;

	v2_host(PV_COUNT_QUOTA);
	mem = render(700, VP_MEMINFO);
	cr_assert_eq(kb(mem, "MemTotal:"), 262144);
	/* The host's last pid; the container's age from its oldest thread, the init. */
	load = render(700, VP_LOADAVG);
	cr_assert_str_eq(load, "0.00 0.00 0.00 2/5 4242\n");
	assert_uptime(700, fh.init_start);
}

Test(core, v2_loadavg_last_pid_not_in_the_namespace)
{
	_cleanup_free_ char *load = NULL;

	v2_host(PV_COUNT_QUOTA);
	/* The newest thread, 700, has no pid in the container's namespace: the reader's own. */
	tmp_write(fh.cg, V2_CTR "/cgroup.threads", "403\n405\n406\n408\n409\n700\n");
	load = render(406, VP_LOADAVG);
	cr_assert_str_eq(load, "0.00 0.00 0.00 2/6 8\n");
}

Test(core, v2_cpu_count_by_cpuset)
{
	_cleanup_free_ char *cpuinfo = NULL, *online = NULL, *stat = NULL;

	v2_host(PV_COUNT_CPUSET);
	cpuinfo = render(405, VP_CPUINFO);
	cr_assert_eq(count_lines(cpuinfo, "processor\t:"), 2);
	online = render_tree(405, "online");
	cr_assert_str_eq(online, "0-1\n");
	{
		_cleanup_free_ char *mask = render_tree(405, "cpu1/topology/core_cpus");
		_cleanup_free_ char *pkg = render_tree(405, "cpu1/topology/package_cpus_list");
		_cleanup_free_ char *core = render_tree(405, "cpu1/topology/core_id");

		cr_assert_str_eq(mask, "2\n");
		cr_assert_str_eq(pkg, "0-1\n");
		cr_assert_str_eq(core, "1\n");
	}
	stat = render(405, VP_STAT);
	cr_assert(strstr(stat, "\ncpu0 "));
	cr_assert(strstr(stat, "\ncpu1 "));
	cr_assert_null(strstr(stat, "\ncpu2 "));
}

Test(core, v1_container_files)
{
	_cleanup_free_ char *mem = NULL, *swaps = NULL, *cpuinfo = NULL, *online = NULL,
			    *stat = NULL, *load = NULL;

	v1_host();
	mem = render(6543, VP_MEMINFO);
	cr_assert_eq(kb(mem, "MemTotal:"), 262144, "hierarchical_memory_limit, 256 MiB");
	cr_assert_eq(kb(mem, "MemFree:"), 262144 - 41944, "less usage_in_bytes");
	cr_assert_eq(kb(mem, "SwapTotal:"), 131072, "memsw 384 MiB less 256 MiB");
	cr_assert_eq(kb(mem, "SwapFree:"), 131072 - 508);
	swaps = render(6543, VP_SWAPS);
	cr_assert_str_eq(swaps, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
				"none                                    virtual\t131072\t\t508\t\t-2\n");
	cpuinfo = render(6543, VP_CPUINFO);
	cr_assert_eq(count_lines(cpuinfo, "processor\t:"), 1);
	online = render_tree(6543, "online");
	cr_assert_str_eq(online, "0\n");
	/* cpuacct.usage_all: host CPU 1, the cpuset's, 2111993420 ns user. */
	stat = render(6543, VP_STAT);
	cr_assert(strncmp(stat, "cpu  211 0 0 ", 13) == 0, "%s", stat);
	cr_assert(strstr(stat, "\nprocs_running 1\nprocs_blocked 0\n"), "%s", stat);
	cr_assert(strstr(stat, "\nbtime 1795504195\n"));
	load = render(6543, VP_LOADAVG);
	cr_assert_str_eq(load, "0.00 0.00 0.00 1/1 4242\n");
	assert_uptime(6543, fh.task_start);
}

/* ---- vmstat, diskstats, pressure --------------------------------------------------------- */

/* The value of key in vmstat-style text ("key value" lines); the test fails without it. */
static uint64_t kv(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0'))
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return strtoull(l + kl + 1, NULL, 10);
	cr_assert_fail("no %s in:\n%s", key, text);
	return 0;
}

/* The key column of text equals the host's file's, line by line. */
static void assert_host_keys(const char *text, const char *host_rel)
{
	_cleanup_free_ char *host = NULL;
	char p[4200];
	const char *a = text, *b;

	snprintf(p, sizeof(p), "%s/%s", fh.proc, host_rel);
	host = fixture(p);
	for (b = host; *a && *b; a = strchr(a, '\n') + 1, b = strchr(b, '\n') + 1) {
		size_t ka = strcspn(a, " "), kb = strcspn(b, " ");

		cr_assert(ka == kb && strncmp(a, b, ka) == 0, "%.*s vs the host's %.*s", (int)ka, a,
			  (int)kb, b);
	}
	cr_assert(!*a && !*b, "line counts differ:\n%s", text);
}

Test(core, v2_container_vmstat)
{
	_cleanup_free_ char *vm = NULL;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	v2_host(PV_COUNT_QUOTA);
	vm = render(405, VP_VMSTAT);
	assert_host_keys(vm, "vmstat");
	/* MemFree of its meminfo (256 MiB less memory.current), in pages. */
	cr_assert_eq(kv(vm, "nr_free_pages"), (262144 - 118556) * UINT64_C(1024) / page);
	cr_assert_eq(kv(vm, "nr_anon_pages"), 76025856 / page, "memory.stat anon");
	cr_assert_eq(kv(vm, "nr_file_pages"), 43229184 / page);
	cr_assert_eq(kv(vm, "nr_kernel_stack"), 64, "KiB");
	cr_assert_eq(kv(vm, "pgfault"), 19336, "memory.stat's counter");
	cr_assert_eq(kv(vm, "pgmajfault"), 2);
	/* io.stat: 1282048 bytes read, 41943040 written, in KiB. */
	cr_assert_eq(kv(vm, "pgpgin"), 1252);
	cr_assert_eq(kv(vm, "pgpgout"), 40960);
	cr_assert_eq(kv(vm, "oom_kill"), 0);
	cr_assert_eq(kv(vm, "numa_hit"), 0, "no cgroup keeps it");
	/* memory.events is the source of oom_kill. */
	tmp_write(fh.cg, V2_CTR "/memory.events",
		  "low 0\nhigh 3\nmax 9\noom 2\noom_kill 2\noom_group_kill 0\n");
	free(vm);
	vm = render(405, VP_VMSTAT);
	cr_assert_eq(kv(vm, "oom_kill"), 2);
}

Test(core, v1_container_vmstat)
{
	_cleanup_free_ char *vm = NULL;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	v1_host();
	vm = render(6543, VP_VMSTAT);
	assert_host_keys(vm, "vmstat");
	cr_assert_eq(kv(vm, "nr_free_pages"), (262144 - 41944) * UINT64_C(1024) / page);
	cr_assert_eq(kv(vm, "pgfault"), 8642, "total_pgfault");
	cr_assert_eq(kv(vm, "pgmajfault"), 1);
	cr_assert_eq(kv(vm, "workingset_refault_file"), 48);
	/* The blkio pair: 10 MiB read and 10 MiB written, in KiB. */
	cr_assert_eq(kv(vm, "pgpgin"), 10240);
	cr_assert_eq(kv(vm, "pgpgout"), 10240);
	cr_assert_eq(kv(vm, "oom_kill"), 0, "v1 has no memory.events");
}

Test(core, container_diskstats_both_layouts)
{
	_cleanup_free_ char *v2 = NULL, *v1 = NULL;

	v2_host(PV_COUNT_QUOTA);
	v2 = render(405, VP_DISKSTATS);
	/* io.stat's device: reads, sectors read, writes, sectors written; the rest 0. */
	cr_assert(strstr(v2, "\n 254       0 vda 113 0 2504 0 10 0 81920 0 0 0 0 0 0 0 0 0 0\n"
			     " 254      16 vdb 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"),
		  "%s", v2);
	cr_assert(strncmp(v2, "   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", 52) == 0,
		  "%s", v2);
	cr_assert_eq(count_lines(v2, ""), 11, "every device of the host");
	host_done();
	v1_host();
	v1 = render(6543, VP_DISKSTATS);
	/* The blkio pair, discards included: 640 reads, 161 writes, 3 discards of 10 MiB each. */
	cr_assert(strstr(v1, "\n 254       0 vda 640 0 20480 0 161 0 20480 0 0 0 0 3 0 20480 0 0 0\n"),
		  "%s", v1);
	cr_assert_eq(count_lines(v1, ""), 10);
}

static int list_names(const char *name, unsigned node, bool is_dir, void *u)
{
	struct strbuf *sb = u;

	cr_assert(vp_tree_node(node), "%s: %u", name, node);
	return sb_appendf(sb, "%s%s ", name, is_dir ? "/" : "");
}

/* /sys/class/block: NAME/stat per device of the host's diskstats, the figures of the
 * container's diskstats line in sysfs's layout; the host's for the root cgroup. */
Test(core, block_tree_both_layouts)
{
	_cleanup_free_ char *vda = NULL, *vdb = NULL, *v1 = NULL, *host = NULL;
	const unsigned root = vp_entry_by_path("sys/class/block")->node;
	struct strbuf sb = STRBUF_INIT;
	struct vp_view v;
	unsigned node;
	bool dir;

	v2_host(PV_COUNT_QUOTA);
	vda = render_tree_at(405, "sys/class/block", "vda/stat");
	cr_assert_str_eq(vda, "     113        0     2504        0       10        0    81920        0"
			      "        0        0        0        0        0        0        0        0"
			      "        0\n");
	vdb = render_tree_at(405, "sys/class/block", "vdb/stat");
	cr_assert_str_eq(vdb, "       0        0        0        0        0        0        0        0"
			      "        0        0        0        0        0        0        0        0"
			      "        0\n");
	/* The root cgroup: the host's figures. */
	host = render_tree_at(1, "sys/class/block", "vda/stat");
	cr_assert_str_eq(host, "    2905      971  1288570     2308       46        0    82416      151"
			       "        0     1212     2465        8        0      296        4        7"
			       "        0\n");
	/* The listing: the host's devices in its order, each a directory with one file. */
	cr_assert_eq(vp_view_of(fh.core, 405, CG_MASK_ALL, &v), 0);
	cr_assert_eq(vp_tree_list(fh.core, &v, root, list_names, &sb), 0);
	cr_assert_str_eq(sb.buf, "loop0/ loop1/ loop2/ loop3/ loop4/ loop5/ loop6/ loop7/ vda/ vdb/ "
				 "zram0/ ");
	cr_assert_eq(vp_tree_child(fh.core, &v, root, "vda", &node, &dir), 0);
	cr_assert(dir);
	cr_assert_eq(node, VP_BLOCKTREE_BASE | 254u << 21, "the device's numbers");
	cr_assert_eq(vp_tree_parent(node), root);
	sb_reset(&sb);
	cr_assert_eq(vp_tree_list(fh.core, &v, node, list_names, &sb), 0);
	cr_assert_str_eq(sb.buf, "stat ");
	cr_assert_eq(vp_tree_child(fh.core, &v, node, "stat", &node, &dir), 0);
	cr_assert(!dir);
	cr_assert_eq(vp_tree_parent(node), VP_BLOCKTREE_BASE | 254u << 21);
	cr_assert_eq(vp_tree_stat(fh.core, &v, node, &dir), 0);
	cr_assert(!dir);
	/* What the host does not have. */
	cr_assert_eq(vp_tree_child(fh.core, &v, root, "sda", &node, &dir), -ENOENT);
	cr_assert_eq(vp_tree_child(fh.core, &v, VP_BLOCKTREE_BASE | 254u << 21, "size", &node, &dir),
		     -ENOENT);
	cr_assert_eq(vp_tree_stat(fh.core, &v, VP_BLOCKTREE_BASE | 8u << 21 | 1, &dir), -ENOENT);
	cr_assert_eq(vp_tree_render(fh.core, &v, VP_BLOCKTREE_BASE | 8u << 21 | 1, &sb, NULL, 0),
		     -ENOENT);
	cr_assert_eq(vp_tree_render(fh.core, &v, VP_BLOCKTREE_BASE | 254u << 21, &sb, NULL, 0),
		     -EISDIR);
	vp_view_done(&v);
	sb_release(&sb);
	host_done();
	/* v1: the blkio pair, discards included. */
	v1_host();
	v1 = render_tree_at(6543, "sys/class/block", "vda/stat");
	cr_assert_str_eq(v1, "     640        0    20480        0      161        0    20480        0"
			     "        0        0        0        3        0    20480        0        0"
			     "        0\n");
}

/* A cgroup without I/O accounting (v2: the io controller not enabled for it) did no I/O as
 * far as anyone can tell: zeros, not an error; one that is gone is not such a cgroup. */
Test(core, no_io_accounting_is_no_io)
{
	_cleanup_free_ char *vm = NULL, *ds = NULL;
	struct strbuf out = STRBUF_INIT;
	struct vp_view v;
	char err[512], cmd[4200];

	v2_host(PV_COUNT_QUOTA);
	tmp_unlink(fh.cg, V2_CTR "/io.stat");
	vm = render(405, VP_VMSTAT);
	cr_assert_eq(kv(vm, "pgpgin"), 0);
	cr_assert_eq(kv(vm, "pgpgout"), 0);
	cr_assert_eq(kv(vm, "pgfault"), 19336, "the memory figures stay");
	ds = render(405, VP_DISKSTATS);
	cr_assert(strstr(ds, " vda 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"), "%s", ds);
	cr_assert_eq(vp_view_of(fh.core, 405, CG_MASK_ALL, &v), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s" V2_CTR "'", fh.cg);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(vp_render(fh.core, VP_DISKSTATS, &v, 405, &out, err, sizeof(err)), -ESRCH);
	vp_view_done(&v);
	sb_release(&out);
}

Test(core, v2_container_pressure)
{
	static const struct {
		enum vp_file f;
		const char *cgroup_file;
	} psi[] = {{VP_PRESSURE_CPU, "cpu.pressure"},
		   {VP_PRESSURE_MEMORY, "memory.pressure"},
		   {VP_PRESSURE_IO, "io.pressure"}};

	v2_host(PV_COUNT_QUOTA);
	for (size_t i = 0; i < sizeof(psi) / sizeof(psi[0]); i++) {
		_cleanup_free_ char *got = render(405, psi[i].f), *want = NULL;
		char p[4200];

		cr_assert(vp_core_serves(fh.core, vp_entry_of_file(psi[i].f)));
		/* The kernel's format, printed again: the cgroup's file byte for byte. */
		snprintf(p, sizeof(p), "%s" V2_CTR "/%s", fh.cg, psi[i].cgroup_file);
		want = fixture(p);
		cr_assert_str_eq(got, want, "%s", psi[i].cgroup_file);
	}
	/* cpu.pressure before Linux 5.13: no full line. */
	tmp_write(fh.cg, V2_CTR "/cpu.pressure", "some avg10=1.50 avg60=0.00 avg300=0.00 total=7\n");
	{
		_cleanup_free_ char *got = render(405, VP_PRESSURE_CPU);

		cr_assert_str_eq(got, "some avg10=1.50 avg60=0.00 avg300=0.00 total=7\n");
	}
	cr_assert(vp_core_serves(fh.core, vp_entry_by_path("proc/pressure")));
}

/* /proc/pressure is served on v2 hosts only: not on v1 (whatever the kernel keeps), nor on a
 * v2 host whose kernel has no pressure information. */
Test(core, pressure_only_on_v2_hosts_with_psi)
{
	const struct vp_entry *dir = vp_entry_by_path("proc/pressure");
	struct strbuf out = STRBUF_INIT;
	char err[512];

	v1_host();
	cr_assert_not(vp_core_serves(fh.core, dir));
	for (enum vp_file f = VP_PRESSURE_CPU; f <= VP_PRESSURE_IO; f++) {
		cr_assert_not(vp_core_serves(fh.core, vp_entry_of_file(f)));
		cr_assert_eq(render_err(6543, f, &out, err, sizeof(err)), -ENOENT);
		cr_assert_eq(render_err(1, f, &out, err, sizeof(err)), -ENOENT, "nor the host's");
	}
	cr_assert(vp_core_serves(fh.core, vp_entry_of_file(VP_VMSTAT)));
	host_done();
	v2_host(PV_COUNT_QUOTA);
	vp_core_free(fh.core);
	tmp_unlink(fh.proc, "pressure/io");
	core_open(CG_V2, PV_COUNT_QUOTA);
	cr_assert_not(vp_core_serves(fh.core, dir));
	cr_assert_not(vp_core_serves(fh.core, vp_entry_of_file(VP_PRESSURE_CPU)));
	cr_assert_eq(render_err(405, VP_PRESSURE_CPU, &out, err, sizeof(err)), -ENOENT);
	sb_release(&out);
}

/* Every file for a caller in the root cgroup: the host's file, byte for byte. */
static void assert_host_files(void)
{
	for (size_t i = 0; i < vp_nentries; i++) {
		const struct vp_entry *e = &vp_entries[i];
		_cleanup_free_ char *want = NULL, *got = NULL;
		char p[4200];

		if (e->file < 0 || !vp_core_serves(fh.core, e))
			continue;
		snprintf(p, sizeof(p), "%s/%s", e->host_root == VP_HOST_PROC ? fh.proc : fh.sys,
			 e->host_rel);
		want = fixture(p);
		got = render(1, (enum vp_file)e->file);
		cr_assert_str_eq(got, want, "%s", e->path);
	}
}

Test(core, v2_root_cgroup_gets_host_files)
{
	v2_host(PV_COUNT_QUOTA);
	assert_host_files();
}

Test(core, v1_root_cgroup_gets_host_files)
{
	v1_host();
	assert_host_files();
}

/* Breaking cgroup file rel (removed when content is NULL) makes the files of fail[] fail
 * for the container, with an error naming the file and the container, and leaves ok[] be. */
static void assert_broken(const char *rel, const char *content, const enum vp_file *fail,
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

Test(core, broken_cgroup_files_fail_never_host_values)
{
	static const enum vp_file mem[] = {VP_MEMINFO, VP_SWAPS};
	static const enum vp_file acct[] = {VP_STAT, VP_UPTIME};
	static const enum vp_file cpus[] = {VP_CPUINFO, VP_STAT};
	static const enum vp_file quota[] = {VP_CPUINFO};
	static const enum vp_file tasks[] = {VP_LOADAVG};

	v2_host(PV_COUNT_QUOTA);
	/* First: once counted, a container's tasks are recounted only after a few seconds. */
	assert_broken(V2_CTR "/cgroup.threads", NULL, tasks, 1, VP_MEMINFO);
	assert_broken(V2_CTR "/memory.max", NULL, mem, 2, VP_STAT);
	assert_broken(V2_CTR "/memory.stat", "anon 1\nfile x\n", mem, 2, VP_CPUINFO);
	assert_broken(V2_CTR "/memory.current", "", mem, 2, VP_LOADAVG);
	assert_broken(V2_CTR "/cpu.stat", NULL, acct, 2, VP_CPUINFO);
	assert_broken(V2_CTR "/cpu.stat", "usage_usec 1\n", acct, 2, VP_MEMINFO);
	assert_broken(V2_CTR "/cpuset.cpus.effective", "2-x\n", cpus, 2, VP_MEMINFO);
	assert_broken(V2_CTR "/cpu.max", "0 100000\n", quota, 1, VP_SWAPS);
	assert_broken("/vp_fixture/cpu.max", "max 100000\n", NULL, 0, VP_CPUINFO);
}

Test(core, broken_io_and_pressure_files_fail_never_host_values)
{
	static const enum vp_file io[] = {VP_VMSTAT, VP_DISKSTATS};
	static const enum vp_file vm[] = {VP_VMSTAT};
	static const enum vp_file cpu[] = {VP_PRESSURE_CPU};
	static const enum vp_file mem[] = {VP_PRESSURE_MEMORY};
	static const enum vp_file iop[] = {VP_PRESSURE_IO};

	v2_host(PV_COUNT_QUOTA);
	assert_broken(V2_CTR "/io.stat", "254:0 rbytes=x\n", io, 2, VP_MEMINFO);
	assert_broken(V2_CTR "/io.stat", "254:0 rbytes=1 rbytes=2\n", io, 2, VP_PRESSURE_IO);
	assert_broken(V2_CTR "/memory.events", NULL, vm, 1, VP_DISKSTATS);
	assert_broken(V2_CTR "/memory.events", "oom_kill 1\noom_kill 2\n", vm, 1, VP_DISKSTATS);
	assert_broken(V2_CTR "/memory.stat", "anon 1\nfile x\n", vm, 1, VP_DISKSTATS);
	assert_broken(V2_CTR "/cpu.pressure", NULL, cpu, 1, VP_PRESSURE_MEMORY);
	assert_broken(V2_CTR "/cpu.pressure", "some avg10=1.5 avg60=0.00 avg300=0.00 total=1\n", cpu,
		      1, VP_PRESSURE_IO);
	assert_broken(V2_CTR "/memory.pressure", "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
		      mem, 1, VP_PRESSURE_CPU);
	assert_broken(V2_CTR "/io.pressure", "", iop, 1, VP_VMSTAT);
}

Test(core, broken_v1_blkio_files_fail)
{
	static const enum vp_file io[] = {VP_VMSTAT, VP_DISKSTATS};
	_cleanup_free_ char *saved = NULL;
	struct strbuf out = STRBUF_INIT;
	char p[4200], err[512];

	v1_host();
	snprintf(p, sizeof(p), "%s" V1_CTR "/blkio.throttle.io_serviced_recursive", fh.cg);
	saved = fixture(p);
	/* No final Total line. */
	tmp_write(fh.cg, V1_CTR "/blkio.throttle.io_serviced_recursive", "254:0 Read 640\n");
	for (size_t i = 0; i < 2; i++) {
		int r = render_err(6543, io[i], &out, err, sizeof(err));

		cr_assert_eq(r, -EINVAL, "%s", out.buf);
		cr_assert(strstr(err, "blkio.throttle.io_service") && strstr(err, V1_CTR), "%s", err);
	}
	cr_assert_eq(render_err(6543, VP_MEMINFO, &out, err, sizeof(err)), 0, "%s", err);
	tmp_write(fh.cg, V1_CTR "/blkio.throttle.io_serviced_recursive", saved);
	cr_assert_eq(render_err(6543, VP_DISKSTATS, &out, err, sizeof(err)), 0, "%s", err);
	sb_release(&out);
}

/* Host file rel rewritten in place (the file the core holds open) with content that does not
 * parse: the container's files fail[] fail naming it; a caller in the root cgroup still gets
 * the file as it is. */
static void assert_broken_host_file(const char *rel, const char *content,
				    const enum vp_file *fail, size_t nfail)
{
	struct strbuf out = STRBUF_INIT;
	char err[512], path[64];

	tmp_write(fh.proc, rel, content);
	snprintf(path, sizeof(path), "proc/%s", rel);
	for (size_t i = 0; i < nfail; i++) {
		cr_assert_lt(render_err(405, fail[i], &out, err, sizeof(err)), 0, "%s", rel);
		cr_assert(strstr(err, vp_entry_of_file(fail[i])->path), "%s", err);
	}
	cr_assert_eq(render_err(1, (enum vp_file)vp_entry_by_path(path)->file, &out, err,
				sizeof(err)),
		     0, "%s", err);
	cr_assert_str_eq(out.buf, content);
	sb_release(&out);
}

Test(core, broken_host_files_fail)
{
	static const enum vp_file mem[] = {VP_MEMINFO, VP_SWAPS};
	static const enum vp_file vm[] = {VP_VMSTAT};
	static const enum vp_file disk[] = {VP_DISKSTATS};

	v2_host(PV_COUNT_QUOTA);
	assert_broken_host_file("meminfo", "MemTotal: lots\n", mem, 2);
	assert_broken_host_file("vmstat", "nr_free_pages 1\nnr_free_pages 2\n", vm, 1);
	assert_broken_host_file("diskstats", "   7       0 loop0 0 0 0\n", disk, 1);
}

/* ---- sysinfo(2) ------------------------------------------------------------------------------ */

Test(core, sysinfo_for_host_container_and_gone)
{
	struct pv_sysinfo s;
	uint64_t before, after, lo_cs, hi_cs;

	v2_host(PV_COUNT_QUOTA);
	cr_assert_eq(vp_sysinfo_for(fh.core, 1, &s), 1, "the kernel answers for the host");
	before = vp_now_us();
	cr_assert_eq(vp_sysinfo_for(fh.core, 405, &s), 0);
	after = vp_now_us();
	cr_assert_eq(s.totalram, 268435456);
	cr_assert_eq(s.freeram, (262144 - 118556) * UINT64_C(1024));
	cr_assert_eq(s.totalswap, 134217728);
	cr_assert_eq(s.freeswap, 134217728);
	cr_assert_eq(s.sharedram, 0, "memory.stat shmem 0");
	cr_assert_eq(s.procs, 5);
	cr_assert(s.loads[0] == 0 && s.loads[1] == 0 && s.loads[2] == 0);
	/* Whole seconds since the init started, rounded up (from uptime's hundredths). */
	lo_cs = (before - fh.init_start * (1000000 / HZ)) / 10000;
	hi_cs = (after - fh.init_start * (1000000 / HZ)) / 10000;
	cr_assert(s.uptime_s >= (lo_cs + 99) / 100 && s.uptime_s <= (hi_cs + 99) / 100,
		  "%" PRIu64, s.uptime_s);
	cr_assert_eq(vp_sysinfo_for(fh.core, 999999, &s), -ESRCH);
}

/* ---- per-container state ----------------------------------------------------------------------- */

static void set_cpu_stat(uint64_t user_us, uint64_t system_us)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "usage_usec %" PRIu64 "\nuser_usec %" PRIu64 "\nsystem_usec %" PRIu64
		 "\nnice_usec 0\n",
		 user_us + system_us, user_us, system_us);
	/* In place, as the kernel does: a new inode would be a new container. */
	tmp_write(fh.cg, V2_CTR "/cpu.stat", text);
}

/* /proc/stat's counters for tid into v[0..n); none may be below the previous ones, prev. */
static size_t stat_not_below(pid_t tid, const unsigned long long *prev, size_t nprev,
			     unsigned long long *v, size_t max)
{
	_cleanup_free_ char *stat = render(tid, VP_STAT);
	size_t n = stat_counters(stat, v, max);

	cr_assert_eq(n, nprev ? nprev : n, "%s", stat);
	for (size_t i = 0; i < nprev; i++)
		cr_assert_geq(v[i], prev[i], "counter %zu went down:\n%s", i, stat);
	return n;
}

Test(core, stat_counters_never_decrease)
{
	unsigned long long a[32], b[32], c[32], d[32];
	size_t n;

	v2_host(PV_COUNT_CPUSET);
	set_cpu_stat(5000000, 1000000);
	n = stat_not_below(405, NULL, 0, a, 32);
	cr_assert_eq(n, 30, "the cpu line and two CPUs, ten counters each");
	cr_assert_eq(a[0], 500);
	cr_assert_eq(a[2], 100);
	/* The cgroup's counters go down (a reset): nothing shown does. */
	set_cpu_stat(1000000, 200000);
	stat_not_below(405, a, n, b, 32);
	cr_assert_eq(b[0], 500);
	cr_assert_eq(b[2], 100);
	/* Then up by 2 s user, 1 s system from there: so do the totals. */
	set_cpu_stat(3000000, 1200000);
	stat_not_below(405, b, n, c, 32);
	cr_assert_eq(c[0], 700);
	cr_assert_eq(c[2], 200);
	/* A reader in the host's pid namespace shares the container's counters. */
	stat_not_below(700, c, n, d, 32);
	cr_assert_eq(d[0], 700);
}

/* A cgroup of the same path but a new accounting file (the container was recreated) starts
 * afresh: its counters are its own, not the old one's. */
Test(core, recreated_container_starts_afresh)
{
	unsigned long long a[32], b[32];
	char from[4200], to[4200];

	v2_host(PV_COUNT_CPUSET);
	set_cpu_stat(5000000, 1000000);
	stat_not_below(405, NULL, 0, a, 32);
	cr_assert_eq(a[0], 500);
	tmp_write(fh.cg, V2_CTR "/cpu.stat.new",
		  "usage_usec 1200000\nuser_usec 1000000\nsystem_usec 200000\nnice_usec 0\n");
	snprintf(from, sizeof(from), "%s" V2_CTR "/cpu.stat.new", fh.cg);
	snprintf(to, sizeof(to), "%s" V2_CTR "/cpu.stat", fh.cg);
	cr_assert_eq(rename(from, to), 0);
	stat_not_below(405, NULL, 0, b, 32);
	cr_assert_eq(b[0], 100);
	cr_assert_eq(b[2], 20);
	cr_assert_eq(vp_ctrs_count(fh.core->ctrs), 1, "the same path: the same entry");
}

/* The sampler counts a container's tasks again only when its cgroup used CPU time since a
 * count that found none running nor blocked. */
Test(core, sampler_skips_containers_that_did_not_run)
{
	static const pid_t tids[] = {403, 405, 406, 408, 409};
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;
	unsigned long long start;

	v2_host(PV_COUNT_QUOTA);
	start = ticks_ago(50); /* all alike: the newest is the highest TID, 409 (10 inside) */
	for (size_t i = 0; i < 5; i++)
		fake_stat(fh.proc, tids[i], 'S', start);
	set_cpu_stat(5000000, 1000000);
	a = render(405, VP_LOADAVG);
	cr_assert_str_eq(a, "0.00 0.00 0.00 0/5 10\n");
	vp_ctrs_sample(fh.core->ctrs); /* counted: none active, and no CPU time since */
	/* A task runnable, but the cgroup's CPU time the same: not counted again. */
	fake_stat(fh.proc, 405, 'R', start);
	vp_ctrs_sample(fh.core->ctrs);
	b = render(405, VP_LOADAVG);
	cr_assert_str_eq(b, "0.00 0.00 0.00 0/5 10\n", "the sampler's count of before");
	/* CPU time used: counted. */
	set_cpu_stat(5000100, 1000000);
	vp_ctrs_sample(fh.core->ctrs);
	c = render(405, VP_LOADAVG);
	cr_assert_str_eq(c, "0.00 0.00 0.00 1/5 10\n");
	/* A count that found one active is done again, with or without CPU time since. */
	fake_stat(fh.proc, 405, 'S', start);
	fake_stat(fh.proc, 406, 'D', start);
	vp_ctrs_sample(fh.core->ctrs);
	d = render(405, VP_LOADAVG);
	cr_assert_str_eq(d, "0.00 0.00 0.00 0/5 10\n");
	fake_stat(fh.proc, 406, 'S', start);
	fake_stat(fh.proc, 408, 'R', start);
	vp_ctrs_sample(fh.core->ctrs); /* the D one was counted as active: counted again */
	e = render(405, VP_LOADAVG);
	cr_assert_str_eq(e, "0.00 0.00 0.00 1/5 10\n");
}

Test(core, containers_counted_once_each)
{
	_cleanup_free_ char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;

	v2_host(PV_COUNT_QUOTA);
	cr_assert_eq(vp_ctrs_count(fh.core->ctrs), 0);
	a = render(405, VP_MEMINFO);
	b = render(405, VP_CPUINFO);
	cr_assert_eq(vp_ctrs_count(fh.core->ctrs), 0, "memory and cpuinfo keep no state");
	c = render(405, VP_STAT);
	cr_assert_eq(vp_ctrs_count(fh.core->ctrs), 1);
	d = render(700, VP_LOADAVG);
	e = render(406, VP_UPTIME);
	cr_assert_eq(vp_ctrs_count(fh.core->ctrs), 1, "one container, three readers");
	f = render(800, VP_STAT);
	cr_assert_eq(vp_ctrs_count(fh.core->ctrs), 2, "the pod is another");
}

/* ---- the callers' views, kept (core/callers.c) ------------------------------------------ */

