# tests/watchdog.sh: the shell tests' watchdog.  Source it, then
#     watchdog SECONDS COMMAND [ARG...]
# runs COMMAND (a shell function is fine) in the background once SECONDS
# have passed, and sets $watchdog to the pid to kill when it is no longer
# wanted: a SIGTERM ends it together with its sleep, so that a test that
# finished leaves no sleep behind, and COMMAND never runs after it.
watchdog() {
	_watchdog_s=$1
	shift
	(
		trap 'kill $s 2>/dev/null; exit 0' TERM
		sleep "$_watchdog_s" & s=$!
		wait $s && "$@"
	) &
	watchdog=$!
}
