# tests/daemon-lib.sh: what the black-box tests of stopflagd share.
# Source it after naming the test and its time limit in seconds:
#     test_name=NAME test_limit=SECONDS
#     . "$top_srcdir/tests/daemon-lib.sh"
# Every process a test starts goes into $pids and is killed by PID when
# the test ends, however it ends; a watchdog ends a test that hangs.
set -u
: "${top_builddir:?}" "${top_srcdir:?}"
: "${test_name:?}" "${test_limit:?}"
stopflagd="$top_builddir/src/daemon/stopflagd"
dir=$(mktemp -d "${TMPDIR:-/tmp}/sfd-$test_name.XXXXXX") || exit 99
pids=
watchdog=

cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'echo "FAIL: $test_name: stopped by a signal (watchdog?)"; exit 99' INT TERM HUP

# The watchdog: TERMs this test after $test_limit s.  Ended (with its
# sleep) at exit.
. "$top_srcdir/tests/watchdog.sh"
watchdog_fired() {
	echo "watchdog: $test_name still running after $test_limit s"
	kill -TERM $$
}
watchdog "$test_limit" watchdog_fired

fail() {
	echo "FAIL: $*"
	for f in err log; do
		[ -s "$dir/$f" ] && sed "s/^/  $f| /" "$dir/$f"
	done
	exit 1
}

ok() { echo "ok: $*"; }

now_ms() { date +%s%3N; }

# Whether process $1 still exists (a zombie counts as gone: its reaper,
# not this test, owns it).
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$state" != Z ]
}

# The pids of $1's children.
children_of() {
	cat /proc/"$1"/task/*/children 2>/dev/null
}

# stopflagd runs as two processes (stopflagd(8)): the one started, the
# keeper, and its one child, the master, whose children are the tasks.
master_of() {
	children_of "$1"
}

# The pids of the tasks of stopflagd $1.
tasks_of() {
	for m in $(master_of "$1"); do children_of "$m"; done
}

# run [ARG...]: stopflagd ARG... in $dir, bounded by the watchdog; stdout in
# $dir/out, stderr in $dir/err, exit status in $rc.
run() {
	(cd "$dir" && exec "$stopflagd" "$@") >"$dir/out" 2>"$dir/err" &
	last=$!
	pids="$pids $last"
	wait "$last"
	rc=$?
}

# launch [ARG...]: stopflagd ARG... in the background, in $dir, stdout in
# $dir/out, the log in $dir/log.  Sets $pid, and $t0 to now.
launch() {
	: >"$dir/log"
	(cd "$dir" && exec "$stopflagd" "$@") >"$dir/out" 2>"$dir/log" &
	pid=$!
	pids="$pids $pid"
	t0=$(now_ms)
}

# start [ARG...]: launch, then wait (bounded) until it says every task
# runs.  Sets $master to its master's pid, $kids to its tasks' pids.
start() {
	launch "$@"
	wait_log "running [0-9]* tasks" || fail "stopflagd did not start"
	master=$(master_of "$pid")
	kids=$(tasks_of "$pid")
}

# wait_file FILE PATTERN [SECONDS]: until a line of $dir/FILE matches.
wait_file() {
	n=$(( ${3:-10} * 20 ))
	until grep -Eq -- "$2" "$dir/$1" 2>/dev/null; do
		[ "$n" -gt 0 ] || return 1
		sleep 0.05
		n=$((n - 1))
	done
}

# wait_log PATTERN [SECONDS]: until a line of the log matches (grep -E).
wait_log() {
	n=$(( ${2:-10} * 20 ))
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$1" "$dir/log" 2>/dev/null && return 0
		alive "$pid" || { grep -Eq -- "$1" "$dir/log"; return; }
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# stopped: wait for $pid to end; its status in $rc, how long it took after
# $t0 (if set) in $took.
stopped() {
	wait "$pid"
	rc=$?
	took=$(( $(now_ms) - ${t0:-0} ))
}

# Poll (bounded, 5 ms steps) until none of the pids given is alive; false
# if some still are after $1 ms.
gone_within() {
	limit=$1
	shift
	deadline=$(( $(now_ms) + limit ))
	while :; do
		left=
		for p in "$@"; do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && return 0
		[ "$(now_ms)" -gt "$deadline" ] && return 1
		sleep 0.005
	done
}

# A config file in $dir: config NAME <<EOF ... EOF
config() {
	cat >"$dir/$1"
}

# blocked_stop PID: wait (bounded) until SIGTERM is pending, blocked, in
# PID (SigPnd or ShdPnd of /proc/PID/status, bit 15: 0x4000).
blocked_stop() {
	n=2000
	while [ "$n" -gt 0 ] && alive "$1"; do
		for f in SigPnd ShdPnd; do
			m=$(sed -n "s/^$f:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null)
			[ -n "$m" ] && [ $((0x$m & 0x4000)) -ne 0 ] && return 0
		done
		n=$((n - 1))
		sleep 0.001
	done
	return 1
}

# work_ms PROCS FLOOR_MS: a deadline for work that costs about PROCS
# processes: ten times what a fork and exec cost here (measured once),
# never below FLOOR_MS (twenty times that under valgrind or SF_SLOW).
work_ms() {
	if [ -z "${proc_cost_us:-}" ]; then
		c0=$(now_ms)
		for _ in 1 2 3 4 5 6 7 8; do /bin/true; done
		proc_cost_us=$(( ($(now_ms) - c0) * 1000 / 8 ))
	fi
	w=$(( $1 * proc_cost_us * 10 / 1000 ))
	f=$2
	[ -n "${SF_SLOW:-}${VALGRIND:-}" ] && f=$((f * 20))
	[ "$w" -gt "$f" ] && echo "$w" || echo "$f"
}

# wait_stops_held PID: wait (bounded) until PID, stopflagd, has its stop
# signals blocked (main()'s first line on) or caught (the group runs):
# bits 1, 2, 3 and 15 (HUP, INT, QUIT, TERM) of SigBlk or SigCgt in
# /proc/PID/status.  Before that, the shell that execs it or the dynamic
# loader runs, and a signal then is no test of stopflagd's.
wait_stops_held() {
	n=2000
	while [ "$n" -gt 0 ] && alive "$1"; do
		for f in SigBlk SigCgt; do
			m=$(sed -n "s/^$f:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null)
			[ -n "$m" ] && [ $((0x$m & 0x4007)) -eq $((0x4007)) ] && return 0
		done
		n=$((n - 1))
		sleep 0.001
	done
	return 1
}
