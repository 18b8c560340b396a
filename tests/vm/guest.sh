#!/bin/sh
# Inside a test-lab guest (tests/vm/vmtest.sh): set up a pure cgroup v2 machine and run the
# suites named on the kernel command line (vmtest.suites=a,b,...), each a function below.
# `guest.sh pid1`: we are PID 1 (plain init): mount the API file systems first, power off at
# the end. `guest.sh service`: systemd is PID 1 and runs us as vmtest.service.
# Prints "VMTEST-SUMMARY ..." and, last, "VMTEST-EXIT N" (0: every suite passed, none skipped).
set -u
MODE=${1:-pid1}
arg() { sed -n "s/.*\bvmtest\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

if [ "$MODE" = pid1 ]; then
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	mkdir -p /dev/pts /dev/shm
	mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
	hostname vmtest
	ip link set lo up 2>/dev/null || true
fi
REPO=$(arg repo); BUILD=$(arg build); SUITES=$(arg suites); ACCEL=$(arg accel)
for m in fuse overlay; do modprobe -q "$m" 2>/dev/null; done
# Every controller for children of the root (the root itself may hold processes).
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
		echo "vmtest: cannot enable $c"
done

echo "VMTEST-BEGIN"
echo "guest: kernel $(uname -r), init $(cat /proc/1/comm), accel $ACCEL, $(nproc) CPUs," \
	"$(awk '/MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo)"
echo "guest: cgroup mode: $(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup, controllers:" \
	"$(cat /sys/fs/cgroup/cgroup.controllers)"
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || echo "guest: NOT a pure cgroup v2 guest"

. "$REPO/tests/vm/suites.sh"
total_fail=0
summary=""
for s in $(echo "$SUITES" | tr , ' '); do
	echo "==== suite $s ===="
	t0=$(date +%s)
	if suite_"$s"; then r=pass; else r=FAIL; total_fail=$((total_fail + 1)); fi
	summary="$summary $s=$r($(( $(date +%s) - t0 ))s${SUITE_COUNTS:+,$SUITE_COUNTS})"
	SUITE_COUNTS=""
done
echo "VMTEST-SUMMARY kernel $(uname -r), $(stat -fc %T /sys/fs/cgroup), init $(cat /proc/1/comm):$summary"
echo "VMTEST-EXIT $total_fail"
sync
if [ "$MODE" = pid1 ]; then
	echo o > /proc/sysrq-trigger
	sleep 60
else
	systemctl --no-block poweroff
fi
exit "$total_fail"
