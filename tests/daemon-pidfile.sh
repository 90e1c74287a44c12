#!/bin/sh
# daemon-pidfile.sh: --pidfile through the real binary.  The file holds
# the daemon's pid while it runs and is gone after it exits; a second
# stopflagd on the same pidfile is refused (exit 75, naming the first)
# and starts nothing; a stale file, even from a SIGKILLed daemon, is taken
# over; a symlink is refused (exit 73) and its target left alone.
test_name=daemon-pidfile test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

config run.conf <<'EOF2'
[task sleeper]
type = exec
command = sleep 1000
EOF2
config canary.conf <<'EOF2'
[task canary]
type = exec
command = touch canary-started
EOF2

# 1. Written while it runs; a second one is refused; removed at exit.
start --pidfile pid -c run.conf
[ "$(cat "$dir/pid")" = "$pid" ] || fail "pidfile holds '$(cat "$dir/pid")', not $pid"
first=$pid
run --pidfile "$dir/pid" -c canary.conf
[ "$rc" -eq 75 ] || fail "second daemon: exit status $rc, not 75"
grep -q "already running as pid $first" "$dir/err" || fail "the first daemon is not named"
[ -e "$dir/canary-started" ] && fail "the second daemon started a task"
[ "$(cat "$dir/pid")" = "$first" ] || fail "the second daemon touched the pidfile"
alive "$first" || fail "the first daemon died"
pid=$first
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
[ -e "$dir/pid" ] && fail "the pidfile is still there after exit"
ok "held while running, refused to a second daemon (75), removed at exit"

# 2. A stale pidfile (garbage from who knows what) is taken over.
echo "12345 garbage" >"$dir/pid"
start --pidfile "$dir/pid" -c run.conf
[ "$(cat "$dir/pid")" = "$pid" ] || fail "stale pidfile not taken over"
# 3. ... and so is the one a SIGKILLed daemon leaves behind.
kill -KILL "$pid"
wait "$pid"
gone_within 2000 $kids || fail "tasks of the SIGKILLed daemon left"
[ -e "$dir/pid" ] || fail "a SIGKILLed daemon cannot have removed its pidfile"
start --pidfile "$dir/pid" -c run.conf
[ "$(cat "$dir/pid")" = "$pid" ] || fail "the SIGKILLed daemon's pidfile not taken over"
kill -TERM "$pid"
stopped
[ -e "$dir/pid" ] && fail "pidfile left after exit"
ok "stale pidfiles are taken over"

# 4. A symlink is never followed.
ln -s "$dir/target" "$dir/link"
run --pidfile "$dir/link" -c canary.conf
[ "$rc" -eq 73 ] || fail "symlink: exit status $rc, not 73"
grep -q 'symbolic link' "$dir/err" || fail "symlink: no clear message"
[ -e "$dir/target" ] && fail "the symlink was followed"
[ -e "$dir/canary-started" ] && fail "symlink: a task was started"
ok "a symlinked pidfile is refused (73)"

# 5. A directory that does not exist: cannot create (73).
run --pidfile "$dir/no-such-dir/pid" -c canary.conf
[ "$rc" -eq 73 ] || fail "missing directory: exit status $rc, not 73"
[ -e "$dir/canary-started" ] && fail "missing directory: a task was started"
ok "a pidfile that cannot be created is refused (73)"
