/* The pure parts of vprocfs-runc, the OCI runtime shim (see vprocfs-runc.c): the runtime's
 * command line (which command, which bundle), the edit of config.json (text in, text out),
 * /proc/self/mountinfo (what is mounted where) and the shim's own configuration file. No I/O,
 * so that unit tests and the fuzzer can drive them. JSON is handled with json-c. */
#ifndef VP_RUNC_SHIM_H
#define VP_RUNC_SHIM_H

#include <stdbool.h>
#include <stddef.h>

#define SHIM_HOOK_NAME "vprocfs-oci-hook"
#define SHIM_LISTENER_METADATA "vprocfs"
/* The largest config.json the shim edits (Docker's default profile makes ~40 KiB). */
#define SHIM_CONFIG_MAX (16u << 20)

/* ---- the command line ------------------------------------------------------------------- */

/* What the shim needs from runc's (or crun's) command line:
 *   RUNTIME [GLOBAL-OPTION...] COMMAND [OPTION...] ID [OPTION...]
 * Global options with a value (--log, --log-format, --root, --criu, --rootless, and crun's
 * --log-level, --cgroup-manager) consume the next argument unless written --opt=value; any
 * other option is taken as a flag. One or two dashes, as Go's flag package takes them. The
 * first non-option argument (or the one after "--") is the command. create and run take
 * --bundle DIR, -b DIR, --bundle=DIR, -b=DIR, -bDIR (the last one given counts; none or an
 * empty one: the current directory) and crun's --config/-f FILE, anywhere before a "--"
 * (runc reorders options given after the container id). --console-socket, --pid-file,
 * --preserve-fds and --pidfd-socket take a value; every other option is a flag. */
struct shim_argv {
	int command;        /* index of the command in argv, -1: none (--version, --help, ...) */
	const char *bundle; /* --bundle's value (points into argv), NULL: the current directory */
	const char *config; /* crun's --config's value (relative to the current directory), or
			     * NULL: <bundle>/config.json */
	const char *id;     /* the last positional argument after the command, or NULL */
	const char *log;    /* the global --log's value (the runtime's log file), or NULL */
	const char *log_format; /* the global --log-format's value, or NULL (text) */
	int positionals;    /* positional arguments after the command */
	bool help;          /* -h/--help/-?/--usage among the command's options */
	bool edit;          /* create or run that will not just print help: edit config.json */
};

/* Parse argv[0..argc) (argv[0] is the program). 0, or -EINVAL when an option that takes a
 * value comes last without one (ret->edit is then false: the runtime will complain). */
int shim_parse_argv(int argc, const char *const argv[], struct shim_argv *ret);

/* ---- config.json ------------------------------------------------------------------------ */

struct shim_edit_opts {
	const char *hook;         /* the hook's path; NULL: leave hooks alone */
	const char *mountpoint;   /* the hook's argument (vprocfs's mount point) */
	const char *listener;     /* the seccomp agent's socket; NULL: leave seccomp alone */
	const char *const *arches; /* NULL-terminated architectures for a profile made from
				    * nothing (native and compat ABIs), or NULL: native only */
};

enum shim_verdict {
	SHIM_CHANGED,   /* ret->text holds the new config.json */
	SHIM_UNCHANGED, /* nothing to do (already edited, or nothing asked) */
	SHIM_OPTED_OUT, /* annotation io.vprocfs.disable is "true" or "1": nothing done */
	SHIM_MALFORMED, /* not strict JSON, not an object, or a part we would touch is not of
			 * its OCI type: nothing done (the runtime decides) */
	SHIM_NOMEM,
};

enum shim_seccomp {
	SHIM_SECCOMP_NOT_ASKED,   /* no listener given */
	SHIM_SECCOMP_CREATED,     /* no profile: an allow-by-default one that notifies sysinfo */
	SHIM_SECCOMP_EDITED,      /* sysinfo moved out of the profile's rules into a notify rule */
	SHIM_SECCOMP_PRESENT,     /* the profile already is so: unchanged */
	SHIM_SECCOMP_LEFT_ALONE,  /* the profile belongs to another agent, or restricts sysinfo,
				   * or there is no linux section: unchanged (notes say why) */
};

struct shim_edit {
	enum shim_verdict verdict;
	enum shim_seccomp seccomp;
	bool hook_added;   /* SHIM_CHANGED: the hook was appended to hooks.createRuntime */
	bool hook_present; /* the hook (this path, or any .../vprocfs-oci-hook) was there already */
	char *text;        /* SHIM_CHANGED: the new config.json, malloc()ed; else NULL */
	char notes[1024];  /* one line per decision, '\n'-separated, no trailing '\n' */
};

/* Edit config.json (text[0..len), which must hold no NUL byte):
 *  - hooks.createRuntime gets {"path": hook, "args": ["vprocfs-oci-hook", mountpoint]}
 *    unless an entry with that path, or a path ending in /vprocfs-oci-hook, is there;
 *  - when a listener is given, sysinfo(2) goes to the seccomp agent: no linux.seccomp makes
 *    {"defaultAction": "SCMP_ACT_ALLOW", "architectures": arches, "listenerPath": listener,
 *    "listenerMetadata": "vprocfs", "syscalls": [{"names": ["sysinfo"], "action":
 *    "SCMP_ACT_NOTIFY"}]}; a profile has "sysinfo" taken out of every rule's "names" (a rule
 *    left with no name is dropped; nothing else of a rule is touched) and that notify rule
 *    appended, with listenerPath and listenerMetadata set. A profile is left alone when its
 *    defaultAction is SCMP_ACT_NOTIFY, its listenerPath names another socket, a rule
 *    notifies while no listenerPath is set, or it does not allow sysinfo (a rule naming
 *    sysinfo whose action is not SCMP_ACT_ALLOW or SCMP_ACT_LOG, or no unconditional rule
 *    for it and a defaultAction that is not): the agent would grant what it denies.
 * Applied to its own output it changes nothing (SHIM_UNCHANGED). Key order is kept, numbers
 * are written as read; the output is tab-indented. */
void shim_edit_config(const char *text, size_t len, const struct shim_edit_opts *o,
		      struct shim_edit *ret);
void shim_edit_done(struct shim_edit *e);

/* ---- /proc/self/mountinfo --------------------------------------------------------------- */

/* The file system type of the topmost mount whose mount point is exactly `path` (absolute,
 * canonical), copied into fstype[size]; false when nothing is mounted there (or the type does
 * not fit). Mount points are unescaped (\040 and friends) before comparing. */
bool shim_mountinfo_fstype(const char *mountinfo, const char *path, char *fstype, size_t size);

/* ---- the shim's configuration file ------------------------------------------------------- */

/* `key = value` lines; '#' starts a comment at a line's start or after white space; values
 * are trimmed. Keys: runtime, hook, mountpoint, seccomp_socket, log. */
struct shim_conf {
	char *runtime, *hook, *mountpoint, *seccomp_socket, *log; /* malloc()ed, NULL: not set */
	char notes[512]; /* one line per ignored line, '\n'-separated */
};

/* 0, or -ENOMEM. Unknown keys and lines without '=' are noted and skipped; an empty value
 * for runtime, hook or mountpoint too (an empty seccomp_socket or log means "off"). */
int shim_parse_conf(const char *text, struct shim_conf *ret);
void shim_conf_done(struct shim_conf *c);

#endif
