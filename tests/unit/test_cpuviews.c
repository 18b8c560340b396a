/* The CPU renderers (cpuinfo, stat, uptime, loadavg, sys cpu ranges) and swaps, fed from the
 * fixture hosts' files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "proc_views/cpuinfo.h"
#include "proc_views/cpumodel.h"
#include "proc_views/loadavg.h"
#include "proc_views/meminfo.h"
#include "proc_views/stat.h"
#include "proc_views/swaps.h"
#include "proc_views/sys_cpu.h"
#include "proc_views/uptime.h"
#include "util/cleanup.h"
#include "util/parse.h"

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;
	size_t plen = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, prefix, plen) == 0)
			n++;
	return n;
}

/* The value of the first line "key<pad>: value" after `from`. */
static const char *value_of(const char *text, const char *key, char *buf, size_t bufsz)
{
	const char *l = strstr(text, key);
	const char *c = l ? strchr(l, ':') : NULL;
	size_t n;

	cr_assert(c, "no %s", key);
	c += 2;
	n = strcspn(c, "\n");
	snprintf(buf, bufsz, "%.*s", (int)n, c);
	return buf;
}

/* ---- cpuinfo ---------------------------------------------------------------------------- */

Test(cpuinfo, v2_container_sees_one_cpu)
{
	_cleanup_free_ char *host = fixture("fixtures/v2/proc/cpuinfo");
	static const unsigned cpus[] = {2, 3};
	struct strbuf out = STRBUF_INIT;
	char b[256];

	cr_assert_eq(pv_cpuinfo_render(host, cpus, 1, &out), 0);
	cr_assert_eq(count_lines(out.buf, "processor"), 1);
	cr_assert_str_eq(value_of(out.buf, "processor", b, sizeof(b)), "0");
	cr_assert_str_eq(value_of(out.buf, "siblings", b, sizeof(b)), "1");
	cr_assert_str_eq(value_of(out.buf, "cpu cores", b, sizeof(b)), "1");
	cr_assert_str_eq(value_of(out.buf, "core id", b, sizeof(b)), "0");
	cr_assert_str_eq(value_of(out.buf, "physical id", b, sizeof(b)), "0");
	cr_assert_str_eq(value_of(out.buf, "initial apicid", b, sizeof(b)), "0");
	cr_assert_str_eq(value_of(out.buf, "model name", b, sizeof(b)),
			 "Intel(R) Xeon(R) Processor");
	cr_assert(strstr(out.buf, "flags\t\t: fpu vme"), "other fields pass through");
	/* The kernel's layout: key padding kept, stanzas end with a blank line. */
	cr_assert(strncmp(out.buf, "processor\t: 0\n", 14) == 0);
	cr_assert(out.len >= 2 && strcmp(out.buf + out.len - 2, "\n\n") == 0);
	sb_release(&out);
}

Test(cpuinfo, renumbers_in_cpuset_order)
{
	_cleanup_free_ char *host = fixture("fixtures/v2/proc/cpuinfo");
	static const unsigned cpus[] = {2, 3, 4, 5};
	struct strbuf out = STRBUF_INIT;
	const char *second;

	cr_assert_eq(pv_cpuinfo_render(host, cpus, 2, &out), 0);
	cr_assert_eq(count_lines(out.buf, "processor"), 2);
	second = strstr(out.buf, "processor\t: 1\n");
	cr_assert(second, "%s", out.buf);
	cr_assert(strstr(second, "core id\t\t: 1\n"));
	cr_assert(strstr(out.buf, "siblings\t: 2\n"));
	cr_assert_eq(count_lines(out.buf, "cpu cores\t: 2"), 2);
	sb_release(&out);
}

Test(cpuinfo, v1_host)
{
	_cleanup_free_ char *host = fixture("fixtures/v1/proc/cpuinfo");
	static const unsigned cpus[] = {1};
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(pv_cpuinfo_render(host, cpus, 1, &out), 0);
	cr_assert_eq(count_lines(out.buf, "processor"), 1);
	cr_assert(strncmp(out.buf, "processor\t: 0\n", 14) == 0);
	sb_release(&out);
}

Test(cpuinfo, missing_cpu_and_garbage)
{
	_cleanup_free_ char *host = fixture("fixtures/v2/proc/cpuinfo");
	static const unsigned cpus[] = {99};
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(pv_cpuinfo_render(host, cpus, 1, &out), -ENOENT);
	cr_assert_eq(pv_cpuinfo_render("no cpus here\n", cpus, 1, &out), -EINVAL);
	cr_assert_eq(pv_cpuinfo_render("", cpus, 1, &out), -EINVAL);
	/* Found by fuzzing: "processor" lines that do not start a stanza, or two in one. */
	{
		static const unsigned zero[] = {0};

		cr_assert_eq(pv_cpuinfo_render("processor\t: 0\na\t: b\n\nprocessor\t: 5x\n", zero,
					       1, &out), -EINVAL);
		cr_assert_eq(pv_cpuinfo_render("processor\t: 0\nprocessor\t: 1\n", zero, 1, &out),
			     -EINVAL);
		cr_assert_eq(pv_cpuinfo_render("processor\t: 0\n\nx\t: 1\nprocessor\t: 1\n", zero,
					       1, &out), -EINVAL);
		cr_assert_eq(pv_cpuinfo_render("processor\t: 0\nx\t: 1\n\nHardware\t: y\n", zero,
					       1, &out), 0);
	}
	sb_release(&out);
}

Test(cpuinfo, keeps_global_stanzas)
{
	/* 32-bit ARM: per-CPU stanzas, then a global one. */
	static const char host[] = "processor\t: 0\nBogoMIPS\t: 38.40\n\n"
				   "processor\t: 1\nBogoMIPS\t: 38.40\n\n"
				   "Hardware\t: BCM2835\nRevision\t: a02082\n";
	static const unsigned cpus[] = {1};
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(pv_cpuinfo_render(host, cpus, 1, &out), 0);
	cr_assert_str_eq(out.buf, "processor\t: 0\nBogoMIPS\t: 38.40\n\n"
				  "Hardware\t: BCM2835\nRevision\t: a02082\n\n");
	sb_release(&out);
}

/* ---- stat ------------------------------------------------------------------------------- */

Test(stat, host_btime)
{
	_cleanup_free_ char *v2 = fixture("fixtures/v2/proc/stat");
	unsigned long long b;

	cr_assert_eq(pv_host_stat_btime(v2, &b), 0);
	cr_assert_eq(b, 1795423975ULL);
	cr_assert_eq(pv_host_stat_btime("cpu 1 2\n", &b), -EINVAL);
	cr_assert_eq(pv_host_stat_btime("btime x\n", &b), -EINVAL);
}

Test(stat, render)
{
	struct pv_cputime t = {0};
	uint64_t user[2] = {3000000, 1000000}, nice[2] = {0, 10000}, sys[2] = {500000, 0};
	struct pv_cpu_sample s = {.now_us = 100000000,
				  .uptime_us = 10000000,
				  .n = 2,
				  .capacity = 1500000,
				  .map_key = 1,
				  .raw = {user, nice, sys}};
	struct strbuf out = STRBUF_INIT;
	unsigned long long c[4], c0[4], c1[4];

	cr_assert_eq(pv_cputime_update(&t, &s), 0);
	cr_assert_eq(pv_stat_render(&(struct pv_stat_in){&t, 100, 1795423975ULL, 2, 1}, &out), 0);
	cr_assert_eq(sscanf(out.buf, "cpu  %llu %llu %llu %llu 0 0 0 0 0 0\n", &c[0], &c[1], &c[2],
			    &c[3]),
		     4, "%s", out.buf);
	/* 10 s at 1.5 CPUs = 15 s; 4.51 s used: 10.49 s idle. */
	cr_assert_eq(c[0], 400);
	cr_assert_eq(c[1], 1);
	cr_assert_eq(c[2], 50);
	cr_assert_eq(c[3], 1049);
	cr_assert_eq(sscanf(strstr(out.buf, "\ncpu0 ") + 1, "cpu0 %llu %llu %llu %llu", &c0[0],
			    &c0[1], &c0[2], &c0[3]),
		     4);
	cr_assert_eq(sscanf(strstr(out.buf, "\ncpu1 ") + 1, "cpu1 %llu %llu %llu %llu", &c1[0],
			    &c1[1], &c1[2], &c1[3]),
		     4);
	cr_assert_eq(c0[0] + c1[0], c[0]);
	cr_assert_null(strstr(out.buf, "\ncpu2 "));
	cr_assert(strstr(out.buf, "\nbtime 1795423975\n"));
	cr_assert(strstr(out.buf, "\nprocs_running 2\nprocs_blocked 1\n"));
	cr_assert(strstr(out.buf, "\nintr 0\nctxt 0\n"));
	cr_assert(strstr(out.buf, "\nprocesses 0\n"));
	cr_assert(strstr(out.buf, "\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n"));
	pv_cputime_done(&t);
	cr_assert_eq(pv_stat_render(&(struct pv_stat_in){&t, 100, 1, 0, 0}, &out), -EINVAL,
		     "no counters yet");
	sb_release(&out);
}

/* ---- uptime ----------------------------------------------------------------------------- */

Test(uptime, render)
{
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(pv_uptime_render(29680000, 462490000, &out), 0);
	cr_assert_str_eq(out.buf, "29.68 462.49\n");
	cr_assert_eq(pv_uptime_render(5, 0, &out), 0);
	cr_assert_str_eq(out.buf, "0.00 0.00\n");
	sb_release(&out);
}

/* ---- loadavg ---------------------------------------------------------------------------- */

Test(loadavg, decays_like_the_kernel)
{
	unsigned long avg[3] = {0, 0, 0};
	double want = 0;

	/* Two runnable tasks for a minute: 2 * (1 - e^-1) = 1.26. */
	for (int i = 0; i < 12; i++) {
		pv_loadavg_tick(avg, 2);
		want = want * 1884 / 2048.0 + 2 * (2048 - 1884) / 2048.0;
	}
	cr_assert_float_eq(avg[0] / 2048.0, want, 0.01);
	cr_assert_gt(avg[0], PV_FIXED_1, "above 1.0 within 60 s");
	cr_assert_lt(avg[1], avg[0]);
	cr_assert_lt(avg[2], avg[1]);
	/* Idle for 10 minutes: the 1-minute average falls to 0. */
	for (int i = 0; i < 120; i++)
		pv_loadavg_tick(avg, 0);
	cr_assert_eq(avg[0], 0);
	cr_assert_gt(avg[2], 0);
}

Test(loadavg, steady_state_reaches_the_count)
{
	unsigned long avg[3] = {0, 0, 0};

	for (int i = 0; i < 2000; i++)
		pv_loadavg_tick(avg, 3);
	/* The kernel's rounding up while rising converges to exactly n. */
	cr_assert_eq(avg[0], 3 * PV_FIXED_1);
	cr_assert_eq(avg[2], 3 * PV_FIXED_1);
}

Test(loadavg, render)
{
	unsigned long avg[3] = {2048 + 532, 2048 * 12 + 1, 0};
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(pv_loadavg_render(avg, 1, 211, 696, &out), 0);
	cr_assert_str_eq(out.buf, "1.26 12.00 0.00 1/211 696\n");
	sb_release(&out);
}

/* ---- sys cpu ranges, swaps ----------------------------------------------------------------- */

Test(sys_cpu, ranges)
{
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(pv_sys_cpu_range_render(1, &out), 0);
	cr_assert_str_eq(out.buf, "0\n");
	cr_assert_eq(pv_sys_cpu_range_render(4, &out), 0);
	cr_assert_str_eq(out.buf, "0-3\n");
	cr_assert_eq(pv_sys_cpu_range_render(0, &out), -EINVAL);
	sb_release(&out);
}

Test(swaps, header_only_without_swap)
{
	_cleanup_free_ char *host = fixture("fixtures/v2/proc/swaps");
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(pv_swaps_render(0, 0, &out), 0);
	cr_assert_str_eq(out.buf, host, "the kernel's own header");
	sb_release(&out);
}

Test(swaps, one_line_in_kernel_layout)
{
	struct strbuf out = STRBUF_INIT;

	cr_assert_eq(pv_swaps_render(131072, 2048, &out), 0);
	cr_assert_str_eq(out.buf, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
				  "none                                    virtual\t131072\t\t2048\t\t-2\n");
	sb_release(&out);
}

Test(swaps, consistent_with_meminfo)
{
	_cleanup_free_ char *text = fixture("fixtures/v1/proc/meminfo");
	_cleanup_free_ char *swapped = replace_line(text, "SwapTotal:", "SwapTotal:       1048572 kB");
	struct pv_host_meminfo host;
	struct pv_meminfo_ctr c = {.limit = 268435456,
				   .usage = 1 << 20,
				   .swap_accounted = true,
				   .swap_limit = 134217728,
				   .swap_usage = 4 << 20};
	uint64_t total, free;

	cr_assert_eq(pv_host_meminfo_parse(swapped, &host), 0);
	cr_assert_eq(pv_meminfo_swap(&host, &c, &total, &free), 0);
	cr_assert_eq(total, 131072);
	cr_assert_eq(free, 131072 - 4096);
	/* Without swap accounting the container has none. */
	c.swap_accounted = false;
	cr_assert_eq(pv_meminfo_swap(&host, &c, &total, &free), 0);
	cr_assert_eq(total, 0);
}
