#!/bin/sh
# tests/lint/run.sh: cppcheck and clang-tidy over every C file, with the
# checked-in configurations (.clang-tidy, tests/lint/cppcheck.supp).
# Usage: run.sh SRCDIR BUILDDIR.  Any finding fails.  PYTHON_ISYSTEM:
# -isystem flags for Python.h (python/_stopflag.c).
set -u
src=$1 build=$2
cd "$src" || exit 1
files=$(git ls-files '*.c' 2>/dev/null) || files=$(find src examples tests -name '*.c')
status=0

echo "lint: cppcheck"
# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --std=c11 \
	--enable=warning,style,performance,portability --inline-suppr \
	--suppressions-list=tests/lint/cppcheck.supp \
	-D__linux__ -DCAA_BITS_PER_LONG=64 -I include -I src/lib -I tests \
	$files || status=1

echo "lint: clang-tidy"
for f in $files; do
	# The Python module needs Python.h, which a build without it lacks.
	case $f in python/*) [ -n "${PYTHON_ISYSTEM:-}" ] || continue ;; esac
	# shellcheck disable=SC2046
	clang-tidy --quiet "$f" -- -std=gnu11 -include "$build/config.h" \
		-I include -I src/lib -I src -I tests -I "$build" \
		$(pkg-config --cflags cmocka inih 2>/dev/null) ${PYTHON_ISYSTEM:-} \
		>"$build/lint.out" 2>&1 || {
		grep -v 'warnings generated' "$build/lint.out"
		status=1
	}
done
rm -f "$build/lint.out"
[ $status -eq 0 ] && echo "lint: clean"
exit $status
