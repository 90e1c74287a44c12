#!/bin/sh
# example-group.sh: examples/group stops within a second of ./stop
# appearing (cause: the watcher's request) or at once if ./stop is already
# there, and exits 0 on SIGINT (cause: signal 2); its tasks are gone and
# reaped afterwards.
. "$top_srcdir/tests/example-harness.sh"

gone() {
	for c in $(sed -n 's/.*(pid \([0-9]*\)): started.*/\1/p' "$dir/out"); do
		kill -0 "$c" 2>/dev/null && fail "task $c still alive"
	done
	grep -q 'stopped: every process reaped' "$dir/out" || fail "did not reap"
}

check_example "$top_builddir/examples/group" "): started" 2 \
	'stopping: request (code 0) from task watcher' \
	'stopping: signal 2 (SIGINT)'
