/* vprocfs-runc's pure parts (oci/runc-shim.c): runc's and crun's command lines, the edit of
 * config.json over fixtures of runc, crun and Docker, mountinfo, the shim's config file; and
 * the structure of the Kubernetes manifests (tests/deploy/check-manifests.py). */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "helpers.h"
#include "oci/runc-shim.h"

#define HOOK "/usr/local/libexec/vprocfs/vprocfs-oci-hook"
#define MNT "/var/lib/vprocfs"
#define SOCK "/run/vprocfs/seccomp.sock"

static const char *const arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL};
static const struct shim_edit_opts all = {
	.hook = HOOK, .mountpoint = MNT, .listener = SOCK, .arches = arches};

/* ---- the command line ------------------------------------------------------------------- */

#define ARGV(...) ((const char *const[]){__VA_ARGS__})
#define NARGS(...) ((int)(sizeof(ARGV(__VA_ARGS__)) / sizeof(const char *)))
#define PARSE(ret, ...) shim_parse_argv(NARGS(__VA_ARGS__), ARGV(__VA_ARGS__), ret)

static void expect(const struct shim_argv *a, int command, const char *bundle, const char *id,
		   bool edit)
{
	cr_assert_eq(a->command, command);
	if (bundle)
		cr_assert(a->bundle && strcmp(a->bundle, bundle) == 0, "bundle %s, want %s",
			  a->bundle ? a->bundle : "(null)", bundle);
	else
		cr_assert_null(a->bundle, "bundle %s", a->bundle);
	if (id)
		cr_assert(a->id && strcmp(a->id, id) == 0, "id %s", a->id ? a->id : "(null)");
	else
		cr_assert_null(a->id);
	cr_assert_eq(a->edit, edit);
}

Test(runc_shim, argv_containerd_and_docker)
{
	struct shim_argv a;

	/* containerd's runc shim (go-runc). */
	cr_assert_eq(PARSE(&a, "runc", "--root", "/run/containerd/runc/k8s.io", "--log",
			   "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1/log.json",
			   "--log-format", "json", "--systemd-cgroup", "create", "--bundle",
			   "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1", "--pid-file",
			   "/run/c1/init.pid", "--console-socket", "/tmp/pty.sock", "c1"),
		     0);
	expect(&a, 8, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1", "c1", true);
	cr_assert_str_eq(a.log, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/c1/log.json");
	cr_assert_str_eq(a.log_format, "json");
	/* podman/conmon: run with --detach and a short -b. */
	cr_assert_eq(PARSE(&a, "runc", "--root", "/run/runc", "run", "-d", "-b", "/b", "--no-pivot",
			   "--preserve-fds", "2", "c2"),
		     0);
	expect(&a, 3, "/b", "c2", true);
	cr_assert_eq(a.positionals, 1);
	cr_assert(!a.log && !a.log_format);
	/* --opt=value forms, global and local, and Go's one-dash long options. */
	cr_assert_eq(PARSE(&a, "runc", "--root=/r", "--log-format=json", "--debug", "--log=/l",
			   "create", "--bundle=/b1", "--pid-file=/p", "c3"),
		     0);
	expect(&a, 5, "/b1", "c3", true);
	cr_assert_str_eq(a.log, "/l");
	cr_assert_str_eq(a.log_format, "json");
	cr_assert_eq(PARSE(&a, "runc", "--log=", "-log-format", "text", "create", "c3"), 0);
	cr_assert(!a.log && a.log_format && strcmp(a.log_format, "text") == 0);
	cr_assert_eq(PARSE(&a, "runc", "-root", "/r", "run", "-bundle", "/b2", "c4"), 0);
	expect(&a, 3, "/b2", "c4", true);
	cr_assert_eq(PARSE(&a, "runc", "run", "-b=/b3", "c5"), 0);
	expect(&a, 1, "/b3", "c5", true);
	/* No bundle, or an empty one: the current directory. */
	cr_assert_eq(PARSE(&a, "runc", "run", "c6"), 0);
	expect(&a, 1, NULL, "c6", true);
	cr_assert_eq(PARSE(&a, "runc", "create", "--bundle=", "c7"), 0);
	expect(&a, 1, NULL, "c7", true);
	cr_assert_eq(PARSE(&a, "runc", "--rootless", "true", "--criu", "/usr/sbin/criu", "run",
			   "--pidfd-socket", "/s", "--keep", "--no-subreaper", "--no-new-keyring",
			   "c8"),
		     0);
	expect(&a, 5, NULL, "c8", true);
}

Test(runc_shim, argv_order_and_terminators)
{
	struct shim_argv a;

	/* runc reorders options given after the container id; the last --bundle counts. */
	cr_assert_eq(PARSE(&a, "runc", "--root", "/r", "run", "c1", "--bundle", "/b"), 0);
	expect(&a, 3, "/b", "c1", true);
	cr_assert_eq(PARSE(&a, "runc", "run", "-b", "/x", "c1", "-b", "/y"), 0);
	expect(&a, 1, "/y", "c1", true);
	/* "--" ends the options: what follows is positional (runc then wants exactly one). */
	cr_assert_eq(PARSE(&a, "runc", "run", "c1", "--", "--bundle", "/b"), 0);
	expect(&a, 1, NULL, "/b", false);
	cr_assert_eq(a.positionals, 3);
	cr_assert_eq(PARSE(&a, "runc", "run", "--", "-weird-id"), 0);
	expect(&a, 1, NULL, "-weird-id", true);
	/* "--" among the global options: the command follows. */
	cr_assert_eq(PARSE(&a, "runc", "--root", "/r", "--", "create", "-b", "/b", "c2"), 0);
	expect(&a, 4, "/b", "c2", true);
	/* A global option's value is never the command, whatever it looks like. */
	cr_assert_eq(PARSE(&a, "runc", "--root", "create", "run", "c3"), 0);
	expect(&a, 3, NULL, "c3", true);
	cr_assert_eq(PARSE(&a, "runc", "--log", "--debug", "create", "c4"), 0);
	expect(&a, 3, NULL, "c4", true);
	/* A value option's value is not the container id; "-" is a positional. */
	cr_assert_eq(PARSE(&a, "runc", "create", "--console-socket", "c0", "--pid-file", "-", "c5"),
		     0);
	expect(&a, 1, NULL, "c5", true);
	cr_assert_eq(PARSE(&a, "runc", "create", "-", "c5"), 0);
	cr_assert_eq(a.positionals, 2);
	cr_assert_not(a.edit);
}

Test(runc_shim, argv_no_edit)
{
	struct shim_argv a;

	cr_assert_eq(PARSE(&a, "runc"), 0);
	expect(&a, -1, NULL, NULL, false);
	cr_assert_eq(PARSE(&a, "runc", "--version"), 0);
	expect(&a, -1, NULL, NULL, false);
	cr_assert_eq(PARSE(&a, "runc", "-v"), 0);
	cr_assert_eq(PARSE(&a, "runc", "--debug", "-h"), 0);
	expect(&a, -1, NULL, NULL, false);
	/* Other commands: found, never edited, their options not even looked at. */
	static const char *const others[] = {"start", "delete", "kill", "state", "exec", "ps",
					     "pause", "resume", "update", "events", "list", "spec",
					     "checkpoint", "restore", "features", "help", "init"};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		cr_assert_eq(PARSE(&a, "runc", "--root", "/r", others[i], "-b", "/b", "c1"), 0);
		expect(&a, 3, NULL, NULL, false);
	}
	/* Help of create/run: the runtime prints it, nothing to edit. */
	cr_assert_eq(PARSE(&a, "runc", "create", "--help"), 0);
	cr_assert(a.help && !a.edit);
	cr_assert_eq(PARSE(&a, "runc", "run", "-h", "c1"), 0);
	cr_assert(a.help && !a.edit);
	cr_assert_eq(PARSE(&a, "crun", "run", "-?", "c1"), 0);
	cr_assert(a.help && !a.edit);
	/* No container id, or two. */
	cr_assert_eq(PARSE(&a, "runc", "create", "-b", "/b"), 0);
	cr_assert(!a.edit && a.positionals == 0);
	cr_assert_eq(PARSE(&a, "runc", "run", "c1", "c2"), 0);
	cr_assert(!a.edit && a.positionals == 2);
	/* An option without its value: -EINVAL, no edit. */
	cr_assert_eq(PARSE(&a, "runc", "--root"), -EINVAL);
	cr_assert_not(a.edit);
	cr_assert_eq(PARSE(&a, "runc", "create", "c1", "--bundle"), -EINVAL);
	cr_assert_not(a.edit);
	cr_assert_eq(PARSE(&a, "runc", "run", "c1", "--pid-file"), -EINVAL);
	cr_assert_not(a.edit);
}

Test(runc_shim, argv_crun)
{
	struct shim_argv a;

	/* argp's attached short values and crun's --config/-f (relative to the cwd). */
	cr_assert_eq(PARSE(&a, "crun", "--cgroup-manager", "systemd", "--log-level", "debug", "run",
			   "-b/srv/b", "-fother.json", "c1"),
		     0);
	expect(&a, 5, "/srv/b", "c1", true);
	cr_assert_str_eq(a.config, "other.json");
	cr_assert_eq(PARSE(&a, "crun", "create", "--config=/etc/c.json", "--bundle", "/b", "c2"), 0);
	expect(&a, 1, "/b", "c2", true);
	cr_assert_str_eq(a.config, "/etc/c.json");
	cr_assert_eq(PARSE(&a, "crun", "create", "-f", "x.json", "c3"), 0);
	cr_assert_str_eq(a.config, "x.json");
	cr_assert_eq(PARSE(&a, "crun", "create", "c4"), 0);
	cr_assert_null(a.config);
}

/* ---- config.json ------------------------------------------------------------------------ */

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	cr_assert_not_null(o, "not JSON:\n%s", text);
	return o;
}

static json_object *at(json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		json_object *v = NULL;

		if (json_object_is_type(o, json_type_array))
			v = json_object_array_get_idx(o, (size_t)atoi(k));
		else if (!json_object_object_get_ex(o, k, &v))
			v = NULL;
		o = v;
	}
	return o;
}

static const char *str_at(json_object *o, const char *path)
{
	json_object *v = at(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool has_name(json_object *rule, const char *name)
{
	json_object *names = at(rule, "names");
	size_t n = names ? json_object_array_length(names) : 0;

	for (size_t i = 0; i < n; i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name) == 0)
			return true;
	return false;
}

/* Exactly one rule names sysinfo, {"names": ["sysinfo"], "action": "SCMP_ACT_NOTIFY"}, and
 * the listener is ours. */
static void check_notify(json_object *config, const char *listener)
{
	json_object *syscalls = at(config, "linux.seccomp.syscalls");
	size_t n, found = 0;

	cr_assert_not_null(syscalls);
	n = json_object_array_length(syscalls);
	for (size_t i = 0; i < n; i++) {
		json_object *rule = json_object_array_get_idx(syscalls, i);

		if (!has_name(rule, "sysinfo"))
			continue;
		found++;
		cr_assert_eq(json_object_array_length(at(rule, "names")), 1);
		cr_assert_str_eq(str_at(rule, "action"), "SCMP_ACT_NOTIFY");
		cr_assert_eq(i, n - 1, "the notify rule comes last");
	}
	cr_assert_eq(found, 1);
	cr_assert_str_eq(str_at(config, "linux.seccomp.listenerPath"), listener);
	cr_assert_str_eq(str_at(config, "linux.seccomp.listenerMetadata"), "vprocfs");
}

static void check_hook(json_object *config, size_t index)
{
	json_object *h = at(config, "hooks.createRuntime");

	cr_assert_not_null(h);
	cr_assert_eq(json_object_array_length(h), index + 1);
	h = json_object_array_get_idx(h, index);
	cr_assert_str_eq(str_at(h, "path"), HOOK);
	cr_assert_eq(json_object_array_length(at(h, "args")), 2);
	cr_assert_str_eq(str_at(h, "args.0"), "vprocfs-oci-hook");
	cr_assert_str_eq(str_at(h, "args.1"), MNT);
}

/* Edit text with opts; the result must be valid JSON, and an edit of it must change nothing. */
static json_object *edit_ok(const char *text, const struct shim_edit_opts *o,
			    struct shim_edit *e)
{
	struct shim_edit again;
	json_object *out;

	shim_edit_config(text, strlen(text), o, e);
	cr_assert_eq(e->verdict, SHIM_CHANGED, "verdict %d: %s", e->verdict, e->notes);
	cr_assert_not_null(e->text);
	out = parse(e->text);
	shim_edit_config(e->text, strlen(e->text), o, &again);
	cr_assert_eq(again.verdict, SHIM_UNCHANGED, "not idempotent (%d): %s\n%s", again.verdict,
		     again.notes, e->text);
	cr_assert_null(again.text);
	if (o->hook)
		cr_assert(again.hook_present && !again.hook_added);
	if (e->seccomp == SHIM_SECCOMP_CREATED || e->seccomp == SHIM_SECCOMP_EDITED)
		cr_assert_eq(again.seccomp, SHIM_SECCOMP_PRESENT, "%d", again.seccomp);
	return out;
}

Test(runc_shim, runc_spec_gets_hook_and_profile)
{
	char *text = fixture("fixtures/oci/runc-spec.json");
	json_object *in = parse(text), *out;
	struct shim_edit e;

	out = edit_ok(text, &all, &e);
	cr_assert(e.hook_added && !e.hook_present);
	cr_assert_eq(e.seccomp, SHIM_SECCOMP_CREATED);
	check_hook(out, 0);
	check_notify(out, SOCK);
	cr_assert_str_eq(str_at(out, "linux.seccomp.defaultAction"), "SCMP_ACT_ALLOW");
	cr_assert_eq(json_object_array_length(at(out, "linux.seccomp.syscalls")), 1);
	cr_assert_eq(json_object_array_length(at(out, "linux.seccomp.architectures")), 3);
	cr_assert_str_eq(str_at(out, "linux.seccomp.architectures.1"), "SCMP_ARCH_X86");
	/* Everything else as it was, in the same order; the new keys come last. */
	cr_assert(json_object_equal(at(in, "process"), at(out, "process")));
	cr_assert(json_object_equal(at(in, "mounts"), at(out, "mounts")));
	cr_assert(json_object_equal(at(in, "linux.maskedPaths"), at(out, "linux.maskedPaths")));
	{
		struct json_object_iterator a = json_object_iter_begin(in), ae = json_object_iter_end(in),
					    b = json_object_iter_begin(out);

		for (; !json_object_iter_equal(&a, &ae); json_object_iter_next(&a), json_object_iter_next(&b))
			cr_assert_str_eq(json_object_iter_peek_name(&a), json_object_iter_peek_name(&b));
		cr_assert_str_eq(json_object_iter_peek_name(&b), "hooks");
	}
	cr_assert(strstr(e.notes, "hook added") && strstr(e.notes, "allow-by-default"), "%s", e.notes);
	shim_edit_done(&e);
	json_object_put(in);
	json_object_put(out);
	free(text);
}

Test(runc_shim, crun_spec_and_parts_asked_for)
{
	char *text = fixture("fixtures/oci/crun-spec.json");
	struct shim_edit_opts hook_only = {.hook = HOOK, .mountpoint = MNT},
			      seccomp_only = {.listener = "/s", .arches = NULL};
	struct shim_edit e;
	json_object *out;

	out = edit_ok(text, &hook_only, &e);
	cr_assert_eq(e.seccomp, SHIM_SECCOMP_NOT_ASKED);
	check_hook(out, 0);
	cr_assert_null(at(out, "linux.seccomp"));
	shim_edit_done(&e);
	json_object_put(out);

	out = edit_ok(text, &seccomp_only, &e);
	cr_assert_not(e.hook_added);
	cr_assert_null(at(out, "hooks"));
	check_notify(out, "/s");
	/* No architectures given: none written (the native one only). */
	cr_assert_null(at(out, "linux.seccomp.architectures"));
	shim_edit_done(&e);
	json_object_put(out);

	/* Nothing asked: nothing changes. */
	struct shim_edit_opts none = {0};
	shim_edit_config(text, strlen(text), &none, &e);
	cr_assert_eq(e.verdict, SHIM_UNCHANGED);
	free(text);
}

Test(runc_shim, docker_profile_loses_sysinfo_to_the_notify_rule)
{
	char *text = fixture("fixtures/oci/docker.json");
	json_object *in = parse(text), *out, *rules_in, *rules_out;
	struct shim_edit e;

	out = edit_ok(text, &all, &e);
	cr_assert_eq(e.seccomp, SHIM_SECCOMP_EDITED);
	check_notify(out, SOCK);
	check_hook(out, 0);
	/* Docker's prestart hook stays; its errno default, errno return and arches too. */
	cr_assert(json_object_equal(at(in, "hooks.prestart"), at(out, "hooks.prestart")));
	cr_assert_eq(json_object_get_int(at(out, "linux.seccomp.defaultErrnoRet")), 1);
	cr_assert(json_object_equal(at(in, "linux.seccomp.architectures"),
				    at(out, "linux.seccomp.architectures")));
	/* The big allow rule lost exactly "sysinfo"; every other rule is untouched, args,
	 * includes, excludes, comment, errnoRet and all, in the same order. */
	rules_in = at(in, "linux.seccomp.syscalls");
	rules_out = at(out, "linux.seccomp.syscalls");
	cr_assert_eq(json_object_array_length(rules_out), json_object_array_length(rules_in) + 1);
	cr_assert_eq(json_object_array_length(at(rules_out, "0.names")),
		     json_object_array_length(at(rules_in, "0.names")) - 1);
	cr_assert_not(has_name(json_object_array_get_idx(rules_out, 0), "sysinfo"));
	cr_assert(has_name(json_object_array_get_idx(rules_out, 0), "syslog"));
	cr_assert_str_eq(str_at(rules_out, "0.names.36"), "syslog");
	for (size_t i = 1; i < json_object_array_length(rules_in); i++)
		cr_assert(json_object_equal(json_object_array_get_idx(rules_in, i),
					    json_object_array_get_idx(rules_out, i)),
			  "rule %zu changed", i);
	/* Numbers as written: 64-bit values are not clamped or turned negative. */
	cr_assert(strstr(e.text, "18446744073709551615") && strstr(e.text, "4294967295") &&
		  strstr(e.text, "2114060288"));
	cr_assert(json_object_equal(at(in, "process"), at(out, "process")));
	cr_assert(json_object_equal(at(in, "linux.resources"), at(out, "linux.resources")));
	shim_edit_done(&e);
	json_object_put(in);
	json_object_put(out);
	free(text);
}

Test(runc_shim, sysinfo_rules_with_args_keep_their_args)
{
	const char *text =
		"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		"{\"names\":[\"sysinfo\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"sysinfo\",\"uname\",\"sysinfo\"],\"action\":\"SCMP_ACT_LOG\","
		"\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_NE\"}]},"
		"{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"action\":\"SCMP_ACT_ALLOW\"}]}}}";
	struct shim_edit_opts o = {.listener = SOCK};
	struct shim_edit e;
	json_object *out = edit_ok(text, &o, &e), *rules = at(out, "linux.seccomp.syscalls");

	/* The sysinfo-only rule went; the LOG rule kept uname and its args; the nameless rules
	 * (sysinfo never in them) stay as they were. */
	cr_assert_eq(json_object_array_length(rules), 4);
	cr_assert_eq(json_object_array_length(at(rules, "0.names")), 1);
	cr_assert_str_eq(str_at(rules, "0.names.0"), "uname");
	cr_assert_str_eq(str_at(rules, "0.action"), "SCMP_ACT_LOG");
	cr_assert_eq(json_object_get_int(at(rules, "0.args.0.value")), 1);
	cr_assert_eq(json_object_array_length(at(rules, "1.names")), 0);
	cr_assert_null(at(rules, "2.names"));
	check_notify(out, SOCK);
	shim_edit_done(&e);
	json_object_put(out);
}

/* text's seccomp must be left alone while the hook still goes in. */
static void seccomp_left_alone(const char *text, const char *why)
{
	json_object *in = parse(text), *out;
	struct shim_edit e;

	out = edit_ok(text, &all, &e);
	cr_assert_eq(e.seccomp, SHIM_SECCOMP_LEFT_ALONE, "%d: %s", e.seccomp, e.notes);
	cr_assert(strstr(e.notes, why), "notes: %s", e.notes);
	cr_assert(json_object_equal(at(in, "linux.seccomp"), at(out, "linux.seccomp")),
		  "seccomp changed:\n%s", e.text);
	cr_assert(e.hook_added);
	shim_edit_done(&e);
	json_object_put(in);
	json_object_put(out);
}

Test(runc_shim, another_agents_profile_is_left_alone)
{
	char *listener = fixture("fixtures/oci/listener.json"),
	     *notify = fixture("fixtures/oci/notify-default.json");

	seccomp_left_alone(listener, "/run/other-agent/seccomp.sock (another agent)");
	seccomp_left_alone(notify, "defaultAction is SCMP_ACT_NOTIFY");
	/* A notify rule without a listener: someone else's plan. */
	seccomp_left_alone("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			   "\"syscalls\":[{\"names\":[\"mknod\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}}}",
			   "without a listenerPath");
	/* Our own listener already, with a rule still allowing sysinfo: edited. */
	{
		const char *ours = "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
				   "\"listenerPath\":\"" SOCK "\",\"syscalls\":[{\"names\":"
				   "[\"sysinfo\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}";
		struct shim_edit e;
		json_object *out = edit_ok(ours, &all, &e);

		cr_assert_eq(e.seccomp, SHIM_SECCOMP_EDITED);
		check_notify(out, SOCK);
		cr_assert_eq(json_object_array_length(at(out, "linux.seccomp.syscalls")), 1);
		shim_edit_done(&e);
		json_object_put(out);
	}
	/* An empty listenerPath is no listener. */
	{
		const char *empty = "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
				    "\"listenerPath\":\"\"}}}";
		struct shim_edit e;
		json_object *out = edit_ok(empty, &all, &e);

		check_notify(out, SOCK);
		shim_edit_done(&e);
		json_object_put(out);
	}
	free(listener);
	free(notify);
}

Test(runc_shim, a_profile_that_restricts_sysinfo_is_left_alone)
{
	/* Denied by a rule, by the default, or allowed only conditionally: a notify rule would
	 * grant what the profile denies. */
	seccomp_left_alone("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			   "\"syscalls\":[{\"names\":[\"uname\",\"sysinfo\"],\"action\":"
			   "\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}}}",
			   "restricts sysinfo (SCMP_ACT_ERRNO)");
	seccomp_left_alone("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
			   "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}",
			   "does not allow sysinfo (defaultAction SCMP_ACT_ERRNO)");
	seccomp_left_alone("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\"}}}",
			   "does not allow sysinfo");
	seccomp_left_alone("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
			   "\"syscalls\":[{\"names\":[\"sysinfo\"],\"action\":\"SCMP_ACT_ALLOW\","
			   "\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_NE\"}]}]}}}",
			   "does not allow sysinfo");
	seccomp_left_alone("{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
			   "\"syscalls\":[{\"names\":[\"sysinfo\"],\"action\":\"SCMP_ACT_TRACE\","
			   "\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
			   "restricts sysinfo (SCMP_ACT_TRACE)");
	/* Allowed by a LOG default, or by a LOG rule under an errno default: edited. */
	{
		const char *log = "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
				  "\"syscalls\":[{\"names\":[\"sysinfo\"],\"action\":\"SCMP_ACT_LOG\"}]}}}";
		struct shim_edit e;
		json_object *out = edit_ok(log, &all, &e);

		cr_assert_eq(e.seccomp, SHIM_SECCOMP_EDITED);
		check_notify(out, SOCK);
		cr_assert_str_eq(str_at(out, "linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO");
		shim_edit_done(&e);
		json_object_put(out);
	}
}

Test(runc_shim, hooks_already_there_and_others_kept)
{
	struct shim_edit e;
	json_object *out;
	const char *other = "{\"hooks\":{\"createRuntime\":[{\"path\":\"/usr/bin/nvidia-hook\"}],"
			    "\"poststop\":[{\"path\":\"/bin/true\"}]}}";
	const char *same = "{\"hooks\":{\"createRuntime\":[{\"path\":\"" HOOK "\"}]}}";
	const char *elsewhere = "{\"hooks\":{\"createRuntime\":[{\"path\":"
				"\"/opt/vp/libexec/vprocfs-oci-hook\",\"args\":[\"x\"]}]}}";
	const char *bare = "{\"hooks\":{\"createRuntime\":[{\"path\":\"vprocfs-oci-hook\"}]}}";
	struct shim_edit_opts hook_only = {.hook = HOOK, .mountpoint = MNT};

	out = edit_ok(other, &hook_only, &e);
	check_hook(out, 1);
	cr_assert_str_eq(str_at(out, "hooks.createRuntime.0.path"), "/usr/bin/nvidia-hook");
	cr_assert_str_eq(str_at(out, "hooks.poststop.0.path"), "/bin/true");
	shim_edit_done(&e);
	json_object_put(out);

	/* This path, another .../vprocfs-oci-hook (podman's hooks.d put it there): nothing. */
	const char *present[] = {same, elsewhere, bare};
	for (size_t i = 0; i < 3; i++) {
		shim_edit_config(present[i], strlen(present[i]), &hook_only, &e);
		cr_assert_eq(e.verdict, SHIM_UNCHANGED, "%s", present[i]);
		cr_assert(e.hook_present && !e.hook_added);
		cr_assert(strstr(e.notes, "already"), "%s", e.notes);
	}
	/* JSON null means absent. */
	out = edit_ok("{\"hooks\":null,\"linux\":{\"seccomp\":null}}", &all, &e);
	check_hook(out, 0);
	check_notify(out, SOCK);
	shim_edit_done(&e);
	json_object_put(out);
	out = edit_ok("{\"hooks\":{\"createRuntime\":null}}", &hook_only, &e);
	check_hook(out, 0);
	shim_edit_done(&e);
	json_object_put(out);
}

Test(runc_shim, no_linux_section_gets_the_hook_only)
{
	struct shim_edit e;
	json_object *out = edit_ok("{\"ociVersion\":\"1.0.2\"}", &all, &e);

	cr_assert_eq(e.seccomp, SHIM_SECCOMP_LEFT_ALONE);
	cr_assert(strstr(e.notes, "no linux section"), "%s", e.notes);
	cr_assert_null(at(out, "linux"));
	check_hook(out, 0);
	shim_edit_done(&e);
	json_object_put(out);
}

Test(runc_shim, opt_out)
{
	char *text = fixture("fixtures/oci/optout.json");
	struct shim_edit e;
	json_object *out;

	shim_edit_config(text, strlen(text), &all, &e);
	cr_assert_eq(e.verdict, SHIM_OPTED_OUT);
	cr_assert_null(e.text);
	cr_assert_not(e.hook_added);
	free(text);
	text = "{\"annotations\":{\"io.vprocfs.disable\":\"1\"}}";
	shim_edit_config(text, strlen(text), &all, &e);
	cr_assert_eq(e.verdict, SHIM_OPTED_OUT);
	/* Anything else is no opt-out (Docker's fixture says "false"). */
	text = "{\"annotations\":{\"io.vprocfs.disable\":\"yes\"}}";
	out = edit_ok(text, &all, &e);
	shim_edit_done(&e);
	json_object_put(out);
	text = "{\"annotations\":{\"io.vprocfs.disable\":true}}";
	out = edit_ok(text, &all, &e);
	shim_edit_done(&e);
	json_object_put(out);
}

static void malformed(const char *text, size_t len)
{
	struct shim_edit e;

	shim_edit_config(text, len, &all, &e);
	cr_assert_eq(e.verdict, SHIM_MALFORMED, "verdict %d for: %.*s", e.verdict, (int)len, text);
	cr_assert_null(e.text);
	cr_assert(e.notes[0]);
}

#define MALFORMED(s) malformed(s, strlen(s))

Test(runc_shim, malformed_configs_are_left_alone)
{
	static const char *const files[] = {"truncated", "hooks-not-object", "syscalls-not-array",
					    "bigint"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[128], *text;

		snprintf(path, sizeof(path), "fixtures/oci/%s.json", files[i]);
		text = fixture(path);
		MALFORMED(text);
		free(text);
	}
	MALFORMED("");
	MALFORMED("   ");
	MALFORMED("not json");
	MALFORMED("[1, 2]");
	MALFORMED("\"config\"");
	MALFORMED("{\"a\": 1} {\"b\": 2}");
	MALFORMED("{\"a\": 1} x");
	MALFORMED("{\"a\": 1,}");
	MALFORMED("{'a': 1}");
	MALFORMED("{\"a\": 1 /* comment */}");
	MALFORMED("// c\n{\"a\": 1}");
	MALFORMED("{\"a\": NaN}");
	MALFORMED("{\"a\": Infinity}");
	MALFORMED("{\"a\": 0123}");
	MALFORMED("{\"a\": -01.5}");
	MALFORMED("{\"a\": +1}");
	MALFORMED("{\"a\": 0x10}");
	MALFORMED("{\"a\": 18446744073709551616}");
	MALFORMED("{\"a\": -9223372036854775809}");
	MALFORMED("{\"a\": \"tab\there\"}");
	MALFORMED("{\"a\": \"unterminated}");
	MALFORMED("{\"hooks\": {\"createRuntime\": {}}}");
	MALFORMED("{\"hooks\": {\"createRuntime\": [\"/bin/hook\"]}}");
	MALFORMED("{\"hooks\": {\"createRuntime\": [{\"args\": []}]}}");
	MALFORMED("{\"linux\": \"x\"}");
	MALFORMED("{\"linux\": {\"seccomp\": []}}");
	MALFORMED("{\"linux\": {\"seccomp\": {\"syscalls\": []}}}");
	MALFORMED("{\"linux\": {\"seccomp\": {\"defaultAction\": 1}}}");
	MALFORMED("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
		  "\"listenerPath\": 7}}}");
	MALFORMED("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
		  "\"syscalls\": [{\"names\": [\"sysinfo\"]}]}}}");
	MALFORMED("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
		  "\"syscalls\": [{\"names\": \"sysinfo\", \"action\": \"SCMP_ACT_ALLOW\"}]}}}");
	MALFORMED("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
		  "\"syscalls\": [{\"names\": [1], \"action\": \"SCMP_ACT_ALLOW\"}]}}}");
	MALFORMED("{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
		  "\"syscalls\": [7]}}}");
	malformed("{\"a\": \"x\0y\"}", 12);
	malformed("{\"a\": 1}\0", 9);
	/* Deeper than the parser goes. */
	{
		char deep[600];
		size_t n = 0;

		n += (size_t)snprintf(deep, sizeof(deep), "{\"a\":");
		for (int i = 0; i < 200; i++)
			deep[n++] = '[';
		for (int i = 0; i < 200; i++)
			deep[n++] = ']';
		deep[n++] = '}';
		malformed(deep, n);
	}
}

Test(runc_shim, numbers_within_limits_are_kept)
{
	const char *text = "{\"a\": 18446744073709551615, \"b\": -9223372036854775808, \"c\": 1.50, "
			   "\"d\": 1e3, \"e\": -0.0, \"f\": 0, \"g\": \"\\u00e9\\n/\", \"h\": true, "
			   "\"i\": false, \"j\": null, \"k\": [], \"l\": {}}";
	struct shim_edit_opts hook_only = {.hook = HOOK, .mountpoint = MNT};
	struct shim_edit e;
	json_object *out = edit_ok(text, &hook_only, &e);

	/* (json-c writes non-ASCII as UTF-8, as Go reads it either way.) */
	for (const char *want = "18446744073709551615\0-9223372036854775808\0001.50\0001e3\0-0.0\0"
				"\xc3\xa9\\n/\0";
	     *want; want += strlen(want) + 1)
		cr_assert(strstr(e.text, want), "%s missing from:\n%s", want, e.text);
	cr_assert_null(strstr(e.text, "\\/"));
	shim_edit_done(&e);
	json_object_put(out);
}

/* ---- mountinfo ---------------------------------------------------------------------------- */

static const char mountinfo[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"44 22 0:39 / /var/lib/vprocfs ro,nosuid,nodev,noexec,relatime shared:7 master:3 - "
	"fuse.vprocfs vprocfs ro,user_id=0,group_id=0,default_permissions,allow_other\n"
	"45 22 0:40 / /var/lib/vprocfs2 rw - tmpfs tmpfs rw\n"
	"46 22 0:41 / /srv/with\\040space rw - fuse.vprocfs vprocfs ro\n"
	"47 22 0:42 / /srv/stacked rw - fuse.vprocfs vprocfs ro\n"
	"48 47 0:43 / /srv/stacked rw - tmpfs tmpfs rw\n"
	"49 22 0:44 / /srv/under rw - tmpfs tmpfs rw\n"
	"50 49 0:45 / /srv/under rw - fuse.vprocfs vprocfs ro\n"
	"garbage\n"
	"51 22 0:46 / /srv/short\n"
	"52 22 0:47 / /srv/long rw - fuse.a-type-name-far-too-long-for-the-buffer x rw";

Test(runc_shim, mountinfo_topmost_type)
{
	char t[16];

	cr_assert(shim_mountinfo_fstype(mountinfo, "/var/lib/vprocfs", t, sizeof(t)));
	cr_assert_str_eq(t, "fuse.vprocfs");
	cr_assert(shim_mountinfo_fstype(mountinfo, "/var/lib/vprocfs2", t, sizeof(t)));
	cr_assert_str_eq(t, "tmpfs");
	cr_assert(shim_mountinfo_fstype(mountinfo, "/srv/with space", t, sizeof(t)));
	cr_assert_str_eq(t, "fuse.vprocfs");
	cr_assert_not(shim_mountinfo_fstype(mountinfo, "/srv/with\\040space", t, sizeof(t)));
	/* The last mount on a point is the one on top. */
	cr_assert(shim_mountinfo_fstype(mountinfo, "/srv/stacked", t, sizeof(t)));
	cr_assert_str_eq(t, "tmpfs");
	cr_assert(shim_mountinfo_fstype(mountinfo, "/srv/under", t, sizeof(t)));
	cr_assert_str_eq(t, "fuse.vprocfs");
	cr_assert(shim_mountinfo_fstype(mountinfo, "/", t, sizeof(t)));
	cr_assert_str_eq(t, "ext4");
	cr_assert_not(shim_mountinfo_fstype(mountinfo, "/var/lib", t, sizeof(t)));
	cr_assert_not(shim_mountinfo_fstype(mountinfo, "/var/lib/vprocf", t, sizeof(t)));
	cr_assert_not(shim_mountinfo_fstype(mountinfo, "/srv/short", t, sizeof(t)));
	cr_assert_not(shim_mountinfo_fstype(mountinfo, "/srv/long", t, sizeof(t)));
	cr_assert_not(shim_mountinfo_fstype("", "/", t, sizeof(t)));
}

/* ---- the shim's configuration file ------------------------------------------------------- */

Test(runc_shim, conf_file)
{
	struct shim_conf c;

	cr_assert_eq(shim_parse_conf("# vprocfs-runc\n"
				     "runtime = /usr/bin/crun\n"
				     "  hook=/opt/vp/hook   # trailing comment\r\n"
				     "mountpoint\t=\t/srv/vp#not-a-comment\n"
				     "seccomp_socket =\n"
				     "log = /var/log/vprocfs-runc.log\n"
				     "runtime = runc\n"
				     "colour = blue\n"
				     "just words\n"
				     "hook =   # empty, ignored\n"
				     "\n   \n",
				     &c),
		     0);
	cr_assert_str_eq(c.runtime, "runc");
	cr_assert_str_eq(c.hook, "/opt/vp/hook");
	cr_assert_str_eq(c.mountpoint, "/srv/vp#not-a-comment");
	cr_assert_str_eq(c.seccomp_socket, "");
	cr_assert_str_eq(c.log, "/var/log/vprocfs-runc.log");
	cr_assert(strstr(c.notes, "line 8: unknown key 'colour'"), "%s", c.notes);
	cr_assert(strstr(c.notes, "line 9: no '='"), "%s", c.notes);
	cr_assert(strstr(c.notes, "line 10: empty value for 'hook'"), "%s", c.notes);
	shim_conf_done(&c);
	cr_assert_eq(shim_parse_conf("", &c), 0);
	cr_assert(!c.runtime && !c.hook && !c.mountpoint && !c.seccomp_socket && !c.log);
	cr_assert_eq(c.notes[0], '\0');
	shim_conf_done(&c);
	/* The shipped example parses without a note. */
	{
		char *text = fixture("../oci/runc.conf");

		cr_assert_eq(shim_parse_conf(text, &c), 0);
		cr_assert_eq(c.notes[0], '\0', "%s", c.notes);
		shim_conf_done(&c);
		free(text);
	}
}

/* ---- the Kubernetes manifests ------------------------------------------------------------ */

Test(deploy, kubernetes_manifests)
{
	char out[8192];
	size_t used = 0;
	FILE *p = popen("python3 ../tests/deploy/check-manifests.py ../deploy/kubernetes 2>&1 && "
			"python3 ../tests/deploy/check-manifests.py --self-test 2>&1",
			"r");
	int status;

	cr_assert_not_null(p);
	while (used < sizeof(out) - 1) {
		size_t n = fread(out + used, 1, sizeof(out) - 1 - used, p);

		if (n == 0)
			break;
		used += n;
	}
	out[used] = '\0';
	status = pclose(p);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		fprintf(stderr, "\n*** SKIPPED deploy test: %s ***\n\n", out);
		cr_skip_test("SKIPPED: python3 with yaml (python3-yaml) not available");
	}
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "check-manifests.py:\n%s", out);
}
