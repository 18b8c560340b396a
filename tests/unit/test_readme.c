/* The README's list of served files is the served-file table's (core/table.c): regenerate it
 * with `build/vprocfs --list-files` between the README's served-files markers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/table.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	cr_assert_not_null(f, "%s (the unit tests run in tests/)", path);
	do {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 1 << 16;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

Test(readme, served_files_list_is_the_tables)
{
	static const char begin[] = "<!-- served-files:begin -->\n", end[] = "<!-- served-files:end -->";
	char *readme = slurp("../README.md"), *want = NULL, *a, *b;
	size_t wantlen = 0;
	FILE *f = open_memstream(&want, &wantlen);

	cr_assert_not_null(f);
	vp_table_markdown(f);
	fclose(f);
	a = strstr(readme, begin);
	cr_assert_not_null(a, "README.md has no served-files markers");
	a += strlen(begin);
	b = strstr(a, end);
	cr_assert_not_null(b);
	*b = '\0';
	cr_assert_str_eq(a, want, "README.md's served files differ from the table; regenerate them "
				  "with build/vprocfs --list-files");
	/* Every file row names its file. */
	for (size_t i = 0; i < vp_nentries; i++)
		if (vp_entries[i].file >= 0) {
			char cell[300];

			snprintf(cell, sizeof(cell), "| `%s` |", vp_entries[i].path);
			cr_assert_not_null(strstr(a, cell), "%s", cell);
		}
	free(want);
	free(readme);
}
