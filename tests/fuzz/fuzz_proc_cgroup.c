/* /proc/PID/cgroup: the path per controller (v1 and v2), and the "whose view" choice made
 * from a caller's and an init's paths. */
#include "cgroup/cgroup.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctrl[] = {"memory", "cpu", "cpuacct", "cpuset", ""};
	char *text = fuzz_text(data, size), *path[2] = {NULL, NULL};

	if (!text)
		return 0;
	for (size_t i = 0; i < sizeof(ctrl) / sizeof(ctrl[0]); i++)
		for (int v = 0; v < 2; v++) {
			char *p = NULL;
			int r = cg_proc_cgroup_path(text, v ? CG_V2 : CG_V1, ctrl[i], &p);

			FUZZ_CHECK(r < 0 ? p == NULL : p && p[0] == '/');
			if (r == 0 && !path[v])
				path[v] = p;
			else
				free(p);
		}
	if (path[0] && path[1]) {
		char *pick = NULL;

		if (cg_pick_container(path[0], path[1], &pick) == 0) {
			/* The container is the caller's cgroup or one of its ancestors. */
			FUZZ_CHECK(pick && cg_path_is_ancestor(pick, path[0]));
			free(pick);
		}
		FUZZ_CHECK(cg_path_is_ancestor(path[0], path[0]));
	}
	free(path[0]);
	free(path[1]);
	free(text);
	return 0;
}
