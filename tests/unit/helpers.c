#include "helpers.h"

#include <criterion/criterion.h>
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

void tmp_write(const char *dir, const char *rel, const char *content)
{
	char path[4096], cmd[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	cr_assert_eq(system(cmd), 0);
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
