/* Node ids of bound views (fs/daemon.h): narrow ones for the table and the cpu tree, wide ones
 * for the block tree's node numbers; everything else is not a view's. */
#include <criterion/criterion.h>

#include "core/tree.h"
#include "fs/daemon.h"

static void round_trip(uint32_t slot, unsigned node)
{
	uint32_t s;
	unsigned n;

	cr_assert(fs_ino_split(fs_ino(slot, node), &s, &n), "slot %u node %u", slot, node);
	cr_assert(s == slot && n == node, "slot %u node %u: got %u %u", slot, node, s, n);
}

Test(inode, narrow_and_wide_round_trip)
{
	round_trip(0, 0);
	round_trip(0, 2);
	round_trip(7, VP_CPUTREE_BASE + 300);
	round_trip(262143, (unsigned)FS_NODE_MASK);
	/* The block tree: 2^31 | major << 21 | minor << 1 | file. */
	round_trip(0, VP_BLOCKTREE_BASE | 254u << 21 | 1);
	round_trip(262143, VP_BLOCKTREE_BASE | 511u << 21 | 0xfffffu << 1 | 1);
	/* Narrow ids are those of every release before the block tree. */
	cr_assert_eq(fs_ino(4, 2), (UINT64_C(5) << 20) | 2);
	cr_assert(fs_ino(4, VP_BLOCKTREE_BASE) & FS_INO_WIDE);
}

Test(inode, others_are_not_a_views)
{
	uint32_t s;
	unsigned n;
	const fuse_ino_t no[] = {
		FS_INO_ROOT,
		FS_INO_BYPID,
		FS_INO_TOPLINK + 1,
		FS_INO_PIDLINK | 42,
		FS_INO_WIDE | 7,                                  /* no slot */
		FS_INO_WIDE | (UINT64_C(1) << 32) | 5,            /* a narrow node, wide */
		FS_INO_WIDE | (UINT64_C(1) << 32) | (UINT64_C(1) << 63) | VP_BLOCKTREE_BASE,
		(UINT64_C(1) << 41) | VP_BLOCKTREE_BASE, /* past narrow ids, no class bit */
		UINT64_MAX,
	};

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_assert_not(fs_ino_split(no[i], &s, &n), "%#llx", (unsigned long long)no[i]);
}
