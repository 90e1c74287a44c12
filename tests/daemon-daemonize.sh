#!/bin/sh
# daemon-daemonize.sh: --daemonize detaches the classic way.  The starter
# returns 0 once the daemon is up; the daemon leads no session, is no child
# of ours, runs in /, has stdio on /dev/null, wrote its pidfile, and kept
# relative paths of its config meaning what they meant where it started.
# It still stops on its watch-file and removes its pidfile.  A daemon that
# fails to come up makes the starter fail with its status.
test_name=daemon-daemonize test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

config daemon.conf <<'EOF2'
[task sleeper]
type = exec
command = sleep 1000

[task stop-file]
type = watch-file
path = stop
EOF2

# 1. Detached, and up when the starter returns.
t0=$(now_ms)
run --daemonize --pidfile pid -c daemon.conf
[ "$rc" -eq 0 ] || fail "the starter exited $rc"
[ -s "$dir/pid" ] || fail "no pidfile once the starter returned"
daemon=$(cat "$dir/pid")
pids="$pids $daemon"
alive "$daemon" || fail "daemon $daemon is not running"
read -r _ _ _ ppid pgrp sid _ <<EOF2
$(sed 's/^.*) //; s/^/x x /' "/proc/$daemon/stat")
EOF2
[ "$sid" != "$daemon" ] || fail "the daemon leads its session (could get a tty)"
[ "$sid" != "$(sed 's/^.*) //' /proc/$$/stat | cut -d' ' -f4)" ] ||
	fail "the daemon is in our session"
[ "$ppid" != "$$" ] || fail "the daemon is our child"
[ "$(readlink "/proc/$daemon/cwd")" = / ] || fail "the daemon did not chdir /"
for fd in 0 1 2; do
	[ "$(readlink "/proc/$daemon/fd/$fd")" = /dev/null ] ||
		fail "fd $fd of the daemon is $(readlink "/proc/$daemon/fd/$fd")"
done
kids=$(tasks_of "$daemon")
[ "$(echo $kids | wc -w)" -eq 2 ] || fail "expected 2 tasks, found: $kids"
[ -s "$dir/err" ] && fail "the starter wrote to stderr"
ok "detached: own session, not a leader, cwd /, stdio /dev/null"

# 2. ./stop (relative to where it started) stops it; the pidfile goes.
touch "$dir/stop"
pid=$daemon
gone_within 5000 "$daemon" $kids || fail "the daemon did not stop on ./stop"
n=0
while [ -e "$dir/pid" ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
[ -e "$dir/pid" ] && fail "the pidfile is still there"
rm -f "$dir/stop"
ok "stopped by ./stop; pidfile removed"

# 3. A daemon that cannot come up: the starter fails with its status.
config missing.conf <<'EOF2'
[task missing]
type = exec
command = stopflagd-test-no-such-command
EOF2
run --daemonize --pidfile pid -c missing.conf
[ "$rc" -eq 127 ] || fail "missing binary: the starter exited $rc, not 127"
ok "a daemon that fails to start: the starter exits 127"

# 4. A pidfile held by a live daemon: the starter exits 75 and says so.
run --daemonize --pidfile pid -c daemon.conf
[ "$rc" -eq 0 ] || fail "the starter exited $rc"
daemon=$(cat "$dir/pid")
pids="$pids $daemon"
run --daemonize --pidfile pid -c daemon.conf
[ "$rc" -eq 75 ] || fail "pidfile held: the starter exited $rc, not 75"
grep -q "already running as pid $daemon" "$dir/err" || fail "the holder is not named"
kids=$(tasks_of "$daemon")
kill -TERM "$daemon"
gone_within 5000 "$daemon" $kids || fail "the daemon did not stop on SIGTERM"
ok "a held pidfile: the starter exits 75"
