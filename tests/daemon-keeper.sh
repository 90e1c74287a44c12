#!/bin/sh
# daemon-keeper.sh: a SIGKILL to either process of stopflagd (the keeper
# it was started as, or the master it forked) leaves nothing running
# within the grace + 1 s: not a task's own child (sh -c 'sleep & wait'),
# not a task that ignores SIGTERM, not a setsid() grandchild.  A SIGKILLed
# keeper: the master stops the group (cause PARENT_DIED).  A SIGKILLed
# master: the keeper stops what it left and exits 128 + 9 = 137.
test_name=daemon-keeper test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

grace=500
limit=$((grace + 1000))

# Every process is found by a marker in its command line that only this
# run uses, and only those are killed (by pid) if the test fails.
marker="9$$.$(date +%N | cut -c1-6)"
marked() {
	for f in $(grep -la -- "$marker" /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" != "$$" ] && alive "$p" && echo "$p"
	done
}
cleanup_marked() {
	for p in $(marked); do kill -KILL "$p" 2>/dev/null; done
}
trap 'cleanup_marked; cleanup' EXIT

config keeper.conf <<EOF2
[stopflagd]
grace = ${grace}ms

[task shell]
type = exec
command = sh -c 'sleep ${marker}1 & wait'

[task stubborn]
type = exec
command = sh -c 'trap "" TERM; exec sleep ${marker}2'

[task escaper]
type = exec
command = sh -c 'setsid sleep ${marker}3 & wait; : ${marker}4'
EOF2

# up: start it, and wait (bounded) until every marked process runs: the
# three sleeps, and the two shells that wait for theirs.
up() {
	start -c keeper.conf
	n=200
	until [ "$(marked | wc -l)" -ge 5 ]; do
		[ "$n" -gt 0 ] || fail "$1: the marked processes did not start: $(marked)"
		sleep 0.05
		n=$((n - 1))
	done
	[ -n "$master" ] || fail "$1: no master under stopflagd $pid"
}

# none_within MS: every marked process gone within MS ms of $t0.
none_within() {
	while [ -n "$(marked)" ]; do
		[ $(( $(now_ms) - t0 )) -le "$1" ] ||
			fail "$what: left after $1 ms: $(marked | tr '\n' ' ')"
		sleep 0.02
	done
	took=$(( $(now_ms) - t0 ))
}

# 1. The keeper SIGKILLed: the master sees it and stops the group.
what="keeper SIGKILLed"
up "$what"
t0=$(now_ms)
kill -KILL "$pid"
none_within "$limit"
wait "$pid"
gone_within "$limit" "$master" || fail "$what: the master is still there"
grep -q "stopping: .*saw its parent die" "$dir/log" || fail "$what: cause not PARENT_DIED"
ok "$what: everything gone in $took ms (grace $grace ms)"

# 2. The master SIGKILLed: the keeper stops everything and exits 137.
what="master SIGKILLed"
up "$what"
t0=$(now_ms)
kill -KILL "$master"
none_within "$limit"
stopped
[ "$rc" -eq 137 ] || fail "$what: exit status $rc, not 137"
grep -q "keeper: the master was killed by SIGKILL" "$dir/log" ||
	fail "$what: the keeper did not say so"
grep -q "keeper: every process reaped; exit status 137" "$dir/log" ||
	fail "$what: the keeper did not log its end"
ok "$what: everything gone in $took ms (grace $grace ms), exit 137"

# 3. A SIGTERM to the keeper is still an orderly stop: exit 0.
what="keeper SIGTERMed"
up "$what"
t0=$(now_ms)
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "$what: exit status $rc, not 0"
none_within "$limit"
alive "$master" && fail "$what: the master is still there"
ok "$what: exit 0, everything gone in $took ms"
