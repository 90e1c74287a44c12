#!/bin/sh
# python.sh: the Python module's unittest suite (python/tests/), run by
# $PYTHON against the build tree (PYTHONPATH names python/stage).  In the
# sanitizer build the module carries ASan, which must be loaded before the
# interpreter (not built with it): SF_PY_PRELOAD names its runtime.  Leak
# detection is off there: it would report the interpreter's own
# allocations that live until exit, not the module's.
set -eu
: "${PYTHON:?}" "${top_srcdir:?}" "${top_builddir:?}"
if [ -n "${SF_PY_PRELOAD:-}" ]; then
	LD_PRELOAD="$SF_PY_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export LD_PRELOAD ASAN_OPTIONS
fi
cd "$top_builddir"
exec "$PYTHON" -m unittest discover -v -s "$top_srcdir/python/tests" -p 'test_*.py'
