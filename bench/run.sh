#!/bin/sh
# make bench: open/read/close cycles per second of /proc/meminfo, native vs vprocfs (vs LXCFS
# when installed), readers inside a memory-limited container cgroup; daemon CPU per read.
# Needs root. Usage: bench/run.sh BUILD_DIR [SECONDS] [REPS]
set -eu
B=${1:-build}; SECS=${2:-2}; REPS=${3:-3}
RB="$B/bench/readbench"
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
MEMCG=$(awk '$9=="cgroup" && $0 ~ /memory/ {print $5; exit}' /proc/self/mountinfo)
LIMIT=memory.limit_in_bytes
if [ -z "$MEMCG" ]; then
	MEMCG=$(awk '$9=="cgroup2" {print $5; exit}' /proc/self/mountinfo); LIMIT=memory.max
fi
CG="$MEMCG/vprocfs-bench-$$"
MNT=$(mktemp -d /tmp/vprocfs-bench-XXXXXX)
LX=""
cleanup() {
	[ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null || true
	[ -n "${LPID:-}" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null || true
	umount -l "$MNT" 2>/dev/null || true; rmdir "$MNT" 2>/dev/null || true
	[ -n "$LX" ] && { umount -l "$LX" 2>/dev/null || true; rmdir "$LX" 2>/dev/null || true; }
	rmdir "$CG" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
mkdir "$CG"; echo $((512 * 1024 * 1024)) > "$CG/$LIMIT"
"$B/vprocfs" "$MNT" 2>/dev/null & DPID=$!
for i in $(seq 100); do [ -r "$MNT/proc/meminfo" ] && break; sleep 0.05; done
if command -v lxcfs >/dev/null 2>&1; then
	LX=$(mktemp -d /tmp/vprocfs-bench-lxcfs-XXXXXX)
	lxcfs -l --enable-cfs "$LX" >/dev/null 2>&1 & LPID=$!
	for i in $(seq 100); do [ -r "$LX/proc/meminfo" ] && break; sleep 0.05; done
fi
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # file readers -> median cycles/s over REPS, run inside the container cgroup
	for r in $(seq "$REPS"); do
		sh -c "echo \$\$ > '$CG/cgroup.procs'; exec '$RB' '$1' $2 $SECS" | cut -d' ' -f1
	done | median
}
echo "vprocfs bench: $(nproc) CPUs, $(uname -r), ${SECS}s x $REPS reps, median cycles/s"
printf "%-8s %10s %10s %10s %8s %12s\n" readers native vprocfs lxcfs v/lxcfs "us-cpu/read"
for n in 1 2 4 8; do
	nat=$(measure /proc/meminfo $n)
	t0=$(cpu_ticks "$DPID"); vp=$(measure "$MNT/proc/meminfo" $n); t1=$(cpu_ticks "$DPID")
	cpu=$(awk -v t=$((t1 - t0)) -v c="$vp" -v s="$SECS" -v r="$REPS" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f", (t / hz) / (c * s * r) * 1e6 }')
	if [ -n "$LX" ]; then
		lx=$(measure "$LX/proc/meminfo" $n)
		ratio=$(awk -v a="$vp" -v b="$lx" 'BEGIN { printf "%.2fx", a / b }')
	else
		lx="-"; ratio="(no lxcfs)"
	fi
	printf "%-8s %10s %10s %10s %8s %12s\n" "$n" "$nat" "$vp" "$lx" "$ratio" "$cpu"
done
echo "daemon RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$DPID/status)"
