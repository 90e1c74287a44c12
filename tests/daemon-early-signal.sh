#!/bin/sh
# daemon-early-signal.sh: a stop signal (INT, TERM, QUIT, HUP) that comes
# while stopflagd starts up, before its group runs, ends it with status 0,
# nothing started and no pidfile left: never the signal's default action.
# Sent while a plugin's constructor is still running (held there until the
# test says), with --check and --daemonize too, and at many points of a
# plain start-up.
test_name=daemon-early-signal test_limit=300
. "$top_srcdir/tests/daemon-lib.sh"

plugin="$top_builddir/tests/.libs/plugin-slow-load.so"
[ -r "$plugin" ] || fail "no $plugin"
config slow.conf <<EOF2
[task slow]
type = plugin
module = $plugin
canary = $dir/started
EOF2
config plain.conf <<'EOF2'
[task first]
type = exec
command = sleep 1000

[task second]
type = exec
command = sleep 1000
EOF2

# held SIG [ARG...]: stopflagd ARG... with slow.conf, signalled with SIG
# while the plugin's constructor runs; $rc is its status.
held() {
	sig=$1
	shift
	rm -f "$dir/mark" "$dir/started" "$dir/gate"
	mkfifo "$dir/gate" || fail "mkfifo"
	SFD_SLOW_LOAD_MARK="$dir/mark" SFD_SLOW_LOAD_GATE="$dir/gate" \
		launch "$@" -c slow.conf
	wait_file mark . 30 || fail "the plugin's constructor never ran"
	[ "$(cat "$dir/mark")" = "$pid" ] || fail "the constructor ran in $(cat "$dir/mark"), not $pid"
	kill -"$sig" "$pid" || fail "cannot signal $pid"
	echo go >"$dir/gate"
	stopped
}

# nothing_left WHAT: no task started, no pidfile left.
nothing_left() {
	[ -e "$dir/started" ] && fail "$1: a task started after the stop signal"
	[ -e "$dir/pid" ] && fail "$1: the pidfile is left behind"
	return 0
}

for sig in TERM INT QUIT HUP; do
	held "$sig" --pidfile pid
	[ "$rc" -eq 0 ] || fail "SIG$sig while loading the config: exit status $rc, not 0"
	nothing_left "SIG$sig while loading"
done
ok "a stop signal while a plugin loads: status 0, nothing started, no pidfile"

held TERM --check
[ "$rc" -eq 0 ] || fail "--check with SIGTERM while loading: exit status $rc, not 0"
grep -q "OK, 1 task" "$dir/out" || fail "--check did not finish its check"
nothing_left "--check"
ok "--check finishes its check despite a stop signal (status 0)"

held TERM --daemonize --pidfile "$dir/pid"
[ "$rc" -eq 0 ] || fail "--daemonize with SIGTERM while loading: exit status $rc, not 0"
nothing_left "--daemonize"
ok "--daemonize: the stop reaches the daemon, status 0, nothing started"

# Many points of a plain start-up, from main()'s first line on: whether it
# lands before the group runs or after, a stop by signal is status 0, and
# nothing is left running.
i=0
for delay in 0 0 0.001 0.002 0.003 0.005 0.007 0.01 0.015 0.02 0.03 0.05; do
	set -- TERM INT QUIT HUP
	shift $((i % 4))
	sig=$1
	i=$((i + 1))
	rm -f "$dir/pid"
	launch --pidfile pid -c plain.conf
	wait_stops_held "$pid" || fail "stopflagd never blocked its stop signals"
	sleep "$delay"
	kill -"$sig" "$pid" || fail "cannot signal $pid"
	stopped
	[ "$rc" -eq 0 ] || fail "SIG$sig after ${delay}s: exit status $rc, not 0"
	[ -e "$dir/pid" ] && fail "SIG$sig after ${delay}s: the pidfile is left behind"
	[ -z "$(children_of "$pid")" ] || fail "SIG$sig after ${delay}s: tasks left"
done
ok "a stop signal at $i points of start-up: status 0 each time"
exit 0
