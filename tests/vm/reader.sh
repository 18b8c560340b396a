#!/bin/sh
# A container for the test lab's systemd suite: its own pid and mount namespaces, the
# vprocfs meminfo bind-mounted over /proc/meminfo, reading it in a loop until STOPFILE exists.
# Run in a cgroup limited to LIMIT_KB. After every read COUNTS holds
# "reads=N bad=N errors=N" (bad: another MemTotal than LIMIT_KB; errors: the read failed);
# failures' messages are appended to COUNTS.err.
#   reader.sh LIMIT_KB COUNTS STOPFILE
limit=$1 counts=$2 stop=$3
exec unshare --pid --fork --mount --propagation private --mount-proc sh -c '
	limit=$1 counts=$2 stop=$3
	mount --bind /var/lib/vprocfs/proc/meminfo /proc/meminfo || exit 99
	n=0 bad=0 err=0
	while [ ! -e "$stop" ]; do
		if line=$(head -n 1 /proc/meminfo 2>>"$counts.err"); then
			set -- $line
			[ "$2" = "$limit" ] || { bad=$((bad + 1)); echo "bad: $line" >> "$counts.err"; }
		else
			err=$((err + 1))
		fi
		n=$((n + 1))
		echo "reads=$n bad=$bad errors=$err" > "$counts.tmp" && mv "$counts.tmp" "$counts"
	done' reader "$limit" "$counts" "$stop"
