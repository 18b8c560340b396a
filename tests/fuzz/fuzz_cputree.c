/* /sys/devices/system/cpu paths as a container names them (FUSE lookups): the input's first
 * two bytes give n, the rest is a path. What a lookup finds must render, list or name a host
 * path that stays below the host's tree; masks have the kernel's shape. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proc_views/cputree.h"
#include "tests/fuzz/fuzz.h"
#include "util/strbuf.h"

static unsigned host_cpu[PV_CPUTREE_MAX_CPUS];

struct ctx {
	const struct pv_cputree_in *in;
	const char *dir;
	unsigned entries;
};

static int entry_found(const char *name, enum pv_cputree_type type, void *u)
{
	struct ctx *c = u;
	struct pv_cputree_node node;
	char path[PV_CPUTREE_PATH_MAX * 2];

	c->entries++;
	snprintf(path, sizeof(path), "%s%s%s", c->dir, *c->dir ? "/" : "", name);
	if (strlen(path) < PV_CPUTREE_PATH_MAX) {
		FUZZ_CHECK(pv_cputree_lookup(c->in, path, &node) == 0);
		FUZZ_CHECK(node.type == type);
	}
	return 0;
}

static void check_mask(const char *s, size_t len, unsigned nbits)
{
	unsigned groups = (nbits + 31) / 32;

	/* groups-1 full groups of 8 digits and commas, the first with what its bits need. */
	FUZZ_CHECK(len == (groups - 1) * 9 + ((nbits - 1) % 32) / 4 + 1 + 1);
	FUZZ_CHECK(s[len - 1] == '\n');
	for (size_t i = 0; i + 1 < len; i++)
		FUZZ_CHECK(s[i] == ',' ? (len - 1 - i) % 9 == 0
				       : (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
}

/* Components non-empty, none "." or "..": the path cannot leave the host's tree. */
static void check_below(const char *p)
{
	for (;;) {
		size_t n = strcspn(p, "/");

		FUZZ_CHECK(n > 0 && !(n == 1 && p[0] == '.') && !(n == 2 && p[0] == '.' && p[1] == '.'));
		if (!p[n])
			return;
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_cputree_in in = {.host_cpu = host_cpu, .kernel_max = 8191};
	struct pv_cputree_node node;
	struct strbuf out = STRBUF_INIT;
	char *path;

	if (size < 2)
		return 0;
	in.n = (unsigned)(data[0] | data[1] << 8) % (PV_CPUTREE_MAX_CPUS + 2);
	if (host_cpu[1] == 0)
		for (unsigned i = 0; i < PV_CPUTREE_MAX_CPUS; i++)
			host_cpu[i] = i * 3;
	path = fuzz_text(data + 2, size - 2);
	if (!path)
		return 0;
	if (pv_cputree_lookup(&in, path, &node) == 0) {
		struct ctx c = {&in, path, 0};

		switch (node.type) {
		case PV_CPUTREE_FILE:
			FUZZ_CHECK(pv_cputree_render(&in, path, &out) == 0);
			FUZZ_CHECK(out.len > 0 && out.buf[out.len - 1] == '\n');
			if (strstr(path, "_cpus") && !strstr(path, "_list"))
				check_mask(out.buf, out.len, in.n);
			break;
		case PV_CPUTREE_DIR:
			FUZZ_CHECK(pv_cputree_list(&in, path, entry_found, &c) == 0);
			FUZZ_CHECK(c.entries > 0);
			break;
		case PV_CPUTREE_HOST:
			check_below(node.host_path);
			FUZZ_CHECK(pv_cputree_render(&in, path, &out) == -EREMOTE);
			break;
		}
	} else {
		FUZZ_CHECK(pv_cputree_render(&in, path, &out) < 0);
	}
	sb_release(&out);
	free(path);
	return 0;
}
