/* Pure parsing of /proc/PID/cgroup and the "whose view" rule. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"
#include "util/parse.h"

static const char deleted_suffix[] = " (deleted)";

static bool list_has(const char *list, size_t n, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list, *end = list + n;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t len = comma ? (size_t)(comma - p) : (size_t)(end - p);

		if (len == wl && memcmp(p, word, wl) == 0)
			return true;
		p += len + 1;
	}
	return false;
}

int cg_proc_cgroup_path(const char *text, enum cg_version v, const char *controller,
			char **ret_path)
{
	const char *line = text;

	if (v != CG_V1 && v != CG_V2)
		return -EINVAL;
	while (*line) {
		const char *eol = strchr(line, '\n');
		const char *c1, *c2, *path;
		size_t linelen, pathlen;
		uint64_t id;
		bool match;

		linelen = eol ? (size_t)(eol - line) : strlen(line);
		c1 = memchr(line, ':', linelen);
		if (!c1)
			return -EINVAL;
		c2 = memchr(c1 + 1, ':', linelen - (size_t)(c1 + 1 - line));
		if (!c2)
			return -EINVAL;
		if (parse_u64_n(line, (size_t)(c1 - line), &id) < 0)
			return -EINVAL;
		path = c2 + 1;
		pathlen = linelen - (size_t)(path - line);
		if (pathlen == 0 || path[0] != '/')
			return -EINVAL;

		if (v == CG_V2)
			match = id == 0 && c2 == c1 + 1;
		else
			match = id != 0 && list_has(c1 + 1, (size_t)(c2 - c1 - 1), controller);
		if (match) {
			char *r;

			if (pathlen >= sizeof(deleted_suffix) - 1 &&
			    memcmp(path + pathlen - (sizeof(deleted_suffix) - 1), deleted_suffix,
				   sizeof(deleted_suffix) - 1) == 0)
				return -ESRCH;
			r = strndup(path, pathlen);
			if (!r)
				return -ENOMEM;
			*ret_path = r;
			return 0;
		}
		if (!eol)
			break;
		line = eol + 1;
	}
	return -ENOENT;
}

bool cg_path_is_ancestor(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strcmp(a, "/") == 0)
		return true;
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

int cg_pick_container(const char *caller, const char *init, char **ret_path)
{
	static const char scope[] = "/init.scope";
	size_t n;
	char *r;

	if (!init) {
		r = strdup(caller);
	} else {
		n = strlen(init);
		if (n >= sizeof(scope) - 1 &&
		    strcmp(init + n - (sizeof(scope) - 1), scope) == 0)
			n -= sizeof(scope) - 1;
		r = n == 0 ? strdup("/") : strndup(init, n);
		if (r && !cg_path_is_ancestor(r, caller)) {
			free(r);
			r = strdup(caller);
		}
	}
	if (!r)
		return -ENOMEM;
	*ret_path = r;
	return 0;
}
