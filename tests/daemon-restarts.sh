#!/bin/sh
# daemon-restarts.sh: the restarting strategies through the config.  A
# permanent task that keeps failing is restarted max-restarts times, then
# the group stops with the cause of its last failure; one that fails twice
# and then stays up is kept; a transient task that ends well and a
# temporary one are not restarted, and their end does not stop the group;
# one-for-all restarts every task.
test_name=daemon-restarts test_limit=90
. "$top_srcdir/tests/daemon-lib.sh"

started() { grep -c "task $1 (pid [0-9]*): started" "$dir/log"; }

# wait_started NAME COUNT: until task NAME has started COUNT times (bounded).
wait_started() {
	n=200
	while [ "$(started "$1")" -lt "$2" ]; do
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
		n=$((n - 1))
	done
}

# 1. Intensity: 2 restarts allowed in 10 s; the third failure stops all.
config intensity.conf <<'EOF2'
[stopflagd]
strategy = one-for-one
max-restarts = 2
restart-period = 10s

[task flaky]
type = exec
command = sh -c 'sleep 0.1; exit 4'
restart = permanent

[task steady]
type = exec
command = sleep 1000
restart = permanent
EOF2
start -c intensity.conf
stopped
[ "$rc" -eq 4 ] || fail "intensity: exit status $rc, not 4 (the last failure)"
[ "$(started flaky)" -eq 3 ] || fail "flaky started $(started flaky) times, not 3"
[ "$(started steady)" -eq 1 ] || fail "steady was restarted"
grep -q 'more than 2 restarts in 10000 ms' "$dir/log" || fail "intensity not logged"
gone_within 100 $kids || fail "tasks left behind"
ok "intensity: 3 starts, then the group stopped with status 4"

# 2. A task that fails twice and then stays up is kept (within intensity).
config recovers.conf <<'EOF2'
[stopflagd]
strategy = one-for-one
max-restarts = 3
restart-period = 10s

[task recovers]
type = exec
command = sh -c 'n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) >count; [ "$n" -ge 2 ] && exec sleep 1000; exit 1'
restart = transient

[task once]
type = exec
command = true
restart = transient

[task temp]
type = exec
command = sh -c 'exit 9'
restart = temporary
EOF2
start -c recovers.conf
wait_started recovers 3 || fail "recovers was not restarted twice"
wait_log 'task temp \(pid [0-9]+\): exited with status 9' || fail "temp did not end"
sleep 0.5
alive "$pid" || fail "the group stopped although every failure was restarted"
[ "$(started recovers)" -eq 3 ] || fail "recovers started $(started recovers) times, not 3"
[ "$(started once)" -eq 1 ] || fail "a transient task that exited 0 was restarted"
[ "$(started temp)" -eq 1 ] || fail "a temporary task was restarted"
kids=$(tasks_of "$pid")
t0=$(now_ms)
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "recovers: exit status $rc after SIGTERM"
gone_within 100 $kids || fail "tasks left behind"
ok "two failures restarted, transient and temporary ends left alone"

# 3. one-for-all: one task's end restarts both.
config all.conf <<'EOF2'
[stopflagd]
strategy = one-for-all
max-restarts = 1
restart-period = 10s

[task leader]
type = exec
command = sleep 1000
restart = permanent

[task follower]
type = exec
command = sleep 1000
restart = permanent
EOF2
start -c all.conf
first=$kids
kill -KILL "$(echo $first | cut -d' ' -f2)"
wait_started follower 2 || fail "one-for-all: follower not restarted"
wait_started leader 2 || fail "one-for-all: leader not restarted"
[ "$(started leader)" -eq 2 ] || fail "one-for-all: leader started $(started leader) times"
gone_within 1000 $first || fail "one-for-all: the first pair is still there"
kids=$(tasks_of "$pid")
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "one-for-all: exit status $rc after SIGTERM"
gone_within 100 $kids || fail "tasks left behind"
ok "one-for-all restarted both tasks"
