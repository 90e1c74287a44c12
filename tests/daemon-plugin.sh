#!/bin/sh
# daemon-plugin.sh: plugin tasks.  The example plugin (examples/plugin/,
# built against stopflag.h alone) runs under stopflagd, gets the keys
# stopflagd does not know as its options, and its request to stop becomes
# stopflagd's exit status; a stop from outside ends it early.  A plugin
# built for another ABI, and a .so that is not a plugin, are refused
# (exit 78, FILE:LINE, the key) before anything starts.
test_name=daemon-plugin test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

module() { echo "$top_builddir/$1/.libs/$2.so"; }
countdown=$(module examples/plugin countdown)
[ -r "$countdown" ] || fail "the example plugin was not built: $countdown"

# 1. The countdown runs with its options and asks for the stop.
config countdown.conf <<EOF2
[task countdown]
type = plugin
module = $countdown
from = 3
step-ms = 50
message = we have liftoff
exit-code = 5

[task sleeper]
type = exec
command = sleep 1000
EOF2
start -c countdown.conf
stopped
[ "$rc" -eq 5 ] || fail "exit status $rc, not the plugin's 5"
for line in 'countdown: 3' 'countdown: 1' 'countdown: we have liftoff'; do
	grep -qx "$line" "$dir/out" || fail "the plugin did not print '$line'"
done
grep -q 'stopping: request (code 5) from task countdown' "$dir/log" ||
	fail "the cause is not the plugin's request"
gone_within 100 $kids || fail "tasks left behind"
ok "the example plugin ran with its options; exit 5"

# The shipped example config is good, next to its module.
cp "$countdown" "$dir/countdown.so"
run --check -c "$top_srcdir/examples/plugin/countdown.conf"
[ "$rc" -eq 0 ] || fail "examples/plugin/countdown.conf refused"
ok "examples/plugin/countdown.conf passes --check"

# 2. Stopped from outside before it is done.
sed 's/^from = 3/from = 100000/; s/^step-ms = 50/step-ms = 100/' \
	"$dir/countdown.conf" >"$dir/long.conf"
start -c long.conf
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "stopped from outside: exit status $rc, not 0"
grep -q '^countdown: stopped at' "$dir/out" || fail "the plugin did not see the stop"
gone_within 100 $kids || fail "tasks left behind"
ok "a plugin stops with the group"

# 3. Refused plugins: exit 78 with FILE:LINE and the key, nothing started.
refused() {
	config refused.conf <<EOF2
[task canary]
type = exec
command = touch canary-started

[task bad]
type = plugin
module = $1
EOF2
	run --check -c refused.conf
	[ "$rc" -eq 78 ] || fail "$2: --check exit status $rc, not 78"
	run -c refused.conf
	[ "$rc" -eq 78 ] || fail "$2: exit status $rc, not 78"
	grep -q "refused.conf:7: \[task bad\] module: .*$2" "$dir/err" ||
		fail "$2: no FILE:LINE, key and reason"
	[ -e "$dir/canary-started" ] && fail "$2: a task was started"
	ok "refused: $2"
}
refused "$(module tests plugin-wrong-abi)" "built for plugin ABI 999"
refused "$(module tests plugin-none)" "not a stopflag plugin"
