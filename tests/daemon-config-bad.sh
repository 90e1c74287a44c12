#!/bin/sh
# daemon-config-bad.sh: every bad config in tests/daemon-bad/ is refused
# whole, by --check and by a real start (also with --daemonize): exit 78,
# a message naming FILE:LINE and the key, and nothing started (each config
# has a task that would create ./canary-started).
# Each file's first line says what to expect: "; expect: LINE KEY" (LINE 0
# for a problem of the whole file).
test_name=daemon-config-bad test_limit=600
. "$top_srcdir/tests/daemon-lib.sh"

n=0
failed=0
check_case() {
	conf=$1 line=$2 key=$3 mode=$4
	shift 4
	rm -f "$dir/canary-started"
	run "$@" -c "$conf"
	if [ "$line" -eq 0 ]; then where="$conf: "; else where="$conf:$line: "; fi
	why=
	[ "$rc" -eq 78 ] || why="exit status $rc, not 78"
	[ -z "$why" ] && ! grep -qF -- "$where" "$dir/err" && why="no '$where'"
	[ -z "$why" ] && ! grep -F -- "$where" "$dir/err" | grep -qF -- "$key" &&
		why="'$where' does not name '$key'"
	[ -z "$why" ] && ! grep -q 'nothing was started' "$dir/err" &&
		why="does not say that nothing was started"
	[ -z "$why" ] && [ -e "$dir/canary-started" ] && why="a task was started"
	[ -z "$why" ] && [ -s "$dir/out" ] && why="wrote to stdout"
	if [ -n "$why" ]; then
		echo "FAIL: $(basename "$conf") ($mode): $why"
		sed 's/^/  err| /' "$dir/err"
		failed=$((failed + 1))
	fi
	n=$((n + 1))
}

for conf in "$top_srcdir"/tests/daemon-bad/*.conf; do
	expect=$(sed -n '1s/^; expect: //p' "$conf")
	line=${expect%% *} key=${expect#* }
	if [ -z "$expect" ] || [ "$line" = "$expect" ]; then
		fail "$conf: no '; expect: LINE KEY' line"
	fi
	check_case "$conf" "$line" "$key" check --check
	check_case "$conf" "$line" "$key" start
done
[ "$n" -ge 120 ] || fail "only $n cases ran"

# A refused config with --daemonize: the refusal comes before detaching,
# so the caller sees it and its status.
conf="$top_srcdir/tests/daemon-bad/signal-unknown.conf"
check_case "$conf" 9 stop-signal daemonize --daemonize --pidfile "$dir/pid"
[ -e "$dir/pid" ] && fail "--daemonize with a bad config wrote a pidfile"

[ "$failed" -eq 0 ] || fail "$failed of $n cases"
ok "$n refusals: exit 78, FILE:LINE and the key, nothing started"
