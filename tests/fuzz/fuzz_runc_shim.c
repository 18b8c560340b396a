/* vprocfs-runc's pure parts: the runtime's command line (the input's first part, one argument
 * a line) and config.json (the second part), which is also fed to the mountinfo and config
 * file parsers. Invariants: the command, bundle and id come from argv; an edited config is
 * valid JSON with the hook once and exactly one rule naming sysinfo, the notify rule, with our
 * listener; editing the output again changes nothing. */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>

#include "oci/runc-shim.h"
#include "tests/fuzz/fuzz.h"

#define HOOK "/usr/local/libexec/vprocfs/vprocfs-oci-hook"
#define SOCK "/run/vprocfs/seccomp.sock"
#define MAX_ARGS 64

static bool within(const char *p, const char *const *argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static void check_argv(char *text)
{
	const char *argv[MAX_ARGS];
	struct shim_argv a;
	int argc = 0, r;

	argv[argc++] = "runc";
	for (char *p = text, *nl; p && argc < MAX_ARGS; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		argv[argc++] = p;
	}
	r = shim_parse_argv(argc, argv, &a);
	FUZZ_CHECK(r == 0 || (r == -EINVAL && !a.edit));
	FUZZ_CHECK(a.command >= -1 && a.command < argc && a.command != 0);
	FUZZ_CHECK(a.positionals >= 0 && a.positionals < argc);
	FUZZ_CHECK(!a.bundle || (a.bundle[0] && within(a.bundle, argv, argc)));
	FUZZ_CHECK(!a.config || (a.config[0] && within(a.config, argv, argc)));
	FUZZ_CHECK(!a.id || within(a.id, argv, argc));
	if (a.edit)
		FUZZ_CHECK(a.command > 0 && a.positionals == 1 && !a.help && a.id &&
			   (strcmp(argv[a.command], "create") == 0 || strcmp(argv[a.command], "run") == 0));
	if (a.command < 0 || (strcmp(argv[a.command], "create") && strcmp(argv[a.command], "run")))
		FUZZ_CHECK(!a.edit && !a.bundle && !a.id);
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v)
		       ? v
		       : NULL;
}

static void check_output(const char *text, const struct shim_edit *e, const struct shim_edit_opts *o)
{
	json_object *config = json_tokener_parse(text), *sec, *rules, *hooks;
	size_t sysinfo_rules = 0, ours = 0;

	FUZZ_CHECK(config && json_object_is_type(config, json_type_object));
	sec = field(field(config, "linux"), "seccomp");
	if (e->seccomp == SHIM_SECCOMP_CREATED || e->seccomp == SHIM_SECCOMP_EDITED) {
		const char *lp = json_object_get_string(field(sec, "listenerPath"));

		FUZZ_CHECK(lp && strcmp(lp, o->listener) == 0);
		rules = field(sec, "syscalls");
		FUZZ_CHECK(rules && json_object_is_type(rules, json_type_array));
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			json_object *rule = json_object_array_get_idx(rules, i), *names = field(rule, "names");
			size_t n = names ? json_object_array_length(names) : 0;
			bool sys = false;

			for (size_t j = 0; j < n; j++)
				sys |= strcmp(json_object_get_string(json_object_array_get_idx(names, j)),
					      "sysinfo") == 0;
			if (!sys)
				continue;
			sysinfo_rules++;
			FUZZ_CHECK(n == 1 && strcmp(json_object_get_string(field(rule, "action")),
						    "SCMP_ACT_NOTIFY") == 0);
		}
		FUZZ_CHECK(sysinfo_rules == 1);
	}
	if (e->hook_added) {
		hooks = field(field(config, "hooks"), "createRuntime");
		FUZZ_CHECK(hooks && json_object_is_type(hooks, json_type_array));
		for (size_t i = 0; i < json_object_array_length(hooks); i++) {
			const char *p = json_object_get_string(field(json_object_array_get_idx(hooks, i), "path"));

			ours += p && strcmp(p, o->hook) == 0;
		}
		FUZZ_CHECK(ours == 1);
	}
	json_object_put(config);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const arches[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL};
	char *text = fuzz_text(data, size), *argv_text, *config_text, fstype[32];
	struct shim_edit_opts opts[] = {
		{.hook = HOOK, .mountpoint = "/var/lib/vprocfs", .listener = SOCK, .arches = arches},
		{.hook = HOOK, .mountpoint = "/var/lib/vprocfs"},
		{.listener = SOCK},
		{.hook = "vprocfs-oci-hook", .listener = "/s", .arches = arches},
	};
	struct shim_edit e, again;
	struct shim_conf conf;
	const struct shim_edit_opts *o;

	if (!text)
		return 0;
	fuzz_split(text, &argv_text, &config_text);
	o = &opts[strlen(argv_text) % 4];

	shim_edit_config(config_text, strlen(config_text), o, &e);
	FUZZ_CHECK((e.verdict == SHIM_CHANGED) == (e.text != NULL));
	if (e.verdict == SHIM_CHANGED) {
		check_output(e.text, &e, o);
		shim_edit_config(e.text, strlen(e.text), o, &again);
		FUZZ_CHECK(again.verdict == SHIM_UNCHANGED && !again.text);
		FUZZ_CHECK(!o->hook || again.hook_present);
	}
	shim_edit_done(&e);

	if (shim_mountinfo_fstype(config_text, "/var/lib/vprocfs", fstype, sizeof(fstype)))
		FUZZ_CHECK(strlen(fstype) < sizeof(fstype) && !strchr(fstype, ' '));
	if (shim_parse_conf(config_text, &conf) == 0)
		shim_conf_done(&conf);

	check_argv(argv_text);
	free(text);
	return 0;
}
