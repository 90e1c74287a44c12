#!/bin/sh
# daemon-fork-bomb.sh: under RLIMIT_NPROC, a task that forks until fork()
# fails.  The group runs on; at the stop everything the bomb forked goes
# with it (its process group is killed after the grace).  A task that
# cannot be forked stops the group: exit 71, "cannot start: fork".
# Nothing is left behind.  Root is exempt from RLIMIT_NPROC, so stopflagd
# runs as a uid of its own (setpriv); without root the test is skipped.
test_name=daemon-fork-bomb test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null ||
	{ echo "SKIP: needs root and setpriv, to run stopflagd as another uid"; exit 77; }
uid=$(( 0x3e000000 + $$ % 65536 ))
chmod 755 "$dir"
# The program, not its libtool wrapper (whose own forks would fail).
daemon=$stopflagd
[ -x "$(dirname "$stopflagd")/.libs/stopflagd" ] &&
	daemon="$(dirname "$stopflagd")/.libs/stopflagd" &&
	export LD_LIBRARY_PATH="$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
setpriv --reuid="$uid" --regid="$uid" --clear-groups test -x "$daemon" ||
	{ echo "SKIP: the build tree is closed to other uids"; exit 77; }

# limited N ARG...: stopflagd as $uid with RLIMIT_NPROC N, in the background.
limited() {
	n=$1
	shift
	: >"$dir/log"
	(cd "$dir" && exec setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		prlimit --nproc="$n" "$daemon" "$@") >"$dir/out" 2>"$dir/log" &
	pid=$!
	pids="$pids $pid"
}

# of_uid: the processes of $uid.
of_uid() { ps -o pid= -u "$uid" 2>/dev/null | tr -d ' '; }

# 1. A bomb: the group keeps running until SIGTERM; then nothing is left.
config bomb.conf <<EOF2
[stopflagd]
grace = 200ms

[task sleeper]
type = exec
command = sleep 1000

[task bomb]
type = exec
command = $top_builddir/tests/fork-bomb
EOF2
# The bomb is the last task: every fork of the master comes before it.
limited 30 -c bomb.conf
wait_log "running 2 tasks" || fail "bomb: stopflagd did not start"
sleep 0.5
alive "$pid" || fail "bomb: the group did not survive the bomb"
wait_file out "fork-bomb: .* fork\(\) failed" || fail "bomb: fork() never failed"
t0=$(now_ms)
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "bomb: exit status $rc, not 0"
limit=$((200 + $(work_ms 4 1000)))
[ "$took" -lt "$limit" ] || fail "bomb: the stop took $took ms (grace 200 ms, limit $limit ms)"
[ -z "$(of_uid)" ] || fail "bomb: processes left: $(of_uid | tr '\n' ' ')"
ok "a fork bomb under RLIMIT_NPROC: the group runs on, SIGTERM leaves nothing ($took ms)"

# 2. No process left for a task to start in: exit 71, and the task that
#    did start is stopped.  (The same happens to a restart that finds the
#    bomb holding every process, as the fault campaign shows; which of
#    them gets a freed slot first is a race, so it is not tested here.)
config nofork.conf <<EOF2
[stopflagd]
grace = 200ms

[task first]
type = exec
command = sleep 1000

[task second]
type = exec
command = sleep 1000
EOF2
# Three: the keeper, the master and the first task (stopflagd(8)).
limited 3 -c nofork.conf
stopped
[ "$rc" -eq 71 ] || fail "no fork: exit status $rc, not 71"
grep -q 'task second: cannot start: fork' "$dir/log" ||
	fail "no fork: the log does not say that the fork failed"
grep -q 'task first (pid [0-9]*): killed by signal 15' "$dir/log" ||
	fail "no fork: the task that started was not stopped"
[ -z "$(of_uid)" ] || fail "no fork: processes left: $(of_uid | tr '\n' ' ')"
ok "a task that cannot fork under RLIMIT_NPROC: exit 71, nothing left"
