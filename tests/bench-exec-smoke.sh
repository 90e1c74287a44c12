#!/bin/sh
# bench-exec-smoke.sh: stopflag-bench exec runs at a tiny size and reports
# both paths (the flag, the stop signal) with positive times, in the table
# and in JSON; bad options exit 64.  Every run is bounded by a watchdog.
set -u
bench="$top_builddir/stopflag-bench"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
limit=60
[ -n "${SF_SLOW:-}${VALGRIND:-}" ] && limit=1200

fail() { echo "FAIL: $*"; sed 's/^/  | /' "$dir/out" "$dir/err" 2>/dev/null; exit 1; }

timeout -s KILL "$limit" "$bench" exec --rounds 3 --json >"$dir/out" 2>"$dir/err" ||
	fail "exec --json: status $?"
num='[0-9]+\.[0-9]'
row() { printf '{"path":"%s","p50_us":%s+,"p90_us":%s+,"p99_us":%s+,"max_us":%s+}' "$1" "$num" "$num" "$num" "$num"; }
grep -Eq "^\{\"mode\":\"exec\",\"rounds\":3,\"results\":\[$(row flag),$(row signal)\]\}$" "$dir/out" ||
	fail "exec --json: unexpected output"
grep -q '"p50_us":0\.0' "$dir/out" && fail "exec --json: a zero time"
echo "ok: exec --json: $(cat "$dir/out")"

timeout -s KILL "$limit" "$bench" exec --rounds 2 >"$dir/out" 2>"$dir/err" ||
	fail "exec: status $?"
grep -Eq "^flag +$num" "$dir/out" && grep -Eq "^signal +$num" "$dir/out" ||
	fail "exec: no row for each path"
echo "ok: exec table"

for bad in "--rounds 0" "--rounds x" "--bogus" "extra"; do
	# shellcheck disable=SC2086
	"$bench" exec $bad >"$dir/out" 2>"$dir/err"
	rc=$?
	[ "$rc" -eq 64 ] || fail "exec $bad: status $rc, not 64"
done
"$bench" exec-waiter >"$dir/out" 2>"$dir/err"
[ "$?" -eq 64 ] || fail "exec-waiter without a path: not 64"
echo "ok: bad options exit 64"
