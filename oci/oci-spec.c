/* See oci-spec.h. JSON is parsed with json-c. */
#include "oci/oci-spec.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* obj[key] as a string, or NULL. */
static const char *str_at(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool opted_out(json_object *obj)
{
	json_object *ann;
	const char *v;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "annotations", &ann))
		return false;
	v = str_at(ann, OCI_OPT_OUT);
	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

int oci_parse_state(const char *text, struct oci_state *ret)
{
	json_object *state = json_tokener_parse(text), *pidobj;
	const char *bundle, *id;
	int64_t pid;
	int r = -EINVAL;

	memset(ret, 0, sizeof(*ret));
	if (!state || !json_object_is_type(state, json_type_object) ||
	    !json_object_object_get_ex(state, "pid", &pidobj) ||
	    !json_object_is_type(pidobj, json_type_int))
		goto out;
	pid = json_object_get_int64(pidobj);
	bundle = str_at(state, "bundle");
	if (pid <= 0 || pid > 0x7fffffff || !bundle || bundle[0] != '/')
		goto out;
	id = str_at(state, "id");
	ret->pid = (int)pid;
	ret->bundle = strdup(bundle);
	ret->id = strdup(id ? id : "?");
	ret->opted_out = opted_out(state);
	if (!ret->bundle || !ret->id) {
		oci_state_done(ret);
		r = -ENOMEM;
		goto out;
	}
	r = 0;
out:
	json_object_put(state);
	return r;
}

void oci_state_done(struct oci_state *s)
{
	free(s->bundle);
	free(s->id);
	s->bundle = s->id = NULL;
}

int oci_parse_config(const char *text, const char *bundle, char *rootfs, size_t size,
		     bool *ret_opted_out)
{
	json_object *config = json_tokener_parse(text), *r;
	const char *root;
	int n, ret = -EINVAL;

	if (!config || !json_object_is_type(config, json_type_object))
		goto out;
	root = json_object_object_get_ex(config, "root", &r) ? str_at(r, "path") : NULL;
	if (!root || !root[0])
		goto out;
	if (root[0] == '/')
		n = snprintf(rootfs, size, "%s", root);
	else
		n = snprintf(rootfs, size, "%s/%s", bundle, root);
	if (n < 0 || (size_t)n >= size) {
		ret = -ENAMETOOLONG;
		goto out;
	}
	*ret_opted_out = opted_out(config);
	ret = 0;
out:
	json_object_put(config);
	return ret;
}
