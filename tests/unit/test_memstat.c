#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

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
