#!/bin/sh
# stress-smoke.sh: a short run of the fault campaign under make check (the
# long one is make stress), and proof that its checks can fail: with
# STRESS_SABOTAGE the master breaks one promise on purpose (leaves a
# process behind, returns with an unreaped child, returns late, reports a
# wrong status, starts tasks before those they are after are ready) and
# each must be reported as a violation; and shell tasks
# given a stopflag whose sleep does not hear the stop must be reported for
# outliving it.
: "${top_builddir:?}"
if [ -n "${VALGRIND:-}" ]; then
	echo "SKIP: the campaign times real stops; memcheck is too slow for it"
	exit 77
fi
stress="$top_builddir/libtool --mode=execute $top_builddir/tests/stress/stress"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stress-smoke.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
out=$tmp/out
status=0

# run EXPECT_LINE_PATTERN [VAR=value...]: the campaign with those settings.
run() {
	pattern=$1
	shift
	env "$@" $stress >"$out" 2>&1
	if ! tail -n 1 "$out" | grep -Eq "$pattern"; then
		echo "FAIL: $*: last line not /$pattern/"
		sed 's/^/  | /' "$out" | tail -n 60
		status=1
		return 1
	fi
	echo "ok: $*: $(tail -n 1 "$out")"
}

run '^stress: 24 scenarios, 0 violations, seed 20261126$' \
	STRESS_SCENARIOS=24 STRESS_SEED=20261126

for s in stray:'still there' zombie:'still below the master' \
	late:'more than grace + 1 s' status:'not an allowed outcome'; do
	what=${s%%:*} why=${s#*:}
	run '^stress: 2 scenarios, [12] violations, seed 7$' \
		STRESS_SCENARIOS=2 STRESS_SEED=7 STRESS_DAEMON=0 \
		STRESS_SABOTAGE="$what" || continue
	grep '^stress: VIOLATION' "$out" | grep -qF -- "$why" || {
		echo "FAIL: sabotage $what: no violation saying '$why'"
		status=1
	}
done
# A master that leaves out sf_group_set_after(): scenario 16 of this seed
# has tasks after t0, which says it is ready only 300 ms after its start.
if run '^stress: 1 scenarios, 1 violations, seed 7$' \
	STRESS_SEED=7 STRESS_ONLY=16 STRESS_DAEMON=0 STRESS_SABOTAGE=order; then
	grep -A3 '^stress: VIOLATION' "$out" | grep -q 'after t0, started at' || {
		echo "FAIL: sabotage order: no violation saying a task started early"
		status=1
	}
fi
# A stopflag whose sleep is a plain sleep, deaf to the stop (the rest is
# the real one): scenario 5 of this seed has two shell tasks looping on
# it, a grace of 250 ms and a stop long after they started.
deaf=$tmp/stopflag
cat >"$deaf" <<'EOF'
#!/bin/sh
if [ "$1" = sleep ]; then
	ms=${2%ms}
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	exit 0
fi
exec "$STRESS_REAL_STOPFLAG" "$@"
EOF
chmod +x "$deaf"
if run '^stress: 1 scenarios, 1 violations, seed 20261202$' \
	STRESS_SEED=20261202 STRESS_ONLY=5 STRESS_DAEMON=0 STRESS_WAKE_MS=50 \
	STRESS_STOPFLAG="$deaf" \
	STRESS_REAL_STOPFLAG="$top_builddir/src/tool/stopflag"; then
	grep '^stress: VIOLATION' "$out" | grep -q 'did not end by itself' || {
		echo "FAIL: deaf stopflag sleep: no violation saying so"
		status=1
	}
fi
exit $status
