#!/bin/sh
# make bench: open -> read to EOF -> close cycles per second of each served file with N
# concurrent readers (default 4), each in a container of its own (512 MiB, 1 CPU), in one run:
#   native   the host's /proc file
#   trivial  bench/reffs, a trivial constant FUSE file of the same size (4 requests per cycle:
#            OPEN, READ, READ at EOF, RELEASE), run twice: libfuse's 3.1-style multi-threaded
#            loop, and a fixed pool of one worker per CPU; the faster is the floor
#   lxcfs    Debian's lxcfs -l --enable-cfs on a temporary mount point (skipped when absent)
#   shared   vprocfs by path: readers in container cgroups open MOUNTPOINT/proc/FILE
#            (READLINK of the per-reader "proc" symlink + LOOKUP of .v/SLOT per open)
#   runc     vprocfs bound files: readers inside runc containers (busybox rootfs, one per
#            reader) started with the OCI hook, reading their /proc/FILE (the hook's mount)
#   unshare  vprocfs bound files in a bare mount namespace: a process in a container cgroup
#            unshares its mount namespace, bind-mounts MOUNTPOINT/proc/FILE over /proc/FILE
#            (what docker -v does) and reads /proc/FILE
# Repetitions are interleaved (rep 1 of every mode, then rep 2, ...) so that the VM's drift
# hits every mode alike; figures are medians. Daemon CPU per cycle: the sum of the daemon's
# threads' run time (/proc/PID/task/*/schedstat, ns; utime + stime from /proc/PID/stat where
# that grew clearly more: threads that ended), read when the readers start and SECONDS
# later, over all the runs of a mode, divided by the cycles they served. Render cost: bench/render/rendercost, the core's
# vp_render() for a container's view in a loop, without FUSE.
# Then a scale run (1, 100, 1000 containers read by path round-robin by 4 readers: as many
# bound views), and the daemon's idle CPU (load sampler + sweep) with 1000 containers x 10
# threads. Needs root, runc and busybox (static) for the runc mode.
#
# Every run waits until no process matches QUIET (other test runs and builds share the CPUs)
# and the CPUs were at most IDLE_MAX% busy for a second, and is done again if such a process
# appeared meanwhile.
#
# Usage: bench/run.sh BUILD_DIR [SECONDS] [REPS]
# Environment: FILES ("meminfo stat uptime loadavg cpuinfo"), READERS ("4"; a list runs each),
#   SCALE ("1 100 1000", "" to skip), SCALE_FILES ("meminfo stat"), SCALE_BURST (16),
#   PARK (1000, 0 to skip), KEEP (a directory: each run's figures are copied there),
#   MODES ("native trivial-mt trivial-pool lxcfs shared runc unshare"), RENDER (1, 0 to skip),
#   QUIET ("integration-tests unit-tests cc1 valgrind qemu-system"), IDLE_MAX (10), WAIT_MAX (3600),
#   RUNC (runc), BUSYBOX (/bin/busybox).
set -eu
B=${1:-build}; SECS=${2:-2}; REPS=${3:-3}
FILES=${FILES-"meminfo stat uptime loadavg cpuinfo"}
READERS=${READERS-4}
SCALE=${SCALE-"1 100 1000"}
SCALE_FILES=${SCALE_FILES-"meminfo stat"}
SCALE_BURST=${SCALE_BURST-16}
KEEP=${KEEP-}
PARK=${PARK-1000}
MODES=${MODES-"native trivial-mt trivial-pool lxcfs shared runc unshare"}
RENDER=${RENDER-1}
QUIET=${QUIET-"integration-tests unit-tests cc1 valgrind qemu-system"}
IDLE_MAX=${IDLE_MAX-10}
WAIT_MAX=${WAIT_MAX-3600}
RUNC=${RUNC-$(command -v runc || echo /usr/sbin/runc)}
BUSYBOX=${BUSYBOX-/bin/busybox}
[ "$(id -u)" = 0 ] || { echo "bench: needs root" >&2; exit 1; }
B=$(cd "$B" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
RB="$B/bench/readbench"

TAG="vprocfs-bench-$$"
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
WORK=$(mktemp -d /tmp/vprocfs-bench-XXXXXX)
MNT="$WORK/vprocfs"; REF="$WORK/ref"; REFP="$WORK/refpool"; REFDIR="$WORK/refdata"
LX="$WORK/lxcfs"; RES="$WORK/res"; STATE="$WORK/runc-state"; ROOTFS="$WORK/rootfs"
mkdir "$MNT" "$REF" "$REFP" "$REFDIR" "$LX" "$RES" "$STATE"
has() { case " $MODES " in *" $1 "*) return 0 ;; esac; return 1; }
NMAX=0; for n in $READERS; do [ "$n" -gt "$NMAX" ] && NMAX=$n; done

# ---- a quiet machine -----------------------------------------------------------------------
# Our own ancestors may carry a pattern in their command lines: never wait for them.
ANC=" $$ "; p=$$
while p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) && [ "$p" -gt 1 ]; do ANC="$ANC$p "; done
busy() {
	for q in $QUIET; do
		for p in $(pgrep -f -- "$q" || true); do
			case "$ANC" in *" $p "*) ;; *) return 0 ;; esac
		done
	done
	return 1
}
cpubusy() { # % of all CPUs busy (steal included) over one second
	a=$(head -1 /proc/stat); sleep 1; b=$(head -1 /proc/stat)
	echo "$a $b" | awk '{ for (i = 2; i <= 9; i++) { t1 += $i; t2 += $(i + 11) }
		printf "%d\n", 100 - 100 * ($16 + $17 - $5 - $6) / (t2 - t1) }'
}
# Waits at most WAIT_MAX seconds (then says so on stderr and in $WORK/noisy).
wait_quiet() {
	w=0
	while busy || [ "$(cpubusy)" -gt "$IDLE_MAX" ]; do
		[ "$w" = 0 ] && echo "bench: waiting for a quiet machine (no $QUIET; CPUs ≤ $IDLE_MAX% busy)" >&2
		w=$((w + 5))
		if [ "$w" -gt "$WAIT_MAX" ]; then
			echo "bench: still busy after ${WAIT_MAX}s: measuring anyway" | tee -a "$WORK/noisy" >&2
			return 0
		fi
		sleep 4
	done
}

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
# Every cgroup mount (runc creates its containers' cgroups in all of them).
ALLHIERS=$(awk '$9 == "cgroup" || $9 == "cgroup2" {print $5}' /proc/self/mountinfo | sort -u)
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
ctr() { # name -> the container's comma-separated dirs
	out=""; for h in $HIERS; do out="$out${out:+,}$h/$TAG/$1"; done; echo "$out"
}
ctrs() { # count -> that many containers' dir lists (c0, c1, ...); NxM: N processes over M
	n=${1%x*}; m=${1#*x}; [ "$m" = "$1" ] && m=$n
	i=0; while [ "$i" -lt "$n" ]; do ctr "c$((i % m))"; i=$((i + 1)); done
}
NCTR=$NMAX
for n in $SCALE; do n=${n#*x}; [ "$n" -gt "$NCTR" ] && NCTR=$n; done
[ "$PARK" -gt "$NCTR" ] && NCTR=$PARK

RUNC_IDS=""
cleanup() {
	set +e
	[ -n "${PPID_PARK:-}" ] && kill "$PPID_PARK" 2>/dev/null && wait "$PPID_PARK" 2>/dev/null
	for id in $RUNC_IDS; do "$RUNC" --root "$STATE" delete -f "$id" >/dev/null 2>&1; done
	for p in ${DPID:-} ${RPID:-} ${RPPID:-} ${LPID:-}; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for m in "$MNT" "$REF" "$REFP" "$LX"; do umount -l "$m" 2>/dev/null; done
	# Whatever is left in our containers is ours (readers, parked processes).
	for p in $(for h in $ALLHIERS; do
		[ -d "$h/$TAG" ] && cat "$h/$TAG"/*/cgroup.procs 2>/dev/null; done | sort -u); do
		kill -9 "$p"
	done
	sleep 0.2
	for h in $ALLHIERS; do
		[ -d "$h/$TAG" ] || continue
		find "$h/$TAG" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$h/$TAG" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT; trap "exit 1" INT TERM HUP PIPE

mkcg "$TAG"
i=0; while [ "$i" -lt "$NCTR" ]; do mkcg "$TAG/c$i"; i=$((i + 1)); done
i=0; while [ "$i" -lt "$NMAX" ]; do mkcg "$TAG/u$i"; i=$((i + 1)); done

# ---- the file systems ------------------------------------------------------------------------
wait_for() { for i in $(seq 100); do [ -r "$1" ] && return 0; sleep 0.05; done; return 1; }
"$B/vprocfs" -s none "$MNT" 2>"$WORK/vprocfs.log" & DPID=$!
wait_for "$MNT/proc/meminfo" || { cat "$WORK/vprocfs.log"; exit 1; }
# The reference serves what vprocfs renders for a container, byte for byte the same size.
for f in $FILES; do
	sh -c "for d in \$(echo '$(ctr c0)' | tr , ' '); do echo \$\$ > \$d/cgroup.procs; done
		cat '$MNT/proc/$f'" > "$REFDIR/$f"
done
FIRST=$(set -- $FILES; echo "$1")
if has trivial-mt; then
	"$B/bench/reffs" "$REFDIR" "$REF" & RPID=$!
	wait_for "$REF/proc/$FIRST"
fi
if has trivial-pool; then
	"$B/bench/reffs" -t "$NCPU" "$REFDIR" "$REFP" & RPPID=$!
	wait_for "$REFP/proc/$FIRST"
fi
LXV=""
if has lxcfs && command -v lxcfs >/dev/null 2>&1; then
	lxcfs -l --enable-cfs -p "$WORK/lxcfs.pid" "$LX" >"$WORK/lxcfs.log" 2>&1 & LPID=$!
	wait_for "$LX/proc/meminfo" && LXV=$(lxcfs --version 2>&1 | tr -d '"' | head -1) || LPID=""
fi

# The render cost harness, built now: the sources may change while the bench runs.
if [ "$RENDER" = 1 ]; then
	# The core's objects, as the daemon was built from them (one per source file: objects
	# of deleted sources may linger in BUILD/obj).
	objs=$(cd "$SRC" && for c in util/*.c cgroup/*.c core/*.c proc_views/*.c; do
		echo "$B/obj/${c%.c}.o"; done)
	${CC:-cc} -std=gnu11 -O2 -g -D_GNU_SOURCE -I"$SRC" $(pkg-config --cflags libcgroup) \
		-o "$WORK/rendercost" "$SRC/bench/render/rendercost.c" $objs \
		$(pkg-config --libs libcgroup) -lpthread ||
		{ echo "bench: render cost skipped: cannot link rendercost with $B/obj" >&2; RENDER=0; }
fi

# ---- runc containers started with the hook ---------------------------------------------------
RUNCV=""
if has runc; then
	# Skipped, and said so in the output, when something it needs is missing.
	if [ ! -x "$RUNC" ]; then RUNCV="RUNC SKIPPED: no runc ($RUNC)"
	elif [ ! -x "$B/vprocfs-oci-hook" ]; then RUNCV="RUNC SKIPPED: no $B/vprocfs-oci-hook (make it)"
	elif ! command -v jq >/dev/null; then RUNCV="RUNC SKIPPED: no jq (apt-get install jq)"
	elif [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
		RUNCV="RUNC SKIPPED: $BUSYBOX is not a static busybox (apt-get install busybox-static)"
	fi
	[ -z "$RUNCV" ] || MODES=$(echo " $MODES " | sed 's/ runc / /')
fi
if has runc; then
	mkdir -p "$ROOTFS/bin" "$ROOTFS/proc" "$ROOTFS/sys" "$ROOTFS/dev" "$ROOTFS/tmp"
	cp "$BUSYBOX" "$ROOTFS/bin/busybox"
	for t in sh cat sleep grep; do ln -s busybox "$ROOTFS/bin/$t"; done
	# readbench as it is built, but static (it links only the C library).
	${CC:-cc} -std=gnu11 -O2 -D_GNU_SOURCE -static -o "$ROOTFS/readbench" "$SRC/bench/readbench.c" -lpthread
	RUNCV=$("$RUNC" --version | head -1)
	i=0
	while [ "$i" -lt "$NMAX" ]; do
		id="$TAG-r$i"; bd="$WORK/bundle-r$i"; mkdir "$bd"
		(cd "$bd" && "$RUNC" spec)
		jq --arg root "$ROOTFS" --arg cg "/$TAG/r$i" --arg hook "$B/vprocfs-oci-hook" \
			--arg mnt "$MNT" '
			.process.terminal = false | .process.args = ["/bin/sleep", "1000000"] |
			.root = {path: $root, readonly: false} | .hostname = "bench" |
			.linux.cgroupsPath = $cg |
			.linux.resources.memory = {limit: 536870912} |
			.linux.resources.cpu = {quota: 100000, period: 100000} |
			.hooks = {createRuntime: [{path: $hook, args: ["vprocfs-oci-hook", $mnt]}]}' \
			"$bd/config.json" > "$bd/config.new" && mv "$bd/config.new" "$bd/config.json"
		"$RUNC" --root "$STATE" run -d -b "$bd" "$id" </dev/null >"$WORK/runc-r$i.log" 2>&1 ||
			{ cat "$WORK/runc-r$i.log" >&2; exit 1; }
		RUNC_IDS="$RUNC_IDS $id"
		# The hook must have mounted the container's own files over its /proc files.
		for f in $FILES; do
			"$RUNC" --root "$STATE" exec "$id" /bin/cat /proc/self/mountinfo |
				awk -v f="/proc/$f" '$5 == f && $0 ~ / - fuse\.vprocfs / {ok = 1}
					END {exit !ok}' ||
				{ echo "bench: runc container $id: /proc/$f is not a vprocfs mount" >&2
				  cat "$WORK/runc-r$i.log" >&2; exit 1; }
		done
		mt=$("$RUNC" --root "$STATE" exec "$id" /bin/grep MemTotal /proc/meminfo)
		case "$mt" in *" 524288 kB") ;; *) echo "bench: runc container $id sees $mt" >&2; exit 1 ;; esac
		i=$((i + 1))
	done
fi

# ---- bound files in a bare mount namespace ---------------------------------------------------
# unshare-read CG MNT FILE READBENCH SECONDS: join the container, bind-mount its FILE (the
# "proc" symlink resolves to the joiner's view) over /proc/FILE in a new mount namespace, and
# read that with one reader.
cat > "$WORK/unshare-read" <<'EOF'
#!/bin/sh
for d in $(echo "$1" | tr , ' '); do echo $$ > "$d/cgroup.procs"; done
exec unshare -m --propagation private sh -c \
	'mount --bind "$1/proc/$2" "/proc/$2" && exec "$3" cycles "/proc/$2" 1 "$4" -' \
	sh "$2" "$3" "$4" "$5"
EOF
chmod +x "$WORK/unshare-read"

# ---- measuring -------------------------------------------------------------------------------
# cpu PID -> "ticks ns": utime + stime (dead threads included, 10 ms ticks), and the sum of
# its live threads' run time (ns)
cpu() {
	printf '%s ' "$(awk '{print $14 + $15}' "/proc/$1/stat")"
	cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f\n", s}'
}
# cpudelta "T0" "T1" -> ns: the threads' run time, unless utime + stime grew by clearly more
# (threads that ended in between took theirs with them): then that
cpudelta() {
	echo "$1 $2" | awk -v hz="$HZ" '{t = ($3 - $1) * 1e9 / hz; s = $4 - $2;
		printf "%.0f\n", (t > s + 3e9 / hz + 0.05 * t) ? t : s}'
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f×", a / b; else print "-" }'; }
daemon_of() { # mode -> the pid whose CPU counts, "" if none
	case "$1" in
	trivial-mt) echo "${RPID:-}" ;; trivial-pool) echo "${RPPID:-}" ;; lxcfs) echo "${LPID:-}" ;;
	shared|runc|unshare) echo "$DPID" ;; *) echo "" ;;
	esac
}
sum_out() { # files... -> "cycles/s errors" summed
	cat "$@" | awk '{c += $1; e += $2} END {printf "%.0f %d\n", c, e}'
}
later() { # seconds -> the CLOCK_MONOTONIC time that far from now
	awk -v t="$("$RB" now)" -v d="$1" 'BEGIN {printf "%.3f", t + d}'
}
sleep_until() { # CLOCK_MONOTONIC time
	sleep "$(awk -v a="$1" -v n="$("$RB" now)" 'BEGIN {d = a - n; printf "%.3f", (d > 0) ? d : 0}')"
}
# several MODE FILE N AT: N single-reader readbench processes, one per container, all over
# the same window -> "cycles/s errors" summed
several() {
	i=0; pids=""
	while [ "$i" -lt "$3" ]; do
		case "$1" in
		runc) "$RUNC" --root "$STATE" exec -e READBENCH_AT="$4" "$TAG-r$i" \
			/readbench cycles "/proc/$2" 1 "$SECS" - > "$WORK/o$i" 2>&1 & pids="$pids $!" ;;
		unshare) READBENCH_AT=$4 "$WORK/unshare-read" "$(ctr "u$i")" "$MNT" "$2" "$RB" "$SECS" \
			> "$WORK/o$i" 2>&1 & pids="$pids $!" ;;
		esac
		i=$((i + 1))
	done
	for p in $pids; do wait "$p" || true; done
	i=0; while [ "$i" -lt "$3" ]; do
		grep -qE '^[0-9]+ [0-9]+$' "$WORK/o$i" || { cat "$WORK/o$i" >&2; echo "0 1"; return; }
		i=$((i + 1)); done
	sum_out $(i=0; while [ "$i" -lt "$3" ]; do echo "$WORK/o$i"; i=$((i + 1)); done)
}
# one MODE FILE N AT -> "cycles/s errors" of one run over [AT, AT + SECS]
one() {
	case "$1" in
	native) READBENCH_AT=$4 "$RB" cycles "/proc/$2" "$3" "$SECS" $(ctrs "$3") ;;
	trivial-mt) READBENCH_AT=$4 "$RB" cycles "$REF/proc/$2" "$3" "$SECS" $(ctrs "$3") ;;
	trivial-pool) READBENCH_AT=$4 "$RB" cycles "$REFP/proc/$2" "$3" "$SECS" $(ctrs "$3") ;;
	lxcfs) READBENCH_AT=$4 "$RB" cycles "$LX/proc/$2" "$3" "$SECS" $(ctrs "$3") ;;
	shared) READBENCH_AT=$4 "$RB" cycles "$MNT/proc/$2" "$3" "$SECS" $(ctrs "$3") ;;
	runc|unshare) several "$@" ;;
	esac
}
# measure MODE FILE N: one run on a quiet machine, appended to $RES/FILE.N.MODE as
# "cycles/s cycles ns-of-daemon-CPU". The readers start at a set time (runc exec takes a
# while), and the daemon's CPU is read at that time and SECS later: the window read.
measure() {
	d=$(daemon_of "$1")
	case "$1" in runc) lead=2 ;; unshare) lead=1 ;; *) lead=0.5 ;; esac
	while :; do
		wait_quiet
		at=$(later "$lead")
		one "$1" "$2" "$3" "$at" > "$WORK/one" 2>&1 & op=$!
		c0=""; c1=""
		sleep_until "$at"; [ -n "$d" ] && c0=$(cpu "$d")
		sleep_until "$(awk -v a="$at" -v s="$SECS" 'BEGIN {printf "%.3f", a + s}')"
		[ -n "$d" ] && c1=$(cpu "$d")
		wait "$op" || true
		busy && { echo "bench: a test run started during $1 $2: again" >&2; continue; }
		break
	done
	r=$(tail -1 "$WORK/one")
	set -- "$1" "$2" "$3" $r
	[ "${5:-1}" = 0 ] || { echo "bench: errors reading $2 ($1): $(cat "$WORK/one")" >&2; exit 1; }
	ns=-; [ -n "$d" ] && ns=$(cpudelta "$c0" "$c1")
	echo "$4 $(awk -v c="$4" -v s="$SECS" 'BEGIN {printf "%.0f", c * s}') $ns" >> "$RES/$2.$3.$1"
}
med() { # FILE N MODE -> median cycles/s, "-" if not measured
	[ -f "$RES/$1.$2.$3" ] && cut -d' ' -f1 "$RES/$1.$2.$3" | median || echo -
}
cpc() { # FILE N MODE -> daemon µs of CPU per cycle over all its runs
	[ -f "$RES/$1.$2.$3" ] && awk '$3 != "-" {c += $2; n += $3; k++} END {
		if (c > 0 && k > 0) { v = n / c / 1000; printf((v < 1) ? "%.3f\n" : "%.1f\n", v) }
		else print "-" }' \
		"$RES/$1.$2.$3" || echo -
}

echo "# vprocfs bench, $(date -u '+%Y-%m-%d %H:%M') UTC, tree $(git -C "$SRC" log -1 --format=%h 2>/dev/null)$(git -C "$SRC" status --porcelain 2>/dev/null | grep -qv ' bench/' && echo ' (+ uncommitted changes)'): $NCPU CPUs, kernel $(uname -r), cgroup $([ -n "$V2ROOT" ] && echo v2 || echo v1/hybrid)"
echo "# $(pkg-config --modversion fuse3 2>/dev/null | sed 's/^/libfuse /'); ${LXV:+lxcfs }${LXV:-$(has lxcfs && echo "LXCFS SKIPPED (apt-get install lxcfs)" || echo "LXCFS not run")}; ${RUNCV:-runc not used}; ${SECS}s runs, median of $REPS, interleaved"
echo

for n in $READERS; do
	for rep in $(seq "$REPS"); do
		for f in $FILES; do
			for m in $MODES; do
				case "$m" in lxcfs) [ -n "${LPID:-}" ] || continue ;; esac
				measure "$m" "$f" "$n"
			done
		done
	done
done

[ -z "$KEEP" ] || { mkdir -p "$KEEP" && cp "$RES"/* "$KEEP"/ 2>/dev/null || true; }
for n in $READERS; do
	echo "### Cycles/s, $n readers (each in a container of its own)"
	echo
	echo "| file | bytes | native | trivial (mt loop) | trivial ($NCPU-worker pool) | LXCFS | vprocfs shared (by path) | vprocfs bound (runc + hook) | vprocfs bound (unshare -m + bind) |"
	echo "|--|--:|--:|--:|--:|--:|--:|--:|--:|"
	for f in $FILES; do
		echo "| $f | $(wc -c < "$REFDIR/$f") | $(med $f $n native) | $(med $f $n trivial-mt) | $(med $f $n trivial-pool) | $(med $f $n lxcfs) | $(med $f $n shared) | $(med $f $n runc) | $(med $f $n unshare) |"
	done
	echo
	echo "### Ratios, $n readers (trivial: the faster of the two reffs loops, per file)"
	echo
	echo "| file | runc/trivial (≥ 10×) | runc/LXCFS (≥ 20×) | runc/native | unshare/trivial | shared/trivial (≥ 0.8×) | shared/LXCFS (≥ 3×) | shared/native |"
	echo "|--|--:|--:|--:|--:|--:|--:|--:|"
	for f in $FILES; do
		a=$(med $f $n trivial-mt); b=$(med $f $n trivial-pool)
		tr=$(awk -v a="$a" -v b="$b" 'BEGIN {print ((b + 0 > a + 0) ? b : a)}')
		lx=$(med $f $n lxcfs); na=$(med $f $n native)
		rc=$(med $f $n runc); un=$(med $f $n unshare); sp=$(med $f $n shared)
		echo "| $f | $(ratio "$rc" "$tr") | $(ratio "$rc" "$lx") | $(ratio "$rc" "$na") | $(ratio "$un" "$tr") | $(ratio "$sp" "$tr") | $(ratio "$sp" "$lx") | $(ratio "$sp" "$na") |"
	done
	echo
	echo "### Daemon µs of CPU per cycle, $n readers"
	echo
	echo "| file | trivial (mt loop) | trivial (pool) | LXCFS | vprocfs shared | vprocfs bound (runc) | vprocfs bound (unshare) |"
	echo "|--|--:|--:|--:|--:|--:|--:|"
	for f in $FILES; do
		echo "| $f | $(cpc $f $n trivial-mt) | $(cpc $f $n trivial-pool) | $(cpc $f $n lxcfs) | $(cpc $f $n shared) | $(cpc $f $n runc) | $(cpc $f $n unshare) |"
	done
	echo
done
wait_quiet
c0=$(cpu "$DPID"); sleep 5; c1=$(cpu "$DPID")
echo "vprocfs idle (5 s without reads, the views above alive): $(awk -v ns="$(cpudelta "$c0" "$c1")" 'BEGIN {printf "%.2f", ns / 5e9 * 100}')% of one core;" \
	"RSS after the runs above: $(awk '/VmRSS/ {print $2, $3}' "/proc/$DPID/status")"
echo

if [ "$RENDER" = 1 ]; then
	wait_quiet
	echo "### Render cost: the core's vp_render() for a container's view (bench/render/rendercost, 1 s per file, no FUSE)"
	echo
	echo "| file | µs CPU per render | µs wall per render | bytes |"
	echo "|--|--:|--:|--:|"
	"$WORK/rendercost" 1 "$(ctr c0)" $FILES > "$WORK/render"
	busy && echo "(a test run started during the render measurement)"
	awk 'NF == 4 {printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4}' "$WORK/render"
	echo
	echo "whose view a caller is in (vp_view_of + vp_view_format, a kept caller's): $(awk '$1 == "view_of" {print $2}' "$WORK/render") µs"
	echo
	echo "kept callers' views, µs CPU per call (miss: resolved, opened, kept; hit: vp_view_of; recall: a READLINK's core work):"
	awk 'NF == 2 && $1 != "view_of" {printf " %s %s", $1, $2} END {print ""}' "$WORK/render"
	echo
fi

if [ -n "$SCALE" ]; then
	echo "### Scale: 4 readers, containers read by path round-robin ($SCALE_BURST cycles per turn; each container a bound view)"
	echo
	printf "| file |"; for k in $SCALE; do printf " %s ctr |" "$k"; done
	printf " last/first | RSS after |\n|--|"; for k in $SCALE; do printf "%s" "--:|"; done
	echo "--:|--:|"
	for f in $SCALE_FILES; do
		printf "| %s |" "$f"; first=""; last=""
		for k in $SCALE; do
			v=$(for r in $(seq "$REPS"); do
				while :; do
					wait_quiet
					o=$("$RB" scale "$MNT/proc/$f" 4 "$SECS" "$SCALE_BURST" $(ctrs "$k")) ||
						{ echo "bench: scale errors: $o" >&2; exit 1; }
					busy || break
				done
				echo "$o" | cut -d' ' -f1
			done | median)
			printf " %s |" "$v"; first=${first:-$v}; last=$v
		done
		echo " $(ratio "$last" "$first") | $(awk '/VmRSS/ {print $2, $3}' "/proc/$DPID/status") |"
	done
	echo
fi

if [ "$PARK" -gt 0 ]; then
	echo "### Load sampler: $PARK containers x 10 threads, each read once by path, then 30 s without reads"
	echo
	wait_quiet
	"$RB" park 10 "$MNT/proc/loadavg" $(ctrs "$PARK") > "$WORK/park" & PPID_PARK=$!
	for i in $(seq 600); do grep -q parked "$WORK/park" 2>/dev/null && break; sleep 0.1; done
	grep -q parked "$WORK/park" || { echo "bench: parking failed" >&2; exit 1; }
	sleep 6
	c0=$(cpu "$DPID"); sleep 30; c1=$(cpu "$DPID")
	busy && echo "(a test run started during the sampler measurement)"
	echo "daemon CPU (load sampler + bound views' sweep): $(awk -v ns="$(cpudelta "$c0" "$c1")" 'BEGIN {printf "%.2f", ns / 30e9 * 100}')% of one core;" \
		"daemon RSS with $PARK containers tracked: $(awk '/VmRSS/ {print $2, $3}' "/proc/$DPID/status")"
fi
[ ! -s "$WORK/noisy" ] || echo "NOTE: $(wc -l < "$WORK/noisy") runs were measured on a busy machine (waited ${WAIT_MAX}s for a quiet one)"
