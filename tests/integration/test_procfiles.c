/* /proc/vmstat, /proc/diskstats and /proc/pressure in containers, read by the real clients:
 * procps vmstat, sysstat iostat, busybox cat; PSI where the host is pure cgroup v2. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define MiB (1024ULL * 1024)

static struct daemon d;

/* The block device the containers' I/O goes to, and what they write to and read from: a file
 * on /var/tmp's disk where that is a block device (this host), else a loop device on a file
 * in /var/tmp (the test lab's guests, whose / is 9p and /var/tmp tmpfs). */
static struct {
	char dev[32];    /* "MAJ:MIN" of a whole disk */
	char name[64];   /* its name in /proc/diskstats */
	char target[128];
	char img[128];
	char loop[64];   /* "" unless a loop device was set up */
} io;

static void setup(void)
{
	require_capable();
	daemon_start(&d);
}

static void teardown(void)
{
	char cmd[512];

	if (io.loop[0]) {
		snprintf(cmd, sizeof(cmd), "losetup -d '%s'", io.loop);
		if (system(cmd) != 0)
			fprintf(stderr, "losetup -d %s failed\n", io.loop);
	}
	if (io.img[0])
		unlink(io.img);
	memset(&io, 0, sizeof(io));
	test_teardown(&d);
}

TestSuite(procfiles, .init = setup, .fini = teardown, .timeout = 1500);

/* The whole disk of MAJ:MIN mm (a partition's parent) and its name, from sysfs. */
static void io_setup(void)
{
	char script[2048], out[1024];

	snprintf(io.img, sizeof(io.img), "/var/tmp/vprocfs-it-io-%d.img", (int)getpid());
	snprintf(script, sizeof(script),
		 "set -e\n"
		 "mm=$(findmnt -no MAJ:MIN -T /var/tmp | tr -d ' ')\n"
		 "if [ -e /sys/dev/block/$mm ]; then\n"
		 "  s=$(readlink -f /sys/dev/block/$mm)\n"
		 "  [ ! -e $s/partition ] || s=$(dirname $s)\n"
		 "  dd if=/dev/zero of='%s' bs=1M count=4 2>/dev/null; sync\n"
		 "  echo \"DEV=$(cat $s/dev) NAME=$(basename $s) TARGET=%s LOOP=\"\n"
		 "else\n"
		 "  modprobe loop 2>/dev/null || true\n"
		 "  truncate -s 16M '%s'\n"
		 "  l=$(losetup -f --show '%s')\n"
		 "  s=$(readlink -f /sys/class/block/$(basename $l))\n"
		 "  echo \"DEV=$(cat $s/dev) NAME=$(basename $s) TARGET=$l LOOP=$l\"\n"
		 "fi\n",
		 io.img, io.img, io.img, io.img);
	cr_assert_eq(run_in_cgroup(NULL, script, out, sizeof(out)), 0, "%s", out);
	cr_assert_eq(sscanf(out, "DEV=%31s NAME=%63s TARGET=%127s LOOP=%63s", io.dev, io.name,
			    io.target, io.loop) >= 3,
		     1, "%s", out);
	if (strncmp(io.loop, "/dev/", 5) != 0)
		io.loop[0] = '\0';
	fprintf(stderr, "procfiles: container I/O on %s (%s), %s\n", io.name, io.dev, io.target);
}

/* Column name (bi, bo, si, so...) of report line (0: the first) of `vmstat` output in
 * text. */
static unsigned long long vmstat_col(const char *text, int line, const char *name)
{
	const char *h = strstr(text, " bi ");
	int want = -1, col = 0;
	unsigned long long v = 0;
	char hdr[512], *tok, *save = NULL;
	const char *l;

	cr_assert_not_null(h, "no vmstat header in:\n%s", text);
	while (h > text && h[-1] != '\n')
		h--;
	snprintf(hdr, sizeof(hdr), "%.*s", (int)strcspn(h, "\n"), h);
	for (tok = strtok_r(hdr, " ", &save); tok; tok = strtok_r(NULL, " ", &save), col++)
		if (strcmp(tok, name) == 0)
			want = col;
	cr_assert(want >= 0, "no %s column: %s", name, text);
	l = strchr(h, '\n');
	for (int i = 0; l && i <= line; i++)
		l = strchr(l + 1, '\n') ? l + 1 : NULL;
	cr_assert_not_null(l, "no report %d in:\n%s", line, text);
	snprintf(hdr, sizeof(hdr), "%.*s", (int)strcspn(l, "\n"), l);
	col = 0;
	for (tok = strtok_r(hdr, " ", &save); tok; tok = strtok_r(NULL, " ", &save), col++)
		if (col == want)
			v = strtoull(tok, NULL, 10);
	cr_assert_gt(col, want, "short report line: %s", l);
	return v;
}

static void vmstat_bi_bo(const char *text, int line, unsigned long long *bi,
			 unsigned long long *bo)
{
	*bi = vmstat_col(text, line, "bi");
	*bo = vmstat_col(text, line, "bo");
}

/* The value after "key " at the start of a line of text, or -1. */
static long long line_value(const char *text, const char *key)
{
	size_t n = strlen(key);

	for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, n) == 0 && l[n] == ' ')
			return strtoll(l + n + 1, NULL, 10);
	return -1;
}

/* iostat -d -k's line for device name in the section after marker: kB_read and kB_wrtn (the
 * 5th and 6th numbers after the name: tps, kB_read/s, kB_wrtn/s, kB_dscd/s, kB_read,
 * kB_wrtn). false if not listed. */
static bool iostat_kb(const char *text, const char *marker, const char *name,
		      unsigned long long *rd, unsigned long long *wr)
{
	const char *s = strstr(text, marker);
	size_t n = strlen(name);
	double v[6];

	for (const char *l = s; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, name, n) == 0 && l[n] == ' ') {
			cr_assert_eq(sscanf(l + n, "%lf %lf %lf %lf %lf %lf", &v[0], &v[1], &v[2],
					    &v[3], &v[4], &v[5]),
				     6, "%s", l);
			*rd = (unsigned long long)v[4];
			*wr = (unsigned long long)v[5];
			return true;
		}
	return false;
}

/* Container a writes to the disk (direct I/O, about 10 MiB/s for 3 s) while `vmstat 2 2`
 * runs, then reads 1 MiB back; container b does nothing. Each one's vmstat bi/bo, /proc/vmstat
 * pgpgin/pgpgout, iostat and /proc/diskstats show its own I/O: the cgroup's figures exactly
 * in a, zeros in b. */
Test(procfiles, vmstat_and_iostat_show_the_containers_io)
{
	const char *a, *b;
	char script[4096], out_a[32768], out_b[32768];
	unsigned long long rbytes, wbytes, all_r, all_w, bi, bo, rd, wr;
	/* sysstat 12's plain `iostat -d` reads /sys/block/DEV/stat (the block tree's stat
	 * files, mounted by run_in_container() as the hook does); with partitions (-p ALL) it
	 * reads /proc/diskstats. Both are checked. */
	const char *iostat_cmd = "iostat -d -k; echo '== IOSTAT-P =='; iostat -d -k -p ALL";

	if (system("command -v vmstat >/dev/null && command -v iostat >/dev/null") != 0) {
		fprintf(stderr, "\n*** SKIPPED: procps vmstat or sysstat iostat not installed ***\n\n");
		cr_skip_test("SKIPPED: vmstat or iostat not installed");
	}
	io_setup();
	a = cg_create("io-a");
	b = cg_create("io-b");
	cg_set_limit(a, 256 * MiB);
	cg_set_limit(b, 256 * MiB);
	cg_set_io_limit(a, io.dev);
	cg_set_io_limit(b, io.dev);
	snprintf(script, sizeof(script),
		 "T='%s'; STOP=/tmp/vp-io-stop-%d; GO=$STOP.go; rm -f $STOP $GO\n"
		 /* At least 10 MiB, and on until vmstat is done (in the test lab's emulated
		  * guests 3 s are a few MiB). */
		 "( i=0; while [ $i -lt 10 ] || [ ! -e $STOP ]; do\n"
		 "    dd if=/dev/zero of=$T bs=64k count=16 oflag=direct conv=notrunc 2>/dev/null\n"
		 "    touch $GO; sleep 0.1; i=$((i+1))\n"
		 "  done ) &\n"
		 /* vmstat once the first MiB is written; its second report covers 2 s of
		  * writing (a writer's round takes most of a second in an emulated guest). */
		 "while [ ! -e $GO ]; do sleep 0.1; done\n"
		 "echo '== VMSTAT =='; vmstat 2 2\n"
		 "touch $STOP; wait; rm -f $STOP $GO\n"
		 "dd if=$T of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null\n"
		 /* Past the files' freshness bound (100 ms, README): vmstat read /proc/vmstat
		  * moments ago, and its page cache may still hold that rendering. */
		 "sleep 0.2\n"
		 "echo '== PROC =='; grep -E '^pgpg(in|out) ' /proc/vmstat\n"
		 "echo '== IOSTAT =='; %s\n"
		 "echo '== DISKSTATS =='; busybox cat /proc/diskstats\n",
		 io.target, (int)getpid(), iostat_cmd);
	cr_assert_eq(run_in_container(&d, a, script, out_a, sizeof(out_a)), 0, "%s", out_a);
	cg_io_bytes(a, NULL, &all_r, &all_w);
	cg_io_bytes(a, io.dev, &rbytes, &wbytes);
	cr_assert_geq(wbytes, 10 * MiB, "the cgroup's own count: %llu bytes written\n%s", wbytes,
		      out_a);
	cr_assert_geq(rbytes, 1 * MiB, "%s", out_a);
	/* vmstat: the first report averages since the container started, the second is the
	 * second of writing. */
	vmstat_bi_bo(strstr(out_a, "== VMSTAT =="), 0, &bi, &bo);
	cr_assert_gt(bo, 0, "first report:\n%s", out_a);
	vmstat_bi_bo(strstr(out_a, "== VMSTAT =="), 1, &bi, &bo);
	cr_assert_gt(bo, 0, "second report, while writing:\n%s", out_a);
	cr_assert_lt(bo, 200 * 1024, "about 10 MiB/s, not the host's:\n%s", out_a);
	/* Memory well under its limit, nothing swapped: the container's si and so are 0,
	 * whatever the host swaps (these hosts swap to zram). */
	for (int line = 0; line < 2; line++) {
		cr_assert_eq(vmstat_col(strstr(out_a, "== VMSTAT =="), line, "si"), 0, "%s", out_a);
		cr_assert_eq(vmstat_col(strstr(out_a, "== VMSTAT =="), line, "so"), 0, "%s", out_a);
	}
	/* The counters are the cgroup's, over all devices, in KiB (the programs run after the
	 * reading back may still read a page or two of their own from a disk: at most the
	 * cgroup's final count). */
	cr_assert_eq(line_value(strstr(out_a, "== PROC =="), "pgpgout"), (long long)(all_w / 1024),
		     "%s", out_a);
	rd = (unsigned long long)line_value(strstr(out_a, "== PROC =="), "pgpgin");
	cr_assert(rd >= 1024 && rd <= all_r / 1024, "pgpgin %llu, the cgroup read %llu B:\n%s",
		  rd, all_r, out_a);
	for (int k = 0; k < 2; k++) {
		const char *marker = k ? "== IOSTAT-P ==" : "== IOSTAT ==";

		cr_assert(iostat_kb(out_a, marker, io.name, &rd, &wr), "%s: %s not in:\n%s", marker,
			  io.name, out_a);
		cr_assert_eq(wr, wbytes / 1024, "%s kB_wrtn:\n%s", marker, out_a);
		cr_assert(rd >= 1024 && rd <= rbytes / 1024, "%s kB_read:\n%s", marker, out_a);
	}
	/* diskstats, read last: the cgroup's figures (sectors of 512 bytes), and 0 for what no
	 * cgroup counts (merges, times). */
	{
		const char *l = strstr(strstr(out_a, "== DISKSTATS =="), io.name);
		unsigned long long f[7];

		cr_assert_not_null(l, "%s", out_a);
		cr_assert_eq(sscanf(l + strlen(io.name), " %llu %llu %llu %llu %llu %llu %llu", &f[0],
				    &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]),
			     7, "%s", l);
		cr_assert(f[0] > 0 && f[4] > 0, "reads and writes counted: %s", l);
		cr_assert(f[1] == 0 && f[3] == 0 && f[5] == 0, "%s", l);
		/* Reads: whatever the shell still loads after it is counted too. */
		cr_assert(f[2] >= 2048 && f[2] <= rbytes / 512,
			  "sectors read (the cgroup: %llu B): %s", rbytes, l);
		cr_assert_eq(f[6], wbytes / 512, "sectors written (the cgroup: %llu B): %s", wbytes, l);
	}

	/* The idle container. */
	/* A second first: vmstat's first report averages over the container's life, which
	 * would otherwise be a fraction of a second (a few KiB read look like more per second). */
	cr_assert_eq(run_in_container(&d, b,
				      "sleep 1; echo '== VMSTAT =='; vmstat 1 2\n"
				      "echo '== PROC =='; grep -E '^pgpg(in|out) ' /proc/vmstat\n"
				      "echo '== IOSTAT =='; iostat -d -k\n"
				      "echo '== IOSTAT-P =='; iostat -d -k -p ALL\n",
				      out_b, sizeof(out_b)),
		     0, "%s", out_b);
	/* Its own reads only: starting vmstat and iostat may page in a few KiB of programs
	 * (its cgroup counts them), never a's megabytes. */
	cg_io_bytes(b, NULL, &all_r, &all_w);
	cr_assert_lt(all_r + all_w, 1 * MiB, "b did I/O of its own");
	for (int line = 0; line < 2; line++) {
		vmstat_bi_bo(strstr(out_b, "== VMSTAT =="), line, &bi, &bo);
		cr_assert(bi <= all_r / 1024 && bo <= all_w / 1024, "report %d (b read %llu B, wrote "
			  "%llu B):\n%s", line, all_r, all_w, out_b);
	}
	cr_assert_leq(line_value(strstr(out_b, "== PROC =="), "pgpgin"), (long long)(all_r / 1024),
		      "%s", out_b);
	cr_assert_leq(line_value(strstr(out_b, "== PROC =="), "pgpgout"), (long long)(all_w / 1024),
		      "%s", out_b);
	/* iostat leaves out devices whose counts are all 0: where it lists the device, its
	 * figures are b's own, plain (the block tree) and with -p ALL (diskstats). */
	for (int k = 0; k < 2; k++)
		if (iostat_kb(out_b, k ? "== IOSTAT-P ==" : "== IOSTAT ==", io.name, &rd, &wr))
			cr_assert(rd <= all_r / 1024 && wr <= all_w / 1024, "%s", out_b);
	test_finish(&d);
}

/* Every new file, read by busybox cat (sendfile) and cat (read) by two containers with
 * different limits at once: never empty, never the other's (vmstat's nr_free_pages is its
 * MemFree: at most 200 MiB in one, over 200 MiB in the other); sendfile gets what read gets,
 * for the disk's /sys/block/DEV/stat (the block tree's) too. */
Test(procfiles, busybox_cat_two_containers_no_empty_no_foreign)
{
	/* Rounds of reads of each file by each cat, in each container: 60 spawn about 1,500
	 * processes per container, minutes in an emulated guest (100 timed out in one whose
	 * host was busy). */
	enum { ROUNDS = 60 };
	const char *ctr[2] = {cg_create("cat-a"), cg_create("cat-b")};
	unsigned long long pages = 200 * MiB / (unsigned long long)sysconf(_SC_PAGESIZE);
	static char script[2][4096], out[2][16384];
	int ret[2];

	/* A block device, so that diskstats lists one (the test lab's guests have none). */
	io_setup();
	cg_set_limit(ctr[0], 200 * MiB);
	cg_set_limit(ctr[1], 300 * MiB);
	for (int k = 0; k < 2; k++)
		snprintf(script[k], sizeof(script[k]),
			 "files='/proc/vmstat /proc/diskstats%s'\n"
			 /* $$ is 1 in both containers: a name of each one's own. */
			 "S=/tmp/vp-cat-%d-%d.s; R=/tmp/vp-cat-%d-%d.r\n"
			 "n=0; e=0; f=0; i=0\n"
			 "while [ $i -lt %d ]; do\n"
			 "  for c in 'busybox cat' cat; do\n"
			 "    for g in $files; do\n"
			 "      out=$($c $g); n=$((n+1)); [ -n \"$out\" ] || e=$((e+1))\n"
			 "    done\n"
			 "    $c /proc/vmstat > $S\n"
			 "    v=$(grep -a '^nr_free_pages ' $S | cut -d' ' -f2)\n"
			 "    if [ -z \"$v\" ] || [ \"$v\" %s %llu ]; then f=$((f+1)); fi\n"
			 /* A NUL byte: a page the kernel zero-filled past a short read. */
			 "    if ! tr -d '\\000' < $S | cmp -s - $S; then\n"
			 "      echo \"NUL-READ by $c: $(wc -c < $S) bytes, NULs from \"\\\n"
			 "\"$(tr -d '\\000' < $S | wc -c)\"; fi\n"
			 "  done\n"
			 "  i=$((i+1))\n"
			 "done\n"
			 "echo \"reads=$n empty=$e foreign=$f\"\n"
			 /* sendfile = read: diskstats of an idle container is constant (but for a
			  * page its programs may read from the disk now and then: a few tries),
			  * vmstat's and pressure's keys are. */
			 "for g in /proc/diskstats /sys/block/%s/stat; do\n"
			 "  t=0; while :; do\n"
			 "    busybox cat $g > $S\n"
			 "    cat $g > $R; sz=$(stat -c %%s $g)\n"
			 "    [ -s $R ] && cmp -s $S $R && [ $sz = $(wc -c < $R) ] && break\n"
			 "    t=$((t+1)); [ $t -lt 5 ] || { echo \"DIFFER: $g\"; break; }\n"
			 "  done\n"
			 "done\n"
			 "for g in $files; do\n"
			 "  busybox cat $g | cut -d' ' -f1 > $S\n"
			 "  cat $g | cut -d' ' -f1 > $R\n"
			 "  cmp $S $R || echo KEYS-DIFFER $g\n"
			 "done\n"
			 "rm -f $S $R\n",
			 pressure_served() ? " /proc/pressure/cpu /proc/pressure/memory "
					     "/proc/pressure/io"
					   : "",
			 (int)getpid(), k, (int)getpid(), k, ROUNDS, k == 0 ? "-gt" : "-le", pages,
			 io.name);
	run_in_containers(&d, 2, ctr, (const char *const[]){script[0], script[1]},
			  (char *const[]){out[0], out[1]}, sizeof(out[0]), ret);
	for (int k = 0; k < 2; k++) {
		assert_clean_reads(out[k], ret[k], ROUNDS * 2 * (pressure_served() ? 5 : 2));
		cr_assert_null(strstr(out[k], "DIFFER"), "%s", out[k]);
		cr_assert_null(strstr(out[k], "NUL-READ"), "%s", out[k]);
	}
	test_finish(&d);
}

/* Whether the directory lists name. */
static bool lists(const char *dir, const char *name)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	bool found = false;

	cr_assert_not_null(dp, "%s: %s", dir, strerror(errno));
	while ((e = readdir(dp)))
		found = found || strcmp(e->d_name, name) == 0;
	closedir(dp);
	return found;
}

/* The "some" or "full" line's total= in pressure text, -1 when absent. */
static long long psi_total(const char *text, const char *kind)
{
	const char *l = strstr(text, kind), *t;

	return l && (t = strstr(l, "total=")) ? strtoll(t + 6, NULL, 10) : -1;
}

/*
 * /proc/pressure: on this v1 host (and any host that is not pure v2, or whose kernel keeps no
 * PSI) absent from the tree: not listed, ENOENT. On pure v2 (the test lab's guests) the
 * container's own: its memory.pressure rises while it is squeezed under memory.high, and
 * another container's does not.
 */
Test(procfiles, pressure_absent_unless_v2_rising_with_the_containers_own)
{
	const char *ctr[2];
	static char out_a[8192], out_b[8192];
	char p[600];
	struct stat st;
	int ret[2];

	snprintf(p, sizeof(p), "%s/proc", d.mnt);
	cr_assert(lists(p, "vmstat") && lists(p, "diskstats"), "%s", p);
	if (!pressure_served()) {
		fprintf(stderr, "procfiles: not a pure cgroup v2 host with PSI: /proc/pressure must "
				"be absent\n");
		cr_assert_not(lists(p, "pressure"), "%s lists pressure", p);
		snprintf(p, sizeof(p), "%s/proc/pressure", d.mnt);
		cr_assert_eq(stat(p, &st), -1);
		cr_assert_eq(errno, ENOENT, "%s: %s", p, strerror(errno));
		snprintf(p, sizeof(p), "%s/proc/pressure/memory", d.mnt);
		cr_assert_eq(stat(p, &st), -1);
		cr_assert_eq(errno, ENOENT, "%s: %s", p, strerror(errno));
		test_finish(&d);
		return;
	}
	cr_assert(lists(p, "pressure"), "%s", p);
	snprintf(p, sizeof(p), "%s/proc/pressure", d.mnt);
	cr_assert(lists(p, "cpu") && lists(p, "memory") && lists(p, "io"), "%s", p);
	ctr[0] = cg_create("psi-a");
	ctr[1] = cg_create("psi-b");
	cg_set_limit(ctr[0], 192 * MiB);
	cg_set_limit(ctr[1], 192 * MiB);
	snprintf(p, sizeof(p), "echo 24M > '%s/memory.high'", ctr[0]);
	cr_assert_eq(run_in_cgroup(NULL, p, out_a, sizeof(out_a)), 0, "%s", out_a);
	/* a squeezes itself under memory.high (64 MiB buffers, no swap to reclaim to) while b
	 * reads its own pressure before and after. */
	run_in_containers(&d, 2, ctr,
			  (const char *const[]){
				  "busybox cat /proc/pressure/memory\n"
				  "i=0; while [ $i -lt 4 ]; do\n"
				  "  dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null\n"
				  "  i=$((i+1))\n"
				  "done\n"
				  "echo '== AFTER =='; busybox cat /proc/pressure/memory\n"
				  "busybox cat /proc/pressure/cpu /proc/pressure/io\n",
				  "busybox cat /proc/pressure/memory; sleep 4\n"
				  "echo '== AFTER =='; busybox cat /proc/pressure/memory\n"},
			  (char *const[]){out_a, out_b}, sizeof(out_a), ret);
	cr_assert(ret[0] == 0 && ret[1] == 0, "%s\n%s", out_a, out_b);
	cr_assert(strstr(out_a, "some avg10=") && strstr(out_a, "full avg10="), "%s", out_a);
	cr_assert_gt(psi_total(strstr(out_a, "== AFTER =="), "some"), psi_total(out_a, "some"),
		     "a's memory pressure did not rise:\n%s", out_a);
	cr_assert_eq(psi_total(strstr(out_b, "== AFTER =="), "some"), psi_total(out_b, "some"),
		     "b's memory pressure moved with a's:\n%s", out_b);
	test_finish(&d);
}
