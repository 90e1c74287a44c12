#!/bin/sh
# example-seed.sh: examples/seed.py stops promptly ($stop_ms below) once
# ./stop appears and exits 0 on SIGINT; its subtasks are gone
# afterwards.  Then: a subtask's death stops it too, exit 1, the dead one
# named.
. "$top_srcdir/tests/python-env.sh"
# The stop is timed from ./stop to the end of the interpreter's exit,
# on a loaded machine: the bound is generous, but shorter than the
# heartbeat's interval, so a heartbeat that slept through the stop fails.
# Under the sanitizers (ASan's allocator in every Python process) both
# are longer.
stop_ms=2000 interval=3
[ -n "${SF_SLOW:-}" ] && stop_ms=5000 interval=8
. "$top_srcdir/tests/example-harness.sh"

# seed: the heartbeat's interval as above; seed-fast: 0.2 s.
seed="$dir/seed" fast="$dir/seed-fast"
printf '#!/bin/sh\nexec "$PYTHON" "$top_srcdir/examples/seed.py" --interval %s --check 0.1\n' \
	"$interval" >"$seed"
printf '#!/bin/sh\nexec "$PYTHON" "$top_srcdir/examples/seed.py" --interval 0.2 --check 0.1\n' \
	>"$fast"
chmod +x "$seed" "$fast"

subtasks() {
	sed -n 's/.*heartbeat pid \([0-9]*\), watcher pid \([0-9]*\).*/\1 \2/p' "$dir/out"
}

gone() {
	for c in $(subtasks); do
		kill -0 "$c" 2>/dev/null && fail "subtask $c still alive"
	done
	grep -q 'all tasks reaped' "$dir/out" || fail "did not reap"
}

check_example "$seed" 'running:' 1 \
	'stopping: request (code 0) from pid' 'stopping: signal 2 (SIGINT)'

start "$fast" 'heartbeat [0-9]' 2
set -- $(subtasks)
kill -KILL "$1"
wait "$pid"; rc=$?
[ "$rc" -eq 1 ] || fail "exit status $rc after a subtask was killed"
grep -q "stopping: heartbeat (pid $1) ended, status -9" "$dir/out" ||
	fail "the dead subtask is not named"
gone
echo "ok: a subtask's death"
