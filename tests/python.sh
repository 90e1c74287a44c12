#!/bin/sh
# python.sh: the Python module's unittest suite (python/tests/), run by
# $PYTHON against the build tree (PYTHONPATH names python/stage).
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/python-env.sh"
cd "$top_builddir"
exec "$PYTHON" -m unittest discover -v -s "$top_srcdir/python/tests" -p 'test_*.py'
