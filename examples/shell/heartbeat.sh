#!/bin/sh
# heartbeat.sh: the seed's first subtask, in shell: a line every 5 s until
# the group stops.  Its stop signal is ignored so that the flag, which
# wakes `stopflag sleep` at once, ends the loop after the round in hand.
# It says it is ready once that is so (ready = notify): the watcher, which
# may stop the group at once, starts only then (after = heartbeat).
trap '' TERM
stopflag ready
beat=1
while stopflag sleep 5s; do
	echo "heartbeat: $beat"
	beat=$((beat + 1))
done
echo "heartbeat: stopping: $(stopflag cause)"
