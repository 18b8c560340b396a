/* core/ on the fake host (fakehost.h): the block I/O, memory event and pressure files —
 * /proc/vmstat, /proc/diskstats, /sys/class/block, /proc/pressure — and their broken cgroup
 * files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/tree.h"
#include "fakehost.h"
#include "helpers.h"
#include "util/cleanup.h"

TestSuite(core_io, .fini = host_done);

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

Test(core_io, v2_container_vmstat)
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

Test(core_io, v1_container_vmstat)
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

Test(core_io, container_diskstats_both_layouts)
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
Test(core_io, block_tree_both_layouts)
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
Test(core_io, no_io_accounting_is_no_io)
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

Test(core_io, v2_container_pressure)
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
Test(core_io, pressure_only_on_v2_hosts_with_psi)
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

Test(core_io, broken_io_and_pressure_files_fail_never_host_values)
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

Test(core_io, broken_v1_blkio_files_fail)
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

