# python-env.sh: sourced by the tests that run $PYTHON on the build tree.
# In the sanitizer build the module carries ASan, whose runtime must be
# loaded before the interpreter (not built with it): SF_PY_PRELOAD names
# it.  Leak detection is off there: it would report the interpreter's own
# allocations that live until exit, not the module's.
: "${PYTHON:?}" "${PYTHONPATH:?}"
if [ -n "${SF_PY_PRELOAD:-}" ]; then
	LD_PRELOAD="$SF_PY_PRELOAD${LD_PRELOAD:+:$LD_PRELOAD}"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export LD_PRELOAD ASAN_OPTIONS
fi
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE
