#!/bin/sh
# example-group.sh: examples/group stops within a second of ./stop
# appearing (cause request) or at once if ./stop is already there, and
# exits 0 on SIGINT (cause signal); its tasks are gone afterwards.
set -u
bin="$top_builddir/examples/group"
dir=$(mktemp -d)
watchdog=
trap 'kill $watchdog 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir/out" 2>/dev/null; exit 1; }

now_ms() { date +%s%3N; }

# Start it with a watchdog that kills it after 20 s; wait (bounded) until
# both tasks have started.
start() {
	kill $watchdog 2>/dev/null
	(cd "$dir" && exec "$bin") >"$dir/out" 2>&1 &
	pid=$!
	(sleep 20; echo "watchdog: killing $pid"; kill -KILL "$pid") &
	watchdog=$!
	for _ in $(seq 100); do
		[ "$(grep -c '): started' "$dir/out" 2>/dev/null)" = 2 ] && return 0
		sleep 0.05
	done
	fail "did not start"
}

tasks_gone() {
	for c in $(sed -n 's/.*(pid \([0-9]*\)): started.*/\1/p' "$dir/out"); do
		kill -0 "$c" 2>/dev/null && fail "task $c still alive"
	done
	grep -q 'stopped: every process reaped' "$dir/out" || fail "did not reap"
}

# 1. ./stop appears: stopped within a second, cause "request", exit 0.
start
t0=$(now_ms)
touch "$dir/stop"
wait "$pid"; rc=$?
took=$(( $(now_ms) - t0 ))
[ "$rc" -eq 0 ] || fail "exit status $rc after ./stop"
[ "$took" -lt 1000 ] || fail "took $took ms to stop after ./stop"
grep -q 'stopping: request (code 0) from task watcher' "$dir/out" ||
	fail "cause is not the watcher's request"
tasks_gone
echo "ok: ./stop stopped it in $took ms"

# 2. ./stop already there at start: stops at once.
start
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc with ./stop present"
tasks_gone
rm -f "$dir/stop"
echo "ok: ./stop already there"

# 3. SIGINT to the master: cause signal 2, exit 0.
start
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGINT"
grep -q 'stopping: signal 2 (SIGINT)' "$dir/out" || fail "cause is not SIGINT"
tasks_gone
echo "ok: SIGINT"
exit 0
