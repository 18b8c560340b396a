#include "util/parse.h"

#include <errno.h>
#include <string.h>

int parse_u64_n(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int parse_u64(const char *s, uint64_t *ret)
{
	return parse_u64_n(s, strlen(s), ret);
}

int parse_u64_line(const char *s, uint64_t *ret)
{
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '\n')
		n--;
	return parse_u64_n(s, n, ret);
}

const char *find_line(const char *text, const char *prefix, size_t *ret_len)
{
	size_t plen = strlen(prefix);

	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");

		if (len >= plen && memcmp(line, prefix, plen) == 0) {
			*ret_len = len - plen;
			return line + plen;
		}
		line += len;
		if (*line)
			line++;
	}
	return NULL;
}

int parse_kv_lines(const char *text,
		   int (*fn)(const char *key, size_t klen, uint64_t v, void *u), void *u)
{
	const char *line = text;

	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		const char *sp = memchr(line, ' ', len);
		uint64_t v;
		int r;

		if (!sp || sp == line || parse_u64_n(sp + 1, len - (size_t)(sp - line) - 1, &v) < 0)
			return -EINVAL;
		r = fn(line, (size_t)(sp - line), v, u);
		if (r < 0)
			return r;
		if (!eol)
			break;
		line = eol + 1;
	}
	return 0;
}

bool line_next(const char **pos, const char **ret_line, size_t *ret_len)
{
	const char *line = *pos;
	size_t len;

	if (!*line)
		return false;
	len = strcspn(line, "\n");
	*ret_line = line;
	*ret_len = len;
	*pos = line[len] ? line + len + 1 : line + len;
	return true;
}

bool word_next(const char **pos, const char *end, const char **ret_word, size_t *ret_len)
{
	const char *p = *pos, *w;

	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return false;
	w = p;
	while (p < end && *p != ' ')
		p++;
	*ret_word = w;
	*ret_len = (size_t)(p - w);
	*pos = p;
	return true;
}
