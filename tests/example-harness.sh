# example-harness.sh: the scenarios the example programs share; the
# example tests source it and call
#
#   check_example BIN READY COUNT REQUEST INTERRUPT
#
# which runs BIN three times in a fresh directory, each time with a 20 s
# watchdog, once its output shows READY COUNT times:
#   1. ./stop appears: BIN stops within a second ($stop_ms, which a
#      caller whose exit takes longer may raise), exit 0, and its output
#      matches REQUEST;
#   2. ./stop is there at the start: BIN stops at once, exit 0;
#   3. SIGINT: BIN exits 0 and its output matches INTERRUPT.
# After each, the caller's `gone` function checks that nothing is left
# (it reads $dir/out).
set -u
: "${stop_ms:=1000}"
dir=$(mktemp -d)
watchdog=
pid=
# On the way out, also the example if it still runs (a failed start): it
# gets SIGTERM, its stop, and SIGKILL if that takes 5 s.
stop_example() {
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
	kill -KILL "$pid"
}
trap 'stop_example; kill $watchdog 2>/dev/null; rm -rf "$dir"' EXIT

fail() { echo "FAIL: $*"; cat "$dir/out" 2>/dev/null; exit 1; }

# The watchdog's end of an example that hangs (watchdog.sh).
. "$top_srcdir/tests/watchdog.sh"
kill_example() {
	echo "watchdog: killing $1"
	kill -KILL "$1"
}

now_ms() { date +%s%3N; }

# $stop_ms, or ten times what the example's processes (three, and the
# check's) cost here if that is more: a fork and exec, measured.
stop_limit_ms() {
	c0=$(now_ms)
	for _ in 1 2 3 4 5 6 7 8; do /bin/true; done
	w=$(( ($(now_ms) - c0) * 6 * 10 / 8 ))
	[ "$w" -gt "$stop_ms" ] && echo "$w" || echo "$stop_ms"
}

# start BIN READY COUNT: run BIN in $dir (its pid in $pid).
start() {
	kill $watchdog 2>/dev/null
	(cd "$dir" && exec "$1") >"$dir/out" 2>&1 &
	pid=$!
	watchdog 20 kill_example "$pid"
	# occurrences, not lines: the processes share the file, and two of
	# their lines have been seen run together on one
	for _ in $(seq 100); do
		[ "$(grep -o "$2" "$dir/out" 2>/dev/null | wc -l)" -ge "$3" ] &&
			return 0
		sleep 0.05
	done
	fail "did not start"
}

# ended WHAT: BIN ($pid) exited 0.
ended() {
	wait "$pid"; rc=$?
	# reaped: its number may be another's now, which neither the exit
	# trap nor the watchdog may kill
	pid=
	kill $watchdog 2>/dev/null
	watchdog=
	[ "$rc" -eq 0 ] || fail "exit status $rc $1"
}

check_example() {
	start "$1" "$2" "$3"
	t0=$(now_ms)
	touch "$dir/stop"
	ended "after ./stop"
	took=$(( $(now_ms) - t0 ))
	limit=$(stop_limit_ms)
	[ "$took" -lt "$limit" ] || fail "took $took ms to stop after ./stop (limit $limit ms)"
	grep -q "$4" "$dir/out" || fail "no \"$4\" after ./stop"
	gone
	echo "ok: ./stop stopped it in $took ms"

	start "$1" "$2" "$3"
	ended "with ./stop already there"
	gone
	rm -f "$dir/stop"
	echo "ok: ./stop already there"

	start "$1" "$2" "$3"
	kill -INT "$pid"
	ended "after SIGINT"
	grep -q "$5" "$dir/out" || fail "no \"$5\" after SIGINT"
	gone
	echo "ok: SIGINT"
}
