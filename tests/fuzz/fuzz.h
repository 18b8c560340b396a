/* Shared by the libFuzzer targets (one per parser family, see README.md "Fuzzing"). Each
 * target defines LLVMFuzzerTestOneInput(); a violated invariant traps, so the fuzzer reports
 * it like a crash. */
#ifndef VP_FUZZ_H
#define VP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

/* The input as a NUL-terminated string (the parsers read files read into such buffers, which
 * may hold NUL bytes: they stop there, as they do on a real file). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Split the input at its first '\n\n' into two strings (targets taking two files). */
static inline void fuzz_split(char *s, char **a, char **b)
{
	char *sep = strstr(s, "\n\n");

	*a = s;
	*b = sep ? (*sep = '\0', sep + 2) : s + strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
