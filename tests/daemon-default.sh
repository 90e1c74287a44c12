#!/bin/sh
# daemon-default.sh: stopflagd with no -c runs the embedded default in its
# working directory: a heartbeat every 5 s and a watcher of ./stop.  It
# stops, exit 0, the moment ./stop appears or when ./stop is there at
# start, and on SIGINT (Ctrl-C); no child is left behind.
test_name=daemon-default test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

# 1. ./stop appears: stopped within a second, cause: the watcher's request.
start
[ "$(echo $kids | wc -w)" -eq 2 ] || fail "expected 2 tasks, found: $kids"
wait_log "waiting for .*/stop" || fail "the watcher did not say what it waits for"
t0=$(now_ms)
touch "$dir/stop"
stopped
[ "$rc" -eq 0 ] || fail "exit status $rc after ./stop"
limit=$(work_ms 6 2000)
[ "$took" -lt "$limit" ] || fail "took $took ms to stop after ./stop (limit $limit ms)"
grep -q 'stopping: request (code 0) from task stop-file' "$dir/log" ||
	fail "the cause is not the watcher's request"
gone_within 100 $kids || fail "tasks left behind: $kids"
ok "./stop appeared: stopped in $took ms, exit 0"

# 2. ./stop already there at start: stops at once.
launch
stopped
[ "$rc" -eq 0 ] || fail "exit status $rc with ./stop there at start"
grep -q 'is already there' "$dir/log" || fail "the watcher did not say why"
ok "./stop there at start: stopped in $took ms, exit 0"
rm -f "$dir/stop"

# 3. The heartbeat beats every 5 s; SIGINT (Ctrl-C) stops everything, exit 0.
start
wait_log 'heartbeat: heartbeat 1$' 12 || fail "no heartbeat within 12 s"
kill -INT "$pid"
stopped
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGINT"
grep -q 'stopping: signal 2 (SIGINT)' "$dir/log" || fail "the cause is not SIGINT"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ info +heartbeat: heartbeat 1$' \
	"$dir/log" || fail "a log line lacks its timestamp, level or task"
gone_within 100 $kids || fail "tasks left behind: $kids"
ok "heartbeat, then SIGINT: exit 0"
