#include "proc_views/sysinfo.h"

#include <errno.h>
#include <string.h>

#include "util/parse.h"

/* "Key:   N kB" in meminfo text, N in kB -> bytes. */
static int kb_line(const char *text, const char *key, uint64_t *ret)
{
	size_t len, i = 0, j;
	const char *p = find_line(text, key, &len);
	uint64_t v;

	if (!p)
		return -EINVAL;
	while (i < len && p[i] == ' ')
		i++;
	j = i;
	while (j < len && p[j] >= '0' && p[j] <= '9')
		j++;
	if (j == i || len - j != 3 || memcmp(p + j, " kB", 3) != 0 ||
	    parse_u64_n(p + i, j - i, &v) < 0 || v > UINT64_MAX / 1024)
		return -EINVAL;
	*ret = v * 1024;
	return 0;
}

/* "N.NN" at *p (two decimals exactly, as the kernel prints), in 1 << 16 fixed point. */
static int fixed2(const char **p, const char *end, uint64_t *ret)
{
	const char *s = *p, *dot = s;
	uint64_t ip, fp;

	while (dot < end && *dot >= '0' && *dot <= '9')
		dot++;
	if (dot == s || dot + 3 > end || *dot != '.' || parse_u64_n(s, (size_t)(dot - s), &ip) < 0 ||
	    parse_u64_n(dot + 1, 2, &fp) < 0 || ip > (UINT64_MAX >> 17))
		return -EINVAL;
	*ret = (ip << 16) + (fp << 16) / 100;
	*p = dot + 3;
	return 0;
}

static int next_sep(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

static int number(const char **p, const char *end, uint64_t *ret)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p == s ? -EINVAL : parse_u64_n(s, (size_t)(*p - s), ret);
}

int pv_sysinfo_parse(const char *meminfo, const char *uptime, const char *loadavg,
		     struct pv_sysinfo *ret)
{
	struct pv_sysinfo s = {0};
	const char *p = uptime, *end;
	uint64_t running, frac;
	int r;

	if ((r = kb_line(meminfo, "MemTotal:", &s.totalram)) < 0 ||
	    (r = kb_line(meminfo, "MemFree:", &s.freeram)) < 0 ||
	    (r = kb_line(meminfo, "Shmem:", &s.sharedram)) < 0 ||
	    (r = kb_line(meminfo, "Buffers:", &s.bufferram)) < 0 ||
	    (r = kb_line(meminfo, "SwapTotal:", &s.totalswap)) < 0 ||
	    (r = kb_line(meminfo, "SwapFree:", &s.freeswap)) < 0)
		return r;
	/* uptime: "U.UU I.II\n": sysinfo's uptime is whole seconds, rounded up as the kernel
	 * does (it adds one when there are nanoseconds). */
	end = uptime + strlen(uptime);
	if (number(&p, end, &s.uptime_s) < 0 || next_sep(&p, end, '.') < 0 || end - p < 2 ||
	    parse_u64_n(p, 2, &frac) < 0 || (p += 2, next_sep(&p, end, ' ') < 0))
		return -EINVAL;
	if (frac)
		s.uptime_s++;
	/* loadavg: "a.aa b.bb c.cc r/T last\n" */
	p = loadavg;
	end = loadavg + strlen(loadavg);
	for (int i = 0; i < 3; i++)
		if (fixed2(&p, end, &s.loads[i]) < 0 || next_sep(&p, end, ' ') < 0)
			return -EINVAL;
	if (number(&p, end, &running) < 0 || next_sep(&p, end, '/') < 0 ||
	    number(&p, end, &s.procs) < 0 || next_sep(&p, end, ' ') < 0)
		return -EINVAL;
	if (s.freeram > s.totalram || s.freeswap > s.totalswap)
		return -EINVAL;
	*ret = s;
	return 0;
}

static void put64(unsigned char *out, size_t off, uint64_t v)
{
	memcpy(out + off, &v, 8);
}

static void put32(unsigned char *out, size_t off, uint32_t v)
{
	memcpy(out + off, &v, 4);
}

static void put16(unsigned char *out, size_t off, uint16_t v)
{
	memcpy(out + off, &v, 2);
}

static uint16_t procs16(uint64_t procs)
{
	return procs > UINT16_MAX ? UINT16_MAX : (uint16_t)procs;
}

/* struct sysinfo, LP64: long uptime; unsigned long loads[3], totalram, freeram, sharedram,
 * bufferram, totalswap, freeswap; unsigned short procs, pad; (4 bytes of padding)
 * unsigned long totalhigh, freehigh; unsigned int mem_unit; char _f[0]; (padding to 112). */
size_t pv_sysinfo_pack64(const struct pv_sysinfo *s, unsigned char out[PV_SYSINFO64_SIZE])
{
	const uint64_t f[] = {s->totalram, s->freeram, s->sharedram,
			      s->bufferram, s->totalswap, s->freeswap};

	memset(out, 0, PV_SYSINFO64_SIZE);
	put64(out, 0, s->uptime_s > INT64_MAX ? INT64_MAX : s->uptime_s);
	for (int i = 0; i < 3; i++)
		put64(out, 8 + 8 * (size_t)i, s->loads[i]);
	for (size_t i = 0; i < 6; i++)
		put64(out, 32 + 8 * i, f[i]);
	put16(out, 80, procs16(s->procs));
	/* totalhigh, freehigh at 88 and 96 stay 0 */
	put32(out, 104, 1);
	return PV_SYSINFO64_SIZE;
}

/* The i386 layout (compat_sysinfo): s32 uptime; u32 loads[3], totalram, freeram, sharedram,
 * bufferram, totalswap, freeswap; u16 procs, pad; u32 totalhigh, freehigh, mem_unit;
 * char _f[8]. Figures over 32 bits are divided by mem_unit = the smallest power of two
 * that fits them (the kernel does the same for such callers). */
size_t pv_sysinfo_pack32(const struct pv_sysinfo *s, unsigned char out[PV_SYSINFO32_SIZE])
{
	const uint64_t f[] = {s->totalram, s->freeram, s->sharedram,
			      s->bufferram, s->totalswap, s->freeswap};
	uint64_t max = 0;
	unsigned shift = 0;

	for (size_t i = 0; i < 6; i++)
		if (f[i] > max)
			max = f[i];
	while (shift < 31 && (max >> shift) > UINT32_MAX)
		shift++;
	memset(out, 0, PV_SYSINFO32_SIZE);
	put32(out, 0, s->uptime_s > INT32_MAX ? INT32_MAX : (uint32_t)s->uptime_s);
	for (int i = 0; i < 3; i++)
		put32(out, 4 + 4 * (size_t)i,
		      s->loads[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)s->loads[i]);
	for (size_t i = 0; i < 6; i++)
		put32(out, 16 + 4 * i, (uint32_t)(f[i] >> shift));
	put16(out, 40, procs16(s->procs));
	/* totalhigh, freehigh at 44 and 48 stay 0 */
	put32(out, 52, 1u << shift);
	return PV_SYSINFO32_SIZE;
}
