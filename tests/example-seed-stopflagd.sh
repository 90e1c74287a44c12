#!/bin/sh
# example-seed-stopflagd.sh: examples/seed.py's two subtasks as exec tasks
# of stopflagd, joined to its flag with Flag.from_env(): the group stops
# promptly ($stop_ms below) once ./stop appears (the watcher's stop_all(0)) and
# exits 0, and on SIGTERM; the tasks are gone afterwards.
. "$top_srcdir/tests/python-env.sh"
# The stop is timed from ./stop to the end of the interpreter's exit,
# on a loaded machine: the bound is generous, but shorter than the
# heartbeat's interval, so a heartbeat that slept through the stop fails.
# Under the sanitizers (ASan's allocator in every Python process) both
# are longer.
stop_ms=2000 interval=3
[ -n "${SF_SLOW:-}" ] && stop_ms=5000 interval=8
. "$top_srcdir/tests/example-harness.sh"

seed="$top_srcdir/examples/seed.py"
cat >"$dir/seed.conf" <<CONF
[stopflagd]
grace = 2s
[task heartbeat]
type = exec
command = $PYTHON $seed task heartbeat --interval $interval
[task watcher]
type = exec
command = $PYTHON $seed task watcher --check 0.1
CONF
run="$dir/run"
printf '#!/bin/sh\nexec "%s" -c "%s"\n' "$top_builddir/src/daemon/stopflagd" \
	"$dir/seed.conf" >"$run"
chmod +x "$run"

gone() {
	for c in $(sed -n 's/^[a-z]*\[\([0-9]*\)\]: running$/\1/p' "$dir/out"); do
		kill -0 "$c" 2>/dev/null && fail "task $c still alive"
	done
	grep -q 'every process reaped' "$dir/out" || fail "did not reap"
}

# ./stop there from the start: the group stops at once, exit 0, even if
# the stop comes before a task's Python is up (then SIGTERM ends it).
touch "$dir/stop"
start "$run" 'stopflagd: running 2 tasks' 1
ended "with ./stop already there"
grep -q 'stopflagd: stopping: request (code 0) from task watcher' "$dir/out" ||
	fail "not stopped by the watcher's request"
gone
rm -f "$dir/stop"
echo "ok: ./stop already there"

# Once both have joined, the heartbeat wakes on the flag and reads the
# cause: the watcher's request, and a stop signal to stopflagd.
start "$run" ']: running$' 2
t0=$(now_ms)
touch "$dir/stop"
ended "after ./stop, both tasks up"
took=$(( $(now_ms) - t0 ))
[ "$took" -lt "$stop_ms" ] || fail "took $took ms to stop after ./stop"
grep -q 'heartbeat\[[0-9]*\]: stopping: request (code 0) from pid' "$dir/out" ||
	fail "the heartbeat did not see the watcher's request"
gone
rm -f "$dir/stop"
echo "ok: ./stop stopped it in $took ms; the heartbeat saw the request"

start "$run" ']: running$' 2
kill -TERM "$pid"
ended "after SIGTERM, both tasks up"
grep -q 'heartbeat\[[0-9]*\]: stopping: signal (code 15)' "$dir/out" ||
	fail "the heartbeat did not see the stop"
gone
echo "ok: the heartbeat saw the stop signal"
