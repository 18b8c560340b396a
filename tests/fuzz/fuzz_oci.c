/* The OCI hook's inputs: the state JSON on stdin and the bundle's config.json (the input's
 * two parts). */
#include <stdbool.h>

#include "oci/oci-spec.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *state_text, *config_text, rootfs[4096];
	struct oci_state st;
	bool out;

	if (!text)
		return 0;
	fuzz_split(text, &state_text, &config_text);
	if (oci_parse_state(state_text, &st) == 0) {
		FUZZ_CHECK(st.pid > 0 && st.bundle && st.bundle[0] == '/' && st.id);
		if (oci_parse_config(config_text, st.bundle, rootfs, sizeof(rootfs), &out) == 0)
			FUZZ_CHECK(rootfs[0] == '/');
		oci_state_done(&st);
	}
	(void)oci_parse_config(state_text, "/b", rootfs, sizeof(rootfs), &out);
	free(text);
	return 0;
}
