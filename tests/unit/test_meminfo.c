#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "proc_views/meminfo.h"

static struct pv_host_meminfo host;
static struct strbuf out = STRBUF_INIT;

static void load_host(const char *path)
{
	char *text = fixture(path);

	cr_assert_eq(pv_host_meminfo_parse(text, &host), 0);
	free(text);
}

/* The value of `key` in rendered text, in kB (or count). */
static uint64_t val(const char *key)
{
	char pat[64];
	const char *p;
	unsigned long long v;

	snprintf(pat, sizeof(pat), "\n%s:", key);
	if (strncmp(out.buf, pat + 1, strlen(pat + 1)) == 0)
		p = out.buf;
	else
		p = strstr(out.buf, pat);
	cr_assert_not_null(p, "no %s in\n%s", key, out.buf);
	p = strchr(p, ':') + 1;
	cr_assert_eq(sscanf(p, "%llu", &v), 1);
	return v;
}

/* The v2 capture's container, as the cgroup layer reads it. */
static struct pv_meminfo_ctr v2_ctr(void)
{
	return (struct pv_meminfo_ctr){
		.limit = 268435456,
		.usage = 121401344,
		.swap_accounted = true,
		.swap_limit = 134217728,
		.swap_usage = 0,
		.anon = 76025856,
		.file = 43229184,
		.mapped = 36864,
		.dirty = 24576,
		.active_anon = 32768,
		.inactive_anon = 75898880,
		.active_file = 339968,
		.inactive_file = 42889216,
		.slab = 1381800,
		.slab_reclaimable = 1278960,
		.slab_unreclaimable = 102840,
		.kernel_stack = 65536,
		.pagetables = 438272,
		.percpu = 1440,
	};
}

static void render(const struct pv_meminfo_ctr *c)
{
	cr_assert_eq(pv_meminfo_render(&host, c, &out), 0);
}

static void teardown(void)
{
	sb_release(&out);
}

TestSuite(meminfo, .fini = teardown);

Test(meminfo, host_parse_both_fixtures)
{
	uint64_t v;

	load_host("fixtures/v2/proc/meminfo");
	cr_assert_eq(pv_host_meminfo_get(&host, "MemTotal", &v), 0);
	cr_assert_eq(v, 131981020);
	cr_assert_eq(pv_host_meminfo_get(&host, "HugePages_Total", &v), 0);
	cr_assert_eq(pv_host_meminfo_get(&host, "Nope", &v), -ENOENT);
	cr_assert_str_eq(host.line[0].name, "MemTotal");
	cr_assert(host.line[0].kb);
	load_host("fixtures/v1/proc/meminfo");
	cr_assert_eq(pv_host_meminfo_get(&host, "MemTotal", &v), 0);
	cr_assert_eq(v, 24684100);
}

Test(meminfo, host_parse_rejects_bad_shapes)
{
	cr_assert_eq(pv_host_meminfo_parse("", &host), -EINVAL);
	cr_assert_eq(pv_host_meminfo_parse("MemTotal 5 kB\n", &host), -EINVAL);
	cr_assert_eq(pv_host_meminfo_parse("MemTotal:5 kB\n", &host), -EINVAL);
	cr_assert_eq(pv_host_meminfo_parse("MemTotal:   5 MB\n", &host), -EINVAL);
	cr_assert_eq(pv_host_meminfo_parse("MemTotal:   x kB\n", &host), -EINVAL);
	cr_assert_eq(pv_host_meminfo_parse("Mem Total:   5 kB\n", &host), -EINVAL);
	cr_assert_eq(pv_host_meminfo_parse("MemTotal:   99999999999999999999999 kB\n", &host), -EINVAL);
	cr_assert_eq(pv_host_meminfo_parse("MemTotal:   5 kB\nHugePages_Total:   0\n", &host), 0);
	cr_assert_eq(host.n, 2);
	cr_assert_not(host.line[1].kb);
}

Test(meminfo, v2_container)
{
	struct pv_meminfo_ctr c = v2_ctr();

	load_host("fixtures/v2/proc/meminfo");
	render(&c);
	cr_assert_eq(val("MemTotal"), 262144);
	cr_assert_eq(val("MemFree"), 262144 - 121401344 / 1024);
	cr_assert_eq(val("MemAvailable"),
		     262144 - 121401344 / 1024 + (339968 + 42889216 + 1278960) / 1024);
	cr_assert_eq(val("Buffers"), 0);
	cr_assert_eq(val("Cached"), 43229184 / 1024);
	cr_assert_eq(val("SwapCached"), 0);
	cr_assert_eq(val("Active"), (32768 + 339968) / 1024);
	cr_assert_eq(val("Inactive"), (75898880 + 42889216) / 1024);
	cr_assert_eq(val("Active(anon)"), 32);
	cr_assert_eq(val("Inactive(file)"), 42889216 / 1024);
	cr_assert_eq(val("AnonPages"), 76025856 / 1024);
	cr_assert_eq(val("Mapped"), 36);
	cr_assert_eq(val("Dirty"), 24);
	cr_assert_eq(val("Slab"), 1381800 / 1024);
	cr_assert_eq(val("SReclaimable"), 1278960 / 1024);
	cr_assert_eq(val("SUnreclaim"), 102840 / 1024);
	cr_assert_eq(val("KernelStack"), 64);
	cr_assert_eq(val("PageTables"), 428);
	cr_assert_eq(val("Percpu"), 1);
	/* The host has no swap: nothing to give, whatever the cgroup allows. */
	cr_assert_eq(val("SwapTotal"), 0);
	cr_assert_eq(val("SwapFree"), 0);
	/* Host constants and unknowables. */
	cr_assert_eq(val("Hugepagesize"), 2048);
	cr_assert_eq(val("VmallocTotal"), 34359738367ULL);
	cr_assert_eq(val("HugePages_Total"), 0);
	cr_assert_eq(val("DirectMap1G"), 0);
	cr_assert_eq(val("Mlocked"), 0);
	cr_assert_eq(val("Committed_AS"), (76025856 + 0) / 1024);
	/* CommitLimit: the host's overcommit ratio (65990508 / 131981020, about 50%) of 256 MiB. */
	cr_assert_eq(val("CommitLimit"), 65990508ULL * 262144 / 131981020);
}

Test(meminfo, same_keys_order_and_layout_as_host)
{
	struct pv_meminfo_ctr c = v2_ctr();
	char *text = fixture("fixtures/v2/proc/meminfo");
	char *h, *o, *hs = NULL, *os = NULL;

	load_host("fixtures/v2/proc/meminfo");
	render(&c);
	/* Line by line: same name, and where the number keeps its width, the same length. */
	for (h = strtok_r(text, "\n", &hs), o = strtok_r(out.buf, "\n", &os); h || o;
	     h = strtok_r(NULL, "\n", &hs), o = strtok_r(NULL, "\n", &os)) {
		size_t nl = strcspn(h, ":");

		cr_assert(h && o, "line count differs");
		cr_assert_eq(strncmp(h, o, nl + 1), 0, "%s vs %s", h, o);
		if (strlen(h) <= 27 && strlen(o) <= 27)
			cr_assert_eq(strlen(h), strlen(o), "layout: '%s' vs '%s'", h, o);
		cr_assert_eq(strcmp(h + strlen(h) - 3, " kB") == 0, strcmp(o + strlen(o) - 3, " kB") == 0);
	}
	free(text);
}

Test(meminfo, host_values_render_byte_identical_layout)
{
	/* A container with exactly the host's figures renders the host's own lines for the
	 * keys that keep their value: the kernel's layout is reproduced byte for byte. */
	char *text = fixture("fixtures/v1/proc/meminfo");
	struct pv_meminfo_ctr c = {.limit = UINT64_MAX, .usage = 0};

	load_host("fixtures/v1/proc/meminfo");
	render(&c);
	cr_assert(strstr(out.buf, "MemTotal:       24684100 kB\n") == out.buf);
	cr_assert_not_null(strstr(out.buf, "\nVmallocTotal:   34359738367 kB\n"));
	cr_assert_not_null(strstr(out.buf, "\nHugePages_Total:       0\n"));
	cr_assert_not_null(strstr(out.buf, "\nHugepagesize:       2048 kB\n"));
	cr_assert_not_null(strstr(out.buf, "\nShmemPmdMapped:        0 kB\n"));
	cr_assert_eq(strlen(out.buf), strlen(text));
	free(text);
}

Test(meminfo, unlimited_container_gets_host_total_own_usage)
{
	struct pv_meminfo_ctr c = {.limit = UINT64_MAX, .usage = 1024 * 1024 * 100};

	load_host("fixtures/v1/proc/meminfo");
	render(&c);
	cr_assert_eq(val("MemTotal"), 24684100);
	cr_assert_eq(val("MemFree"), 24684100 - 102400);
}

Test(meminfo, usage_over_limit_saturates)
{
	struct pv_meminfo_ctr c = {.limit = 64 << 20, .usage = 80 << 20, .file = 100 << 20,
				   .active_file = 50 << 20, .inactive_file = 50 << 20};

	load_host("fixtures/v1/proc/meminfo");
	render(&c);
	cr_assert_eq(val("MemTotal"), 65536);
	cr_assert_eq(val("MemFree"), 0);
	cr_assert_eq(val("MemAvailable"), 65536);
	/* No figure claims more than the container has. */
	cr_assert_eq(val("Cached"), 65536);
}

Test(meminfo, invariants_over_many_inputs)
{
	uint64_t x = 88172645463325252ULL;

	load_host("fixtures/v2/proc/meminfo");
	for (int i = 0; i < 5000; i++) {
		struct pv_meminfo_ctr c = {0};

		/* xorshift: limits, usages and stats from 0 to far beyond the host. */
		for (size_t k = 0; k < sizeof(c) / sizeof(uint64_t); k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			(&c.limit)[k] = x >> (x % 64);
		}
		c.swap_accounted = x & 1;
		render(&c);
		cr_assert_leq(val("MemFree"), val("MemAvailable"));
		cr_assert_leq(val("MemAvailable"), val("MemTotal"));
		cr_assert_leq(val("MemTotal"), 131981020);
		cr_assert_leq(val("SwapFree"), val("SwapTotal"));
		cr_assert_leq(val("Cached"), val("MemTotal"));
		cr_assert_leq(val("Active"), val("MemTotal"));
	}
}

static void load_host_with_swap(const char *swap_kb)
{
	char *text = fixture("fixtures/v2/proc/meminfo");
	char line[64], *t;

	snprintf(line, sizeof(line), "SwapTotal:      %8s kB", swap_kb);
	t = replace_line(text, "SwapTotal:", line);
	cr_assert_eq(pv_host_meminfo_parse(t, &host), 0);
	free(t);
	free(text);
}

Test(meminfo, swap_rules)
{
	struct pv_meminfo_ctr c = v2_ctr();

	load_host_with_swap("1048576");
	c.swap_usage = 10 << 20;
	render(&c);
	cr_assert_eq(val("SwapTotal"), 131072);
	cr_assert_eq(val("SwapFree"), 131072 - 10240);
	/* Unlimited swap: the host's. */
	c.swap_limit = UINT64_MAX;
	render(&c);
	cr_assert_eq(val("SwapTotal"), 1048576);
	/* Limit above the host's swap: capped. */
	c.swap_limit = 4ULL << 30;
	render(&c);
	cr_assert_eq(val("SwapTotal"), 1048576);
	/* Use beyond the limit saturates. */
	c.swap_limit = 1 << 20;
	render(&c);
	cr_assert_eq(val("SwapFree"), 0);
	/* No swap accounting: 0/0. */
	c.swap_accounted = false;
	render(&c);
	cr_assert_eq(val("SwapTotal"), 0);
	cr_assert_eq(val("SwapFree"), 0);
}

Test(meminfo, unknown_keys_are_zero_and_host_needs_memtotal)
{
	struct pv_meminfo_ctr c = v2_ctr();

	cr_assert_eq(pv_host_meminfo_parse("MemTotal:   1000000 kB\nGPUActive:   777 kB\n", &host), 0);
	render(&c);
	cr_assert_eq(val("GPUActive"), 0);
	cr_assert_eq(pv_host_meminfo_parse("MemFree:   1000 kB\n", &host), 0);
	cr_assert_eq(pv_meminfo_render(&host, &c, &out), -EINVAL);
}
