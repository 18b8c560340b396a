#!/bin/sh
# Docker end to end, as a user runs it: Debian's docker.io, a dockerd of our own (own data
# root, exec root, socket and pidfile; no iptables, no bridge, the vfs storage driver, so it
# neither touches nor needs the host's Docker), an image imported from a busybox-static rootfs
# (no registry), then the README's -v flags with -m 256m --cpus 0.5.
#
#   docker-run.sh VPROCFS_MOUNT WORKDIR
#
# Prints what the container saw between "== CONTAINER ==" and "== END ==". Exit status: 0 if
# the container ran; dockerd's log is printed on failure. Everything it started is stopped.
set -u
V=${1:?usage: docker-run.sh VPROCFS_MOUNT WORKDIR}
W=${2:?usage: docker-run.sh VPROCFS_MOUNT WORKDIR}
DOCKER=/usr/bin/docker # /usr/local/bin/docker may be an unrelated client
DOCKERD=/usr/sbin/dockerd
export DOCKER_HOST="unix://$W/docker.sock"
mkdir -p "$W/data" "$W/exec" "$W/img/bin" "$W/img/proc" "$W/img/sys" "$W/img/dev" "$W/img/etc"

cleanup() {
	if [ -s "$W/docker.pid" ]; then
		pid=$(cat "$W/docker.pid")
		kill "$pid" 2>/dev/null
		for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	fi
	# dockerd's own containerd and shims run under exec root: end those we started.
	for p in $(grep -l "$W" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
		[ "$p" != $$ ] && kill -9 "$p" 2>/dev/null
	done
	grep " $W/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
}
trap cleanup EXIT

for f in "$DOCKER" "$DOCKERD"; do
	[ -x "$f" ] || { echo "docker-run: $f missing (Debian's docker.io)"; exit 2; }
done
"$DOCKERD" --data-root "$W/data" --exec-root "$W/exec" -H "$DOCKER_HOST" \
	--pidfile "$W/docker.pid" --iptables=false --ip-masq=false --bridge=none \
	--storage-driver=vfs --userland-proxy=false --log-level=warn \
	> "$W/dockerd.log" 2>&1 &
up=""
for _ in $(seq 1 1200); do
	if "$DOCKER" version >/dev/null 2>&1; then up=1; break; fi
	kill -0 $! 2>/dev/null || break
	sleep 0.1
done
if [ -z "$up" ]; then
	echo "docker-run: dockerd did not come up:"; cat "$W/dockerd.log"; exit 1
fi

cp /bin/busybox "$W/img/bin/busybox"
for t in sh cat grep head echo nproc; do ln -s busybox "$W/img/bin/$t"; done
tar -C "$W/img" -cf - . | "$DOCKER" import - vprocfs-test/busybox:latest >/dev/null ||
	{ echo "docker-run: import failed"; cat "$W/dockerd.log"; exit 1; }

echo "== CONTAINER =="
# The README's flags, verbatim but for the mount point.
"$DOCKER" run --rm --network none -m 256m --cpus 0.5 \
	-v "$V/proc/meminfo:/proc/meminfo:rw" -v "$V/proc/cpuinfo:/proc/cpuinfo:rw" \
	-v "$V/proc/stat:/proc/stat:rw" -v "$V/proc/uptime:/proc/uptime:rw" \
	-v "$V/proc/loadavg:/proc/loadavg:rw" -v "$V/proc/swaps:/proc/swaps:rw" \
	-v "$V/sys/devices/system/cpu/online:/sys/devices/system/cpu/online:rw" \
	-v "$V/sys/devices/system/cpu/possible:/sys/devices/system/cpu/possible:rw" \
	-v "$V/sys/devices/system/cpu/present:/sys/devices/system/cpu/present:rw" \
	vprocfs-test/busybox:latest sh -c '
		head -n 1 /proc/meminfo
		echo PROCESSORS=$(grep -c ^processor /proc/cpuinfo)
		echo STATCPUS=$(grep -c "^cpu[0-9]" /proc/stat)
		echo ONLINE=$(head -n 1 /sys/devices/system/cpu/online)
		echo MOUNTS=$(grep -c " - fuse.vprocfs " /proc/self/mountinfo)'
r=$?
echo "== END =="
[ $r -eq 0 ] || { echo "docker-run: docker run exit $r"; tail -n 30 "$W/dockerd.log"; }
exit $r
