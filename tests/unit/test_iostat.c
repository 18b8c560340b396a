#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "cgroup/cgroup.h"
#include "helpers.h"

static struct cg_iostat st;

static void teardown(void)
{
	cg_iostat_done(&st);
}

TestSuite(iostat, .fini = teardown);

static void assert_dev(size_t i, unsigned major, unsigned minor, uint64_t rbytes, uint64_t wbytes,
		       uint64_t rios, uint64_t wios, uint64_t dbytes, uint64_t dios)
{
	const struct cg_iodev *d = &st.dev[i];

	cr_assert_lt(i, st.n);
	cr_assert_eq(d->major, major);
	cr_assert_eq(d->minor, minor);
	cr_assert_eq(d->rbytes, rbytes);
	cr_assert_eq(d->wbytes, wbytes);
	cr_assert_eq(d->rios, rios);
	cr_assert_eq(d->wios, wios);
	cr_assert_eq(d->dbytes, dbytes);
	cr_assert_eq(d->dios, dios);
}

Test(iostat, v2_capture_container)
{
	char *text = fixture("fixtures/v2/cgroup/vp_fixture/ctr/io.stat");

	cr_assert_eq(cg_parse_io_stat(text, &st), 0);
	cr_assert_eq(st.n, 1);
	/* The container's dd: 40 MiB written. */
	assert_dev(0, 254, 0, 1282048, 41943040, 113, 10, 0, 0);
	free(text);
}

Test(iostat, v2_capture_root_sorted_with_empty_devices)
{
	char *text = fixture("fixtures/v2/cgroup/io.stat");

	/* The root lists devices without figures ("7:0 "), in no order. */
	cr_assert_eq(cg_parse_io_stat(text, &st), 0);
	cr_assert_eq(st.n, 11);
	assert_dev(0, 7, 0, 0, 0, 0, 0, 0, 0);
	assert_dev(7, 7, 7, 0, 0, 0, 0, 0, 0);
	assert_dev(8, 253, 0, 0, 0, 0, 0, 0, 0);
	assert_dev(9, 254, 0, 659747840, 42196992, 2905, 46, 151552, 8);
	assert_dev(10, 254, 16, 127950848, 0, 2305, 0, 0, 0);
	free(text);
}

Test(iostat, v2_other_words_ignored)
{
	/* iocost on the root, iolatency ("depth=max", and two spaces when no I/O figures). */
	cr_assert_eq(cg_parse_io_stat("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6 "
				      "cost.vrate=100.00 cost.usage=5 depth=max avg_lat=3 win=1\n"
				      "8:16  depth=max\n"
				      "9:0 wios=7\n",
				      &st),
		     0);
	cr_assert_eq(st.n, 3);
	assert_dev(0, 8, 0, 1, 2, 3, 4, 5, 6);
	assert_dev(1, 8, 16, 0, 0, 0, 0, 0, 0);
	assert_dev(2, 9, 0, 0, 0, 0, 7, 0, 0);
	cg_iostat_done(&st);
	cr_assert_eq(cg_parse_io_stat("", &st), 0);
	cr_assert_eq(st.n, 0);
}

Test(iostat, v2_malformed)
{
	static const char *const bad[] = {
		"8:0 rbytes=x\n",
		"8:0 rbytes=-1\n",
		"8:0 rbytes=\n",
		"8:0 =5\n",
		"8:0 rbytes\n",
		"8:0 rbytes=1 rbytes=1\n",
		"8:0 rbytes=99999999999999999999999\n",
		"8:0 rbytes=1\n8:0 wbytes=2\n",
		"8:0 rbytes=1\n\n9:0 rbytes=1\n",
		" 8:0 rbytes=1\n",
		"8 rbytes=1\n",
		"8:x rbytes=1\n",
		":0 rbytes=1\n",
		"4096:0 rbytes=1\n",
		"8:1048576 rbytes=1\n",
		"8:0:1 rbytes=1\n",
		"\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(cg_parse_io_stat(bad[i], &st), -EINVAL, "accepted %s", bad[i]);
	cr_assert_eq(st.n, 0);
	cr_assert_eq(cg_parse_io_stat("4095:1048575 rbytes=1\n", &st), 0);
}

Test(iostat, v1_capture_container)
{
	char *bytes = fixture("fixtures/v1/cgroup/pod/ctr/blkio.throttle.io_service_bytes_recursive");
	char *ios = fixture("fixtures/v1/cgroup/pod/ctr/blkio.throttle.io_serviced_recursive");

	/* dd: 10 MiB written in 64 KiB blocks, read back in 16 KiB blocks, the old file's
	 * blocks discarded. */
	cr_assert_eq(cg_parse_blkio(bytes, ios, &st), 0);
	cr_assert_eq(st.n, 1);
	assert_dev(0, 254, 0, 10485760, 10485760, 640, 161, 10485760, 3);
	free(bytes);
	free(ios);
}

Test(iostat, v1_devices_of_either_file)
{
	cr_assert_eq(cg_parse_blkio("8:0 Read 512\n8:0 Write 1024\n8:0 Sync 1536\n8:0 Async 0\n"
				    "8:0 Total 1536\nTotal 1536\n",
				    "9:0 Read 1\n9:0 Write 2\n9:0 Discard 3\n9:0 Total 6\n"
				    "8:0 Read 4\nTotal 10\n",
				    &st),
		     0);
	cr_assert_eq(st.n, 2);
	assert_dev(0, 8, 0, 512, 1024, 4, 0, 0, 0);
	assert_dev(1, 9, 0, 0, 0, 1, 2, 0, 3);
	cg_iostat_done(&st);
	cr_assert_eq(cg_parse_blkio("Total 0\n", "Total 0", &st), 0);
	cr_assert_eq(st.n, 0);
}

Test(iostat, v1_malformed)
{
	static const char *const bad[] = {
		"",
		"8:0 Read 1\n",
		"Total 1\n8:0 Read 1\n",
		"Total 1\nTotal 1\n",
		"8:0 Read 1\n8:0 Read 1\nTotal 1\n",
		"8:0 read 1\nTotal 1\n",
		"8:0 Read  1\nTotal 1\n",
		"8:0  Read 1\nTotal 1\n",
		"8:0 Read 1 \nTotal 1\n",
		"8:0 Read\nTotal 1\n",
		"8:0 Read x\nTotal 1\n",
		"8:0 Read 99999999999999999999999\nTotal 1\n",
		"8-0 Read 1\nTotal 1\n",
		"Total\n",
		"Total x\n",
		"Total 1\n\n",
		"8:0 Trim 1\nTotal 1\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(cg_parse_blkio(bad[i], "Total 0\n", &st), -EINVAL, "accepted %s", bad[i]);
		cr_assert_eq(cg_parse_blkio("Total 0\n", bad[i], &st), -EINVAL, "accepted %s", bad[i]);
	}
	cr_assert_eq(st.n, 0);
}
