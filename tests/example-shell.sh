#!/bin/sh
# example-shell.sh: examples/shell, the seed's two subtasks as shell
# scripts under stopflagd, stops within a second of ./stop appearing (the
# watcher's request wakes the heartbeat's `stopflag sleep 5s`), and exits
# 0 on SIGINT; both tasks are gone afterwards.
. "$top_srcdir/tests/example-harness.sh"

PATH="$top_srcdir/examples/shell:$top_builddir/src/tool:$PATH"
export PATH
run="$dir.run"
cat >"$run" <<EOF2
#!/bin/sh
exec "$top_builddir/src/daemon/stopflagd" -c "$top_srcdir/examples/shell/twotasks.conf"
EOF2
chmod +x "$run"
trap 'kill $watchdog 2>/dev/null; rm -rf "$dir" "$run"' EXIT

gone() {
	for c in $(sed -n 's/.*task [a-z]* (pid \([0-9]*\)): started.*/\1/p' "$dir/out"); do
		kill -0 "$c" 2>/dev/null && fail "task $c still alive"
	done
	grep -q 'stopped: every process reaped' "$dir/out" || fail "did not reap"
	grep -q 'heartbeat: stopping: ' "$dir/out" ||
		fail "the heartbeat did not wake on the flag"
}

check_example "$run" 'started' 2 \
	'stopping: request (code 0) from task watcher' 'stopping: signal 2'
