/* /sys/devices/system/cpu for a container with n CPUs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "proc_views/cputree.h"

static struct strbuf out = STRBUF_INIT;

static void teardown(void)
{
	sb_release(&out);
}

TestSuite(cputree, .fini = teardown);

static const unsigned host_cpus[] = {2, 3, 7, 12};

static struct pv_cputree_in tree(unsigned n)
{
	return (struct pv_cputree_in){.n = n, .host_cpu = n <= 4 ? host_cpus : NULL,
				      .kernel_max = 8191};
}

static const char *render(unsigned n, const char *path)
{
	struct pv_cputree_in in = tree(n);

	cr_assert_eq(pv_cputree_render(&in, path, &out), 0, "%s", path);
	return out.buf;
}

static const char *mask(unsigned nbits, unsigned first, unsigned last)
{
	cr_assert_eq(pv_cpumask_render(nbits, first, last, &out), 0);
	return out.buf;
}

Test(cputree, bitmaps_as_the_kernel_prints_them)
{
	cr_assert_str_eq(mask(1, 0, 0), "1\n");
	cr_assert_str_eq(mask(2, 0, 1), "3\n");
	cr_assert_str_eq(mask(2, 1, 1), "2\n");
	/* The top group is as wide as its bits need: 5 bits, 2 digits. */
	cr_assert_str_eq(mask(5, 0, 0), "01\n");
	cr_assert_str_eq(mask(5, 0, 4), "1f\n");
	cr_assert_str_eq(mask(16, 3, 3), "0008\n");
	cr_assert_str_eq(mask(32, 0, 31), "ffffffff\n");
	cr_assert_str_eq(mask(32, 31, 31), "80000000\n");
	cr_assert_str_eq(mask(33, 0, 0), "0,00000001\n");
	cr_assert_str_eq(mask(33, 32, 32), "1,00000000\n");
	cr_assert_str_eq(mask(33, 0, 32), "1,ffffffff\n");
	cr_assert_str_eq(mask(64, 0, 63), "ffffffff,ffffffff\n");
	cr_assert_str_eq(mask(64, 40, 40), "00000100,00000000\n");
	cr_assert_str_eq(mask(65, 0, 64), "1,ffffffff,ffffffff\n");
	cr_assert_str_eq(mask(65, 64, 64), "1,00000000,00000000\n");
	cr_assert_str_eq(mask(65, 31, 32), "0,00000001,80000000\n");
	cr_assert_str_eq(mask(100, 0, 99), "f,ffffffff,ffffffff,ffffffff\n");
	cr_assert_eq(pv_cpumask_render(0, 0, 0, &out), -EINVAL);
	cr_assert_eq(pv_cpumask_render(4, 2, 1, &out), -EINVAL);
	cr_assert_eq(pv_cpumask_render(4, 0, 4, &out), -EINVAL);
	cr_assert_eq(pv_cpumask_render(PV_CPUTREE_MAX_CPUS + 1, 0, 0, &out), -EINVAL);
	cr_assert_eq(pv_cpumask_render(PV_CPUTREE_MAX_CPUS, 0, PV_CPUTREE_MAX_CPUS - 1, &out), 0);
	cr_assert_eq(out.len, PV_CPUTREE_MAX_CPUS / 32 * 9);
}

/* The view's file path is the kernel's file of a host with in->n CPUs, captured under dir. */
static void assert_as_captured(const struct pv_cputree_in *in, const char *dir, const char *path)
{
	char file[256], *want;

	snprintf(file, sizeof(file), "%s/%s", dir, path);
	want = fixture(file);
	cr_assert_eq(pv_cputree_render(in, path, &out), 0, "%s", path);
	cr_assert_str_eq(out.buf, want, "%s", file);
	free(want);
}

/* This host (the v1 fixture: one package of two cores, no SMT, the model the view gives a
 * container) as the kernel shows it, file by file; cluster_id is the one decision apart. */
Test(cputree, matches_a_real_two_cpu_host)
{
	static const char *const files[] = {
		"online", "possible", "present", "enabled", "offline", "isolated", "kernel_max",
		"cpu1/online",
		"cpu0/topology/core_id", "cpu0/topology/physical_package_id", "cpu0/topology/die_id",
		"cpu0/topology/core_cpus", "cpu0/topology/core_cpus_list",
		"cpu0/topology/thread_siblings", "cpu0/topology/thread_siblings_list",
		"cpu0/topology/cluster_cpus", "cpu0/topology/cluster_cpus_list",
		"cpu0/topology/package_cpus", "cpu0/topology/package_cpus_list",
		"cpu0/topology/core_siblings", "cpu0/topology/core_siblings_list",
		"cpu0/topology/die_cpus", "cpu0/topology/die_cpus_list",
		"cpu1/topology/core_id", "cpu1/topology/physical_package_id", "cpu1/topology/die_id",
		"cpu1/topology/core_cpus", "cpu1/topology/core_cpus_list",
		"cpu1/topology/thread_siblings", "cpu1/topology/thread_siblings_list",
		"cpu1/topology/cluster_cpus", "cpu1/topology/cluster_cpus_list",
		"cpu1/topology/package_cpus", "cpu1/topology/package_cpus_list",
		"cpu1/topology/core_siblings", "cpu1/topology/core_siblings_list",
		"cpu1/topology/die_cpus", "cpu1/topology/die_cpus_list",
	};
	struct pv_cputree_in in = {.n = 2, .host_cpu = host_cpus, .kernel_max = 255};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		assert_as_captured(&in, "fixtures/v1/sys/devices/system/cpu", files[i]);
	/* The kernel has 65535 ("no id") here; the view gives each core its own cluster. */
	cr_assert_str_eq(render(2, "cpu1/topology/cluster_id"), "1\n");
}

Test(cputree, top_level_as_the_v2_host_with_16_cpus)
{
	static const char *const files[] = {"online", "possible", "present", "offline",
					    "kernel_max"};
	struct pv_cputree_in in = {.n = 16, .kernel_max = 255};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		assert_as_captured(&in, "fixtures/v2/sys/devices/system/cpu", files[i]);
}

Test(cputree, one_cpu)
{
	cr_assert_str_eq(render(1, "online"), "0\n");
	cr_assert_str_eq(render(1, "cpu0/topology/core_cpus"), "1\n");
	cr_assert_str_eq(render(1, "cpu0/topology/package_cpus"), "1\n");
	cr_assert_str_eq(render(1, "cpu0/topology/package_cpus_list"), "0\n");
	cr_assert_str_eq(render(1, "cpu0/topology/core_id"), "0\n");
	cr_assert_str_eq(render(1, "cpu0/online"), "1\n");
}

Test(cputree, masks_cross_32_bits)
{
	cr_assert_str_eq(render(33, "cpu32/topology/core_cpus"), "1,00000000\n");
	cr_assert_str_eq(render(33, "cpu32/topology/thread_siblings_list"), "32\n");
	cr_assert_str_eq(render(33, "cpu5/topology/core_siblings"), "1,ffffffff\n");
	cr_assert_str_eq(render(33, "cpu5/topology/die_cpus_list"), "0-32\n");
	cr_assert_str_eq(render(64, "cpu63/topology/core_cpus"), "80000000,00000000\n");
	cr_assert_str_eq(render(64, "cpu0/topology/package_cpus"), "ffffffff,ffffffff\n");
	cr_assert_str_eq(render(64, "cpu63/topology/core_id"), "63\n");
	cr_assert_str_eq(render(65, "cpu64/topology/core_cpus"), "1,00000000,00000000\n");
	cr_assert_str_eq(render(65, "cpu0/topology/core_cpus"), "0,00000000,00000001\n");
	cr_assert_str_eq(render(65, "cpu7/topology/package_cpus"), "1,ffffffff,ffffffff\n");
	cr_assert_str_eq(render(65, "present"), "0-64\n");
}

struct listing {
	char names[64][32];
	enum pv_cputree_type type[64];
	size_t n;
};

static int collect(const char *name, enum pv_cputree_type type, void *u)
{
	struct listing *l = u;

	cr_assert_lt(l->n, 64);
	snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name);
	l->type[l->n++] = type;
	return 0;
}

static int stop_at_third(const char *name, enum pv_cputree_type type, void *u)
{
	(void)name;
	(void)type;
	return ++*(int *)u == 3 ? -ECANCELED : 0;
}

Test(cputree, listings)
{
	struct pv_cputree_in in = tree(3);
	struct listing l = {0};
	int calls = 0;

	cr_assert_eq(pv_cputree_list(&in, "", collect, &l), 0);
	cr_assert_eq(l.n, 13);
	cr_assert_str_eq(l.names[0], "cpu0");
	cr_assert_str_eq(l.names[2], "cpu2");
	cr_assert_eq(l.type[2], PV_CPUTREE_DIR);
	cr_assert_str_eq(l.names[3], "online");
	cr_assert_eq(l.type[3], PV_CPUTREE_FILE);
	cr_assert_str_eq(l.names[10], "vulnerabilities");
	cr_assert_eq(l.type[10], PV_CPUTREE_HOST);
	l.n = 0;
	cr_assert_eq(pv_cputree_list(&in, "cpu2", collect, &l), 0);
	cr_assert_eq(l.n, 4);
	cr_assert_str_eq(l.names[1], "topology");
	cr_assert_eq(l.type[1], PV_CPUTREE_DIR);
	l.n = 0;
	cr_assert_eq(pv_cputree_list(&in, "cpu2/topology", collect, &l), 0);
	cr_assert_eq(l.n, 16);
	for (size_t i = 0; i < l.n; i++) {
		char path[64];

		cr_assert_eq(l.type[i], PV_CPUTREE_FILE);
		snprintf(path, sizeof(path), "cpu2/topology/%s", l.names[i]);
		cr_assert_eq(pv_cputree_render(&in, path, &out), 0, "%s", path);
	}
	cr_assert_eq(pv_cputree_list(&in, "online", collect, &l), -ENOTDIR);
	cr_assert_eq(pv_cputree_list(&in, "cpu0/cache", collect, &l), -ENOTDIR);
	cr_assert_eq(pv_cputree_list(&in, "cpu3", collect, &l), -ENOENT);
	cr_assert_eq(pv_cputree_list(&in, "", stop_at_third, &calls), -ECANCELED);
	cr_assert_eq(calls, 3);
}

Test(cputree, lookups)
{
	struct pv_cputree_in in = tree(4);
	struct pv_cputree_node node;

	cr_assert_eq(pv_cputree_lookup(&in, "", &node), 0);
	cr_assert_eq(node.type, PV_CPUTREE_DIR);
	cr_assert_eq(pv_cputree_lookup(&in, "cpu3", &node), 0);
	cr_assert_eq(node.type, PV_CPUTREE_DIR);
	cr_assert_eq(pv_cputree_lookup(&in, "cpu3/topology", &node), 0);
	cr_assert_eq(node.type, PV_CPUTREE_DIR);
	cr_assert_eq(pv_cputree_lookup(&in, "cpu3/topology/core_id", &node), 0);
	cr_assert_eq(node.type, PV_CPUTREE_FILE);
	/* The host CPU behind cpuN: visible 2 is host 7. */
	cr_assert_eq(pv_cputree_lookup(&in, "cpu2/cache", &node), 0);
	cr_assert_eq(node.type, PV_CPUTREE_HOST);
	cr_assert_str_eq(node.host_path, "cpu7/cache");
	cr_assert_eq(pv_cputree_lookup(&in, "cpu3/cpufreq/scaling_cur_freq", &node), 0);
	cr_assert_str_eq(node.host_path, "cpu12/cpufreq/scaling_cur_freq");
	cr_assert_eq(pv_cputree_lookup(&in, "vulnerabilities/meltdown", &node), 0);
	cr_assert_str_eq(node.host_path, "vulnerabilities/meltdown");
	cr_assert_eq(pv_cputree_lookup(&in, "modalias", &node), 0);
	cr_assert_str_eq(node.host_path, "modalias");
	cr_assert_eq(pv_cputree_render(&in, "modalias", &out), -EREMOTE);
	cr_assert_eq(pv_cputree_render(&in, "cpu1", &out), -EISDIR);
	cr_assert_eq(pv_cputree_render(&in, "", &out), -EISDIR);
}

Test(cputree, what_the_view_does_not_have)
{
	static const char *const enoent[] = {
		"cpu4", "cpu01", "cpu00", "cpu", "cpu-1", "cpu+1", "cpux", "CPU0", "cpu0/", "/cpu0",
		"cpu0//online", "smt", "smt/active", "cpufreq", "hotplug", "uevent", "nohz_full",
		"cpu0/node0", "cpu0/topology/book_id", "cpu0/topology/ppin", ".", "..", "cpu0/..",
		"cpu0/cache/../../../etc", "cpu0/cache/.", "vulnerabilities/..", "cpu0/topology/cpu0",
		"cpu99999999999999999999999",
	};
	struct pv_cputree_in in = tree(4);
	struct pv_cputree_node node;
	char longpath[PV_CPUTREE_PATH_MAX + 8];

	for (size_t i = 0; i < sizeof(enoent) / sizeof(enoent[0]); i++) {
		cr_assert_eq(pv_cputree_lookup(&in, enoent[i], &node), -ENOENT, "%s", enoent[i]);
		cr_assert_eq(pv_cputree_render(&in, enoent[i], &out), -ENOENT, "%s", enoent[i]);
	}
	cr_assert_eq(pv_cputree_lookup(&in, "online/x", &node), -ENOTDIR);
	cr_assert_eq(pv_cputree_lookup(&in, "cpu0/topology/core_id/x", &node), -ENOTDIR);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(longpath, "cpu0/cache/", 11);
	cr_assert_eq(pv_cputree_lookup(&in, longpath, &node), -ENAMETOOLONG);
	/* A path that fits, to a host path one byte longer (cpu3 is host cpu12) that does not. */
	longpath[PV_CPUTREE_PATH_MAX - 1] = '\0';
	memcpy(longpath, "cpu2/cache/", 11);
	cr_assert_eq(pv_cputree_lookup(&in, longpath, &node), 0);
	memcpy(longpath, "cpu3/cache/", 11);
	cr_assert_eq(pv_cputree_lookup(&in, longpath, &node), -ENAMETOOLONG);
}

Test(cputree, bad_input)
{
	struct pv_cputree_in in = {.n = 0, .kernel_max = 255};
	struct pv_cputree_node node;

	cr_assert_eq(pv_cputree_render(&in, "online", &out), -EINVAL);
	in.n = PV_CPUTREE_MAX_CPUS + 1;
	in.kernel_max = PV_CPUTREE_MAX_CPUS + 1;
	cr_assert_eq(pv_cputree_lookup(&in, "online", &node), -EINVAL);
	/* kernel_max below the CPUs seen. */
	in.n = 4;
	in.kernel_max = 2;
	cr_assert_eq(pv_cputree_render(&in, "online", &out), -EINVAL);
	in.kernel_max = 3;
	cr_assert_eq(pv_cputree_render(&in, "kernel_max", &out), 0);
	cr_assert_str_eq(out.buf, "3\n");
	/* Host entries below cpuN need the CPU map. */
	cr_assert_eq(pv_cputree_lookup(&in, "cpu0/cache", &node), -EINVAL);
	cr_assert_eq(pv_cputree_lookup(&in, "vulnerabilities", &node), 0);
}
