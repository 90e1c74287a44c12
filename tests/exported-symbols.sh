#!/bin/sh
# exported-symbols.sh: the names libstopflag.so exports are exactly the
# SF_EXPORT functions of include/stopflag.h, and exactly the names of the
# version script src/lib/libstopflag.sym: none missing, none extra, so
# that the header (the manual), the ABI list and the library cannot drift
# apart.  (Skipped when the library was built without a shared object.)
set -u
so="$top_builddir/.libs/libstopflag.so"
header="$top_srcdir/include/stopflag.h"
script="$top_srcdir/src/lib/libstopflag.sym"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

[ -f "$so" ] || { echo "SKIP: no $so (a static-only build)"; exit 77; }

# SF_EXPORT <type> <name>(...: the name before the first '('.  Lines that
# do not start with SF_EXPORT (the SF_PLUGIN macro's, for a plugin's own
# symbols) are not the library's.
grep '^SF_EXPORT' "$header" |
	sed -E 's/^[^(]*[^A-Za-z0-9_(]([A-Za-z_][A-Za-z0-9_]*)\(.*$/\1/' |
	sort >"$dir/header"
# The names of the global: section, up to local:.
sed -n '/^global:/,/^local:/p' "$script" | grep -v ':' |
	sed -E 's/[[:space:];]//g' | grep -v '^$' | sort >"$dir/script"
# Defined dynamic symbols, without their version and the version node.
${NM:-nm} -D --defined-only "$so" | awk '$2 != "A" { print $3 }' |
	sed 's/@.*//' | sort -u >"$dir/library"

[ -s "$dir/header" ] || fail "no SF_EXPORT name found in stopflag.h"
[ -s "$dir/library" ] || fail "nm found no symbol in $so"
for list in script library; do
	if ! cmp -s "$dir/header" "$dir/$list"; then
		fail "stopflag.h's SF_EXPORT names and the $list differ" \
		     "(< only in stopflag.h, > only in the $list):"
		diff "$dir/header" "$dir/$list" | grep '^[<>]' | sed 's/^/  /'
	fi
done
[ "$failures" -eq 0 ] || exit 1
echo "ok: $(wc -l <"$dir/header") names, the same in stopflag.h, libstopflag.sym and the library"
