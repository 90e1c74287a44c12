#!/bin/sh
# daemon-stop-paths.sh: every way a group stops, through the real binary.
# SIGTERM (exit 0), a watch-file request (exit 0), a task that exits
# (its status), a task SIGKILLed (137), stopflagd itself SIGKILLed (its
# tasks gone within tens of ms), a task that ignores its stop signal
# (SIGKILL after the grace), a missing binary (127) and one that cannot
# be run (126).  After each, no task is left.
test_name=daemon-stop-paths test_limit=120
. "$top_srcdir/tests/daemon-lib.sh"

# The usual group: two exec tasks, a fast heartbeat, a watcher.
config group.conf <<EOF2
[stopflagd]
grace = 2s

[task sleeper-1]
type = exec
command = sleep 1000

[task sleeper-2]
type = exec
command = sleep 1000
stop-signal = INT

[task beat]
type = heartbeat
interval = 100ms

[task stop-file]
type = watch-file
path = $dir/stop
EOF2

# start_group: start it; $kids are its four tasks.
start_group() {
	start -c group.conf
	[ "$(echo $kids | wc -w)" -eq 4 ] || fail "expected 4 tasks, found: $kids"
}

# after NAME LIMIT_MS: the group stopped within LIMIT_MS of $t0 (more where a
# process costs more here: work_ms) and left
# nothing behind.
after() {
	limit=$(work_ms 8 "$2") # stopflagd and its tasks start and stop
	[ "$took" -lt "$limit" ] || fail "$1: took $took ms (limit $limit ms)"
	gone_within 100 $kids || fail "$1: tasks left behind"
	grep -q 'stopped: every process reaped' "$dir/log" ||
		fail "$1: no word that every process was reaped"
}

# SIGTERM: an operator's stop.
start_group
t0=$(now_ms)
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "SIGTERM: exit status $rc, not 0"
grep -q 'stopping: signal 15 (SIGTERM)' "$dir/log" || fail "SIGTERM: cause"
after SIGTERM 2000
ok "SIGTERM: exit 0 in $took ms"

# A watch-file request.
start_group
t0=$(now_ms)
touch "$dir/stop"
stopped
rm -f "$dir/stop"
[ "$rc" -eq 0 ] || fail "watch-file: exit status $rc, not 0"
grep -q 'stopping: request (code 0) from task stop-file' "$dir/log" || fail "watch-file: cause"
after watch-file 2000
ok "watch-file request: exit 0 in $took ms"

# A task SIGKILLed: the group follows, exit 128 + 9.
start_group
victim=$(echo $kids | cut -d' ' -f1)
t0=$(now_ms)
kill -KILL "$victim"
stopped
[ "$rc" -eq 137 ] || fail "task SIGKILLed: exit status $rc, not 137"
grep -q 'stopping: task .* was killed by signal 9 (SIGKILL)' "$dir/log" ||
	fail "task SIGKILLed: cause"
after "task SIGKILLed" 2000
ok "a task SIGKILLed: exit 137 in $took ms"

# stopflagd itself SIGKILLed: its tasks notice at once (PR_SET_PDEATHSIG)
# and are gone within tens of milliseconds.
start_group
kill -KILL "$pid"
t0=$(now_ms)
wait "$pid"
limit=$(work_ms 4 100) # four tasks notice, exit and are reaped
gone_within "$limit" $kids || fail "stopflagd SIGKILLed: tasks alive after $limit ms"
took=$(( $(now_ms) - t0 ))
ok "stopflagd SIGKILLed: its tasks were gone within $took ms"

# A task that ends by itself: its status becomes stopflagd's.
config exits.conf <<'EOF2'
[task sleeper]
type = exec
command = sleep 1000

[task quitter]
type = exec
command = sh -c 'sleep 0.2; exit 3'
EOF2
start -c exits.conf
stopped
[ "$rc" -eq 3 ] || fail "a task exited 3: exit status $rc"
grep -q 'stopping: task quitter exited with status 3' "$dir/log" || fail "exit: cause"
after "task exit" 3000
ok "a task exited with 3: exit 3"

# A task that ignores its stop signal: SIGKILL after the grace, logged.
config stubborn.conf <<'EOF2'
[stopflagd]
grace = 400ms

[task stubborn]
type = exec
command = sh -c 'trap "" TERM; echo ignoring; while :; do sleep 1; done'

[task sleeper]
type = exec
command = sleep 1000
EOF2
start -c stubborn.conf
wait_file out ignoring || fail "the stubborn task did not start"
t0=$(now_ms)
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "grace: exit status $rc, not 0"
[ "$took" -ge 400 ] || fail "grace: SIGKILL after $took ms, before the grace"
grep -q 'task stubborn .*still running' "$dir/log" || fail "grace: no escalation logged"
after grace 3000
ok "a task ignoring SIGTERM was SIGKILLed after the grace ($took ms)"

# A missing binary: 127, and the rest of the group stopped.
config missing.conf <<'EOF2'
[task sleeper]
type = exec
command = sleep 1000

[task missing]
type = exec
command = stopflagd-test-no-such-command --flag
EOF2
launch -c missing.conf
stopped
[ "$rc" -eq 127 ] || fail "missing binary: exit status $rc, not 127"
grep -q 'stopflagd-test-no-such-command' "$dir/log" || fail "missing binary not named"
grep -q 'stopping: task missing could not start' "$dir/log" || fail "missing binary: cause"
limit=$(work_ms 4 3000)
[ "$took" -lt "$limit" ] || fail "missing binary: took $took ms (limit $limit ms)"
ok "a missing binary: exit 127"

# A file that cannot be run: 126.
: >"$dir/not-executable"
chmod 644 "$dir/not-executable"
config noexec.conf <<EOF2
[task sleeper]
type = exec
command = sleep 1000

[task noexec]
type = exec
command = $dir/not-executable
EOF2
launch -c noexec.conf
stopped
[ "$rc" -eq 126 ] || fail "not executable: exit status $rc, not 126"
ok "a file that cannot be run: exit 126"
