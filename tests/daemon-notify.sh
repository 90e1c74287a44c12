#!/bin/sh
# daemon-notify.sh: stopflagd tells systemd READY=1 once every task runs,
# then STOPPING=1 and a STATUS= line naming the cause when the stop
# begins, in the log's words, and a last STATUS= with the exit status.
# It speaks the protocol itself (sf_notify()), with or without libsystemd.
test_name=daemon-notify test_limit=30
. "$top_srcdir/tests/daemon-lib.sh"

run --version
grep -q '^systemd notification: yes' "$dir/out" ||
	fail "--version does not say systemd notification: yes"

"$top_builddir/tests/notify-listen" "$dir/notify" >"$dir/notify.out" &
listener=$!
pids="$pids $listener"
wait_file notify.out listening || fail "the listener did not start"

config notify.conf <<EOF2
[task sleeper]
type = exec
command = sleep 1000

[task stop-file]
type = watch-file
path = $dir/stop
EOF2
NOTIFY_SOCKET=$dir/notify
export NOTIFY_SOCKET
start -c notify.conf
unset NOTIFY_SOCKET
wait_file notify.out '^READY=1$' || fail "no READY=1"
grep -q '^STATUS=running 2 tasks$' "$dir/notify.out" || fail "no running status"
grep -q 'STOPPING=1' "$dir/notify.out" && fail "STOPPING=1 before the stop"
touch "$dir/stop"
stopped
[ "$rc" -eq 0 ] || fail "exit status $rc"
sleep 0.2
grep -q '^STOPPING=1$' "$dir/notify.out" || fail "no STOPPING=1"
grep -q '^STATUS=stopping: request (code 0) from task stop-file$' "$dir/notify.out" ||
	fail "the STOPPING status does not name the cause"
# The log and systemd say the same words for the same stop.
said=$(sed -n 's/^STATUS=stopping: //p' "$dir/notify.out")
grep -qF "stopping: $said" "$dir/log" ||
	fail "the log does not say 'stopping: $said' as STATUS= does"
grep -q '^STATUS=stopped: .*; exit status 0$' "$dir/notify.out" ||
	fail "no final status"
sed 's/^/  notify| /' "$dir/notify.out"
ok "READY=1, STOPPING=1 and STATUS= lines with the cause"
