/* /proc/cpuinfo for a container. Pure. */
#ifndef VP_PROC_VIEWS_CPUINFO_H
#define VP_PROC_VIEWS_CPUINFO_H

#include "util/strbuf.h"

/* From the host's /proc/cpuinfo: the stanzas of host CPUs host_cpu[0..n) in that order,
 * numbered "processor : 0".."n-1". Topology fields are made to describe one socket of n
 * cores without SMT, so that clients that count from them (lscpu, hwloc, JVMs) agree with n:
 * "physical id" 0, "siblings" and "cpu cores" n, "core id", "apicid" and "initial apicid" the
 * new number. Stanzas that are not per-CPU (e.g. 32-bit ARM's trailing "Hardware" block)
 * are kept in place. -ENOENT when a wanted CPU has no stanza; -EINVAL on text without
 * "processor" stanzas, or with a "processor" line that does not start a stanza as
 * "processor : N" (one per stanza): no file the kernel writes, so nothing is guessed. */
int pv_cpuinfo_render(const char *host, const unsigned *host_cpu, unsigned n,
		      struct strbuf *out);

#endif
