/* sysinfo(2) figures from a container's rendered files, the two struct layouts, and the
 * runtime's message to the seccomp agent. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "proc_views/sysinfo.h"
#include "seccomp/state.h"

static const char meminfo[] = "MemTotal:         262144 kB\n"
			      "MemFree:          200000 kB\n"
			      "MemAvailable:     210000 kB\n"
			      "Buffers:               0 kB\n"
			      "Cached:            10000 kB\n"
			      "Shmem:              1024 kB\n"
			      "SwapTotal:        131072 kB\n"
			      "SwapFree:         131000 kB\n";

Test(sysinfo, parse_the_three_files)
{
	struct pv_sysinfo s;

	cr_assert_eq(pv_sysinfo_parse(meminfo, "12.34 20.00\n", "0.50 1.25 2.00 3/17 4242\n", &s), 0);
	cr_assert_eq(s.totalram, 262144ULL * 1024);
	cr_assert_eq(s.freeram, 200000ULL * 1024);
	cr_assert_eq(s.sharedram, 1024ULL * 1024);
	cr_assert_eq(s.bufferram, 0);
	cr_assert_eq(s.totalswap, 131072ULL * 1024);
	cr_assert_eq(s.freeswap, 131000ULL * 1024);
	cr_assert_eq(s.uptime_s, 13, "rounded up, as the kernel does");
	cr_assert_eq(s.loads[0], 32768);
	cr_assert_eq(s.loads[1], 65536 + 16384);
	cr_assert_eq(s.loads[2], 131072);
	cr_assert_eq(s.procs, 17);
	/* Whole seconds stay. */
	cr_assert_eq(pv_sysinfo_parse(meminfo, "7.00 1.00\n", "0.00 0.00 0.00 1/1 1\n", &s), 0);
	cr_assert_eq(s.uptime_s, 7);
}

Test(sysinfo, refused)
{
	struct pv_sysinfo s;
	const char *up = "1.00 1.00\n", *la = "0.00 0.00 0.00 1/1 1\n";

	cr_assert_eq(pv_sysinfo_parse("MemTotal: 1 kB\n", up, la, &s), -EINVAL);
	cr_assert_eq(pv_sysinfo_parse("", up, la, &s), -EINVAL);
	cr_assert_eq(pv_sysinfo_parse(meminfo, "", la, &s), -EINVAL);
	cr_assert_eq(pv_sysinfo_parse(meminfo, "1.0 2.00\n", la, &s), -EINVAL);
	cr_assert_eq(pv_sysinfo_parse(meminfo, "x.00 2.00\n", la, &s), -EINVAL);
	cr_assert_eq(pv_sysinfo_parse(meminfo, up, "0.00 0.00 1/1 1\n", &s), -EINVAL);
	cr_assert_eq(pv_sysinfo_parse(meminfo, up, "0.00 0.00 0.00 1 1\n", &s), -EINVAL);
	cr_assert_eq(pv_sysinfo_parse(meminfo, up, "0.0 0.00 0.00 1/1 1\n", &s), -EINVAL);
	cr_assert_eq(pv_sysinfo_parse(meminfo, up, "-1.00 0.00 0.00 1/1 1\n", &s), -EINVAL);
	/* A figure in another unit, or none. */
	cr_assert_eq(pv_sysinfo_parse("MemTotal: 1 MB\nMemFree: 1 kB\nShmem: 0 kB\nBuffers: 0 kB\n"
				      "SwapTotal: 0 kB\nSwapFree: 0 kB\n",
				      up, la, &s),
		     -EINVAL);
	cr_assert_eq(pv_sysinfo_parse("MemTotal: 1 kB\nMemFree: kB\nShmem: 0 kB\nBuffers: 0 kB\n"
				      "SwapTotal: 0 kB\nSwapFree: 0 kB\n",
				      up, la, &s),
		     -EINVAL);
	/* More free than total is no container's. */
	cr_assert_eq(pv_sysinfo_parse("MemTotal: 1 kB\nMemFree: 2 kB\nShmem: 0 kB\nBuffers: 0 kB\n"
				      "SwapTotal: 0 kB\nSwapFree: 0 kB\n",
				      up, la, &s),
		     -EINVAL);
	/* Overflow. */
	cr_assert_eq(pv_sysinfo_parse("MemTotal: 99999999999999999999 kB\nMemFree: 0 kB\n"
				      "Shmem: 0 kB\nBuffers: 0 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n",
				      up, la, &s),
		     -EINVAL);
}

Test(sysinfo, native_layout_is_struct_sysinfo)
{
	struct pv_sysinfo s = {.uptime_s = 99, .loads = {1, 2, 3}, .totalram = 1ULL << 40,
			       .freeram = 5, .sharedram = 6, .bufferram = 7, .totalswap = 8,
			       .freeswap = 9, .procs = 70000};
	unsigned char buf[PV_SYSINFO64_SIZE];
	struct sysinfo si;

	cr_assert_eq(sizeof(struct sysinfo), PV_SYSINFO64_SIZE);
	cr_assert_eq(pv_sysinfo_pack64(&s, buf), sizeof(si));
	memcpy(&si, buf, sizeof(si));
	cr_assert_eq(si.uptime, 99);
	cr_assert(si.loads[0] == 1 && si.loads[1] == 2 && si.loads[2] == 3);
	cr_assert_eq(si.totalram, 1ULL << 40);
	cr_assert(si.freeram == 5 && si.sharedram == 6 && si.bufferram == 7);
	cr_assert(si.totalswap == 8 && si.freeswap == 9);
	cr_assert_eq(si.procs, 65535, "capped");
	cr_assert(si.totalhigh == 0 && si.freehigh == 0);
	cr_assert_eq(si.mem_unit, 1);
}

Test(sysinfo, compat_layout_scales_by_mem_unit)
{
	struct pv_sysinfo s = {.uptime_s = 5, .loads = {65536, 0, 0}, .totalram = 6ULL << 30,
			       .freeram = 5ULL << 30, .procs = 3};
	unsigned char b[PV_SYSINFO32_SIZE];
	uint32_t v;
	uint16_t p;

	cr_assert_eq(pv_sysinfo_pack32(&s, b), 64);
	memcpy(&v, b + 52, 4);
	cr_assert_eq(v, 2, "6 GiB does not fit 32 bits of bytes: mem_unit 2");
	memcpy(&v, b + 16, 4);
	cr_assert_eq((uint64_t)v * 2, 6ULL << 30);
	memcpy(&v, b + 20, 4);
	cr_assert_eq((uint64_t)v * 2, 5ULL << 30);
	memcpy(&v, b + 0, 4);
	cr_assert_eq(v, 5);
	memcpy(&v, b + 4, 4);
	cr_assert_eq(v, 65536);
	memcpy(&p, b + 40, 2);
	cr_assert_eq(p, 3);
	/* Small figures: bytes. */
	s.totalram = 1 << 20;
	s.freeram = 1 << 19;
	pv_sysinfo_pack32(&s, b);
	memcpy(&v, b + 52, 4);
	cr_assert_eq(v, 1);
	memcpy(&v, b + 16, 4);
	cr_assert_eq(v, 1 << 20);
}

Test(sysinfo, runtime_state_runc)
{
	/* What runc 1.1 sends (specs.ContainerProcessState), fds in SCM_RIGHTS order. */
	static const char text[] =
		"{\"ociVersion\":\"1.0.2-dev\",\"fds\":[\"seccompFd\"],\"pid\":4321,"
		"\"metadata\":\"vprocfs\",\"state\":{\"ociVersion\":\"1.0.2-dev\",\"id\":\"c1\","
		"\"status\":\"creating\",\"pid\":4321,\"bundle\":\"/run/b\"}}";
	struct sc_state s;

	cr_assert_eq(sc_parse_state(text, strlen(text), &s), 0);
	cr_assert_eq(s.seccomp_index, 0);
	cr_assert_eq(s.nfds, 1);
	cr_assert_eq(s.pid, 4321);
	cr_assert_str_eq(s.id, "c1");
	cr_assert_str_eq(s.metadata, "vprocfs");
	/* Other fds first, a trailing newline, no state. */
	{
		static const char two[] = "{\"fds\":[\"pidFd\",\"seccompFd\"],\"pid\":9}\n";

		cr_assert_eq(sc_parse_state(two, strlen(two), &s), 0);
	}
	cr_assert_eq(s.seccomp_index, 1);
	cr_assert_str_eq(s.id, "?");
	cr_assert_str_eq(s.metadata, "");
}

Test(sysinfo, runtime_state_refused)
{
	static const char *const bad[] = {
		"", "[]", "{}", "{\"fds\":[],\"pid\":1}", "{\"fds\":[\"seccompFd\"]}",
		"{\"fds\":[\"seccompFd\"],\"pid\":0}", "{\"fds\":[\"seccompFd\"],\"pid\":-1}",
		"{\"fds\":[\"seccompFd\"],\"pid\":\"1\"}", "{\"fds\":[\"seccompFd\"],\"pid\":99999999999}",
		"{\"fds\":[\"seccompFd\",\"seccompFd\"],\"pid\":1}", "{\"fds\":[1],\"pid\":1}",
		"{\"fds\":\"seccompFd\",\"pid\":1}",
		"{\"fds\":[\"seccompFd\"],\"pid\":1}{\"fds\":[\"seccompFd\"],\"pid\":2}",
		"{\"fds\":[\"seccompFd\"],\"pid\":1", /* not whole yet */
	};
	struct sc_state s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(sc_parse_state(bad[i], strlen(bad[i]), &s), -EINVAL, "%s", bad[i]);
}
