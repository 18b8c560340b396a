#include "seccomp/state.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static void copy_str(char *dst, size_t size, struct json_object *o, const char *dflt)
{
	const char *s = o && json_object_is_type(o, json_type_string) ? json_object_get_string(o)
								       : dflt;

	snprintf(dst, size, "%s", s ? s : dflt);
}

int sc_parse_state(const char *text, size_t len, struct sc_state *ret)
{
	struct json_tokener *tok;
	struct json_object *root, *fds, *pid, *state, *v = NULL;
	struct sc_state s = {.seccomp_index = -1};
	int r = -EINVAL;

	if (len > INT_MAX || !(tok = json_tokener_new()))
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)len);
	/* Exactly one JSON value, maybe followed by a newline (some runtimes add one). */
	if (root && json_tokener_get_error(tok) == json_tokener_success) {
		size_t used = json_tokener_get_parse_end(tok);

		while (used < len && (text[used] == '\n' || text[used] == ' '))
			used++;
		if (used != len) {
			json_object_put(root);
			root = NULL;
		}
	} else if (root) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	if (!root || !json_object_is_type(root, json_type_object))
		goto out;
	if (!json_object_object_get_ex(root, "fds", &fds) ||
	    !json_object_is_type(fds, json_type_array) || json_object_array_length(fds) > 253)
		goto out;
	s.nfds = (int)json_object_array_length(fds);
	for (int i = 0; i < s.nfds; i++) {
		struct json_object *n = json_object_array_get_idx(fds, (size_t)i);

		if (!n || !json_object_is_type(n, json_type_string))
			goto out;
		if (strcmp(json_object_get_string(n), "seccompFd") == 0) {
			if (s.seccomp_index >= 0)
				goto out;
			s.seccomp_index = i;
		}
	}
	if (s.seccomp_index < 0 || !json_object_object_get_ex(root, "pid", &pid) ||
	    !json_object_is_type(pid, json_type_int))
		goto out;
	{
		int64_t p = json_object_get_int64(pid);

		if (p <= 0 || p > INT_MAX)
			goto out;
		s.pid = (int)p;
	}
	if (json_object_object_get_ex(root, "state", &state) &&
	    json_object_is_type(state, json_type_object))
		json_object_object_get_ex(state, "id", &v);
	copy_str(s.id, sizeof(s.id), v, "?");
	v = NULL;
	json_object_object_get_ex(root, "metadata", &v);
	copy_str(s.metadata, sizeof(s.metadata), v, "");
	*ret = s;
	r = 0;
out:
	json_object_put(root);
	return r;
}
