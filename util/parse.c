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
