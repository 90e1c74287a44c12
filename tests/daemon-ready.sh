#!/bin/sh
# daemon-ready.sh: readiness and start order in stopflagd (README
# "Readiness and order"):
#   - an exec task says ready with `stopflag ready`, another with
#     `systemd-notify --ready` (that part is skipped without systemd-notify);
#     each task `after` them starts only once they are ready, in the log's
#     order;
#   - a real notify listener (a Python datagram socket as stopflagd's own
#     NOTIFY_SOCKET) sees stopflagd's READY=1 once, and only after the last
#     task said it is ready; what the tasks say to their own sockets
#     (their READY=1, their STATUS=) never reaches it;
#   - a cycle of `after` is refused and named in full;
#   - a task not ready within its ready-timeout stops the group: exit 69,
#     no sooner than the timeout, the cause in the log.
# The listener part is skipped without python3.
test_name=daemon-ready test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

stopflag="$top_builddir/src/tool/stopflag"
with_listener=1
sd_notify=
command -v systemd-notify >/dev/null 2>&1 && sd_notify=1
command -v python3 >/dev/null 2>&1 || with_listener=

# The listener: every line it gets, and for READY=1 whether db had said
# it was ready when it came (db touches db-said just before it says so).
cat >"$dir/listen.py" <<'EOF'
import os, socket, sys
path, marker, out = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(60)  # never outlives the test
with open(out, "w", buffering=1) as f:
    f.write("listening\n")
    while True:
        for line in s.recv(4096).decode(errors="replace").split("\n"):
            if line == "READY=1":
                line += " db-said=" + ("yes" if os.path.exists(marker) else "no")
            f.write(line + "\n")
EOF
if [ -n "$with_listener" ]; then
	python3 "$dir/listen.py" "$dir/notify" "$dir/db-said" "$dir/notify.out" &
	pids="$pids $!"
	wait_file notify.out listening || fail "the listener did not start"
fi

if [ -n "$sd_notify" ]; then
	sd_command="sh -c \"systemd-notify --ready --status=warm; exec sleep 1000\""
else
	echo "skip: systemd-notify is not installed: task sd uses stopflag ready"
	sd_command="sh -c \"$stopflag ready; exec sleep 1000\""
fi
config order.conf <<EOF
[task web]
type = exec
command = sleep 1000
after = sd db

[task db]
type = exec
command = sh -c "sleep 0.5; touch $dir/db-said; $stopflag ready; exec sleep 1000"
ready = notify
ready-timeout = 30s

[task sd]
type = exec
command = $sd_command
ready = notify
after = db
EOF
[ -n "$with_listener" ] && NOTIFY_SOCKET=$dir/notify && export NOTIFY_SOCKET
start -c order.conf
unset NOTIFY_SOCKET
wait_log "every task is ready" || fail "not every task became ready"
line() { grep -n -- "$1" "$dir/log" | head -1 | cut -d: -f1; }
db_ready=$(line 'task db (pid [0-9]*): ready')
sd_started=$(line 'task sd (pid [0-9]*): started')
sd_ready=$(line 'task sd (pid [0-9]*): ready')
web_started=$(line 'task web (pid [0-9]*): started')
for v in "$db_ready" "$sd_started" "$sd_ready" "$web_started"; do
	[ -n "$v" ] || fail "a start or a ready is missing from the log"
done
[ "$db_ready" -lt "$sd_started" ] || fail "sd started before db was ready"
[ "$sd_ready" -lt "$web_started" ] || fail "web started before sd was ready"
[ "$db_ready" -lt "$web_started" ] || fail "web started before db was ready"
if [ -n "$sd_notify" ]; then
	grep -q 'task sd: status: warm' "$dir/log" ||
		fail "sd's STATUS= from systemd-notify was not taken"
fi
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
ok "stopflag ready${sd_notify:+ and systemd-notify --ready}: each task after them started once they were ready"

if [ -n "$with_listener" ]; then
	sleep 0.2 # the listener writes what it got
	sed 's/^/  notify| /' "$dir/notify.out"
	[ "$(grep -c '^READY=1' "$dir/notify.out")" -eq 1 ] ||
		fail "the supervisor did not hear READY=1 exactly once"
	grep -q '^READY=1 db-said=yes$' "$dir/notify.out" ||
		fail "READY=1 came before the last task was ready"
	grep -q 'warm' "$dir/notify.out" &&
		fail "a task's own STATUS= reached stopflagd's supervisor"
	ok "the supervisor's READY=1 came once, after the last task was ready"
else
	echo "skip: no python3: no listener"
fi

# A cycle is named in full, at the line of the after it is named from.
run --check -c "$top_srcdir/tests/daemon-bad/after-cycle.conf"
[ "$rc" -eq 78 ] || fail "a cycle: exit status $rc, not 78"
grep -q 'after-cycle.conf:9: \[task a\] after: a cycle, .*: a -> c -> b -> a$' "$dir/err" ||
	fail "the cycle is not named: $(cat "$dir/err")"
ok "a cycle is refused and named: a -> c -> b -> a"

config timeout.conf <<EOF
[task slow]
type = exec
command = sleep 1000
ready = notify
ready-timeout = 300ms

[task other]
type = exec
command = sleep 1000
EOF
launch -c timeout.conf
stopped
[ "$rc" -eq 69 ] || fail "exit status $rc for a ready-timeout, not 69"
[ "$took" -ge 300 ] || fail "stopped after $took ms, before the 300 ms timeout"
grep -q 'task slow (pid [0-9]*): not ready within 300 ms' "$dir/log" ||
	fail "the log does not say slow was not ready in time"
grep -q 'stopping: task slow was not ready in time' "$dir/log" ||
	fail "the stop's cause is not the ready-timeout"
grep -q 'every task is ready' "$dir/log" && fail "said every task is ready"
ok "ready-timeout: exit 69 after $took ms (timeout 300 ms)"
