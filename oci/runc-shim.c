/* See runc-shim.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "oci/runc-shim.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/oci-spec.h" /* OCI_OPT_OUT */

#define ACT_ALLOW "SCMP_ACT_ALLOW"
#define ACT_LOG "SCMP_ACT_LOG"
#define ACT_NOTIFY "SCMP_ACT_NOTIFY"
#define SYSINFO "sysinfo"
/* json-c's default is 32; OCI configs are a handful of levels deep. */
#define JSON_DEPTH 128

/* Append one line to a '\n'-separated notes buffer, truncating quietly. */
static void note(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strnlen(buf, size);
	va_list ap;

	if (used + 2 >= size)
		return;
	if (used)
		buf[used++] = '\n';
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* ---- the command line ------------------------------------------------------------------- */

static const char *const global_valued[] = {
	"log", "log-format", "root", "criu", "rootless", "log-level", "cgroup-manager", NULL,
};
static const char *const command_valued[] = {
	"console-socket", "pid-file", "preserve-fds", "pidfd-socket", NULL,
};

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(name, want, len) == 0;
}

static bool name_in(const char *name, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (name_is(name, len, *list))
			return true;
	return false;
}

/* arg is an option ("-x", "--x", "-x=v", "--x=v"; not "-" nor "--"): its name and value
 * (NULL without '='). */
static bool split_option(const char *arg, const char **name, size_t *len, const char **value)
{
	const char *eq;

	if (arg[0] != '-' || arg[1] == '\0' || strcmp(arg, "--") == 0)
		return false;
	arg += arg[1] == '-' ? 2 : 1;
	eq = strchr(arg, '=');
	*name = arg;
	*len = eq ? (size_t)(eq - arg) : strlen(arg);
	*value = eq ? eq + 1 : NULL;
	return true;
}

int shim_parse_argv(int argc, const char *const argv[], struct shim_argv *ret)
{
	bool options = true, create_or_run;
	const char *name, *value;
	size_t len;
	int i = 1;

	memset(ret, 0, sizeof(*ret));
	ret->command = -1;
	/* Global options, up to the command. */
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (!split_option(argv[i], &name, &len, &value))
			break;
		if (!value && name_in(name, len, global_valued)) {
			if (++i >= argc)
				return -EINVAL;
			value = argv[i];
		}
		if (name_is(name, len, "log"))
			ret->log = value && value[0] ? value : NULL;
		else if (name_is(name, len, "log-format"))
			ret->log_format = value;
	}
	if (i >= argc)
		return 0;
	ret->command = i;
	create_or_run = strcmp(argv[i], "create") == 0 || strcmp(argv[i], "run") == 0;
	if (!create_or_run)
		return 0;
	/* The command's options and arguments; options may follow the container id. */
	for (i++; i < argc; i++) {
		const char *arg = argv[i], **slot = NULL;

		if (options && strcmp(arg, "--") == 0) {
			options = false;
			continue;
		}
		if (!options || !split_option(arg, &name, &len, &value)) {
			ret->id = arg;
			ret->positionals++;
			continue;
		}
		if (name_is(name, len, "bundle") || name_is(name, len, "b")) {
			slot = &ret->bundle;
		} else if (name_is(name, len, "config") || name_is(name, len, "f")) {
			slot = &ret->config;
		} else if (name_in(name, len, command_valued)) {
			if (!value && ++i >= argc)
				return -EINVAL;
			continue;
		} else if (name_is(name, len, "h") || name_is(name, len, "help") ||
			   name_is(name, len, "?") || name_is(name, len, "usage")) {
			ret->help = true;
			continue;
		} else if (arg[1] != '-' && (arg[1] == 'b' || arg[1] == 'f') && arg[2]) {
			/* crun's (argp's) short option with its value attached: -bDIR. */
			*(arg[1] == 'b' ? &ret->bundle : &ret->config) = arg + 2;
			continue;
		} else {
			continue; /* a flag: --detach, --no-pivot, --keep, ... */
		}
		if (!value) {
			if (++i >= argc)
				return -EINVAL;
			value = argv[i];
		}
		*slot = value[0] ? value : NULL;
	}
	ret->edit = !ret->help && ret->positionals == 1;
	return 0;
}

/* ---- config.json ------------------------------------------------------------------------ */

/* What json-c (even strict) accepts and Go's encoding/json refuses, or reads differently:
 * single quotes, comments, bare words (NaN, Infinity), leading zeros, raw control characters
 * in strings, and integers beyond 64 bits (json-c clamps them: the rewrite would change the
 * value). The shim leaves such a config to the runtime untouched. */
static bool integer_fits(const char *tok, size_t len)
{
	const char *max = "18446744073709551615";
	size_t dlen;

	if (tok[0] == '-') {
		tok++;
		len--;
		max = "9223372036854775808";
	}
	dlen = strlen(max);
	if (len == 0 || (len > 1 && tok[0] == '0'))
		return false;
	return len < dlen || (len == dlen && memcmp(tok, max, len) <= 0);
}

static bool lexically_json(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		char c = s[i];

		if (c == '"') {
			for (i++; i < len && s[i] != '"'; i++) {
				if ((unsigned char)s[i] < 0x20)
					return false;
				if (s[i] == '\\' && (++i >= len || (unsigned char)s[i] < 0x20))
					return false;
			}
			if (i >= len)
				return false;
			i++;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			const char *tok = s + i, *digits = tok + (c == '-'), *end;
			bool integer = true;

			while (i < len && s[i] && strchr("0123456789+-.eE", s[i]))
				integer &= !strchr(".eE", s[i++]);
			end = s + i;
			if (digits + 1 < end && digits[0] == '0' && digits[1] >= '0' && digits[1] <= '9')
				return false; /* a leading zero */
			if (integer && !integer_fits(tok, (size_t)(end - tok)))
				return false;
		} else if (c >= 'a' && c <= 'z') {
			size_t start = i;

			while (i < len && s[i] >= 'a' && s[i] <= 'z')
				i++;
			if (!(i - start == 4 && memcmp(s + start, "true", 4) == 0) &&
			    !(i - start == 5 && memcmp(s + start, "false", 5) == 0) &&
			    !(i - start == 4 && memcmp(s + start, "null", 4) == 0))
				return false;
		} else if (c && strchr("{}[],: \t\r\n", c)) {
			i++;
		} else {
			return false;
		}
	}
	return true;
}

static json_object *parse_json(const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	json_object *obj;

	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj && (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != len)) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* obj[key], NULL when absent or JSON null. */
static json_object *field(json_object *obj, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static const char *string_field(json_object *obj, const char *key)
{
	json_object *v = field(obj, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool is(json_object *v, enum json_type t)
{
	return v && json_object_is_type(v, t);
}

static bool opted_out(json_object *config)
{
	json_object *ann = field(config, "annotations");
	const char *v = is(ann, json_type_object) ? string_field(ann, OCI_OPT_OUT) : NULL;

	return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* Building blocks that take ownership of v whatever happens; 0 or -1 (out of memory). */
static int add(json_object *obj, const char *key, json_object *v)
{
	if (!v)
		return -1;
	if (json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int push(json_object *arr, json_object *v)
{
	if (!v)
		return -1;
	if (json_object_array_add(arr, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* 0, -EINVAL (malformed: ret->notes says why), -ENOMEM. */
static int edit_hook(json_object *config, const struct shim_edit_opts *o, struct shim_edit *ret)
{
	json_object *hooks = field(config, "hooks"), *cr, *entry, *args;
	size_t n;

	if (hooks && !is(hooks, json_type_object)) {
		note(ret->notes, sizeof(ret->notes), "hooks is not an object");
		return -EINVAL;
	}
	cr = hooks ? field(hooks, "createRuntime") : NULL;
	if (cr && !is(cr, json_type_array)) {
		note(ret->notes, sizeof(ret->notes), "hooks.createRuntime is not an array");
		return -EINVAL;
	}
	n = cr ? json_object_array_length(cr) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_array_get_idx(cr, i);
		const char *path = is(h, json_type_object) ? string_field(h, "path") : NULL,
			   *base = path ? strrchr(path, '/') : NULL;

		if (!path) {
			note(ret->notes, sizeof(ret->notes),
			     "hooks.createRuntime[%zu] is not an object with a path", i);
			return -EINVAL;
		}
		if (strcmp(path, o->hook) == 0 || strcmp(base ? base + 1 : path, SHIM_HOOK_NAME) == 0)
			ret->hook_present = true;
	}
	if (ret->hook_present) {
		note(ret->notes, sizeof(ret->notes), "the vprocfs hook is in hooks.createRuntime already");
		return 0;
	}

	if (!hooks) {
		if (add(config, "hooks", json_object_new_object()))
			return -ENOMEM;
		hooks = field(config, "hooks");
	}
	if (!cr) {
		if (add(hooks, "createRuntime", json_object_new_array()))
			return -ENOMEM;
		cr = field(hooks, "createRuntime");
	}
	if (push(cr, json_object_new_object()))
		return -ENOMEM;
	entry = json_object_array_get_idx(cr, n);
	if (add(entry, "path", json_object_new_string(o->hook)) ||
	    add(entry, "args", json_object_new_array()))
		return -ENOMEM;
	args = field(entry, "args");
	if (push(args, json_object_new_string(SHIM_HOOK_NAME)) ||
	    (o->mountpoint && push(args, json_object_new_string(o->mountpoint))))
		return -ENOMEM;
	ret->hook_added = true;
	note(ret->notes, sizeof(ret->notes), "hook added to hooks.createRuntime: %s %s", o->hook,
	     o->mountpoint ? o->mountpoint : "");
	return 0;
}

/* Append {"names": ["sysinfo"], "action": "SCMP_ACT_NOTIFY"} to arr. */
static int push_notify_rule(json_object *arr)
{
	json_object *rule;

	if (push(arr, json_object_new_object()))
		return -1;
	rule = json_object_array_get_idx(arr, json_object_array_length(arr) - 1);
	if (add(rule, "names", json_object_new_array()) ||
	    push(field(rule, "names"), json_object_new_string(SYSINFO)) ||
	    add(rule, "action", json_object_new_string(ACT_NOTIFY)))
		return -1;
	return 0;
}

static bool allowing(const char *action)
{
	return strcmp(action, ACT_ALLOW) == 0 || strcmp(action, ACT_LOG) == 0;
}

static bool names_sysinfo(json_object *names)
{
	size_t n = names ? json_object_array_length(names) : 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(names, i)), SYSINFO) == 0)
			return true;
	return false;
}

static int set_listener(json_object *sec, const struct shim_edit_opts *o)
{
	if (add(sec, "listenerPath", json_object_new_string(o->listener)) ||
	    add(sec, "listenerMetadata", json_object_new_string(SHIM_LISTENER_METADATA)))
		return -ENOMEM;
	return 0;
}

/* An allow-by-default profile that only sends sysinfo to the agent. */
static int create_profile(json_object *linux_, const struct shim_edit_opts *o)
{
	json_object *sec;

	if (add(linux_, "seccomp", json_object_new_object()))
		return -ENOMEM;
	sec = field(linux_, "seccomp");
	if (add(sec, "defaultAction", json_object_new_string(ACT_ALLOW)))
		return -ENOMEM;
	if (o->arches && o->arches[0]) {
		if (add(sec, "architectures", json_object_new_array()))
			return -ENOMEM;
		for (const char *const *a = o->arches; *a; a++)
			if (push(field(sec, "architectures"), json_object_new_string(*a)))
				return -ENOMEM;
	}
	if (set_listener(sec, o) || add(sec, "syscalls", json_object_new_array()) ||
	    push_notify_rule(field(sec, "syscalls")))
		return -ENOMEM;
	return 0;
}

/* 0 (ret->seccomp set, but EDITED vs PRESENT is decided by the caller), -EINVAL, -ENOMEM. */
static int edit_seccomp(json_object *config, const struct shim_edit_opts *o, struct shim_edit *ret)
{
	json_object *linux_ = field(config, "linux"), *sec, *syscalls, *kept, *rule;
	const char *dflt, *lp, *denied_by = NULL;
	bool ours, unconditional = false, notify_elsewhere = false;
	size_t n;

	if (!linux_) {
		ret->seccomp = SHIM_SECCOMP_LEFT_ALONE;
		note(ret->notes, sizeof(ret->notes), "no linux section: seccomp left alone");
		return 0;
	}
	if (!is(linux_, json_type_object)) {
		note(ret->notes, sizeof(ret->notes), "linux is not an object");
		return -EINVAL;
	}
	sec = field(linux_, "seccomp");
	if (!sec) {
		if (create_profile(linux_, o))
			return -ENOMEM;
		ret->seccomp = SHIM_SECCOMP_CREATED;
		note(ret->notes, sizeof(ret->notes),
		     "no seccomp profile: added an allow-by-default one that sends sysinfo to %s",
		     o->listener);
		return 0;
	}
	if (!is(sec, json_type_object)) {
		note(ret->notes, sizeof(ret->notes), "linux.seccomp is not an object");
		return -EINVAL;
	}
	dflt = string_field(sec, "defaultAction");
	if (!dflt) {
		note(ret->notes, sizeof(ret->notes), "linux.seccomp.defaultAction is missing or not a string");
		return -EINVAL;
	}
	if (field(sec, "listenerPath") && !string_field(sec, "listenerPath")) {
		note(ret->notes, sizeof(ret->notes), "linux.seccomp.listenerPath is not a string");
		return -EINVAL;
	}
	syscalls = field(sec, "syscalls");
	if (syscalls && !is(syscalls, json_type_array)) {
		note(ret->notes, sizeof(ret->notes), "linux.seccomp.syscalls is not an array");
		return -EINVAL;
	}
	lp = string_field(sec, "listenerPath");
	if (lp && !lp[0])
		lp = NULL;
	ours = lp && strcmp(lp, o->listener) == 0;
	n = syscalls ? json_object_array_length(syscalls) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *names, *args;
		const char *action;
		size_t nn;

		rule = json_object_array_get_idx(syscalls, i);
		names = is(rule, json_type_object) ? field(rule, "names") : NULL;
		action = is(rule, json_type_object) ? string_field(rule, "action") : NULL;
		if (!action || (names && !is(names, json_type_array))) {
			note(ret->notes, sizeof(ret->notes),
			     "linux.seccomp.syscalls[%zu] is not a rule with an action and names", i);
			return -EINVAL;
		}
		nn = names ? json_object_array_length(names) : 0;
		for (size_t j = 0; j < nn; j++)
			if (!is(json_object_array_get_idx(names, j), json_type_string)) {
				note(ret->notes, sizeof(ret->notes),
				     "linux.seccomp.syscalls[%zu].names holds a non-string", i);
				return -EINVAL;
			}
		if (strcmp(action, ACT_NOTIFY) == 0)
			notify_elsewhere = true;
		if (!names_sysinfo(names))
			continue;
		args = field(rule, "args");
		if (!args || (is(args, json_type_array) && json_object_array_length(args) == 0))
			unconditional = true;
		if (!allowing(action) && !(ours && strcmp(action, ACT_NOTIFY) == 0) && !denied_by)
			denied_by = action;
	}

	ret->seccomp = SHIM_SECCOMP_LEFT_ALONE;
	if (strcmp(dflt, ACT_NOTIFY) == 0) {
		note(ret->notes, sizeof(ret->notes),
		     "seccomp defaultAction is SCMP_ACT_NOTIFY (another agent's): seccomp left alone");
		return 0;
	}
	if (lp && !ours) {
		note(ret->notes, sizeof(ret->notes),
		     "seccomp listenerPath is %s (another agent): seccomp left alone", lp);
		return 0;
	}
	if (notify_elsewhere && !ours) {
		note(ret->notes, sizeof(ret->notes),
		     "a seccomp rule has SCMP_ACT_NOTIFY without a listenerPath: seccomp left alone");
		return 0;
	}
	if (denied_by) {
		note(ret->notes, sizeof(ret->notes),
		     "the seccomp profile restricts sysinfo (%s): seccomp left alone", denied_by);
		return 0;
	}
	if (!unconditional && !allowing(dflt)) {
		note(ret->notes, sizeof(ret->notes),
		     "the seccomp profile does not allow sysinfo (defaultAction %s): seccomp left alone",
		     dflt);
		return 0;
	}

	/* Every rule as it was, less "sysinfo" in its names; a rule left nameless goes. */
	if (!(kept = json_object_new_array()))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *names, *left;
		size_t nn;

		rule = json_object_array_get_idx(syscalls, i);
		names = field(rule, "names");
		if (names_sysinfo(names)) {
			nn = json_object_array_length(names);
			if (!(left = json_object_new_array()))
				goto nomem;
			for (size_t j = 0; j < nn; j++) {
				json_object *name = json_object_array_get_idx(names, j);

				if (strcmp(json_object_get_string(name), SYSINFO) != 0 &&
				    push(left, json_object_get(name))) {
					json_object_put(left);
					goto nomem;
				}
			}
			if (json_object_array_length(left) == 0) {
				json_object_put(left);
				continue;
			}
			if (add(rule, "names", left))
				goto nomem;
		}
		if (push(kept, json_object_get(rule)))
			goto nomem;
	}
	if (push_notify_rule(kept))
		goto nomem;
	if (add(sec, "syscalls", kept) || set_listener(sec, o))
		return -ENOMEM;
	ret->seccomp = SHIM_SECCOMP_EDITED;
	return 0;
nomem:
	json_object_put(kept);
	return -ENOMEM;
}

static json_object *seccomp_of(json_object *config)
{
	json_object *linux_ = field(config, "linux");

	return is(linux_, json_type_object) ? field(linux_, "seccomp") : NULL;
}

void shim_edit_config(const char *text, size_t len, const struct shim_edit_opts *o,
		      struct shim_edit *ret)
{
	json_object *config = NULL, *orig = NULL;
	const char *out;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	ret->verdict = SHIM_MALFORMED;
	if (len > SHIM_CONFIG_MAX || memchr(text, '\0', len) || !lexically_json(text, len)) {
		note(ret->notes, sizeof(ret->notes), "not strict JSON (or too large)");
		return;
	}
	config = parse_json(text, len);
	orig = parse_json(text, len);
	if (!config || !orig || !is(config, json_type_object)) {
		note(ret->notes, sizeof(ret->notes), config && orig ? "not a JSON object" : "not JSON");
		goto out;
	}
	if (opted_out(config)) {
		ret->verdict = SHIM_OPTED_OUT;
		note(ret->notes, sizeof(ret->notes), "opted out (annotation %s)", OCI_OPT_OUT);
		goto out;
	}
	if (o->hook)
		r = edit_hook(config, o, ret);
	if (!r && o->listener)
		r = edit_seccomp(config, o, ret);
	if (r) {
		ret->verdict = r == -ENOMEM ? SHIM_NOMEM : SHIM_MALFORMED;
		ret->hook_added = false;
		ret->seccomp = SHIM_SECCOMP_NOT_ASKED;
		goto out;
	}
	if (ret->seccomp == SHIM_SECCOMP_EDITED &&
	    json_object_equal(seccomp_of(config), seccomp_of(orig))) {
		ret->seccomp = SHIM_SECCOMP_PRESENT;
		note(ret->notes, sizeof(ret->notes), "seccomp already sends sysinfo to %s", o->listener);
	} else if (ret->seccomp == SHIM_SECCOMP_EDITED) {
		note(ret->notes, sizeof(ret->notes),
		     "seccomp: sysinfo moved to a SCMP_ACT_NOTIFY rule, listener %s", o->listener);
	}
	if (json_object_equal(config, orig)) {
		ret->verdict = SHIM_UNCHANGED;
		goto out;
	}
	out = json_object_to_json_string_ext(config, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_PRETTY_TAB |
							     JSON_C_TO_STRING_SPACED |
							     JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!out || asprintf(&ret->text, "%s\n", out) < 0) {
		ret->text = NULL;
		ret->verdict = SHIM_NOMEM;
		goto out;
	}
	ret->verdict = SHIM_CHANGED;
out:
	json_object_put(config);
	json_object_put(orig);
}

void shim_edit_done(struct shim_edit *e)
{
	free(e->text);
	e->text = NULL;
}

/* ---- /proc/self/mountinfo --------------------------------------------------------------- */

/* The next space-separated field of *p (advanced past it), or NULL at the end of the line. */
static const char *next_field(const char **p, size_t *len)
{
	const char *s = *p, *e;

	while (*s == ' ')
		s++;
	if (*s == '\0' || *s == '\n')
		return NULL;
	e = s + strcspn(s, " \n");
	*len = (size_t)(e - s);
	*p = e;
	return s;
}

/* Whether the escaped mount point field f[0..len) unescapes to path. */
static bool mountpoint_is(const char *f, size_t len, const char *path)
{
	size_t i = 0;

	for (; i < len; path++) {
		char c = f[i];

		if (c == '\\' && i + 3 < len && f[i + 1] >= '0' && f[i + 1] <= '3' &&
		    f[i + 2] >= '0' && f[i + 2] <= '7' && f[i + 3] >= '0' && f[i + 3] <= '7') {
			c = (char)((f[i + 1] - '0') * 64 + (f[i + 2] - '0') * 8 + (f[i + 3] - '0'));
			i += 4;
		} else {
			i++;
		}
		if (*path != c)
			return false;
	}
	return *path == '\0';
}

bool shim_mountinfo_fstype(const char *mountinfo, const char *path, char *fstype, size_t size)
{
	bool found = false;

	for (const char *line = mountinfo; line && *line;) {
		const char *p = line, *f = NULL;
		const char *eol = strchr(line, '\n');
		size_t len = 0;
		int i;

		for (i = 0; i < 5 && (f = next_field(&p, &len)); i++)
			;
		if (i == 5 && mountpoint_is(f, len, path)) {
			/* Options, optional fields up to "-", then the type. */
			while ((f = next_field(&p, &len)) && !(len == 1 && f[0] == '-'))
				;
			if (f && (f = next_field(&p, &len))) {
				if (len < size) {
					memcpy(fstype, f, len);
					fstype[len] = '\0';
					found = true;
				} else {
					found = false;
				}
			}
		}
		line = eol ? eol + 1 : NULL;
	}
	return found;
}

/* ---- the shim's configuration file ------------------------------------------------------- */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int shim_parse_conf(const char *text, struct shim_conf *ret)
{
	int lineno = 0;

	memset(ret, 0, sizeof(*ret));
	for (const char *line = text; line && *line;) {
		const char *eol = strchr(line, '\n'), *end = eol ? eol : line + strlen(line);
		const char *k = line, *ke, *v, *ve, *eq;
		char **slot = NULL;

		lineno++;
		/* A comment: '#' at the start or after white space. */
		for (const char *c = line; c < end; c++)
			if (*c == '#' && (c == line || blank(c[-1]))) {
				end = c;
				break;
			}
		line = eol ? eol + 1 : NULL;
		while (k < end && blank(*k))
			k++;
		if (k == end)
			continue;
		eq = memchr(k, '=', (size_t)(end - k));
		if (!eq) {
			note(ret->notes, sizeof(ret->notes), "line %d: no '=': ignored", lineno);
			continue;
		}
		for (ke = eq; ke > k && blank(ke[-1]); ke--)
			;
		for (v = eq + 1; v < end && blank(*v); v++)
			;
		for (ve = end; ve > v && blank(ve[-1]); ve--)
			;
		if (name_is(k, (size_t)(ke - k), "runtime"))
			slot = &ret->runtime;
		else if (name_is(k, (size_t)(ke - k), "hook"))
			slot = &ret->hook;
		else if (name_is(k, (size_t)(ke - k), "mountpoint"))
			slot = &ret->mountpoint;
		else if (name_is(k, (size_t)(ke - k), "seccomp_socket"))
			slot = &ret->seccomp_socket;
		else if (name_is(k, (size_t)(ke - k), "log"))
			slot = &ret->log;
		if (!slot) {
			note(ret->notes, sizeof(ret->notes), "line %d: unknown key '%.*s': ignored",
			     lineno, (int)(ke - k > 40 ? 40 : ke - k), k);
			continue;
		}
		if (v == ve && slot != &ret->seccomp_socket && slot != &ret->log) {
			note(ret->notes, sizeof(ret->notes), "line %d: empty value for '%.*s': ignored",
			     lineno, (int)(ke - k), k);
			continue;
		}
		free(*slot);
		*slot = strndup(v, (size_t)(ve - v));
		if (!*slot) {
			shim_conf_done(ret);
			return -ENOMEM;
		}
	}
	return 0;
}

void shim_conf_done(struct shim_conf *c)
{
	free(c->runtime);
	free(c->hook);
	free(c->mountpoint);
	free(c->seccomp_socket);
	free(c->log);
	c->runtime = c->hook = c->mountpoint = c->seccomp_socket = c->log = NULL;
}
