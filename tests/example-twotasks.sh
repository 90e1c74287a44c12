#!/bin/sh
# example-twotasks.sh: examples/twotasks stops within a second of ./stop
# appearing, and exits 0 on SIGINT; its children are gone afterwards.
set -u
bin="$top_builddir/examples/twotasks"
dir=$(mktemp -d)
watchdog=
trap 'kill $watchdog 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir/out" 2>/dev/null; exit 1; }

now_ms() { date +%s%3N; }

# Start it with a watchdog that kills it after 20 s; wait (bounded) until
# it says it is running.
start() {
	kill $watchdog 2>/dev/null
	(cd "$dir" && exec "$bin") >"$dir/out" 2>&1 &
	pid=$!
	(sleep 20; echo "watchdog: killing $pid"; kill -KILL "$pid") &
	watchdog=$!
	for _ in $(seq 100); do
		grep -q 'running' "$dir/out" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "did not start"
}

children_gone() {
	for c in $(sed -n 's/.*heartbeat pid \([0-9]*\), watcher pid \([0-9]*\).*/\1 \2/p' "$dir/out"); do
		kill -0 "$c" 2>/dev/null && fail "child $c still alive"
	done
	return 0
}

# 1. ./stop appears: stopped within a second, cause "request", exit 0.
start
t0=$(now_ms)
touch "$dir/stop"
wait "$pid"; rc=$?
took=$(( $(now_ms) - t0 ))
[ "$rc" -eq 0 ] || fail "exit status $rc after ./stop"
[ "$took" -lt 1000 ] || fail "took $took ms to stop after ./stop"
grep -q 'stopping: request' "$dir/out" || fail "cause is not request"
grep -q 'all tasks reaped' "$dir/out" || fail "did not reap"
children_gone
echo "ok: ./stop stopped it in $took ms"

# 2. ./stop already there at start: stops at once.
start
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc with ./stop present"
rm -f "$dir/stop"

# 3. SIGINT to the master: cause signal 2, exit 0.
start
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGINT"
grep -q 'stopping: signal (code 2)' "$dir/out" || fail "cause is not SIGINT"
children_gone
echo "ok: SIGINT"
exit 0
