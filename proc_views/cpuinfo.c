/* /proc/cpuinfo for a container (see cpuinfo.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proc_views/cpuinfo.h"
#include "util/cleanup.h"
#include "util/parse.h"

struct stanza {
	const char *p;
	size_t len;     /* up to and including the last line's newline */
	long cpu;       /* host CPU number, -1 for a stanza that is not per-CPU */
};

/* A "key<tabs/spaces>: value" line: the key without its padding. */
static bool line_key(const char *line, size_t len, const char **key, size_t *klen,
		     const char **colon)
{
	const char *c = memchr(line, ':', len);
	size_t k;

	if (!c)
		return false;
	k = (size_t)(c - line);
	while (k > 0 && (line[k - 1] == '\t' || line[k - 1] == ' '))
		k--;
	*key = line;
	*klen = k;
	*colon = c;
	return true;
}

static bool key_is(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

/* The host CPU number of a stanza whose first line is "processor : N" and which has no
 * other "processor" line; -1 for a stanza without a "processor" key (not per-CPU: kept in
 * place); -2 for any other stanza with a "processor" key (not the kernel's: refused). */
static long stanza_cpu(const char *p, size_t len)
{
	size_t l = strcspn(p, "\n"), count = 0;
	const char *key, *colon, *v;
	size_t klen;
	uint64_t cpu;

	for (const char *line = p; line < p + len;) {
		size_t ll = strcspn(line, "\n");

		if (line + ll > p + len)
			ll = (size_t)(p + len - line);
		if (line_key(line, ll, &key, &klen, &colon) && key_is(key, klen, "processor"))
			count++;
		line += ll + 1;
	}
	if (count == 0)
		return -1;
	if (count > 1 || l > len || !line_key(p, l, &key, &klen, &colon) ||
	    !key_is(key, klen, "processor"))
		return -2;
	v = colon + 1;
	while (v < p + l && *v == ' ')
		v++;
	if (parse_u64_n(v, (size_t)(p + l - v), &cpu) < 0 || cpu > 1u << 20)
		return -2;
	return (long)cpu;
}

/* Split at blank lines. */
static int split(const char *host, struct stanza **ret, size_t *ret_n)
{
	struct stanza *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = host;

	while (*p) {
		const char *end = strstr(p, "\n\n");
		size_t len = end ? (size_t)(end - p) + 1 : strlen(p);

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct stanza *nv = realloc(v, ncap * sizeof(*nv));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		v[n] = (struct stanza){p, len, stanza_cpu(p, len)};
		if (v[n].cpu == -2) {
			free(v);
			return -EINVAL;
		}
		n++;
		p += len;
		while (*p == '\n')
			p++;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Copy one stanza, renumbered as CPU idx of n. */
static int put_cpu(struct strbuf *out, const struct stanza *s, unsigned idx, unsigned n)
{
	const char *line = s->p, *end = s->p + s->len;
	int r = 0;

	while (line < end && r >= 0) {
		size_t len = strcspn(line, "\n");
		const char *key, *colon;
		size_t klen;
		long v = -1;

		if (line + len > end)
			len = (size_t)(end - line);
		if (line_key(line, len, &key, &klen, &colon)) {
			if (key_is(key, klen, "processor") || key_is(key, klen, "core id") ||
			    key_is(key, klen, "apicid") || key_is(key, klen, "initial apicid"))
				v = idx;
			else if (key_is(key, klen, "physical id"))
				v = 0;
			else if (key_is(key, klen, "siblings") || key_is(key, klen, "cpu cores"))
				v = n;
		}
		if (v >= 0)
			r = sb_appendf(out, "%.*s: %ld\n", (int)(colon - line), line, v);
		else
			r = sb_append(out, line, len) < 0 ? -ENOMEM : sb_append(out, "\n", 1);
		line += len + 1;
	}
	return r < 0 ? r : sb_append(out, "\n", 1);
}

int pv_cpuinfo_render(const char *host, const unsigned *host_cpu, unsigned n,
		      struct strbuf *out)
{
	_cleanup_free_ struct stanza *st = NULL;
	size_t ns = 0, first = SIZE_MAX;
	int r = split(host, &st, &ns);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ns && first == SIZE_MAX; i++)
		if (st[i].cpu >= 0)
			first = i;
	if (first == SIZE_MAX || n == 0)
		return -EINVAL;
	sb_reset(out);
	for (size_t i = 0; i < ns && r >= 0; i++) {
		if (i == first) {
			for (unsigned k = 0; k < n && r >= 0; k++) {
				size_t j = first;

				while (j < ns && st[j].cpu != (long)host_cpu[k])
					j++;
				r = j < ns ? put_cpu(out, &st[j], k, n) : -ENOENT;
			}
		} else if (st[i].cpu < 0) {
			r = sb_append(out, st[i].p, st[i].len);
			if (r >= 0)
				r = sb_append(out, "\n", 1);
		}
	}
	return r < 0 ? r : 0;
}
