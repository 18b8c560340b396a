/* /proc/diskstats for a container, from the captured hosts' files and their cgroups' I/O. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "helpers.h"
#include "proc_views/diskstats.h"

static struct pv_host_diskstats host;
static struct strbuf out = STRBUF_INIT;

static void teardown(void)
{
	pv_host_diskstats_done(&host);
	sb_release(&out);
}

TestSuite(diskstats, .fini = teardown);

static void load_host(const char *path)
{
	char *text = fixture(path);

	pv_host_diskstats_done(&host);
	cr_assert_eq(pv_host_diskstats_parse(text, &host), 0);
	free(text);
}

/* The renderer's input from the cgroup layer's figures. */
static struct pv_disk_io *io_from(const struct cg_iostat *s)
{
	struct pv_disk_io *io = calloc(s->n + 1, sizeof(*io));

	cr_assert_not_null(io);
	for (size_t i = 0; i < s->n; i++)
		io[i] = (struct pv_disk_io){s->dev[i].major, s->dev[i].minor, s->dev[i].rbytes,
					    s->dev[i].wbytes, s->dev[i].rios,   s->dev[i].wios,
					    s->dev[i].dbytes, s->dev[i].dios};
	return io;
}

#define Z17 " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
/* The captured hosts' eight loop devices, which no container used. */
#define LOOPS                                                                                      \
	"   7       0 loop0" Z17 "   7       1 loop1" Z17 "   7       2 loop2" Z17                 \
	"   7       3 loop3" Z17 "   7       4 loop4" Z17 "   7       5 loop5" Z17                 \
	"   7       6 loop6" Z17 "   7       7 loop7" Z17

Test(diskstats, host_parse_both_fixtures)
{
	load_host("fixtures/v2/proc/diskstats");
	cr_assert_eq(host.n, 11);
	cr_assert_eq(host.nfields, 17);
	cr_assert_str_eq(host.disk[0].name, "loop0");
	cr_assert_eq(host.disk[8].major, 254);
	cr_assert_eq(host.disk[8].minor, 0);
	cr_assert_str_eq(host.disk[8].name, "vda");
	cr_assert_str_eq(host.disk[10].name, "zram0");
	load_host("fixtures/v1/proc/diskstats");
	cr_assert_eq(host.n, 10);
	cr_assert_eq(host.nfields, 17);
}

Test(diskstats, v2_container)
{
	char *text = fixture("fixtures/v2/cgroup/vp_fixture/ctr/io.stat");
	struct cg_iostat s;
	struct pv_disk_io *io;

	load_host("fixtures/v2/proc/diskstats");
	cr_assert_eq(cg_parse_io_stat(text, &s), 0);
	io = io_from(&s);
	cr_assert_eq(pv_diskstats_render(&host, io, s.n, &out), 0);
	/* vda: 113 reads of 1282048 bytes, 10 writes of 40 MiB; the devices it never used,
	 * vdb among them, show zeros. */
	cr_assert_str_eq(out.buf, LOOPS " 254       0 vda 113 0 2504 0 10 0 81920 0 0 0 0 0 0 0 0 0 0\n"
				  " 254      16 vdb" Z17 " 253       0 zram0" Z17);
	cg_iostat_done(&s);
	free(io);
	free(text);
}

Test(diskstats, v1_container)
{
	char *bytes = fixture("fixtures/v1/cgroup/pod/ctr/blkio.throttle.io_service_bytes_recursive");
	char *ios = fixture("fixtures/v1/cgroup/pod/ctr/blkio.throttle.io_serviced_recursive");
	struct cg_iostat s;
	struct pv_disk_io *io;

	load_host("fixtures/v1/proc/diskstats");
	cr_assert_eq(cg_parse_blkio(bytes, ios, &s), 0);
	io = io_from(&s);
	cr_assert_eq(pv_diskstats_render(&host, io, s.n, &out), 0);
	/* 10 MiB read in 640 I/Os, written in 161, discarded in 3. */
	cr_assert_str_eq(out.buf, LOOPS " 254       0 vda 640 0 20480 0 161 0 20480 0 0 0 0 3 0 20480 0 0 0\n"
				  " 253       0 zram0" Z17);
	cg_iostat_done(&s);
	free(io);
	free(bytes);
	free(ios);
}

Test(diskstats, older_kernels_field_counts)
{
	const struct pv_disk_io io[] = {{8, 0, 1024, 2048, 1, 2, 4096, 3}};

	/* Before 4.18: 11 figures, no discard fields. */
	cr_assert_eq(pv_host_diskstats_parse("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n"
					     "   8       1 sda1 1 2 3 4 5 6 7 8 9 10 11\n",
					     &host),
		     0);
	cr_assert_eq(host.nfields, 11);
	cr_assert_eq(pv_diskstats_render(&host, io, 1, &out), 0);
	cr_assert_str_eq(out.buf, "   8       0 sda 1 0 2 0 2 0 4 0 0 0 0\n"
				  "   8       1 sda1 0 0 0 0 0 0 0 0 0 0 0\n");
	pv_host_diskstats_done(&host);
	/* 4.18 to 5.4: 15, with discards. */
	cr_assert_eq(pv_host_diskstats_parse(" 8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", &host), 0);
	cr_assert_eq(pv_diskstats_render(&host, io, 1, &out), 0);
	cr_assert_str_eq(out.buf, "   8       0 sda 1 0 2 0 2 0 4 0 0 0 0 3 0 8 0\n");
}

Test(diskstats, sectors_are_512_bytes)
{
	const struct pv_disk_io io[] = {{259, 0, 511, 513, 1, 1, 1024, 1},
					{259, 1, UINT64_MAX, 0, UINT64_MAX, 0, 0, 0}};

	cr_assert_eq(pv_host_diskstats_parse(" 259       0 nvme0n1" Z17 " 259       1 nvme0n1p1" Z17,
					     &host),
		     0);
	cr_assert_eq(pv_diskstats_render(&host, io, 2, &out), 0);
	cr_assert_str_eq(out.buf, " 259       0 nvme0n1 1 0 0 0 1 0 1 0 0 0 0 1 0 2 0 0 0\n"
				  " 259       1 nvme0n1p1 18446744073709551615 0 36028797018963967 0 0"
				  " 0 0 0 0 0 0 0 0 0 0 0 0\n");
}

Test(diskstats, io_must_be_sorted_and_unique)
{
	const struct pv_disk_io unsorted[] = {{8, 16, 0, 0, 0, 0, 0, 0}, {8, 0, 0, 0, 0, 0, 0, 0}};
	const struct pv_disk_io twice[] = {{8, 0, 0, 0, 0, 0, 0, 0}, {8, 0, 0, 0, 0, 0, 0, 0}};

	load_host("fixtures/v2/proc/diskstats");
	cr_assert_eq(pv_diskstats_render(&host, unsorted, 2, &out), -EINVAL);
	cr_assert_eq(pv_diskstats_render(&host, twice, 2, &out), -EINVAL);
	/* The container's I/O on a device the host does not list is not shown. */
	cr_assert_eq(pv_diskstats_render(&host, (const struct pv_disk_io[]){{8, 0, 512, 0, 1, 0, 0, 0}},
					 1, &out),
		     0);
	cr_assert_null(strstr(out.buf, " 8       0 "));
}

Test(diskstats, empty_host)
{
	cr_assert_eq(pv_host_diskstats_parse("", &host), 0);
	cr_assert_eq(host.n, 0);
	cr_assert_eq(pv_diskstats_render(&host, NULL, 0, &out), 0);
	cr_assert_eq(out.len, 0);
}

Test(diskstats, host_parse_rejects_bad_shapes)
{
	static const char *const bad[] = {
		"\n",
		"   8       0 sda\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 x\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 -1\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 99999999999999999999999\n",
		"   x       0 sda 1 2 3 4 5 6 7 8 9 10 11\n",
		"4096       0 sda 1 2 3 4 5 6 7 8 9 10 11\n",
		"   8 1048576 sda 1 2 3 4 5 6 7 8 9 10 11\n",
		"   8       0 sd\x01 1 2 3 4 5 6 7 8 9 10 11\n",
		"   8       0 s\td 1 2 3 4 5 6 7 8 9 10 11\n",
		"   8       0 a_device_name_of_sixty_four_characters_is_one_too_long_xxxxxxxxx"
		" 1 2 3 4 5 6 7 8 9 10 11\n",
		/* Mixed field counts, a device twice, an empty line. */
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11 "
		"12 13 14 15\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n   8       0 sdb 1 2 3 4 5 6 7 8 9 10 11\n",
		"   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n\n   8      16 sdb 1 2 3 4 5 6 7 8 9 10 11\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(pv_host_diskstats_parse(bad[i], &host), -EINVAL, "accepted %s", bad[i]);
	cr_assert_eq(host.n, 0);
	cr_assert_null(host.disk);
	/* Names as the kernel prints them: cciss/c0d0, dm-0, md127. */
	cr_assert_eq(pv_host_diskstats_parse(" 104 0 cciss/c0d0 1 2 3 4 5 6 7 8 9 10 11\n"
					     " 253 0 dm-0 1 2 3 4 5 6 7 8 9 10 11\n",
					     &host),
		     0);
	cr_assert_str_eq(host.disk[0].name, "cciss/c0d0");
}

/* /sys/class/block/NAME/stat: the figures of the device's diskstats line, "%8llu" each, one
 * space apart, as many as the host's diskstats has. */
Test(diskstats, block_stat_file)
{
	const struct pv_disk_io io[] = {{8, 0, 1024, 2048, 1, 2, 4096, 3}};

	cr_assert_eq(pv_host_diskstats_parse("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n"
					     "   8       1 sda1 1 2 3 4 5 6 7 8 9 10 11\n",
					     &host),
		     0);
	cr_assert_eq(pv_blockstat_render(&host, 8, 0, io, 1, &out), 0);
	cr_assert_str_eq(out.buf, "       1        0        2        0        2        0        4"
				  "        0        0        0        0\n");
	/* A partition: the cgroup counts whole disks. */
	cr_assert_eq(pv_blockstat_render(&host, 8, 1, io, 1, &out), 0);
	cr_assert_str_eq(out.buf, "       0        0        0        0        0        0        0"
				  "        0        0        0        0\n");
	cr_assert_eq(pv_blockstat_render(&host, 8, 16, io, 1, &out), -ENOENT);
	pv_host_diskstats_done(&host);
	cr_assert_eq(pv_host_diskstats_parse(" 8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", &host), 0);
	cr_assert_eq(pv_blockstat_render(&host, 8, 0, io, 1, &out), 0);
	cr_assert_str_eq(out.buf, "       1        0        2        0        2        0        4"
				  "        0        0        0        0        3        0        8"
				  "        0\n");
	/* Wider figures push the columns, as the kernel's %8lu does. */
	cr_assert_eq(pv_blockstat_render(&host, 8, 0,
					 (const struct pv_disk_io[]){{8, 0, 0, 0, 123456789012, 0, 0, 0}},
					 1, &out),
		     0);
	cr_assert(strncmp(out.buf, "123456789012        0 ", 22) == 0, "%s", out.buf);
	cr_assert_eq(pv_blockstat_render(&host, 8, 0,
					 (const struct pv_disk_io[]){{8, 16, 0, 0, 0, 0, 0, 0},
								     {8, 0, 0, 0, 0, 0, 0, 0}},
					 2, &out),
		     -EINVAL, "unsorted I/O");
}

Test(diskstats, block_stat_file_of_the_host)
{
	char *text = fixture("fixtures/v2/proc/diskstats");

	cr_assert_eq(pv_blockstat_host(text, 254, 0, &out), 0);
	cr_assert_str_eq(out.buf, "    2905      971  1288570     2308       46        0    82416"
				  "      151        0     1212     2465        8        0      296"
				  "        4        7        0\n");
	cr_assert_eq(pv_blockstat_host(text, 254, 1, &out), -ENOENT);
	free(text);
	/* Checked as the parser checks: never a figure from a malformed file. */
	cr_assert_eq(pv_blockstat_host("   8       0 sda 1 2 3 4 5 6 7 8 9 10 x\n", 8, 0, &out),
		     -EINVAL);
	cr_assert_eq(pv_blockstat_host("   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n"
				       "   8       0 sdb 1 2 3 4 5 6 7 8 9 10 11\n",
				       8, 0, &out),
		     -EINVAL);
	cr_assert_eq(pv_blockstat_host("", 8, 0, &out), -ENOENT);
}
