#!/bin/sh
# autogen.sh: install missing build dependencies, regenerate the build
# system, then run ./configure with the arguments given to this script.
#
# As root it installs what is missing with apt-get (after apt-get update);
# otherwise it prints the exact apt-get line to run and exits 1.
set -e
cd "$(dirname "$0")"

# The Debian packages the build needs.  Later features add theirs here.
# gnuplot-nox draws `make bench`'s plots (stopflag-bench --plot).
deps="gcc make autoconf automake libtool pkg-config autoconf-archive
liburcu-dev libcmocka-dev libinih-dev libsystemd-dev gnuplot-nox python3-dev"

installed() {
	dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed
}

missing=
if command -v dpkg-query >/dev/null 2>&1; then
	for pkg in $deps; do
		installed "$pkg" || missing="$missing $pkg"
	done
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "autogen.sh: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $missing
	else
		echo "autogen.sh: missing build dependencies:$missing" >&2
		echo "autogen.sh: install them with:" >&2
		echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
		exit 1
	fi
fi

autoreconf -fi
./configure "$@"
