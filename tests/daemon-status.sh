#!/bin/sh
# daemon-status.sh: `stopflagd --status` tells the truth, read from outside
# the running daemon, checked against /proc:
#   - during the start, every answer is a consistent one;
#   - running: the pids are the tasks' own, no restarts, uptime grows,
#     the table and the JSON agree, the file is the daemon's user's only;
#   - a restart: both tasks restarting while one ignores its stop signal
#     (one-for-all), then new pids and one restart each;
#   - the stop: the group stopping with its cause, the tasks' states;
#     the file is gone once the daemon has exited;
#   - --ready's exit status agrees with the states it prints;
#   - refused cleanly (exit 3) with no daemon, no file, a stale file from a
#     killed daemon or a reused pid, and a second daemon on a live one's
#     file is refused; a garbled file exits 4; usage errors exit 64;
#   - the keeper outliving its master reads as stopping;
#   - a status file that cannot be written is logged once and the daemon
#     carries on, and says when it is written again;
#   - a relative --status-file keeps its meaning under --daemonize;
#   - the config of the contrib/ samples passes --check.
test_name=daemon-status test_limit=120
. "$top_srcdir/tests/daemon-lib.sh"

# python3 itself, not a shim that costs seconds on each call
py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null) ||
	{ echo "SKIP: no python3"; exit 77; }

st="$dir/st"

# The JSON checker: the schema, and what must hold of any answer; prints
# "STATE", then "NAME STATE PID RESTARTS" per task (pid - if null).
cat >"$dir/check.py" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
def need(ok, what):
    if not ok:
        print("bad status: %s: %s" % (what, json.dumps(d)), file=sys.stderr)
        sys.exit(1)
states = ("starting", "up", "ready", "stopping", "restarting", "exited")
need(isinstance(d["pid"], int) and d["pid"] > 0, "pid")
need(d["master"] is None or isinstance(d["master"], int), "master")
need(d["state"] in ("starting", "running", "stopping", "stopped"), "state")
need(isinstance(d["ready"], bool), "ready")
need(d["ready"] == (d["state"] == "running" and
     all(t["state"] in ("ready", "exited") for t in d["tasks"])), "ready")
need((d["cause"] is None) == (d["state"] in ("starting", "running")), "cause")
if d["cause"] is not None:
    need(set(d["cause"]) == {"reason", "code", "text"}, "cause keys")
for t in d["tasks"]:
    need(set(t) == {"name", "pid", "state", "restarts", "uptime_s"}, "keys")
    need(t["state"] in states, "task state")
    need(isinstance(t["restarts"], int) and t["restarts"] >= 0, "restarts")
    if t["state"] in ("up", "ready", "stopping"):
        need(isinstance(t["pid"], int) and t["pid"] > 0, "a running pid")
        need(isinstance(t["uptime_s"], (int, float)), "uptime")
    if t["state"] in ("starting", "exited"):
        need(t["pid"] is None and t["uptime_s"] is None, "no pid")
    if d["state"] == "starting" and d["master"] is None:
        need(t["state"] == "starting", "before the master")
print(d["state"])
for t in d["tasks"]:
    print(t["name"], t["state"], t["pid"] if t["pid"] else "-", t["restarts"])
EOF

# status [ARG...]: stopflagd --status on $st; stdout in $dir/sout, stderr in
# $dir/serr, the exit status in $src.
status() {
	"$stopflagd" --status --status-file "$st" "$@" >"$dir/sout" 2>"$dir/serr"
	src=$?
}

# js: --status --json, checked; the summary in $dir/sum.  False (with the
# reason in serr) if no daemon answered.
js() {
	status --json
	[ "$src" -eq 0 ] || return 1
	"$py" "$dir/check.py" "$dir/sout" >"$dir/sum" ||
		fail "--status --json: $(cat "$dir/sout")"
}

# tb: the table, cheaper to poll than python; the same summary.
tb() {
	status
	[ "$src" -eq 0 ] || return 1
	awk 'NR == 1 { sub(/,.*/, "", $4); print $4; next }
	     /^cause: / || /^TASK / { next }
	     { print $1, $3, $2, $4 }' "$dir/sout" >"$dir/sum"
}

field() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$dir/sum"; }
gstate() { head -n 1 "$dir/sum"; }

# until_tb CMD...: the table (bounded by the watchdog) until CMD is true of
# its answer; then --json must agree (checked).
until_tb() {
	while :; do
		if tb && "$@"; then
			js && "$@" && return 0
		fi
		alive "$pid" || return 1
		sleep 0.01
	done
}

# --ready's exit status agrees with what --json says at the same moment
# (nothing changes between the two: the caller makes sure).
ready_agrees() {
	js || fail "no answer"
	want=1
	"$py" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["ready"] else 1)' \
		"$dir/sout" && want=0
	status --ready
	[ "$src" -eq "$want" ] || fail "--status --ready exited $src; --json says ready=$want (0: yes)"
}

# ------------------------------------------------------------ refusals
status
[ "$src" -eq 3 ] && grep -q "no such file" "$dir/serr" ||
	fail "no daemon: exit $src: $(cat "$dir/serr")"
(unset RUNTIME_DIRECTORY; "$stopflagd" --status) >"$dir/sout" 2>"$dir/serr"
src=$?
[ "$src" -eq 3 ] && grep -q "no status file" "$dir/serr" ||
	fail "nowhere to look: exit $src: $(cat "$dir/serr")"
RUNTIME_DIRECTORY="$dir/rt:$dir/other" "$stopflagd" --status 2>"$dir/serr"
src=$?
[ "$src" -eq 3 ] && grep -q "$dir/rt/stopflagd.status: no such file" "$dir/serr" ||
	fail "RUNTIME_DIRECTORY: exit $src: $(cat "$dir/serr")"
"$stopflagd" --status --pidfile "$dir/x.pid" 2>"$dir/serr"
src=$?
[ "$src" -eq 3 ] && grep -q "$dir/x.status: no such file" "$dir/serr" ||
	fail "beside the pidfile: exit $src: $(cat "$dir/serr")"
for bad in "--json" "--ready" "--status --check" "--status --daemonize"; do
	# shellcheck disable=SC2086
	"$stopflagd" $bad --status-file "$st" >/dev/null 2>&1
	src=$?
	[ "$src" -eq 64 ] || fail "$bad: exit $src, want 64"
done
printf 'stopflagd-status 1\npid 1 2\nstate running\ntask up x 0 0 a\n' >"$st"
status
[ "$src" -eq 4 ] && grep -q "$st:4: not a stopflagd status file" "$dir/serr" ||
	fail "a garbled file: exit $src: $(cat "$dir/serr")"
# A live pid (this shell) that started at another time: stale, not ours.
printf 'stopflagd-status 1\npid %d 1\nmaster 0\nsince 0\nstate running\n' $$ >"$st"
status
[ "$src" -eq 3 ] && grep -q "stale: stopflagd pid $$ " "$dir/serr" ||
	fail "a reused pid: exit $src: $(cat "$dir/serr")"
rm -f "$st"
ok "refusals: no daemon, nowhere to look, garbled, reused pid, usage"

# The config the contrib/ samples run is a good one.
"$stopflagd" --check -c "$top_srcdir/contrib/stopflagd-sample.conf" >/dev/null ||
	fail "contrib/stopflagd-sample.conf is refused"

# ------------------------------------------------------------- start
# Many tasks, so that the start takes a while: every answer while it goes
# on is a consistent one (check.py), from no file yet to running.
{
	printf '[stopflagd]\ngrace = 10s\n'
	for i in $(seq 1 30); do
		printf '[task t%d]\ntype = exec\ncommand = sleep 1000\n' "$i"
	done
} >"$dir/many.conf"
launch -c many.conf --status-file "$st"
seen=
while :; do
	if tb; then
		s=$(gstate)
		case " $seen " in *" $s "*) ;; *) seen="$seen $s";; esac
		[ "$s" = starting ] && ! grep -qv "^starting$\| starting - 0$" "$dir/sum" ||
			[ "$s" = running ] || fail "during the start: $(cat "$dir/sum")"
		js || fail "during the start: the table answered, --json not"
		[ "$(gstate)" = running ] && break
	elif [ "$src" -ne 3 ]; then
		fail "during the start: exit $src: $(cat "$dir/serr")"
	fi
	alive "$pid" || fail "stopflagd ended during the start"
done
[ "$(grep -c ' up \| ready ' "$dir/sum")" -eq 30 ] ||
	fail "running: not 30 tasks up: $(cat "$dir/sum")"
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "many: exit $rc"
ok "the start: every answer consistent (seen:$seen)"

# ------------------------------------------------- start, running
config one-for-all.conf <<'EOF'
[stopflagd]
strategy = one-for-all
grace = 60s
max-restarts = 5

[task db]
type = exec
command = sleep 1000
restart = permanent

[task deaf]
type = exec
command = sh -c 'trap "" TERM; while [ ! -e release.$$ ]; do sleep 0.02; done'
restart = permanent
EOF
launch -c one-for-all.conf --status-file "$st"
seen=
while :; do
	js && s=$(gstate) && seen="$seen $s" && [ "$s" = running ] && break
	[ "$src" -eq 3 ] || [ "$src" -eq 0 ] ||
		fail "during the start: exit $src: $(cat "$dir/serr")"
	alive "$pid" || fail "stopflagd ended during the start"
	sleep 0.005
done
wait_log "running [0-9]* tasks" || fail "stopflagd did not start"
master=$(echo $(master_of "$pid"))
kids=$(tasks_of "$pid" | tr ' ' '\n' | sort -n | tr '\n' ' ')
js || fail "running: no answer"
told=$( (field db 3; field deaf 3) | sort -n | tr '\n' ' ')
[ "$told" = "$kids" ] || fail "running: pids $told, the tasks are $kids"
for t in db deaf; do
	# ready = started (the default): ready once running
	[ "$(field $t 2)" = ready ] || fail "running: $t is $(field $t 2)"
	[ "$(field $t 4)" -eq 0 ] || fail "running: $t restarted"
done
grep -q "\"master\":$master," "$dir/sout" || fail "running: master is not $master"
[ "$(stat -c %a "$st")" = 600 ] || fail "mode $(stat -c %a "$st"), want 600"
up1=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tasks"][0]["uptime_s"])' "$dir/sout")
ready_agrees
status --ready
[ "$src" -eq 0 ] || fail "running: --status --ready exited $src, want 0"
status
grep -Eq "^stopflagd pid $pid: running, up " "$dir/sout" &&
	grep -Eq "^db +$(field db 3) +ready +0 " "$dir/sout" ||
	fail "the table: $(cat "$dir/sout")"
js
up2=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tasks"][0]["uptime_s"])' "$dir/sout")
"$py" -c "import sys; sys.exit(0 if $up2 > $up1 else 1)" ||
	fail "uptime $up1 then $up2"
ok "start (seen:$seen) and running: pids, states, uptime, table, mode 0600"

# ----------------------------------------------------- a second daemon
"$stopflagd" -c "$dir/one-for-all.conf" --status-file "$st" >/dev/null 2>"$dir/serr"
src=$?
[ "$src" -eq 75 ] && grep -q "stopflagd pid $pid, which is running" "$dir/serr" ||
	fail "a second daemon on the same status file: exit $src: $(cat "$dir/serr")"
ok "a second daemon on a live one's status file is refused (75)"

# ------------------------------------------------------------- restart
db=$(field db 3)
deaf=$(field deaf 3)
kill -KILL "$db"
cycling() {
	[ "$(field db 2)" = restarting ] && [ "$(field deaf 2)" = restarting ] &&
		[ "$(field deaf 3)" = "$deaf" ]
}
until_tb cycling || fail "restart: never both restarting: $(cat "$dir/sum")"
[ "$(field db 3)" = - ] || fail "restart: the killed db still has pid $(field db 3)"
ready_agrees
touch "$dir/release.$deaf"
restarted() {
	[ "$(field db 4)" = 1 ] && [ "$(field deaf 4)" = 1 ] &&
		case $(field db 2)$(field deaf 2) in
		readyready) true;; *) false;; esac
}
until_tb restarted || fail "restart: never both ready again: $(cat "$dir/sum")"
kids=$(tasks_of "$pid" | tr ' ' '\n' | sort -n | tr '\n' ' ')
told=$( (field db 3; field deaf 3) | sort -n | tr '\n' ' ')
[ "$told" = "$kids" ] || fail "restart: pids $told, the tasks are $kids"
case " $kids " in *" $db "*|*" $deaf "*) fail "restart: an old pid is back";; esac
ok "restart: both restarting, then new pids, one restart each"

# ---------------------------------------------------------------- stop
deaf=$(field deaf 3)
kill -TERM "$pid"
stopping() { [ "$(gstate)" = stopping ]; }
until_tb stopping || fail "stop: never stopping"
"$py" - "$dir/sout" "$deaf" <<'EOF' || fail "stop: $(cat "$dir/sout")"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["cause"]
assert c["reason"] == "signal" and c["code"] == 15 and "SIGTERM" in c["text"], c
t = {t["name"]: t for t in d["tasks"]}
assert t["deaf"]["state"] == "stopping" and t["deaf"]["pid"] == int(sys.argv[2]), t
assert t["db"]["state"] in ("stopping", "exited"), t
EOF
status --ready
[ "$src" -eq 1 ] || fail "stop: --status --ready exited $src, want 1"
status
grep -q "^cause: signal 15 (SIGTERM)" "$dir/sout" || fail "stop: table: $(cat "$dir/sout")"
touch "$dir/release.$deaf"
stopped
[ "$rc" -eq 0 ] || fail "stop: exit $rc"
[ ! -e "$st" ] && [ ! -e "$st.tmp" ] || fail "stop: the status file is left"
status
[ "$src" -eq 3 ] || fail "after the stop: exit $src"
ok "stop: stopping with its cause, deaf task stopping; file removed at exit"

# ------------------------------------------------- a stale file, reused
config one.conf <<'EOF'
[stopflagd]
grace = 60s

[task deaf]
type = exec
command = sh -c 'trap "" TERM; while [ ! -e release.$$ ]; do sleep 0.02; done'
EOF
start -c one.conf --status-file "$st"
master=$(echo $master)
kill -KILL "$pid" "$master"
gone_within 10000 "$pid" "$master" || fail "stale: the daemon lives on"
for k in $kids; do touch "$dir/release.$k"; done
gone_within 10000 $kids || fail "stale: its task lives on"
[ -e "$st" ] || fail "stale: no file left to test with"
status
[ "$src" -eq 3 ] && grep -q "stale: stopflagd pid $pid " "$dir/serr" ||
	fail "stale: exit $src: $(cat "$dir/serr")"
start -c one.conf --status-file "$st"
master=$(echo $master)
js && [ "$(gstate)" = running ] || fail "a stale file is not replaced"
ok "a killed daemon's file is stale (3); the next daemon replaces it"

# ------------------------------------- the keeper outlives its master
kids=$(tasks_of "$pid")
kill -KILL "$master"
dying() { [ "$(gstate)" = stopping ] && grep -q "master (pid $master) died" "$dir/sout"; }
until_tb dying || fail "master killed: not stopping: $(cat "$dir/serr" "$dir/sout")"
for k in $kids; do touch "$dir/release.$k"; done
stopped
[ "$rc" -eq 137 ] || fail "master killed: exit $rc, want 137"
[ ! -e "$st" ] || fail "master killed: the keeper left the file"
ok "the keeper outliving its master reads as stopping; file removed"

# ------------------------------------------------ a file that cannot be written
mkdir "$dir/sub"
config flaky.conf <<'EOF'
[stopflagd]
strategy = one-for-one
max-restarts = 5

[task db]
type = exec
command = sleep 1000
restart = permanent
EOF
start -c flaky.conf --status-file "$dir/sub/st"
mv "$dir/sub" "$dir/gone"
for n in 2 3; do
	kill -KILL $(tasks_of "$pid")
	until [ "$(grep -c 'task db (pid [0-9]*): started' "$dir/log")" -ge "$n" ]; do
		alive "$pid" || fail "unwritable: the daemon ended"
		sleep 0.02
	done
done
[ "$(grep -c 'cannot write the status file' "$dir/log")" -eq 1 ] ||
	fail "unwritable: want one warning: $(grep 'status file' "$dir/log")"
mv "$dir/gone" "$dir/sub"
kill -KILL $(tasks_of "$pid")
wait_log "status file .* is written again" || fail "unwritable: never written again"
st="$dir/sub/st"
js && [ "$(field db 4)" -ge 3 ] || fail "unwritable: then $(cat "$dir/sum")"
kill -TERM "$pid"
stopped
[ "$rc" -eq 0 ] || fail "unwritable: exit $rc"
ok "an unwritable status file: logged once, the daemon carries on"

# ------------------------- a relative --status-file, with --daemonize
# --daemonize changes to /: the file is still where it was named.
(cd "$dir" && "$stopflagd" --daemonize --pidfile d.pid --status-file rel.st \
	-c flaky.conf) || fail "--daemonize: did not come up"
dpid=$(cat "$dir/d.pid")
pids="$pids $dpid"
[ -e "$dir/rel.st" ] || fail "--daemonize: no $dir/rel.st"
(cd "$dir" && "$stopflagd" --status --status-file rel.st >"$dir/sout" 2>"$dir/serr")
src=$?
[ "$src" -eq 0 ] && grep -q "^stopflagd pid $dpid: running" "$dir/sout" ||
	{ kill -TERM "$dpid"; fail "--daemonize: exit $src: $(cat "$dir/serr" "$dir/sout")"; }
kill -TERM "$dpid"
gone_within 20000 "$dpid" || fail "--daemonize: the daemon lives on"
[ ! -e "$dir/rel.st" ] || fail "--daemonize: the status file is left"
ok "a relative --status-file keeps its meaning under --daemonize"
