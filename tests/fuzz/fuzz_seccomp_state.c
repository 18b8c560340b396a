/* The message an OCI runtime sends to the seccomp agent (its JSON part). */
#include "seccomp/state.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sc_state s;

	if (sc_parse_state((const char *)data, size, &s) == 0) {
		FUZZ_CHECK(s.seccomp_index >= 0 && s.seccomp_index < s.nfds && s.pid > 0);
		FUZZ_CHECK(memchr(s.id, '\0', sizeof(s.id)) && memchr(s.metadata, '\0',
								       sizeof(s.metadata)));
	}
	return 0;
}
