#!/bin/sh
# watcher.sh: the seed's second subtask, in shell: once ./stop exists, ask
# the whole group to stop (stopflagd then exits 0).  Check, sleep, repeat:
# the sleep ends at once if the group stops first.  (stopflagd's own
# watch-file task does the same with inotify, and no sleep.)
until [ -e stop ]; do
	stopflag sleep 100ms || exit 0
done
echo "watcher: ./stop appeared"
stopflag stop-all 0
