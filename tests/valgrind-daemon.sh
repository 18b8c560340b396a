#!/bin/sh
# The daemon under valgrind memcheck, for `make valgrind`: any error or definite leak makes it
# exit 42, which the integration tests' clean-exit check turns into a failure.
exec valgrind -q --error-exitcode=42 --leak-check=full --errors-for-leak-kinds=definite \
	--suppressions="${VPROCFS_VALGRIND_SUPP:?}" \
	"${VPROCFS_REAL_BIN:?}" "$@"
