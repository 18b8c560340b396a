#!/bin/sh
# make vmtest: boot throw-away virtual machines (pure cgroup v2, Debian kernels) that see this
# host's / read-only under a tmpfs overlay, and run the project's tests inside them.
#
#   tests/vm/vmtest.sh BUILD [GUEST...]     GUEST: a name from the table below (default: all)
#
# Environment: VMTEST_ACCEL=auto|kvm|tcg (auto: KVM if a probe guest boots with it, else TCG),
# VMTEST_TIMEOUT (seconds per guest, default 2400), VMTEST_MEM (MiB, default 6144),
# VMTEST_CACHE (kernel cache, default BUILD/vm), VMTEST_FILTER (a criterion --filter glob for
# the integration suites, e.g. 'restart/*': a quick look at one area; no spaces).
#
# A guest's console goes to BUILD/vm/NAME.log; its last line "VMTEST-EXIT N" is its status.
# Exit status: 0 only if every guest ran to the end and every test in it passed, none skipped.
set -eu
BUILD=${1:?usage: vmtest.sh BUILD [GUEST...]}
shift
REPO=$(cd "$(dirname "$0")/../.." && pwd)
case $BUILD in /*) ;; *) BUILD=$REPO/$BUILD ;; esac
CACHE=${VMTEST_CACHE:-$BUILD/vm}
case $CACHE in /*) ;; *) CACHE=$(pwd)/$CACHE ;; esac
TIMEOUT=${VMTEST_TIMEOUT:-2400}
MEM=${VMTEST_MEM:-6144}
mkdir -p "$CACHE"

# The guests: NAME  KERNEL-SERIES  INIT  SUITES (comma separated, run by tests/vm/guest.sh).
# KERNEL-SERIES is a key of kernel_pkg() below. Add a kernel: a new series there, a row here.
GUESTS="
v2-6.1        6.1   plain    integration
v2-6.12       6.12  plain    integration,crun
v2-6.12-systemd 6.12 systemd systemd
"

log() { echo "vmtest: $*" >&2; }

# A private apt configuration: its own sources list, lists and cache under CACHE; the host's
# apt configuration and state are never touched.
APT_DIR=$CACHE/apt
apt_priv() {
	"$@" -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=/dev/null \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
		-o APT::Get::List-Cleanup=0 -o Debug::NoLocking=1 -o APT::Sandbox::User=root
}
apt_update_once() {
	[ -e "$APT_DIR/updated" ] && [ -z "$(find "$APT_DIR/updated" -mmin +1440)" ] && return 0
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	cat > "$APT_DIR/sources.list" <<SRC
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-backports main
SRC
	apt_priv apt-get -qq update >&2
	touch "$APT_DIR/updated"
}

# The newest package of a kernel series (Debian's generic amd64 flavour).
kernel_pkg() {
	case $1 in
	6.1) re='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;              # bookworm
	6.12) re='^linux-image-6\.12\.[0-9]+\+deb12(\.[0-9]+)?-amd64$' ;; # bookworm-backports
	*) log "unknown kernel series $1"; return 1 ;;
	esac
	apt_priv apt-cache pkgnames linux-image- | grep -E "$re" | sort -V | tail -n 1
}

# Fetch and unpack a kernel package once: CACHE/kernels/PKG/{boot,lib/modules}, depmod'ed.
fetch_kernel() {
	pkg=$1
	dir=$CACHE/kernels/$pkg
	if [ ! -e "$dir/.done" ]; then
		log "fetching $pkg"
		rm -rf "$dir" && mkdir -p "$dir"
		(cd "$CACHE/kernels" && apt_priv apt-get -qq download "$pkg" >&2)
		dpkg-deb -x "$CACHE/kernels/${pkg}"_*.deb "$dir"
		rm -f "$CACHE/kernels/${pkg}"_*.deb
		kver=$(ls "$dir/lib/modules")
		depmod -b "$dir" "$kver"
		touch "$dir/.done"
	fi
	echo "$dir"
}

# The modules the initramfs loads (with their dependencies, in load order), where modular.
INITRD_MODULES="virtio_pci 9pnet_virtio 9p overlay"
mod_closure() { # KDIR KVER NAME: paths (relative to the modules dir), dependencies first
	awk -v want="$3" '
		function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", p);
			gsub(/-/, "_", p); return p }
		{ m = $1; sub(/:$/, "", m); deps[base(m)] = $0; path[base(m)] = m }
		function visit(n,   i, k, a) { if (seen[n]++ || !(n in path)) return
			k = split(deps[n], a, " "); for (i = k; i >= 2; i--) visit(base(a[i]))
			print path[n] }
		END { visit(want) }' "$1/lib/modules/$2/modules.dep"
}

build_initrd() { # KDIR -> path of the initramfs
	kdir=$1
	kver=$(ls "$kdir/lib/modules")
	out=$CACHE/initrd-$kver.cpio.gz
	if [ -e "$out" ] && [ "$out" -nt "$REPO/tests/vm/initramfs-init" ] &&
		[ "$out" -nt "$REPO/tests/vm/vmtest.sh" ]; then echo "$out"; return; fi
	t=$(mktemp -d)
	mkdir -p "$t/bin" "$t/mods" "$t/proc" "$t/sys" "$t/dev"
	cp /bin/busybox "$t/bin/busybox"
	cp "$REPO/tests/vm/initramfs-init" "$t/init"
	chmod 0755 "$t/init"
	: > "$t/modules.load"
	for m in $INITRD_MODULES; do
		for p in $(mod_closure "$kdir" "$kver" "$m"); do
			n=$(basename "$p" | sed 's/\.\(xz\|zst\|gz\)$//')
			grep -qx "$n" "$t/modules.load" && continue
			case $p in
			*.xz) xz -dc "$kdir/lib/modules/$kver/$p" > "$t/mods/$n" ;;
			*.zst) zstd -qdc "$kdir/lib/modules/$kver/$p" > "$t/mods/$n" ;;
			*.gz) gzip -dc "$kdir/lib/modules/$kver/$p" > "$t/mods/$n" ;;
			*) cp "$kdir/lib/modules/$kver/$p" "$t/mods/$n" ;;
			esac
			echo "$n" >> "$t/modules.load"
		done
	done
	(cd "$t" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$t"
	echo "$out"
}

# Run one guest: KDIR INIT SUITES LOGFILE ACCEL TIMEOUT; prints nothing, returns qemu's fate.
boot() {
	kdir=$1 init=$2 suites=$3 logf=$4 accel=$5 limit=$6
	kver=$(ls "$kdir/lib/modules")
	initrd=$(build_initrd "$kdir")
	case $accel in
	kvm) acc="-accel kvm -cpu host" ;;
	*) acc="-accel tcg,thread=multi -cpu max" ;;
	esac
	# shellcheck disable=SC2086
	timeout -k 10 "$limit" qemu-system-x86_64 $acc -smp 2 -m "$MEM" -nodefaults \
		-no-user-config -display none -no-reboot -serial "file:$logf" \
		-kernel "$kdir/boot/vmlinuz-$kver" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 vmtest.init=$init vmtest.repo=$REPO vmtest.suites=$suites vmtest.accel=$accel vmtest.build=$BUILD ${VMTEST_FILTER:+vmtest.filter=$VMTEST_FILTER} systemd.show_status=false" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$kdir/lib/modules,mount_tag=hostmods,security_model=none,readonly=on,multidevs=remap" \
		-device virtio-rng-pci </dev/null >/dev/null 2>"$logf.qemu"
}

pick_accel() { # KDIR
	case ${VMTEST_ACCEL:-auto} in kvm|tcg) echo "$VMTEST_ACCEL"; return ;; esac
	if [ ! -w /dev/kvm ]; then
		log "no usable /dev/kvm: using TCG (software emulation)"
	else
		boot "$1" probe none "$CACHE/probe.log" kvm 60 || true
		if grep -q "VMTEST-EXIT 0" "$CACHE/probe.log" 2>/dev/null; then echo kvm; return; fi
		log "KVM does not boot a guest here ($(tail -n 1 "$CACHE/probe.log.qemu" 2>/dev/null)): using TCG"
	fi
	echo tcg
}

apt_update_once
want=${*:-}
status=0
summary=""
accel=""
for row in $(echo "$GUESTS" | awk 'NF == 4 { print $1 "|" $2 "|" $3 "|" $4 }'); do
	IFS='|' read -r name series init suites <<ROW
$row
ROW
	if [ -n "$want" ] && ! echo " $want " | grep -q " $name "; then continue; fi
	pkg=$(kernel_pkg "$series")
	[ -n "$pkg" ] || { log "no package for kernel series $series"; status=1; continue; }
	kdir=$(fetch_kernel "$pkg")
	[ -n "$accel" ] || accel=$(pick_accel "$kdir")
	logf=$CACHE/$name.log
	log "guest $name: $pkg, init $init, suites $suites, accel $accel (console: $logf)"
	start=$(date +%s)
	set +e
	boot "$kdir" "$init" "$suites" "$logf" "$accel" "$TIMEOUT"
	q=$?
	set -e
	took=$(( $(date +%s) - start ))
	# The guest's own lines (systemd's status lines on the console left out).
	tr -d '\r' < "$logf" | sed -n '/VMTEST-BEGIN/,/VMTEST-EXIT/p' |
		grep -a -v -e '^$' -e '^ *.\[0;1;39m' -e '^\[.\[[0-9;]*m' >&2 || true
	rc=$(tr -d '\r' < "$logf" | sed -n 's/^VMTEST-EXIT \([0-9]*\).*/\1/p' | tail -n 1)
	if [ "$q" = 124 ] || [ "$q" = 137 ]; then
		log "guest $name: HUNG, killed after $TIMEOUT s"; rc=hung
	elif [ -z "$rc" ]; then
		log "guest $name: no exit status (qemu exit $q): console tail:"
		tr -d '\r' < "$logf" | tail -n 40 >&2; cat "$logf.qemu" >&2; rc=none
	fi
	line=$(tr -d '\r' < "$logf" | sed -n 's/^VMTEST-SUMMARY //p' | tail -n 1)
	summary="$summary
$name ($took s, $accel): exit $rc; $line"
	# A failed guest names its failed tests and their assertions in the
	# summary, which is what the tail of a CI log shows.
	if [ "$rc" != 0 ]; then
		fails=$(tr -d '\r' < "$logf" | sed -n '/VMTEST-BEGIN/,/VMTEST-EXIT/p' |
			awk '/^\[(FAIL|CRASH|TIMEOUT|ERR)|^not ok/ { print; n = 0; next }
			     /^\[----\] [^ ]+:[0-9]+: / { print; n = 4; next }
			     n > 0 && /^\[----\]/ && !/^\[----\] *$/ { print; n--; next }
			     { n = n > 0 && /^\[----\]/ ? n : 0 }' |
			cut -c 1-300 | head -n 40)
		[ -z "$fails" ] || summary="$summary
$(echo "$fails" | sed 's/^/    /')"
	fi
	[ "$rc" = 0 ] || status=1
done
echo "== vmtest summary ==$summary"
if [ $status -eq 0 ]; then echo "vmtest: every guest passed"; else echo "vmtest: FAILED"; fi
exit $status
