#!/bin/sh
# example-twotasks.sh: examples/twotasks stops within a second of ./stop
# appearing, and exits 0 on SIGINT; its children are gone afterwards.
. "$top_srcdir/tests/example-harness.sh"

gone() {
	for c in $(sed -n 's/.*heartbeat pid \([0-9]*\), watcher pid \([0-9]*\).*/\1 \2/p' "$dir/out"); do
		kill -0 "$c" 2>/dev/null && fail "child $c still alive"
	done
	grep -q 'all tasks reaped' "$dir/out" || fail "did not reap"
}

check_example "$top_builddir/examples/twotasks" running 1 \
	'stopping: request' 'stopping: signal (code 2)'
