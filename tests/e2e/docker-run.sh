#!/bin/sh
# Docker end to end, as a user runs it: Debian's docker.io, a dockerd of our own (own data
# root, exec root, socket and pidfile; no iptables, no bridge, the vfs storage driver, so it
# neither touches nor needs the host's Docker), an image imported from a busybox-static rootfs
# (no registry), then the README's -v flags with -m 256m --cpus 0.5.
#
#   docker-run.sh VPROCFS_MOUNT WORKDIR [SHIM HOOK SECCOMP_SOCKET PROBE]
#
# With SHIM: dockerd also gets `--add-runtime vprocfs=` a wrapper that runs vprocfs-runc
# (pointed at this test's mount point, hook and seccomp socket), and a second container runs
# with `--runtime vprocfs` and no -v flag at all; PROBE (the static sysinfo probe) goes into
# the image.
#
# Prints what the container saw between "== CONTAINER ==" and "== END ==". Exit status: 0 if
# the container ran; dockerd's log is printed on failure. Everything it started is stopped.
set -u
V=${1:?usage: docker-run.sh VPROCFS_MOUNT WORKDIR}
W=${2:?usage: docker-run.sh VPROCFS_MOUNT WORKDIR}
SHIM=${3:-} HOOK=${4:-} SOCK=${5:-} PROBE=${6:-}
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
RUNTIME_OPT=""
if [ -n "$SHIM" ]; then
	# What an operator writes in daemon.json "runtimes" (or --add-runtime), with the shim's
	# settings for this test's daemon in its environment.
	cat > "$W/vprocfs-runc" <<WRAP
#!/bin/sh
VPROCFS_MOUNTPOINT='$V' VPROCFS_HOOK='$HOOK' VPROCFS_SECCOMP_SOCKET='$SOCK' \
VPROCFS_RUNC_CONF='$W/runc.conf' exec '$SHIM' "\$@"
WRAP
	: > "$W/runc.conf" # an empty one: never the host's /etc/vprocfs/runc.conf
	chmod 0755 "$W/vprocfs-runc"
	RUNTIME_OPT="--add-runtime=vprocfs=$W/vprocfs-runc"
fi
"$DOCKERD" --data-root "$W/data" --exec-root "$W/exec" -H "$DOCKER_HOST" $RUNTIME_OPT \
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
for t in sh cat grep head echo nproc free uptime ls wc; do ln -s busybox "$W/img/bin/$t"; done
[ -z "$PROBE" ] || cp "$PROBE" "$W/img/bin/probe"
tar -C "$W/img" -cf - . | "$DOCKER" import - vprocfs-test/busybox:latest >/dev/null ||
	{ echo "docker-run: import failed"; cat "$W/dockerd.log"; exit 1; }

echo "== CONTAINER =="
# The README's flags, verbatim but for the mount point.
"$DOCKER" run --rm --network none -m 256m --cpus 0.5 \
	-v "$V/proc/meminfo:/proc/meminfo:rw" -v "$V/proc/cpuinfo:/proc/cpuinfo:rw" \
	-v "$V/proc/stat:/proc/stat:rw" -v "$V/proc/uptime:/proc/uptime:rw" \
	-v "$V/proc/loadavg:/proc/loadavg:rw" -v "$V/proc/swaps:/proc/swaps:rw" \
	-v "$V/proc/diskstats:/proc/diskstats:rw" \
	-v "$V/sys/devices/system/cpu:/sys/devices/system/cpu:rw" \
	$(for b in /sys/class/block/*; do [ -e "$b" ] || continue; n=${b##*/}; echo -v $V/sys/class/block/$n/stat:/sys/class/block/$n/stat:rw; done) \
	vprocfs-test/busybox:latest sh -c '
		head -n 1 /proc/meminfo
		echo PROCESSORS=$(grep -c ^processor /proc/cpuinfo)
		echo STATCPUS=$(grep -c "^cpu[0-9]" /proc/stat)
		echo ONLINE=$(head -n 1 /sys/devices/system/cpu/online)
		echo CPUDIRS=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)
		echo MOUNTS=$(grep -c " - fuse.vprocfs " /proc/self/mountinfo)'
r=$?
echo "== END =="
[ $r -eq 0 ] || { echo "docker-run: docker run exit $r"; tail -n 30 "$W/dockerd.log"; exit $r; }
[ -n "$SHIM" ] || exit 0

echo "== SHIM CONTAINER =="
# No -v flag: vprocfs-runc adds the hook (the files) and hands sysinfo to the agent.
"$DOCKER" run --rm --network none --runtime vprocfs -m 256m --cpus 0.5 \
	vprocfs-test/busybox:latest sh -c '
		head -n 1 /proc/meminfo
		echo PROCESSORS=$(grep -c ^processor /proc/cpuinfo)
		echo LOADAVG=$(head -n 1 /proc/loadavg)
		echo MOUNTS=$(grep -c " - fuse.vprocfs " /proc/self/mountinfo)
		free | grep Mem:
		uptime
		probe'
r=$?
echo "== END =="
[ $r -eq 0 ] || { echo "docker-run: docker run --runtime vprocfs exit $r"; tail -n 30 "$W/dockerd.log"; }
exit $r
