#!/bin/sh
# valgrind-intxd.sh - stands in for intxd (INTXD=...) so the integration
# tests run the daemon under memcheck; any error or leak makes it exit 99,
# which the harness reports as an unclean stop.
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	--track-fds=no --log-file="${VALGRIND_LOG:-/tmp/intxd-valgrind}.%p" \
	"$INTXD_REAL" "$@"
