#!/bin/sh
# make bench: open -> read to EOF -> close cycles per second of each served file, with 1, 2, 4
# and 8 concurrent readers each in its own container cgroup (512 MiB, 1 CPU, cpuset copied
# from the parent), against, in the same run:
#   native  the host's /proc file
#   ref     bench/reffs: a trivial FUSE file system serving a constant file of the same size
#           with the same mount options and open flags (the transport floor)
#   lxcfs   Debian's lxcfs -l --enable-cfs on a temporary mount point (skipped when absent)
#   vprocfs this build
# then a scale run (1, 100, 1000 containers read round-robin by 4 readers), and the load
# sampler's CPU use with 1000 containers x 10 threads. Medians over REPS runs. Needs root.
#
# Usage: bench/run.sh BUILD_DIR [SECONDS] [REPS]
# Environment: FILES ("meminfo cpuinfo stat uptime loadavg"), READERS ("1 2 4 8"),
#   SCALE ("1 100 1000", "" to skip), SCALE_FILES ("meminfo stat"), PARK (1000, 0 to skip).
set -eu
B=${1:-build}; SECS=${2:-2}; REPS=${3:-3}
FILES=${FILES-"meminfo cpuinfo stat uptime loadavg"}
READERS=${READERS-"1 2 4 8"}
SCALE=${SCALE-"1 100 1000"}
SCALE_FILES=${SCALE_FILES-"meminfo stat"}
PARK=${PARK-1000}
RB="$B/bench/readbench"
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }

TAG="vprocfs-bench-$$"
HZ=$(getconf CLK_TCK)
WORK=$(mktemp -d /tmp/vprocfs-bench-XXXXXX)
MNT="$WORK/vprocfs"; REF="$WORK/ref"; REFDIR="$WORK/refdata"; LX="$WORK/lxcfs"
mkdir "$MNT" "$REF" "$REFDIR" "$LX"

# ---- cgroups: one dir per hierarchy (v1) or one dir (v2) per container ------------------------
V2ROOT=""
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] &&
	grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	V2ROOT=/sys/fs/cgroup
fi
v1mount() { # controller -> its v1 mount point
	awk -v c="$1" '$9 == "cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++)
		if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo
}
if [ -n "$V2ROOT" ]; then
	HIERS="$V2ROOT"
	for c in +memory +cpu +cpuset; do
		echo "$c" > "$V2ROOT/cgroup.subtree_control" 2>/dev/null || true
	done
else
	HIERS=""
	for c in memory cpu cpuacct cpuset; do
		m=$(v1mount $c)
		[ -n "$m" ] && case " $HIERS " in *" $m "*) ;; *) HIERS="$HIERS $m" ;; esac
	done
fi
mkcg() { # relative path -> creates it in every hierarchy; containers (a/b) get limits
	for h in $HIERS; do
		d="$h/$1"; mkdir -p "$d"
		case "$1" in */*) leaf=1 ;; *) leaf=0 ;; esac
		if [ -n "$V2ROOT" ]; then
			if [ $leaf = 1 ]; then
				echo 536870912 > "$d/memory.max"; echo "100000 100000" > "$d/cpu.max"
			else
				for c in +memory +cpu +cpuset; do
					echo "$c" > "$d/cgroup.subtree_control" 2>/dev/null || true
				done
			fi
			continue
		fi
		if [ -f "$d/cpuset.cpus" ]; then
			cat "$d/../cpuset.cpus" > "$d/cpuset.cpus"; cat "$d/../cpuset.mems" > "$d/cpuset.mems"
		fi
		if [ $leaf = 1 ] && [ -f "$d/memory.limit_in_bytes" ]; then
			echo 536870912 > "$d/memory.limit_in_bytes"
		fi
		if [ $leaf = 1 ] && [ -f "$d/cpu.cfs_quota_us" ]; then
			echo 100000 > "$d/cpu.cfs_quota_us"
		fi
	done
}
ctr() { # index -> the container's comma-separated dirs
	out=""; for h in $HIERS; do out="$out${out:+,}$h/$TAG/c$1"; done; echo "$out"
}
ctrs() { # count -> that many containers' dir lists
	i=0; while [ "$i" -lt "$1" ]; do ctr "$i"; i=$((i + 1)); done
}
NCTR=8
for n in $SCALE; do [ "$n" -gt "$NCTR" ] && NCTR=$n; done
[ "$PARK" -gt "$NCTR" ] && NCTR=$PARK

cleanup() {
	set +e
	[ -n "${PPID_PARK:-}" ] && kill "$PPID_PARK" 2>/dev/null && wait "$PPID_PARK" 2>/dev/null
	for p in ${DPID:-} ${RPID:-} ${LPID:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for m in "$MNT" "$REF" "$LX"; do umount -l "$m" 2>/dev/null; done
	for h in $HIERS; do
		[ -d "$h/$TAG" ] || continue
		for d in "$h/$TAG"/c[0-9]*; do
			[ -d "$d" ] && for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p"; done
		done
		sleep 0.2
		find "$h/$TAG" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$h/$TAG" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkcg "$TAG"
i=0; while [ "$i" -lt "$NCTR" ]; do mkcg "$TAG/c$i"; i=$((i + 1)); done

# ---- the file systems ------------------------------------------------------------------------
wait_for() { for i in $(seq 100); do [ -r "$1" ] && return 0; sleep 0.05; done; return 1; }
"$B/vprocfs" "$MNT" 2>"$WORK/vprocfs.log" & DPID=$!
wait_for "$MNT/proc/meminfo" || { cat "$WORK/vprocfs.log"; exit 1; }
# The reference serves what vprocfs renders for a container, byte for byte the same size.
for f in $FILES; do
	sh -c "for d in \$(echo '$(ctr 0)' | tr , ' '); do echo \$\$ > \$d/cgroup.procs; done
		cat '$MNT/proc/$f'" > "$REFDIR/$f"
done
"$B/bench/reffs" "$REFDIR" "$REF" & RPID=$!
wait_for "$REF/proc/$(set -- $FILES; echo "$1")"
LXV=""
if command -v lxcfs >/dev/null 2>&1; then
	lxcfs -l --enable-cfs "$LX" >"$WORK/lxcfs.log" 2>&1 & LPID=$!
	wait_for "$LX/proc/meminfo" && LXV=$(lxcfs --version 2>&1 | tr -d '"' | head -1) || LPID=""
fi

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
# measure PATH READERS [PID]: median cycles/s; with PID, also writes the daemon's µs of CPU
# per read to $WORK/cpu (measure runs in a subshell)
measure() {
	t0=0; [ -n "${3:-}" ] && t0=$(ticks "$3")
	res=$(for r in $(seq "$REPS"); do
		"$RB" cycles "$1" "$2" "$SECS" $(ctrs "$2") > "$WORK/out" || {
			echo "bench: errors reading $1: $(cat "$WORK/out")" >&2; exit 1; }
		cut -d' ' -f1 "$WORK/out"; done)
	echo - > "$WORK/cpu"
	if [ -n "${3:-}" ]; then
		t1=$(ticks "$3")
		total=$(echo "$res" | awk -v s="$SECS" '{t += $1 * s} END {print t}')
		awk -v t=$((t1 - t0)) -v c="$total" -v hz="$HZ" \
			'BEGIN { printf "%.1f\n", t / hz / c * 1e6 }' > "$WORK/cpu"
	fi
	echo "$res" | median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f×", a / b; else print "-" }'; }

echo "# vprocfs bench: $(nproc) CPUs, kernel $(uname -r), cgroup $([ -n "$V2ROOT" ] && echo v2 || echo v1/hybrid)"
echo "# $(pkg-config --modversion fuse3 2>/dev/null | sed 's/^/libfuse /'); ${LXV:+lxcfs }${LXV:-LXCFS SKIPPED: lxcfs is not installed (apt-get install lxcfs)}; ${SECS}s runs, median of $REPS"
echo
for f in $FILES; do
	echo "### /proc/$f ($(wc -c < "$REFDIR/$f") bytes)"
	echo
	echo "| readers | native | ref FUSE | LXCFS | vprocfs | vprocfs/ref | vprocfs/LXCFS | vprocfs µs CPU/read | ref µs CPU/read | LXCFS µs CPU/read |"
	echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
	for n in $READERS; do
		nat=$(measure "/proc/$f" "$n")
		ref=$(measure "$REF/proc/$f" "$n" "$RPID"); refcpu=$(cat "$WORK/cpu")
		lx="-"; lxcpu="-"
		if [ -n "${LPID:-}" ]; then lx=$(measure "$LX/proc/$f" "$n" "$LPID"); lxcpu=$(cat "$WORK/cpu"); fi
		vp=$(measure "$MNT/proc/$f" "$n" "$DPID"); vpcpu=$(cat "$WORK/cpu")
		echo "| $n | $nat | $ref | $lx | $vp | $(ratio "$vp" "$ref") | $(ratio "$vp" "$lx") | $vpcpu | $refcpu | $lxcpu |"
	done
	echo
done
echo "vprocfs RSS after the runs above: $(awk '/VmRSS/ {print $2, $3}' "/proc/$DPID/status")"
echo

if [ -n "$SCALE" ]; then
	echo "### Scale: 4 readers, containers read round-robin (16 cycles per turn)"
	echo
	printf "| file |"; for k in $SCALE; do printf " %s ctr |" "$k"; done
	printf " last/first | RSS after |\n|--|"; for k in $SCALE; do printf "%s" "--:|"; done
	echo "--:|--:|"
	for f in $SCALE_FILES; do
		printf "| %s |" "$f"; first=""; last=""
		for k in $SCALE; do
			v=$(for r in $(seq "$REPS"); do
				"$RB" scale "$MNT/proc/$f" 4 "$SECS" 16 $(ctrs "$k") | cut -d' ' -f1
			done | median)
			printf " %s |" "$v"; first=${first:-$v}; last=$v
		done
		echo " $(ratio "$last" "$first") | $(awk '/VmRSS/ {print $2, $3}' "/proc/$DPID/status") |"
	done
	echo
fi

if [ "$PARK" -gt 0 ]; then
	echo "### Load sampler: $PARK containers x 10 threads, each read once, then 30 s without reads"
	echo
	"$RB" park 10 "$MNT/proc/loadavg" $(ctrs "$PARK") > "$WORK/park" & PPID_PARK=$!
	for i in $(seq 600); do grep -q parked "$WORK/park" 2>/dev/null && break; sleep 0.1; done
	grep -q parked "$WORK/park" || { echo "bench: parking failed" >&2; exit 1; }
	sleep 6
	t0=$(ticks "$DPID"); sleep 30; t1=$(ticks "$DPID")
	echo "sampler CPU: $(awk -v t=$((t1 - t0)) -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz / 30 * 100 }')% of one core;" \
		"daemon RSS with $PARK containers tracked: $(awk '/VmRSS/ {print $2, $3}' "/proc/$DPID/status")"
fi
