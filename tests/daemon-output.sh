#!/bin/sh
# daemon-output.sh: stopflagd's key output, end to end.
#   - auto with stdout on a pipe: "NAME | line", names padded to one
#     width, stderr lines labelled on stderr, a per-task output =
#     inherit unlabelled;
#   - auto with stdout on a file: inherit, the lines as the tasks wrote
#     them;
#   - journal: against a fake journald, since no journald runs here: the
#     test makes a mount namespace (unshare -rm) with a tmpfs on /run and
#     listens on /run/systemd/journal/stdout, the path libsystemd's
#     sd_journal_stream_fd() connects to (it takes no other), with
#     tests/journal-listen.py.  Each task's stream must start with the
#     header libsystemd writes (identifier, unit, priority 6, level
#     prefix 1, three 0s) and carry its lines.  Both output = journal and
#     auto with JOURNAL_STREAM naming stderr's device and inode.  Skipped
#     (and said so) without libsystemd, unshare or python3.
test_name=daemon-output test_limit=120
. "$top_srcdir/tests/daemon-lib.sh"

cat >"$dir/two.conf" <<'CONF'
[stopflagd]
grace = 2s
strategy = one-for-one   ; ends once every task has

[task web]
type = exec
command = sh -c "echo hello; echo oops >&2; printf 'no newline'"

[task worker-7]
type = exec
command = sh -c "echo one; echo two"

[task raw]
type = exec
command = echo as it is
output = inherit
CONF

# auto, stdout on a pipe: prefix
(cd "$dir" && exec "$stopflagd" -c two.conf) 2>"$dir/err" | cat >"$dir/out" &
pids="$pids $!"
wait $!
grep -qx 'web      | hello' "$dir/out" || fail "no 'web      | hello' in: $(cat "$dir/out")"
grep -qx 'web      | no newline' "$dir/out" || fail "last line without newline lost"
grep -qx 'worker-7 | one' "$dir/out" && grep -qx 'worker-7 | two' "$dir/out" ||
	fail "worker-7's lines: $(cat "$dir/out")"
grep -qx 'as it is' "$dir/out" || fail "output = inherit: $(cat "$dir/out")"
[ "$(wc -l <"$dir/out")" -eq 5 ] || fail "not 5 lines: $(cat "$dir/out")"
grep -qx 'web      | oops' "$dir/err" || fail "stderr line not labelled on stderr"
grep -q 'oops' "$dir/out" && fail "a stderr line on stdout"
ok "auto on a pipe: prefix"

# auto, stdout on a file: inherit
run -c two.conf
[ "$rc" -eq 0 ] || fail "exit status $rc"
grep -qx 'hello' "$dir/out" && grep -qx 'two' "$dir/out" ||
	fail "inherit: $(cat "$dir/out")"
grep -q '|' "$dir/out" && fail "inherit: labelled: $(cat "$dir/out")"
ok "auto on a file: inherit"

# the master SIGKILLed mid-stream: the keeper stays, the relay writes
# what the task wrote and ends by itself; every line arrives whole and in
# order, none missing
cat >"$dir/loop.conf" <<'CONF'
[stopflagd]
output = prefix
grace = 2s

[task loop]
type = exec
command = sh -c 'i=0; while :; do echo line $i; i=$((i + 1)); done'
CONF
start -c loop.conf
wait_file out '^loop \| line 2000$' 30 || fail "no 'loop | line 2000'"
master=$(echo $master)   # one pid, without the space /proc gives
relay=   # the master's child that is a fork of it, not the task (sh)
for c in $(children_of "$master"); do
	[ "$(cat "/proc/$c/comm")" = "$(cat "/proc/$master/comm")" ] && relay=$c
done
[ -n "$relay" ] || fail "no relay among the children of master $master"
kill -KILL "$master"
stopped
gone_within 5000 "$relay" || fail "the relay (pid $relay) outlived the master by 5 s"
awk -v bad=0 '
	$0 !~ /^loop \| line [0-9]+$/ { print "not a whole line: " $0; bad = 1; exit }
	{ n = $4 + 0; if (n != NR - 1) { print "line " NR - 1 " is missing (got " n ")"; bad = 1; exit } }
	END { exit bad }' "$dir/out" || fail "the output after the master's SIGKILL"
ok "master SIGKILLed: $(wc -l <"$dir/out") lines, whole and in order; the relay ended"

if ! grep -q '^#define HAVE_LIBSYSTEMD 1' "$top_builddir/config.h"; then
	echo "SKIP: journal: stopflagd built without libsystemd"
	exit 0
fi
if ! command -v "${PYTHON:-python3}" >/dev/null || ! unshare -rm true 2>/dev/null; then
	echo "SKIP: journal: needs python3 and unshare -rm (user and mount namespaces)"
	exit 0
fi

cat >"$dir/tasks.conf" <<'CONF'
[stopflagd]
strategy = one-for-one

[task web]
type = exec
command = sh -c "echo hello; echo '<3>bad thing' >&2; printf 'tail'"

[task db]
type = exec
command = sh -c "echo ready"
CONF
sed 's/^\[stopflagd\]$/&\noutput = journal/' "$dir/tasks.conf" >"$dir/journal.conf"

# journal CONF N [ENV...]: stopflagd -c CONF in a namespace with the fake
# journald, with the given environment added; stdout in $dir/out, stderr
# in $dir/err (the same inode throughout), the N streams expected in
# $dir/j/stream.N
journal() {
	conf=$1 streams=$2
	shift 2
	rm -rf "$dir/j" && mkdir "$dir/j"
	srcdir=$top_srcdir dir=$dir stopflagd=$stopflagd conf=$conf \
	streams=$streams python=${PYTHON:-python3} \
	unshare -rm sh -c '
		mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal || exit 90
		"$python" "$srcdir/tests/journal-listen.py" \
			/run/systemd/journal/stdout "$dir/j" &
		listener=$!
		n=200
		while [ ! -e "$dir/j/ready" ] && [ $n -gt 0 ]; do
			sleep 0.05; n=$((n - 1)); done
		(cd "$dir" && exec env "$@" "$stopflagd" -c "$conf")
		rc=$?
		n=200   # until the streams it got are written down
		while [ "$(ls "$dir/j" | grep -c "^stream\.[0-9]*$")" -lt "$streams" ] &&
		      [ $n -gt 0 ]; do
			sleep 0.05; n=$((n - 1)); done
		kill $listener
		exit $rc' sh "$@" >"$dir/out" 2>>"$dir/err" &
	last=$!
	pids="$pids $last"
	wait $last
	rc=$?
	[ "$rc" -eq 0 ] || fail "journal: exit status $rc"
}

check_streams() {
	web= db=
	for f in "$dir"/j/stream.*; do
		[ -e "$f" ] || continue
		case $(head -n 1 "$f") in
		web) web=$f ;;
		db) db=$f ;;
		esac
	done
	[ -n "$web" ] && [ -n "$db" ] || fail "$1: no stream for web and db: $(ls -l "$dir/j")"
	printf 'web\n\n6\n1\n0\n0\n0\nhello\n<3>bad thing\ntail' | cmp -s - "$web" ||
		fail "$1: web's stream: $(od -c "$web" | head)"
	printf 'db\n\n6\n1\n0\n0\n0\nready\n' | cmp -s - "$db" ||
		fail "$1: db's stream: $(od -c "$db" | head)"
	grep -q 'hello' "$dir/out" && fail "$1: a task's line on stdout"
	ok "$1: each task its own stream"
}

: >"$dir/err"
journal journal.conf 2
check_streams "output = journal"

# libsystemd is loaded only while the master opens the streams: the
# master a task sees (its parent) maps none of it, so no fork copies it
cat >"$dir/maps.conf" <<'CONF'
[stopflagd]
output = journal

[task maps]
type = exec
command = sh -c 'grep -c libsystemd /proc/$PPID/maps; true'
CONF
journal maps.conf 1
printf 'maps\n\n6\n1\n0\n0\n0\n0\n' | cmp -s - "$dir/j/stream.0" ||
	fail "the master maps libsystemd while its tasks run: $(od -c "$dir/j/stream.0" | head)"
ok "output = journal: libsystemd is not mapped once the tasks run"

# auto: the journal when JOURNAL_STREAM names stderr, as systemd sets it
journal tasks.conf 2 "JOURNAL_STREAM=$(stat -c '%d:%i' "$dir/err")"
check_streams "auto, JOURNAL_STREAM naming stderr"
journal tasks.conf 0 "JOURNAL_STREAM=1:2"
grep -qx 'hello' "$dir/out" || fail "auto, JOURNAL_STREAM naming another file: not inherit"
[ -z "$(ls "$dir/j" | grep stream)" ] || fail "auto, JOURNAL_STREAM naming another file: a stream"
ok "auto, JOURNAL_STREAM naming another file: inherit"
