#!/bin/sh
# stopflag-cmd.sh: stopflag(1) in shell tasks of a real stopflagd.
#   - `while stopflag sleep 30s; do :; done` in a task that ignores its
#     stop signal ends within a few seconds of the group's stop, never 30,
#     for each stop path: SIGTERM to stopflagd, a watch-file, another
#     task's death;
#   - `sh -c 'sleep 0.2; stopflag stop-all 7'` makes stopflagd exit 7,
#     and the log names the task; cause reads it back;
#   - `flag = no` withholds the flag: stopflag says it is not in a group;
#   - bad use and hostile STOPFLAG_FD values get one line and a status of
#     64 or more, never a crash, and a sleep loop on an error ends.
test_name=stopflag-cmd test_limit=120
. "$top_srcdir/tests/daemon-lib.sh"
# stopflag by name, as scripts will use it (and lines stay short).
PATH="$top_builddir/src/tool:$PATH"
export PATH
stopflag=stopflag

# A task that hears the stop only through the flag: its stop signal is
# ignored (and stays so in stopflag), so only stopflag's wakeup ends the
# loop.  It writes how the loop ended.
looper="sh -c \"trap '' TERM; while stopflag sleep 30s; do :; done; echo woke >woke\""

group_with() { # group_with EXTRA-TASK-LINES: looper, grace 60 s, + extra
	config group.conf <<EOF2
[stopflagd]
grace = 60s

[task looper]
type = exec
command = $looper

$1
EOF2
	rm -f "$dir/woke" "$dir/stop"
}

# woke_within NAME MS: the group stopped within MS of $t0, and the loop
# ended by waking (not by the SIGKILL of the grace).
woke_within() {
	[ "$took" -lt "$2" ] || fail "$1: took $took ms"
	[ -s "$dir/woke" ] || fail "$1: the loop did not end by waking"
	grep -q 'looper .*killed' "$dir/log" && fail "$1: the looper was killed"
	ok "$1: the sleep loop woke, group down in $took ms"
}

bound=5000 # generous; a loop that did not wake would take 30 s

# In the sanitizer build LeakSanitizer checks each process as it exits,
# stopping it with ptrace first; the SIGCONT that follows every stop
# signal can discard the SIGSTOP of that attach, and the exiting process
# then spins forever.  The tasks in the groups below ignore their stop
# signal, so their stopflag processes exit just as it comes: the groups
# run without the leak check (the bad-use checks at the end keep it).
asan_options=${ASAN_OPTIONS-}
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

# SIGTERM to stopflagd.
group_with ""
start -c group.conf
t0=$(now_ms)
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "SIGTERM: exit status $rc"
woke_within "SIGTERM to stopflagd" $bound

# A watch-file.
group_with "[task stop-file]
type = watch-file
path = $dir/stop"
start -c group.conf
t0=$(now_ms)
touch "$dir/stop"
stopped
[ "$rc" -eq 0 ] || fail "watch-file: exit status $rc"
woke_within "watch-file" $bound

# Another task's death.
group_with "[task victim]
type = exec
command = sleep 1000"
start -c group.conf
victim=$(grep -o 'task victim (pid [0-9]*)' "$dir/log" | grep -o '[0-9]*')
[ -n "$victim" ] || fail "death: no pid for the victim"
t0=$(now_ms)
kill -KILL "$victim"
stopped
[ "$rc" -eq 137 ] || fail "death: exit status $rc"
woke_within "another task's death" $bound

# stop-all from a shell task: exit 7, the log names it, cause reads it.
config stop.conf <<EOF2
[task reader]
type = exec
command = sh -c "trap '' TERM; stopflag wait 20s; stopflag cause >cause; stopflag cause --json >json"

[task stopper]
type = exec
command = sh -c "sleep 0.2; stopflag stop-all 7"
EOF2
launch -c stop.conf
stopped
[ "$rc" -eq 7 ] || fail "stop-all 7: exit status $rc"
grep -q 'stopping: request (code 7) from task stopper' "$dir/log" ||
	fail "stop-all 7: the log does not name the task"
grep -Eq '^request code 7 pid [0-9]+$' "$dir/cause" ||
	fail "cause: '$(cat "$dir/cause")'"
grep -Eq '^\{"reason":"request","code":7,"pid":[0-9]+,"task":null\}$' \
	"$dir/json" || fail "cause --json: '$(cat "$dir/json")'"
ok "stop-all 7: stopflagd exits 7 naming the task; cause reads it back"

# A task's own request: cause names it.
config self.conf <<EOF2
[task self]
type = exec
command = sh -c "trap '' TERM; stopflag stop-all 3; stopflag cause --json >json"
EOF2
launch -c self.conf
stopped
[ "$rc" -eq 3 ] || fail "own stop-all: exit status $rc"
grep -Eq '^\{"reason":"request","code":3,"pid":[0-9]+,"task":"self"\}$' \
	"$dir/json" || fail "own cause --json: '$(cat "$dir/json")'"
ok "cause names the task when the request is its own"

# flag = no: no STOPFLAG_FD, stopflag says so (69), the group ends with it.
config noflag.conf <<EOF2
[task without]
type = exec
command = stopflag is-set
flag = no
EOF2
launch -c noflag.conf
stopped
[ "$rc" -eq 69 ] || fail "flag = no: exit status $rc, not 69"
ok "flag = no withholds the flag"

config badflag.conf <<EOF2
[task bad]
type = exec
command = true
flag = maybe
EOF2
run -c badflag.conf
[ "$rc" -eq 78 ] || fail "flag = maybe: exit status $rc, not 78"
grep -q 'flag: give yes or no' "$dir/err" || fail "flag = maybe: message"
ok "flag = maybe is refused"

ASAN_OPTIONS=$asan_options

# expect STATUS MESSAGE-PATTERN COMMAND...: one line on stderr, the status.
expect() {
	want=$1 pattern=$2
	shift 2
	"$@" >"$dir/out" 2>"$dir/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "$*: status $got, not $want"
	[ "$want" -lt 64 ] && return 0
	[ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q -- "$pattern" "$dir/err" ||
		fail "$*: message '$(cat "$dir/err")'"
}
unset STOPFLAG_FD
expect 69 'STOPFLAG_FD is not set' "$stopflag" is-set
expect 69 'STOPFLAG_FD is not set' "$stopflag" sleep 5s
expect 66 'STOPFLAG_FD=abc: not a stopflag flag' env STOPFLAG_FD=abc "$stopflag" wait
expect 66 'STOPFLAG_FD=: not a stopflag flag' env STOPFLAG_FD= "$stopflag" wait
expect 66 'STOPFLAG_FD=-1: not a stopflag flag' env STOPFLAG_FD=-1 "$stopflag" wait
expect 66 'STOPFLAG_FD=9: no such open file descriptor' env STOPFLAG_FD=9 "$stopflag" is-set
: >"$dir/plain"
expect 66 'STOPFLAG_FD=9: not a stopflag flag' env STOPFLAG_FD=9 "$stopflag" is-set 9<>"$dir/plain"
expect 66 'STOPFLAG_FD=0: not a stopflag flag' env STOPFLAG_FD=0 "$stopflag" stop-all </dev/null
expect 64 'give a command' "$stopflag"
expect 64 "unknown command 'nap'" "$stopflag" nap
expect 64 'sleep: give a DURATION' "$stopflag" sleep
expect 64 "sleep: .*'5'" "$stopflag" sleep 5
expect 64 "sleep: .*'5x'" "$stopflag" sleep 5x
expect 64 "sleep: .*'-1s'" "$stopflag" sleep -1s
expect 64 "wait: .*'soon'" "$stopflag" wait soon
expect 64 "stop-all: CODE .*'256'" "$stopflag" stop-all 256
expect 64 "stop-all: CODE .*'x'" "$stopflag" stop-all x
expect 64 'is-set takes no argument' "$stopflag" is-set now
expect 64 'cause takes only --json' "$stopflag" cause --xml
expect 64 'too many arguments' "$stopflag" sleep 1s 2s
expect 0 '' "$stopflag" --help
unset NOTIFY_SOCKET STOPFLAG_TASK
expect 69 'ready: NOTIFY_SOCKET is not set' "$stopflag" ready
expect 0 '' env STOPFLAG_TASK=web "$stopflag" ready
expect 69 'ready: nobody listens on NOTIFY_SOCKET=@none' env NOTIFY_SOCKET=@none "$stopflag" ready
expect 64 'ready: NOTIFY_SOCKET=x: not a unix socket address' env NOTIFY_SOCKET=x "$stopflag" ready
expect 64 'ready takes no argument' "$stopflag" ready now
expect 69 'status: NOTIFY_SOCKET is not set' "$stopflag" status warming
expect 0 '' env STOPFLAG_TASK=web "$stopflag" status warming
expect 69 'status: nobody listens on NOTIFY_SOCKET=@none' env NOTIFY_SOCKET=@none "$stopflag" status warming
expect 64 'status: give the TEXT' "$stopflag" status
expect 64 'status: give the TEXT' "$stopflag" status ''
expect 64 'status: TEXT is one line' "$stopflag" status "$(printf 'a\nb')"
# what status and ready say, as a listener hears it
"$top_builddir/tests/notify-listen" "$dir/notify" >"$dir/notify.out" &
pids="$pids $!"
wait_file notify.out listening || fail "the listener did not start"
NOTIFY_SOCKET=$dir/notify "$stopflag" status "replaying the log, 3/7" ||
	fail "status to a listener: status $?"
NOTIFY_SOCKET=$dir/notify "$stopflag" ready || fail "ready to a listener: status $?"
wait_file notify.out READY=1 || fail "the listener heard no READY=1"
[ "$(grep -v '^listening$' "$dir/notify.out")" = "$(printf 'STATUS=replaying the log, 3/7\n--\nREADY=1\n--')" ] ||
	fail "the listener heard: $(cat "$dir/notify.out")"
# A sleep loop outside a group ends at once, on the error.
t0=$(now_ms)
n=0
while "$stopflag" sleep 5s 2>/dev/null; do n=$((n + 1)); done
[ "$n" -eq 0 ] || fail "the loop ran $n times outside a group"
ok "bad use and hostile STOPFLAG_FD: one line, status >= 64, no spin"
