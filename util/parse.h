/* Strict number parsing: a token must be consumed whole; overflow is an error. */
#ifndef VP_UTIL_PARSE_H
#define VP_UTIL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal unsigned 64-bit from exactly s[0..n): no sign, no spaces, no empty. -EINVAL / -ERANGE. */
int parse_u64_n(const char *s, size_t n, uint64_t *ret);
/* Same for a NUL-terminated string. */
int parse_u64(const char *s, uint64_t *ret);
/* Like parse_u64 but a single trailing '\n' is allowed (the shape of one-value kernel files). */
int parse_u64_line(const char *s, uint64_t *ret);
/* The first line of text that starts with prefix: returns what follows the prefix and sets
 * *ret_len to its length up to the newline; NULL when no line matches. */
const char *find_line(const char *text, const char *prefix, size_t *ret_len);

/* The "key value" lines of text (memory.stat, cpu.stat): fn(key, key length, value, u) for
 * each, in order; stops at the first negative fn return and returns it. A line that is not
 * "key<space>decimal" is -EINVAL. */
int parse_kv_lines(const char *text,
		   int (*fn)(const char *key, size_t klen, uint64_t v, void *u), void *u);

/* Line by line: the line at *pos (ret_line, ret_len without its '\n'), and *pos moves past it.
 * false at the end of text: a last line without '\n' is a line, the nothing after a final '\n'
 * is not. */
bool line_next(const char **pos, const char **ret_line, size_t *ret_len);
/* Word by word in [*pos, end): the next run of non-space bytes (runs of ' ' between words are
 * skipped), and *pos moves past it. false when only spaces remain. */
bool word_next(const char **pos, const char *end, const char **ret_word, size_t *ret_len);

/* Saturating arithmetic. */
static inline uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}
static inline uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}
static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

#endif
