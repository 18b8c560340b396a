#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "util/fileio.h"
#include "util/parse.h"
#include "util/strbuf.h"

Test(parse, u64_whole_token)
{
	uint64_t v;

	cr_assert_eq(parse_u64("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse_u64("18446744073709551615", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(parse_u64("18446744073709551616", &v), -ERANGE);
	cr_assert_eq(parse_u64("99999999999999999999999", &v), -ERANGE);
	cr_assert_eq(parse_u64("", &v), -EINVAL);
	cr_assert_eq(parse_u64("-1", &v), -EINVAL);
	cr_assert_eq(parse_u64("+1", &v), -EINVAL);
	cr_assert_eq(parse_u64(" 1", &v), -EINVAL);
	cr_assert_eq(parse_u64("1 ", &v), -EINVAL);
	cr_assert_eq(parse_u64("12abc", &v), -EINVAL);
	cr_assert_eq(parse_u64("0x10", &v), -EINVAL);
}

Test(parse, u64_line_allows_one_newline)
{
	uint64_t v = 7;

	cr_assert_eq(parse_u64_line("42\n", &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(parse_u64_line("42\n\n", &v), -EINVAL);
	cr_assert_eq(parse_u64_line("\n", &v), -EINVAL);
}

Test(parse, lines_and_words)
{
	const char *pos = "a b\n\n  c  d \nlast", *line, *w, *p, *end;
	size_t len, n;

	cr_assert(line_next(&pos, &line, &len));
	cr_assert_eq(len, 3);
	cr_assert_eq(strncmp(line, "a b", 3), 0);
	cr_assert(line_next(&pos, &line, &len));
	cr_assert_eq(len, 0);
	cr_assert(line_next(&pos, &line, &len));
	cr_assert_eq(len, 7);
	p = line;
	end = line + len;
	cr_assert(word_next(&p, end, &w, &n));
	cr_assert_eq(n, 1);
	cr_assert_eq(*w, 'c');
	cr_assert(word_next(&p, end, &w, &n));
	cr_assert_eq(*w, 'd');
	cr_assert_not(word_next(&p, end, &w, &n));
	cr_assert(line_next(&pos, &line, &len));
	cr_assert_eq(len, 4);
	cr_assert_not(line_next(&pos, &line, &len));
	pos = "x\n";
	cr_assert(line_next(&pos, &line, &len));
	cr_assert_not(line_next(&pos, &line, &len));
	pos = "";
	cr_assert_not(line_next(&pos, &line, &len));
}

Test(parse, saturating)
{
	cr_assert_eq(sat_sub(3, 5), 0);
	cr_assert_eq(sat_sub(5, 3), 2);
	cr_assert_eq(sat_add(UINT64_MAX - 1, 5), UINT64_MAX);
}

Test(strbuf, grows_and_formats)
{
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < 1000; i++)
		cr_assert_eq(sb_appendf(&sb, "%04d,", i), 0);
	cr_assert_eq(sb.len, 5000);
	cr_assert_eq(strncmp(sb.buf + 4995, "0999,", 5), 0);
	cr_assert_eq(sb.buf[sb.len], '\0');
	sb_reset(&sb);
	cr_assert_eq(sb.len, 0);
	cr_assert_eq(sb_append(&sb, "ab", 2), 0);
	cr_assert_str_eq(sb.buf, "ab");
	cr_assert_eq(sb_reserve(&sb, SIZE_MAX), -ENOMEM);
	sb_release(&sb);
}

Test(strbuf, shrinks_to_its_content)
{
	struct strbuf sb = STRBUF_INIT;

	cr_assert_eq(sb_reserve(&sb, 8000), 0);
	cr_assert_geq(sb.cap, 8001);
	cr_assert_eq(sb_append(&sb, "0.00 0.00 0.00 1/5 10\n", 22), 0);
	sb_shrink(&sb);
	cr_assert_eq(sb.cap, 23);
	cr_assert_str_eq(sb.buf, "0.00 0.00 0.00 1/5 10\n");
	cr_assert_eq(sb_append(&sb, "x", 1), 0, "grows again");
	cr_assert_eq(sb.len, 23);
	sb_reset(&sb);
	sb_shrink(&sb);
	cr_assert_null(sb.buf, "empty: nothing kept");
	cr_assert_eq(sb.cap, 0);
	sb_release(&sb);
}

Test(fileio, reads_whole_file_and_refuses_nul)
{
	char *d = tmpdir_new();
	struct strbuf sb = STRBUF_INIT;
	char big[20000];
	int dfd = open(d, O_RDONLY | O_DIRECTORY);

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tmp_write(d, "big", big);
	cr_assert_eq(read_file_at(dfd, "big", &sb), 0);
	cr_assert_eq(sb.len, sizeof(big) - 1);
	tmp_write(d, "empty", "");
	cr_assert_eq(read_file_at(dfd, "empty", &sb), 0);
	cr_assert_eq(sb.len, 0);
	{
		int fd = openat(dfd, "nul", O_CREAT | O_WRONLY, 0600);

		cr_assert_eq(write(fd, "a\0b", 3), 3);
		close(fd);
	}
	cr_assert_eq(read_file_at(dfd, "nul", &sb), -EBADMSG);
	cr_assert_eq(read_file_at(dfd, "missing", &sb), -ENOENT);
	/* Kernel files read fresh from offset 0 through a held fd. */
	cr_assert_eq(read_file_at(AT_FDCWD, "/proc/meminfo", &sb), 0);
	cr_assert(strncmp(sb.buf, "MemTotal:", 9) == 0);
	close(dfd);
	sb_release(&sb);
	tmp_remove(d);
}
