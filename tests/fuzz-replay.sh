#!/bin/sh
# fuzz-replay.sh: every input of the fuzz targets' seed corpus, and every
# input that ever crashed one (tests/fuzz/corpus/TARGET/), once more
# through the target, built with the ordinary compiler; the config loader
# also takes the bad configs of the daemon tests.  Any crash or broken
# property fails.
: "${top_builddir:?}" "${top_srcdir:?}"
status=0
for t in config duration signal command; do
	seeds="$top_srcdir/tests/fuzz/corpus/$t"
	[ "$t" = config ] && seeds="$seeds $top_srcdir/tests/daemon-bad $top_srcdir/tests/daemon-good.conf"
	# shellcheck disable=SC2086
	if "$top_builddir/tests/fuzz/replay-$t" $seeds; then
		echo "ok: fuzz-replay $t"
	else
		echo "FAIL: fuzz-replay $t"
		status=1
	fi
done
exit $status
