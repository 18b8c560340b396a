#include "helpers.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *fixture(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	cr_assert_not_null(f, "fixture %s missing (run from tests/)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

char *replace_line(const char *text, const char *prefix, const char *line)
{
	const char *p = strstr(text, prefix), *eol;
	char *out;

	cr_assert_not_null(p, "no line %s", prefix);
	eol = strchr(p, '\n');
	cr_assert_not_null(eol);
	out = malloc(strlen(text) + strlen(line) + 1);
	cr_assert_not_null(out);
	sprintf(out, "%.*s%s%s", (int)(p - text), text, line, eol);
	return out;
}

char *drop_line(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix), *eol;
	char *out;

	cr_assert_not_null(p, "no line %s", prefix);
	eol = strchr(p, '\n');
	cr_assert_not_null(eol);
	out = malloc(strlen(text) + 1);
	cr_assert_not_null(out);
	sprintf(out, "%.*s%s", (int)(p - text), text, eol + 1);
	return out;
}

char *tmpdir_new(void)
{
	char *d = strdup("/tmp/vprocfs-unit-XXXXXX");

	cr_assert_not_null(mkdtemp(d));
	return d;
}

/* mkdir -p of path's parent directory (no shell: tests write many files). */
static void make_parents(const char *path)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		cr_assert(mkdir(p, 0755) == 0 || errno == EEXIST, "mkdir %s", p);
		*s = '/';
	}
}

void tmp_write(const char *dir, const char *rel, const char *content)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	make_parents(path);
	f = fopen(path, "we");
	cr_assert_not_null(f, "%s", path);
	fputs(content, f);
	fclose(f);
}

char *tmp_copy_tree(const char *fixture_dir)
{
	char *d = tmpdir_new();
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "cp -a '%s'/. '%s'/", fixture_dir, d);
	cr_assert_eq(system(cmd), 0);
	return d;
}

void tmp_remove(char *dir)
{
	char cmd[4200];

	if (!dir)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	free(dir);
}

void tmp_unlink(const char *dir, const char *rel)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	cr_assert_eq(unlink(p), 0, "unlink %s", p);
}

struct cg_layout fx_layout;
char *fx_tree;

void open_tree(const char *fixture_dir, enum cg_version v)
{
	fx_tree = tmp_copy_tree(fixture_dir);
	cr_assert_eq(cg_layout_from_dir(fx_tree, v, &fx_layout), 0);
}

void assert_cg_error(const struct cg_error *e, const char *tree, const char *rel, int err)
{
	char want[8192];

	snprintf(want, sizeof(want), "%s:/%s: %s", tree, rel, strerror(err));
	cr_assert_eq(e->err, err, "%s: errno %d, not %d", rel, e->err, err);
	cr_assert_str_eq(e->where, want);
	cr_assert_str_eq(cg_error_str(e), want);
}

void check_damages(const char *fixture_dir, enum cg_version v, const char *path,
		   int (*read)(const char *path, struct cg_error *e), const struct damage *d,
		   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cg_error e = {0};

		open_tree(fixture_dir, v);
		if (d[i].content)
			tmp_write(fx_tree, d[i].rel, d[i].content);
		else
			tmp_unlink(fx_tree, d[i].rel);
		cr_assert_eq(read(path, &e), -d[i].err, "%s", d[i].rel);
		assert_cg_error(&e, fx_tree, d[i].named ? d[i].named : d[i].rel, d[i].err);
		close_tree();
	}
}

void close_tree(void)
{
	cg_layout_done(&fx_layout);
	tmp_remove(fx_tree);
	fx_tree = NULL;
}

/* proc/WHO/ns/pid becomes a hard link to proc/ns-NS. */
static void fake_ns(const char *proc, const char *who, const char *ns)
{
	char target[4200], link_path[4200];
	int fd;

	snprintf(target, sizeof(target), "%s/ns-%s", proc, ns);
	snprintf(link_path, sizeof(link_path), "%s/%s/ns/pid", proc, who);
	fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0, "%s", target);
	close(fd);
	make_parents(link_path);
	cr_assert(unlink(link_path) == 0 || errno == ENOENT, "%s", link_path);
	cr_assert_eq(link(target, link_path), 0, "%s", link_path);
}

char *fake_proc_new(void)
{
	char *proc = tmpdir_new();

	fake_ns(proc, "self", "host");
	return proc;
}

void fake_pid(const char *proc, pid_t pid, const char *ns, pid_t ppid, const char *nspid,
	      const char *cgroup)
{
	char rel[64], text[512];

	snprintf(rel, sizeof(rel), "%d", (int)pid);
	fake_ns(proc, rel, ns);
	snprintf(rel, sizeof(rel), "%d/status", (int)pid);
	snprintf(text, sizeof(text), "Name:\tx\nPPid:\t%d\nNSpid:\t%s\n", (int)ppid, nspid);
	tmp_write(proc, rel, text);
	snprintf(rel, sizeof(rel), "%d/cgroup", (int)pid);
	tmp_write(proc, rel, cgroup);
}

void fake_stat(const char *proc, pid_t pid, char state, unsigned long long start)
{
	char rel[64], text[256];

	snprintf(rel, sizeof(rel), "%d/stat", (int)pid);
	snprintf(text, sizeof(text),
		 "%d (a (b) c) %c 1 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 %llu 2000 100\n",
		 (int)pid, state, start);
	tmp_write(proc, rel, text);
}
