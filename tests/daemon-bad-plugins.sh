#!/bin/sh
# daemon-bad-plugins.sh: a plugin whose own code misbehaves while it is
# loaded (a constructor run by dlopen()).  stopflagd loads plugins in its
# own process while it reads the config, before it starts anything; what
# such a plugin does, stopflagd undergoes:
#   - a crash (SIGSEGV) kills it: exit 139, no message;
#   - exit(42) ends it: exit 42, no message;
#   - a hang hangs it, --check included, until a signal ends it by its
#     default action (SIGTERM: 143).
# In every case no task was started and nothing is left behind.  (The
# README's "Bad input" table quotes these rows.)
test_name=daemon-bad-plugins test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

module() { echo "$top_builddir/tests/.libs/plugin-bad-load-$1.so"; }

# bad KIND: a config with a canary task before the plugin task.
bad() {
	m=$(module "$1")
	[ -r "$m" ] || fail "the $1 plugin was not built: $m"
	config "$1.conf" <<EOF2
[task canary]
type = exec
command = touch canary-started

[task bad]
type = plugin
module = $m
EOF2
	rm -f "$dir/canary-started"
}

# A sanitizer build (SF_SLOW) reports the crash itself and ends with its
# own status (1, or SIGABRT with abort_on_error), and its leak check at
# exit() may replace the plugin's status with 23.
crashed() {
	[ "$rc" -eq 139 ] && return 0
	[ -n "${SF_SLOW:-}" ] && { [ "$rc" -eq 1 ] || [ "$rc" -eq 134 ]; }
}
exited_42() {
	[ "$rc" -eq 42 ] || { [ -n "${SF_SLOW:-}" ] && [ "$rc" -eq 23 ]; }
}

# nothing_started: no canary, no child of the last stopflagd left.
nothing_started() {
	[ -e "$dir/canary-started" ] && fail "$1: a task was started"
	[ -z "$(children_of "$last")" ] || fail "$1: processes left behind"
}

for mode in --check start; do
	bad crash
	if [ "$mode" = start ]; then run -c crash.conf; else run --check -c crash.conf; fi
	crashed || fail "crash ($mode): exit status $rc, not 139"
	nothing_started "crash ($mode)"
	ok "a plugin that crashes while loaded ($mode): exit 139, nothing started"

	bad exit
	if [ "$mode" = start ]; then run -c exit.conf; else run --check -c exit.conf; fi
	exited_42 || fail "exit ($mode): exit status $rc, not 42"
	nothing_started "exit ($mode)"
	ok "a plugin that calls exit(42) while loaded ($mode): exit 42, nothing started"

	bad hang
	if [ "$mode" = start ]; then launch -c hang.conf; else launch --check -c hang.conf; fi
	last=$pid
	sleep 1
	alive "$pid" || fail "hang ($mode): stopflagd did not hang"
	[ -e "$dir/canary-started" ] && fail "hang ($mode): a task was started"
	grep -q 'started' "$dir/log" && fail "hang ($mode): it says it started"
	# A stop signal waits, blocked, for the group (stopsignals.h); the
	# load never ends, so only SIGKILL does.
	wait_stops_held "$pid" || fail "hang ($mode): the stop signals are not blocked"
	kill -TERM "$pid"
	blocked_stop "$pid" || fail "hang ($mode): SIGTERM is not pending"
	alive "$pid" || fail "hang ($mode): SIGTERM ended it while it loaded"
	kill -KILL "$pid"
	stopped
	[ "$rc" -eq 137 ] || fail "hang ($mode): SIGKILL gave exit status $rc, not 137"
	nothing_started "hang ($mode)"
	ok "a plugin that hangs while loaded ($mode): stopflagd hangs, SIGTERM waits, SIGKILL ends it, nothing started"
done
