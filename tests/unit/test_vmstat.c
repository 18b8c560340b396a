/* /proc/vmstat for a container, from the captured hosts' files: the cgroup layer's parsers
 * (memory.stat, memory.events, io.stat, blkio) feed the renderer, as the daemon does. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "helpers.h"
#include "proc_views/meminfo.h"
#include "proc_views/vmstat.h"

#define PAGE 4096
#define THP (2 << 20)

static struct pv_host_vmstat host;
static struct cg_memstat ms;
static struct pv_vmstat_ctr ctr;
static struct strbuf out = STRBUF_INIT;

static void teardown(void)
{
	sb_release(&out);
}

TestSuite(vmstat, .fini = teardown);

static void load_host(const char *path)
{
	char *text = fixture(path);

	cr_assert_eq(pv_host_vmstat_parse(text, &host), 0);
	free(text);
}

/* The container of a fixture tree: memory.stat read as the cgroup layer reads it, sizes
 * handed to the renderer as for /proc/meminfo. */
static void load_ctr(const char *memstat, enum cg_version v, uint64_t free_kb)
{
	char *text = fixture(memstat);

	cr_assert_eq(cg_parse_memstat(text, v, &ms), 0);
	free(text);
	ctr = (struct pv_vmstat_ctr){
		.mem = {.anon = ms.anon, .file = ms.file, .shmem = ms.shmem,
			.mapped = ms.file_mapped, .dirty = ms.file_dirty,
			.writeback = ms.file_writeback, .active_anon = ms.active_anon,
			.inactive_anon = ms.inactive_anon, .active_file = ms.active_file,
			.inactive_file = ms.inactive_file, .unevictable = ms.unevictable,
			.anon_thp = ms.anon_thp, .file_thp = ms.file_thp, .shmem_thp = ms.shmem_thp,
			.slab_reclaimable = ms.slab_reclaimable,
			.slab_unreclaimable = ms.slab_unreclaimable,
			.kernel_stack = ms.kernel_stack, .pagetables = ms.pagetables,
			.sec_pagetables = ms.sec_pagetables},
		.free_kb = free_kb,
		.n_events = CG_NMEMEVENTS,
		.event_name = cg_memevent_names,
		.event = ms.event,
	};
}

/* The container's block I/O, summed over its devices: from v2 io.stat (ios NULL) or the v1
 * blkio pair. */
static void load_io(const char *path, const char *ios_path)
{
	char *text = fixture(path), *ios = ios_path ? fixture(ios_path) : NULL;
	struct cg_iostat s;

	cr_assert_eq(ios ? cg_parse_blkio(text, ios, &s) : cg_parse_io_stat(text, &s), 0);
	for (size_t i = 0; i < s.n; i++) {
		ctr.io_rbytes += s.dev[i].rbytes;
		ctr.io_wbytes += s.dev[i].wbytes;
	}
	cg_iostat_done(&s);
	free(text);
	free(ios);
}

static void render(void)
{
	cr_assert_eq(pv_vmstat_render(&host, &ctr, PAGE, THP, &out), 0);
}

/* The value of key in out (the test fails when the key is missing). */
static uint64_t val(const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = out.buf; p && *p; p = strchr(p, '\n') + 1) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
			return strtoull(p + kl + 1, NULL, 10);
		if (!strchr(p, '\n'))
			break;
	}
	cr_assert_fail("no %s in\n%s", key, out.buf);
	return 0;
}

/* out has the host's keys in the host's order, and every key not in expect[] is 0. */
static void assert_keys_and_zeros(const char *const expect[], size_t n)
{
	const char *p = out.buf;

	for (size_t i = 0; i < host.n; i++) {
		size_t kl = strlen(host.key[i].name);
		bool listed = false;

		cr_assert(strncmp(p, host.key[i].name, kl) == 0 && p[kl] == ' ', "line %zu: %.40s",
			  i, p);
		for (size_t j = 0; j < n; j++)
			listed = listed || strcmp(expect[j], host.key[i].name) == 0;
		if (!listed)
			cr_assert_eq(strtoull(p + kl + 1, NULL, 10), 0, "%s not 0", host.key[i].name);
		p = strchr(p, '\n') + 1;
	}
	cr_assert_eq(*p, '\0');
}

Test(vmstat, host_parse_both_fixtures)
{
	load_host("fixtures/v2/proc/vmstat");
	cr_assert_eq(host.n, 192);
	cr_assert_str_eq(host.key[0].name, "nr_free_pages");
	cr_assert_str_eq(host.key[host.n - 1].name, "nr_unstable");
	load_host("fixtures/v1/proc/vmstat");
	cr_assert_eq(host.n, 192);
}

Test(vmstat, host_parse_rejects_bad_shapes)
{
	char many[PV_VMSTAT_MAX_KEYS * 12 + 16] = "", name[16];

	cr_assert_eq(pv_host_vmstat_parse("", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages \n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages x\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages -1\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages  5\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages 5 6\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages 99999999999999999999999\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("Nr_free_pages 5\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("nr-free 5\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("pgfault 1\npgmajfault 2\npgfault 3\n", &host), -EINVAL);
	cr_assert_eq(pv_host_vmstat_parse("pgfault 1\n\npgmajfault 2\n", &host), -EINVAL);
	/* 64 characters: one too many. */
	cr_assert_eq(pv_host_vmstat_parse("a_name_of_sixty_four_characters_is_one_too_long_for_a_key_"
					  "xxxxxx 1\n",
					  &host),
		     -EINVAL);
	for (int i = 0; i <= PV_VMSTAT_MAX_KEYS; i++) {
		snprintf(name, sizeof(name), "k%d 0\n", i);
		strcat(many, name);
	}
	cr_assert_eq(pv_host_vmstat_parse(many, &host), -E2BIG);
	/* Nothing is left half-parsed. */
	cr_assert_eq(host.n, 0);
	cr_assert_eq(pv_host_vmstat_parse("pgfault 1\npgmajfault 2", &host), 0);
	cr_assert_eq(host.n, 2);
	cr_assert_eq(pv_host_vmstat_parse("a_name_of_sixty_three_characters_fits_in_a_key_xxxxxxxxxxxxxxxx"
					  " 1\n",
					  &host),
		     0);
}

Test(vmstat, v2_container)
{
	static const char *const nonzero[] = {
		"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
		"nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_write_pending",
		"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
		"nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_anon_pages", "nr_mapped",
		"nr_file_pages", "nr_dirty", "nr_kernel_stack", "nr_page_table_pages",
		"pgpgin", "pgpgout", "pgactivate", "pgfault", "pgmajfault",
	};
	char *events = fixture("fixtures/v2/cgroup/vp_fixture/ctr/memory.events");

	load_host("fixtures/v2/proc/vmstat");
	/* memory.max 256 MiB, memory.current 121401344: MemFree 143588 kB. */
	load_ctr("fixtures/v2/cgroup/vp_fixture/ctr/memory.stat", CG_V2, 143588);
	load_io("fixtures/v2/cgroup/vp_fixture/ctr/io.stat", NULL);
	cr_assert_eq(cg_parse_memory_events(events, &ctr.oom_kill), 0);
	render();
	cr_assert_eq(val("nr_free_pages"), 35897);
	cr_assert_eq(val("nr_anon_pages"), 18561);
	cr_assert_eq(val("nr_file_pages"), 10554);
	cr_assert_eq(val("nr_mapped"), 9);
	cr_assert_eq(val("nr_dirty"), 6);
	cr_assert_eq(val("nr_zone_write_pending"), 6);
	cr_assert_eq(val("nr_inactive_anon"), 18530);
	cr_assert_eq(val("nr_zone_inactive_anon"), 18530);
	cr_assert_eq(val("nr_active_anon"), 8);
	cr_assert_eq(val("nr_zone_active_anon"), 8);
	cr_assert_eq(val("nr_inactive_file"), 10471);
	cr_assert_eq(val("nr_zone_inactive_file"), 10471);
	cr_assert_eq(val("nr_active_file"), 83);
	cr_assert_eq(val("nr_zone_active_file"), 83);
	cr_assert_eq(val("nr_slab_reclaimable"), 312);
	cr_assert_eq(val("nr_slab_unreclaimable"), 25);
	cr_assert_eq(val("nr_kernel_stack"), 64); /* KiB: 65536 bytes */
	cr_assert_eq(val("nr_page_table_pages"), 107);
	/* io.stat: 1282048 bytes read, 40 MiB written, in KiB. */
	cr_assert_eq(val("pgpgin"), 1252);
	cr_assert_eq(val("pgpgout"), 40960);
	cr_assert_eq(val("pgfault"), 19336);
	cr_assert_eq(val("pgmajfault"), 2);
	cr_assert_eq(val("pgactivate"), 7);
	assert_keys_and_zeros(nonzero, sizeof(nonzero) / sizeof(nonzero[0]));
	free(events);
}

Test(vmstat, v1_container)
{
	static const char *const nonzero[] = {
		"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
		"nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_write_pending",
		"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
		"nr_anon_pages", "nr_file_pages", "nr_dirty", "nr_shmem",
		"workingset_refault_file", "pgpgin", "pgpgout", "pgfault", "pgmajfault",
	};
	load_host("fixtures/v1/proc/vmstat");
	/* limit 256 MiB, usage 42950656: MemFree 220200 kB. */
	load_ctr("fixtures/v1/cgroup/pod/ctr/memory.stat", CG_V1, 220200);
	load_io("fixtures/v1/cgroup/pod/ctr/blkio.throttle.io_service_bytes_recursive",
		"fixtures/v1/cgroup/pod/ctr/blkio.throttle.io_serviced_recursive");
	render();
	cr_assert_eq(val("nr_free_pages"), 55050);
	cr_assert_eq(val("nr_file_pages"), 10312);
	cr_assert_eq(val("nr_anon_pages"), 49);
	cr_assert_eq(val("nr_shmem"), 10240);
	cr_assert_eq(val("nr_dirty"), 1);
	cr_assert_eq(val("nr_inactive_anon"), 10287);
	cr_assert_eq(val("nr_active_anon"), 1);
	cr_assert_eq(val("nr_inactive_file"), 30);
	cr_assert_eq(val("nr_active_file"), 42);
	cr_assert_eq(val("workingset_refault_file"), 48);
	cr_assert_eq(val("pgfault"), 8642);
	cr_assert_eq(val("pgmajfault"), 1);
	/* blkio's 10 MiB each way, not memory.stat's pgpgin 18324 / pgpgout 7957 (charges). */
	cr_assert_eq(val("pgpgin"), 10240);
	cr_assert_eq(val("pgpgout"), 10240);
	assert_keys_and_zeros(nonzero, sizeof(nonzero) / sizeof(nonzero[0]));
}

Test(vmstat, free_pages_agree_with_meminfo)
{
	char *text = fixture("fixtures/v2/proc/meminfo");
	struct pv_host_meminfo *mi = malloc(sizeof(*mi));
	struct pv_meminfo_ctr m = {.limit = 268435456, .usage = 121401344};
	uint64_t free_kb;

	cr_assert_not_null(mi);
	cr_assert_eq(pv_host_meminfo_parse(text, mi), 0);
	cr_assert_eq(pv_meminfo_free(mi, &m, &free_kb), 0);
	cr_assert_eq(free_kb, 143588);
	/* Usage over the limit: nothing free, not a wrapped figure. */
	m.usage = 300 << 20;
	cr_assert_eq(pv_meminfo_free(mi, &m, &free_kb), 0);
	cr_assert_eq(free_kb, 0);
	cr_assert_eq(pv_meminfo_free(&(struct pv_host_meminfo){.n = 0}, &m, &free_kb), -EINVAL);
	free(mi);
	free(text);
}

Test(vmstat, units_follow_page_sizes)
{
	static const char *const names[] = {"pgfault", "pswpin"};
	static const uint64_t counts[] = {1000, 7};

	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages 1\nnr_anon_pages 1\nnr_kernel_stack 1\n"
					  "nr_anon_transparent_hugepages 1\nnr_shmem_hugepages 1\n"
					  "nr_slab_reclaimable 1\npgpgin 1\npgpgout 1\npgfault 1\n"
					  "pswpin 1\noom_kill 1\n",
					  &host),
		     0);
	ctr = (struct pv_vmstat_ctr){
		.mem = {.anon = 64 << 20, .kernel_stack = 3 << 20, .anon_thp = 8 << 20,
			.shmem_thp = 4 << 20, .slab_reclaimable = 1 << 20},
		.free_kb = 1024,
		.io_rbytes = 5 << 20,
		.io_wbytes = 1023,
		.oom_kill = 3,
		.n_events = 2,
		.event_name = names,
		.event = counts,
	};
	cr_assert_eq(pv_vmstat_render(&host, &ctr, 4096, 2 << 20, &out), 0);
	cr_assert_str_eq(out.buf, "nr_free_pages 256\nnr_anon_pages 16384\nnr_kernel_stack 3072\n"
				  "nr_anon_transparent_hugepages 4\nnr_shmem_hugepages 2\n"
				  "nr_slab_reclaimable 256\npgpgin 5120\npgpgout 0\npgfault 1000\n"
				  "pswpin 7\noom_kill 3\n");
	/* 64 KiB pages and 512 MiB huge pages (arm64): page counts change, events and the
	 * KiB figures do not. */
	cr_assert_eq(pv_vmstat_render(&host, &ctr, 65536, 512 << 20, &out), 0);
	cr_assert_str_eq(out.buf, "nr_free_pages 16\nnr_anon_pages 1024\nnr_kernel_stack 3072\n"
				  "nr_anon_transparent_hugepages 0\nnr_shmem_hugepages 0\n"
				  "nr_slab_reclaimable 16\npgpgin 5120\npgpgout 0\npgfault 1000\n"
				  "pswpin 7\noom_kill 3\n");
	/* Huge page size unknown: no huge page counts. */
	cr_assert_eq(pv_vmstat_render(&host, &ctr, 4096, 0, &out), 0);
	cr_assert_eq(val("nr_anon_transparent_hugepages"), 0);
	cr_assert_eq(pv_vmstat_render(&host, &ctr, 0, THP, &out), -EINVAL);
}

Test(vmstat, no_host_value_shows_through)
{
	/* A container with nothing: every key 0, whatever the host's figure. */
	load_host("fixtures/v2/proc/vmstat");
	ctr = (struct pv_vmstat_ctr){0};
	render();
	assert_keys_and_zeros(NULL, 0);
}

Test(vmstat, counters_grow_with_the_cgroup)
{
	uint64_t before[4];

	load_host("fixtures/v2/proc/vmstat");
	load_ctr("fixtures/v2/cgroup/vp_fixture/ctr/memory.stat", CG_V2, 0);
	ctr.io_rbytes = 1 << 20;
	ctr.io_wbytes = 1 << 20;
	render();
	before[0] = val("pgfault");
	before[1] = val("pgpgin");
	before[2] = val("pgpgout");
	before[3] = val("pgmajfault");
	for (size_t i = 0; i < CG_NMEMEVENTS; i++) {
		if (strcmp(cg_memevent_names[i], "pgfault") == 0)
			ms.event[i] += 10;
		if (strcmp(cg_memevent_names[i], "pgmajfault") == 0)
			ms.event[i] += 1;
	}
	ctr.io_rbytes += 4096;
	ctr.io_wbytes += 1023;
	render();
	cr_assert_eq(val("pgfault"), before[0] + 10);
	cr_assert_eq(val("pgpgin"), before[1] + 4);
	cr_assert_eq(val("pgpgout"), before[2]);
	cr_assert_eq(val("pgmajfault"), before[3] + 1);
}

Test(vmstat, huge_figures_saturate)
{
	cr_assert_eq(pv_host_vmstat_parse("nr_free_pages 0\nnr_zone_write_pending 0\n", &host), 0);
	ctr = (struct pv_vmstat_ctr){
		.mem = {.dirty = UINT64_MAX, .writeback = UINT64_MAX}, .free_kb = UINT64_MAX};
	cr_assert_eq(pv_vmstat_render(&host, &ctr, 1, 0, &out), 0);
	cr_assert_str_eq(out.buf, "nr_free_pages 18446744073709551615\n"
				  "nr_zone_write_pending 18446744073709551615\n");
}
