#!/bin/sh
# daemon-cli.sh: the command line.  Usage errors exit 64 with the usage on
# stderr; --help and --version exit 0; a config that is missing or cannot
# be read exits 66 with its name; --check takes a good config (and the
# embedded default) and starts nothing.
test_name=daemon-cli test_limit=60
. "$top_srcdir/tests/daemon-lib.sh"

usage_error() {
	run "$@"
	[ "$rc" -eq 64 ] || fail "'$*': exit status $rc, not 64"
	grep -q '^usage: stopflagd ' "$dir/err" || fail "'$*': no usage"
	[ -s "$dir/out" ] && fail "'$*': wrote to stdout"
	ok "'$*' is a usage error"
}
usage_error --bogus
usage_error -x
usage_error --check --daemonise
usage_error -c
usage_error --pidfile
usage_error --pidfile ''
usage_error --check extra-argument
grep -q "unexpected argument 'extra-argument'" "$dir/err" ||
	fail "the extra argument is not named"

run --help
[ "$rc" -eq 0 ] || fail "--help: exit status $rc"
grep -q -- '--daemonize' "$dir/out" || fail "--help does not list --daemonize"
run --version
[ "$rc" -eq 0 ] || fail "--version: exit status $rc"
grep -q '^stopflagd (stopflag) [0-9]' "$dir/out" || fail "--version: $(cat "$dir/out")"
ok "--help and --version"

run --check -c "$dir/no-such.conf"
[ "$rc" -eq 66 ] || fail "missing config: exit status $rc, not 66"
grep -q "no-such.conf: No such file" "$dir/err" || fail "missing config not named"
run -c "$dir/no-such.conf"
[ "$rc" -eq 66 ] || fail "missing config, no --check: exit status $rc"
mkdir "$dir/a-directory.conf"
run --check -c "$dir/a-directory.conf"
[ "$rc" -eq 66 ] || fail "a directory as config: exit status $rc, not 66"
grep -q "a-directory.conf: Is a directory" "$dir/err" || fail "directory not named"
if [ "$(id -u)" -ne 0 ]; then
	: >"$dir/unreadable.conf"
	chmod 000 "$dir/unreadable.conf"
	run --check -c "$dir/unreadable.conf"
	[ "$rc" -eq 66 ] || fail "unreadable config: exit status $rc, not 66"
fi
ok "missing or unreadable config: 66"

run --check -c "$top_srcdir/tests/daemon-good.conf"
[ "$rc" -eq 0 ] || fail "good config refused"
grep -q 'OK, 7 tasks' "$dir/out" || fail "--check said: $(cat "$dir/out")"
[ -s "$dir/err" ] && fail "--check of a good config wrote to stderr"
run --check
[ "$rc" -eq 0 ] || fail "the embedded default refused"
grep -q '(embedded default): OK, 2 tasks' "$dir/out" || fail "--check said: $(cat "$dir/out")"
[ -e "$dir/stop" ] && fail "--check created ./stop"
ok "--check takes good configs"
