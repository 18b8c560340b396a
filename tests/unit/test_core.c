/* core/ on a fake host (fakehost.h): its lifecycle, views, the memory and CPU files, host
 * files passed through or broken, sysinfo and the per-container counters. Inits are told by
 * their start time (no_pidfd), so no process of the fake /proc needs to exist, and no root is
 * needed. What a fake /proc cannot stand for (pidfds, real namespaces, cgroupfs's kept files)
 * the integration tests cover. The I/O, event and pressure files: test_core_io.c. */
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

