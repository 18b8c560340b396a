#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "helpers.h"

Test(limit, values)
{
	uint64_t v;

	cr_assert_eq(cg_parse_limit("268435456\n", &v), 0);
	cr_assert_eq(v, 268435456);
	cr_assert_eq(cg_parse_limit("max\n", &v), 0);
	cr_assert_eq(v, CG_UNLIMITED);
	cr_assert_eq(cg_parse_limit("max", &v), 0);
	cr_assert_eq(v, CG_UNLIMITED);
	/* v1 unlimited, 4 KiB and 64 KiB page variants. */
	cr_assert_eq(cg_parse_limit("9223372036854771712\n", &v), 0);
	cr_assert_eq(v, CG_UNLIMITED);
	cr_assert_eq(cg_parse_limit("9223372036854710272\n", &v), 0);
	cr_assert_eq(v, CG_UNLIMITED);
	cr_assert_eq(cg_parse_limit("9223372036854706176\n", &v), 0);
	cr_assert_eq(v, UINT64_C(9223372036854706176));
	cr_assert_eq(cg_parse_limit("", &v), -EINVAL);
	cr_assert_eq(cg_parse_limit("\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_limit("maxi\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_limit("-1\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_limit("12 kB\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_limit("99999999999999999999999\n", &v), -ERANGE);
}

Test(memstat, v2_capture)
{
	char *text = fixture("fixtures/v2/cgroup/vp_fixture/ctr/memory.stat");
	struct cg_memstat s;

	cr_assert_eq(cg_parse_memstat(text, CG_V2, &s), 0);
	cr_assert_eq(s.anon, 76025856);
	cr_assert_eq(s.file, 43229184);
	cr_assert_eq(s.kernel_stack, 65536);
	cr_assert_eq(s.pagetables, 438272);
	cr_assert_eq(s.percpu, 1440);
	cr_assert_eq(s.file_mapped, 36864);
	cr_assert_eq(s.file_dirty, 24576);
	cr_assert_eq(s.inactive_anon, 75898880);
	cr_assert_eq(s.active_anon, 32768);
	cr_assert_eq(s.inactive_file, 42889216);
	cr_assert_eq(s.active_file, 339968);
	cr_assert_eq(s.slab_reclaimable, 1278960);
	cr_assert_eq(s.slab_unreclaimable, 102840);
	cr_assert_eq(s.slab, 1381800);
	free(text);
}

Test(memstat, v1_capture_uses_hierarchical_totals)
{
	char *text = fixture("fixtures/v1/cgroup/pod/ctr/memory.stat");
	struct cg_memstat s;

	cr_assert_eq(cg_parse_memstat(text, CG_V1, &s), 0);
	/* total_cache, not cache; the slab figures are v2-only. */
	cr_assert_eq(s.file, 42237952);
	cr_assert_eq(s.shmem, 41943040);
	cr_assert_eq(s.anon, 200704);
	cr_assert_eq(s.slab, 0);
	cr_assert_eq(s.kernel_stack, 0);
	free(text);
	cr_assert_eq(cg_parse_memstat("cache 5\ntotal_cache 7\n", CG_V1, &s), 0);
	cr_assert_eq(s.file, 7);
}

Test(memstat, absent_keys_are_zero_unknown_ignored)
{
	struct cg_memstat s;

	cr_assert_eq(cg_parse_memstat("anon 4096\nnew_key_2030 5\n", CG_V2, &s), 0);
	cr_assert_eq(s.anon, 4096);
	cr_assert_eq(s.file, 0);
	cr_assert_eq(cg_parse_memstat("", CG_V2, &s), 0);
	cr_assert_eq(s.anon, 0);
}

Test(memstat, malformed)
{
	struct cg_memstat s = {.anon = 99};

	cr_assert_eq(cg_parse_memstat("anon\n", CG_V2, &s), -EINVAL);
	cr_assert_eq(cg_parse_memstat("anon 12x\n", CG_V2, &s), -EINVAL);
	cr_assert_eq(cg_parse_memstat("anon  12\n", CG_V2, &s), -EINVAL);
	cr_assert_eq(cg_parse_memstat(" 12\n", CG_V2, &s), -EINVAL);
	cr_assert_eq(cg_parse_memstat("an-on 12\n", CG_V2, &s), -EINVAL);
	cr_assert_eq(cg_parse_memstat("anon 99999999999999999999999\n", CG_V2, &s), -EINVAL);
	/* Nothing is written on failure. */
	cr_assert_eq(s.anon, 99);
}

/* The counter named name in s (the test fails when cgroup/ has no such counter). */
static uint64_t memevent(const struct cg_memstat *s, const char *name)
{
	for (size_t i = 0; i < CG_NMEMEVENTS; i++)
		if (strcmp(cg_memevent_names[i], name) == 0)
			return s->event[i];
	cr_assert_fail("no counter %s", name);
	return 0;
}

Test(memstat, event_names_all_set_and_distinct)
{
	for (size_t i = 0; i < CG_NMEMEVENTS; i++) {
		cr_assert_not_null(cg_memevent_names[i]);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(cg_memevent_names[i], cg_memevent_names[j]);
	}
}

Test(memstat, v2_capture_events)
{
	char *text = fixture("fixtures/v2/cgroup/vp_fixture/ctr/memory.stat");
	struct cg_memstat s;

	cr_assert_eq(cg_parse_memstat(text, CG_V2, &s), 0);
	cr_assert_eq(memevent(&s, "pgfault"), 19336);
	cr_assert_eq(memevent(&s, "pgmajfault"), 2);
	cr_assert_eq(memevent(&s, "pgactivate"), 7);
	cr_assert_eq(memevent(&s, "pswpin"), 0);
	cr_assert_eq(memevent(&s, "workingset_nodereclaim"), 0);
	free(text);
	/* The aggregates pgscan and pgsteal have no /proc/vmstat twin: not counters here. */
	cr_assert_eq(cg_parse_memstat("pgscan 5\npgsteal 6\npgscan_kswapd 7\nthp_swpout 8\n", CG_V2,
				      &s),
		     0);
	cr_assert_eq(memevent(&s, "pgscan_kswapd"), 7);
	cr_assert_eq(memevent(&s, "thp_swpout"), 8);
	cr_assert_eq(memevent(&s, "pgsteal_kswapd"), 0);
}

Test(memstat, v1_capture_events_from_totals)
{
	char *text = fixture("fixtures/v1/cgroup/pod/ctr/memory.stat");
	struct cg_memstat s;

	cr_assert_eq(cg_parse_memstat(text, CG_V1, &s), 0);
	cr_assert_eq(memevent(&s, "pgfault"), 8642);
	cr_assert_eq(memevent(&s, "pgmajfault"), 1);
	cr_assert_eq(memevent(&s, "workingset_refault_file"), 48);
	free(text);
	/* The cgroup's own (non-total) keys, and v1's charge counters pgpgin/pgpgout, are not
	 * read; v2 names mean nothing in a v1 file. */
	cr_assert_eq(cg_parse_memstat("pgfault 5\ntotal_pgpgin 9\npswpin 4\ntotal_pswpin 3\n",
				      CG_V1, &s),
		     0);
	cr_assert_eq(memevent(&s, "pgfault"), 0);
	cr_assert_eq(memevent(&s, "pswpin"), 0);
}

Test(memstat, key_twice_is_malformed)
{
	struct cg_memstat s = {.anon = 99};

	cr_assert_eq(cg_parse_memstat("anon 1\nanon 2\n", CG_V2, &s), -EINVAL);
	cr_assert_eq(cg_parse_memstat("pgfault 1\nfile 3\npgfault 1\n", CG_V2, &s), -EINVAL);
	cr_assert_eq(cg_parse_memstat("total_rss 1\ntotal_rss 1\n", CG_V1, &s), -EINVAL);
	cr_assert_eq(cg_parse_memstat("hierarchical_memory_limit 1\nhierarchical_memory_limit 1\n",
				      CG_V1, &s),
		     -EINVAL);
	cr_assert_eq(cg_parse_memstat("total_pgfault 1\ntotal_pgfault 2\n", CG_V1, &s), -EINVAL);
	cr_assert_eq(s.anon, 99);
	/* Not twice: v1's own and total_ keys are different keys. */
	cr_assert_eq(cg_parse_memstat("rss 1\ntotal_rss 2\npgfault 3\ntotal_pgfault 4\n", CG_V1, &s),
		     0);
	cr_assert_eq(s.anon, 2);
}

Test(memory_events, oom_kill)
{
	char *text = fixture("fixtures/v2/cgroup/vp_fixture/ctr/memory.events");
	uint64_t v = 99;

	cr_assert_eq(cg_parse_memory_events(text, &v), 0);
	cr_assert_eq(v, 0);
	free(text);
	cr_assert_eq(cg_parse_memory_events("low 0\nhigh 3\nmax 9\noom 2\noom_kill 2\n"
					    "oom_group_kill 1\nsome_new_key 4\n",
					    &v),
		     0);
	cr_assert_eq(v, 2);
	/* Kernels before 4.13 have no oom_kill. */
	cr_assert_eq(cg_parse_memory_events("low 0\nhigh 0\nmax 0\noom 0\n", &v), 0);
	cr_assert_eq(v, 0);
}

Test(memory_events, malformed)
{
	uint64_t v = 99;

	cr_assert_eq(cg_parse_memory_events("oom_kill 1\noom_kill 2\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_memory_events("max 1\nmax 1\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_memory_events("oom_kill\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_memory_events("oom_kill x\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_memory_events("oom_kill 99999999999999999999999\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_memory_events("oom kill 1\n", &v), -EINVAL);
	cr_assert_eq(cg_parse_memory_events("oom-kill 1\n", &v), -EINVAL);
	cr_assert_eq(v, 99);
}
