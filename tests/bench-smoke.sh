#!/bin/sh
# bench-smoke.sh: stopflag-bench runs each mode at tiny sizes; its --json
# output follows the design's schema exactly (tests/bench-json-check);
# --csv holds every raw sample; --plot draws with gnuplot when there is
# one, and without it says so and still writes the CSV; bad options exit
# 64 and name the option.  Every run is bounded by a watchdog.
set -u
bench="$top_builddir/stopflag-bench"
check="$top_builddir/tests/bench-json-check"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

# 60 s per run; 20 times that under valgrind or the sanitizers.
limit=60
[ -n "${SF_SLOW:-}${VALGRIND:-}" ] && limit=1200

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

# bounded NAME CMD...: run CMD with stdout in $dir/NAME.out and stderr in
# $dir/NAME.err, killed if it outlives the watchdog; returns its status.
bounded() {
	name=$1; shift
	timeout -s KILL "$limit" "$@" >"$dir/$name.out" 2>"$dir/$name.err"
	rc=$?
	[ $rc -eq 137 ] && echo "watchdog: '$*' ran over $limit s and was killed"
	return $rc
}

show() { sed 's/^/    /' "$dir/$1.err"; }

# --- wake: every mechanism, JSON on stdout alone, table on stderr
if bounded wake "$bench" wake --waiters 2 --rounds 3 --json; then
	if "$check" wake 2 3 <"$dir/wake.out"; then
		ok "wake --json follows the schema (8 mechanisms)"
	else
		fail "wake --json does not follow the schema"; cat "$dir/wake.out"
	fi
	grep -q 'interleaved round by round' "$dir/wake.err" ||
		fail "wake does not say that rounds are interleaved"
	grep -q '^no waiters: system calls counted' "$dir/wake.err" ||
		grep -q '^no waiters: system calls not counted' "$dir/wake.err" ||
		fail "wake has no no-waiter line"
else
	fail "wake exited $rc"; show wake
fi

# --- the checker itself refuses what breaks the schema
if [ -s "$dir/wake.out" ]; then
	broken=0
	for edit in 's/"p90_us"/"p95_us"/' 's/,"rounds":3/,"rounds":3,"extra":1/' \
		's/"mechanism":"pipe"/"mechanism":"pipes"/' 's/"set_ns_p50":[0-9]*/"set_ns_p50":"x"/' \
		's/}]}/}]/' 's/"waiters":2/"waiters":3/'; do
		sed "$edit" "$dir/wake.out" | "$check" wake 2 3 2>/dev/null &&
			{ fail "the checker accepts: $edit"; broken=1; }
	done
	[ $broken -eq 0 ] && ok "the checker refuses a renamed, extra, unknown, mistyped or missing part"
fi

# --- wake, table for people, a chosen list
if bounded table "$bench" wake --waiters 1 --rounds 2 --mechanism futex,stopflag; then
	grep -q '^stopflag ' "$dir/table.out" && grep -q '^futex ' "$dir/table.out" &&
		! grep -q '^pipe ' "$dir/table.out" &&
		ok "the table shows the chosen mechanisms only" ||
		{ fail "table"; cat "$dir/table.out"; }
else
	fail "wake --mechanism futex,stopflag exited $rc"; show table
fi

# --- the set made from a signal handler: condvar cannot take part
if bounded signal "$bench" wake --waiters 2 --rounds 2 --setter signal --json; then
	"$check" wake 2 2 stopflag,futex,futex-fresh,pipe,eventfd,sem,signal <"$dir/signal.out" &&
		grep -q 'condvar skipped' "$dir/signal.err" &&
		ok "--setter signal: seven mechanisms, condvar skipped and said so" ||
		{ fail "--setter signal"; cat "$dir/signal.out" "$dir/signal.err"; }
else
	fail "wake --setter signal exited $rc"; show signal
fi

# --- CSV: a header and one line per waiter, round and mechanism
if bounded csv "$bench" wake --waiters 3 --rounds 2 --mechanism stopflag,sem --csv "$dir/s.csv"; then
	lines=$(wc -l <"$dir/s.csv")
	head -1 "$dir/s.csv" | grep -qx 'mechanism,round,waiter,latency_ns,set_ns,set_wall_ns' &&
		[ "$lines" -eq 13 ] &&
		! grep -v '^mechanism' "$dir/s.csv" | grep -vqE '^(stopflag|sem),[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+$' &&
		ok "--csv holds all 12 samples" ||
		{ fail "--csv ($lines lines)"; cat "$dir/s.csv"; }
else
	fail "wake --csv exited $rc"; show csv
fi

# --- plot without gnuplot: a clear message, the CSV beside it, exit 0
if GNUPLOT="$dir/no-such-gnuplot" bounded noplot "$bench" wake --waiters 1 --rounds 2 \
	--mechanism stopflag --plot "$dir/cdf.svg"; then
	grep -q 'gnuplot is optional' "$dir/noplot.err" && [ -s "$dir/cdf.csv" ] &&
		[ ! -e "$dir/cdf.svg" ] &&
		ok "--plot without gnuplot: says so, writes cdf.csv" ||
		{ fail "--plot without gnuplot"; show noplot; }
else
	fail "--plot without gnuplot exited $rc"; show noplot
fi

# --- plot with gnuplot, where there is one
if command -v gnuplot >/dev/null 2>&1; then
	if bounded plot "$bench" wake --waiters 1 --rounds 3 --plot "$dir/p.svg" &&
		grep -q '<svg' "$dir/p.svg"; then
		ok "--plot draws an SVG with gnuplot"
	else
		fail "--plot with gnuplot"; show plot
	fi
else
	echo "note: gnuplot is not installed; the drawing itself was not tried"
fi

# --- group: the six scenarios through real groups
if bounded group "$bench" group --tasks 2 --rounds 1 --json; then
	"$check" group 2 1 <"$dir/group.out" &&
		ok "group --json follows the schema (6 scenarios)" ||
		{ fail "group --json does not follow the schema"; cat "$dir/group.out"; }
else
	fail "group exited $rc"; show group
fi

# --- output: the relay and cat, both writer counts, one JSON line
if bounded output "$bench" output --writers 1,2 --mib 2 --rounds 1 --json; then
	out="$dir/output.out"
	for w in 1 2; do
		for reader in relay cat; do
			grep -q "{\"writers\":$w,\"reader\":\"$reader\",\"mb_s\":[0-9.]*,\"cpu_ms\":[-0-9.]*,\"cpu_us_per_mb\":[-0-9.]*}" "$out" ||
				fail "output --json has no $reader row for $w writer(s)"
		done
	done
	grep -q '^{"mode":"output","mib":2,"line":100,"rounds":1,"results":\[' "$out" ||
		fail "output --json has not its header"
	[ "$(wc -l <"$out")" -eq 1 ] || fail "output --json is not one line"
	grep -q "the relay moves" "$dir/output.err" || fail "output has no ratio line"
	[ $failures -eq 0 ] && ok "output --json has both readers for each writer count"
else
	fail "output exited $rc"; show output
fi

# --- scale: every kind (stopflagd's too) and the floors, JSON with the
# machine's load, every round's ratios and their summary, a plot
if bounded scale "$bench" scale --sizes 2,3 --rounds 2 --time 60 --json \
	--stopflagd "$top_builddir/src/daemon/stopflagd" --plot "$dir/scale.svg"; then
	out="$dir/scale.out"
	kinds="exec function vfork floor"
	grep -q 'no stopflagd rows' "$dir/scale.err" ||
		kinds="$kinds stopflagd-exec stopflagd-function"
	for kind in $kinds; do
		for n in 2 3; do
			grep -q "{\"tasks\":$n,\"kind\":\"$kind\",\"rounds\":2,\"start_ms_p50\":" "$out" ||
				fail "scale --json has no $kind row of 2 rounds for $n tasks"
		done
	done
	grep -q '"kind":"function",[^}]*"pss_kb":[0-9]*,"stop_faults_per_task_p50":[0-9.]*}' "$out" ||
		fail "scale --json has not the stop's page faults a task"
	grep -q 'stop faults/task' "$dir/scale.err" ||
		fail "scale's table has not the stop's page faults a task"
	grep -q '"machine":{"cpus":[0-9]*,"loadavg_start":\[[0-9.]*,[0-9.]*,[0-9.]*\],' "$out" ||
		fail "scale --json does not say how loaded the machine was"
	grep -q '"rounds_detail":\[{"tasks":2,"round":1,"load1":[0-9.]*,"busy_pct":' "$out" ||
		fail "scale --json has not every round"
	grep -q '"ratios":\[{"tasks":2,"exec_start_vs_python":' "$out" &&
		grep -q '"exec_stop_vs_floor":{"rounds":2,"p50":[0-9.]*,"min":[0-9.]*,"max":[0-9.]*,"of_medians":[0-9.]*,"target":1.1,"met":\(true\|false\)}' "$out" ||
		fail "scale --json has not the ratios"
	grep -q 'ratio, per round: p50 (min-max)' "$dir/scale.err" ||
		fail "scale's table has not the per-round ratios"
	[ "$(wc -l <"$out")" -eq 1 ] || fail "scale --json is not one line"
	if command -v "${GNUPLOT:-gnuplot}" >/dev/null 2>&1; then
		grep -q '<svg' "$dir/scale.svg" 2>/dev/null ||
			fail "scale --plot drew nothing with gnuplot installed"
	fi
	[ $failures -eq 0 ] && ok "scale --json has every kind, size, round and ratio"
else
	fail "scale exited $rc"; show scale
fi

# --- scale: --kinds chooses; without --stopflagd its rows are left out
if bounded kinds "$bench" scale --sizes 2 --rounds 1 --kinds exec,floor --json; then
	grep -q '"kind":"exec"' "$dir/kinds.out" && grep -q '"kind":"floor"' "$dir/kinds.out" &&
		! grep -q '"kind":"function"' "$dir/kinds.out" &&
		grep -q '"function_stop_vs_floor":null' "$dir/kinds.out" &&
		ok "scale --kinds measures the chosen kinds only" ||
		{ fail "scale --kinds"; cat "$dir/kinds.out"; }
else
	fail "scale --kinds exited $rc"; show kinds
fi

# --- bad options: exit 64, and the message names the option
bad() {
	what=$1; shift
	bounded bad "$bench" "$@"
	if [ $rc -ne 64 ]; then
		fail "'$*' exited $rc, not 64"; show bad
	elif ! grep -q -- "$what" "$dir/bad.err"; then
		fail "'$*': the message does not name $what"; show bad
	fi
}
bad "mode is needed"
bad "frobnicate" frobnicate
bad "--waiters" wake --waiters 0
bad "--waiters" wake --waiters 2x
bad "--rounds" wake --rounds 10001
bad "--rounds" wake --rounds
bad "--bogus" wake --bogus
bad "--mechanism" wake --mechanism stopflag,nope
bad "nope" wake --mechanism nope
bad "--setter" wake --setter sometimes
bad "--setter signal" wake --setter signal --mechanism condvar
bad "--plot" wake --plot cdf.pdf
bad "--tasks" group --tasks 0
bad "--json" group --json=yes
bad "stray" group stray
bad "--sizes" scale --sizes 0
bad "--sizes" scale --sizes 10,2000
bad "--rounds" scale --rounds 101
bad "--plot" scale --plot t.pdf
bad "--time" scale --time 0
bad "--kinds" scale --kinds exec,nope
bad "--stopflagd" scale --stopflagd
bad "--writers" output --writers 0
bad "--mib" output --mib 5000
[ $failures -eq 0 ] && ok "bad options exit 64 and name the option"

"$bench" --help | grep -q 'stopflag-bench wake' || fail "--help"

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
exit 0
