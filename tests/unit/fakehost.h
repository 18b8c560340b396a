/* The unit tests of core/ on a fake host: a fake /proc and /sys in temporary directories
 * (the host's files from the fixtures; processes whose pid namespaces are hard links, see
 * helpers.c) and a copy of a fixture cgroup tree as every controller. */
#ifndef VP_TESTS_FAKEHOST_H
#define VP_TESTS_FAKEHOST_H

#include "core/core.h"

#define HZ 100
#define V2_CTR "/vp_fixture/ctr"
#define V1_CTR "/pod/ctr"

struct fake_host {
	char *proc, *sys, *cg;
	struct vp_core *core;
	unsigned long long init_start; /* of the v2 container's init, 403 */
	unsigned long long task_start; /* of the v1 container's only task, 6543 */
};

extern struct fake_host fh;

/* Clock ticks after boot, s seconds ago. */
unsigned long long ticks_ago(unsigned s);
/* The v2 fixture host (16 CPUs; fakehost.c says who runs where) with the core open. */
void v2_host(enum pv_cpu_count count);
/* The v1 fixture host (2 CPUs). */
void v1_host(void);
/* The core on the fake host's files (again, after a test changed them). */
void core_open(enum cg_version v, enum pv_cpu_count count);
/* Everything of the fake host freed (a suite's .fini). */
void host_done(void);

#endif
