/* sysinfo(2) for a container, from the texts of its own /proc/meminfo, /proc/uptime and
 * /proc/loadavg as vprocfs renders them (so the system call and the files always agree), and
 * the struct sysinfo layouts a caller's memory expects. Pure: no I/O. */
#ifndef VP_PROC_VIEWS_SYSINFO_H
#define VP_PROC_VIEWS_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

/* The figures, in bytes and seconds; loads in the kernel's 1 << 16 fixed point. */
struct pv_sysinfo {
	uint64_t uptime_s;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint64_t procs;
};

/* meminfo: MemTotal, MemFree, Shmem, Buffers, SwapTotal, SwapFree (kB); uptime: "U I";
 * loadavg: "a b c r/T last" (procs = T, capped at 65535 when packed). -EINVAL when a text
 * lacks a figure or has a malformed one. */
int pv_sysinfo_parse(const char *meminfo, const char *uptime, const char *loadavg,
		     struct pv_sysinfo *ret);

/* The caller's struct sysinfo: 112 bytes for 64-bit callers (x86_64 and x32), 64 bytes for
 * 32-bit ones (i386), whose figures are scaled by the smallest power of two mem_unit that
 * fits them in 32 bits, as the kernel's compat sysinfo does. Returns the size written. */
#define PV_SYSINFO64_SIZE 112
#define PV_SYSINFO32_SIZE 64
size_t pv_sysinfo_pack64(const struct pv_sysinfo *s, unsigned char out[PV_SYSINFO64_SIZE]);
size_t pv_sysinfo_pack32(const struct pv_sysinfo *s, unsigned char out[PV_SYSINFO32_SIZE]);

#endif
