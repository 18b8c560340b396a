# Suites for tests/vm/guest.sh (sourced; REPO and BUILD are set). Each suite_NAME returns 0
# only if every test in it passed and none was skipped, and sets SUITE_COUNTS.

# Criterion's closing line "Synthesis: Tested: N | Passing: N | Failing: N | Crashing: N",
# which leaves skipped tests out, plus the "[SKIP]" lines of --verbose (but for the tests a
# --filter left out: "Test is disabled").
criterion_counts() { # LOG
	syn=$(grep -a 'Synthesis:' "$1" | tail -n 1)
	skipped=$(grep -a '^\[SKIP\]' "$1" | grep -vc 'Test is disabled')
	t=$(echo "$syn" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
	p=$(echo "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$syn" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	c=$(echo "$syn" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	# Criterion's "Tested" leaves skipped tests out.
	SUITE_COUNTS="${p:-0} passed, $(( ${f:-0} + ${c:-0} )) failed, $skipped skipped"
	[ -n "$syn" ] && [ "${f:-1}" = 0 ] && [ "${c:-1}" = 0 ] && [ "$skipped" = 0 ] &&
		[ "${p:-0}" -gt 0 ] && [ "${t:-0}" = "${p:-0}" ]
}

# The whole integration suite (what `make test` runs after the unit tests), on pure v2.
# VPROCFS_TIMING=0: assertions about time (latency bounds, reads per second) are the host's;
# emulated guests check everything else.
suite_integration() {
	log=/tmp/integration-$$.log
	# vmtest.filter=GLOB on the kernel command line (VMTEST_FILTER for make vmtest) narrows it.
	[ -n "${VMTEST_FILTER:-}" ] || VMTEST_FILTER=$(arg filter)
	# Each test's result as it ends (the console is the only way out of the guest).
	(cd "$REPO/tests" && VPROCFS_TIMING=0 VPROCFS_BIN=$BUILD/vprocfs \
		VPROCFS_HOOK=$BUILD/vprocfs-oci-hook VPROCFS_FAKEBUS=$BUILD/fake-systemd-bus VPROCFS_PROBE=$BUILD/sysinfo-probe VPROCFS_SHIM=$BUILD/vprocfs-runc \
		timeout -k 10 3000 "$BUILD/integration-tests" --jobs 1 --verbose \
		${VMTEST_FILTER:+--filter "$VMTEST_FILTER"}; echo "integration-tests exit $?") 2>&1 |
		tee "$log" | grep --line-buffered -a -E '^\[(PASS|FAIL|SKIP|----)\]|^(stress|hostile|timing|docker):|SKIPPED|Synthesis|exit [0-9]'
	criterion_counts "$log" || return 1
	grep -q "^integration-tests exit 0$" "$log"
}

# The OCI end-to-end tests again with crun as the runtime (crun refuses v1 hybrid hosts; here
# it runs): the hook in config.json, podman with the hooks.d file and with the CDI spec,
# sysinfo through the seccomp agent, vprocfs-runc in front of crun, podman and containerd
# through the shim.
suite_crun() {
	command -v crun >/dev/null || { echo "crun not installed"; SUITE_COUNTS="crun missing"; return 1; }
	VPROCFS_OCI_RUNTIME=crun VMTEST_FILTER='@(oci|sysinfo|shim|runtimes)/*' \
		suite_integration
}

# ---- systemd as PID 1 (vmtest.init=systemd) ---------------------------------------------
# make install, systemctl start vprocfs, four containers (systemd-run services with their own
# MemoryMax, pid and mount namespaces, the bind-mounted meminfo read in a loop), then
# a runc container calling sysinfo (answered by the seccomp agent), then 10 x systemctl
# restart, 2 x kill -9 of the main PID, an upgrade to another binary: zero failed reads or
# calls, no ENOTCONN, the fd store holds exactly the daemon's fds (5, and the container's
# listener while it runs) and the journal no "Cannot store more fds"; then systemctl stop
# unmounts and empties the store, and a later start serves again.
SD_PASS=0 SD_FAIL=0
check() { # DESCRIPTION COMMAND...
	what=$1; shift
	if "$@"; then SD_PASS=$((SD_PASS + 1)); echo "ok - $what"
	else SD_FAIL=$((SD_FAIL + 1)); echo "not ok - $what"; fi
}
sd_prop() { systemctl show -p "$2" --value "$1"; }
vp_mounted() { grep -q ' /var/lib/vprocfs .* - fuse.vprocfs ' /proc/self/mountinfo; }
# Wait until vprocfs is active with a main PID other than $1 (up to 120 s).
wait_new_main() {
	for _ in $(seq 1 1200); do
		p=$(sd_prop vprocfs MainPID)
		[ "$(sd_prop vprocfs ActiveState)" = active ] && [ "$p" != 0 ] && [ "$p" != "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
reads_of() { sed -n 's/^reads=\([0-9]*\).*/\1/p' "/run/vmtest/r$1" 2>/dev/null; }
# Wait until every reader has read at least twice more than when called (up to 300 s): reads
# go on across the step just taken.
readers_progress() {
	set --
	for i in 1 2 3 4; do set -- "$@" "$(reads_of $i)"; done
	for _ in $(seq 1 3000); do
		ok=1 i=1
		for was in "$@"; do
			now=$(reads_of $i); [ "${now:-0}" -ge $(( ${was:-0} + 2 )) ] || ok=0
			i=$((i + 1))
		done
		[ $ok = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
wait_store() {
	for _ in $(seq 1 300); do store_is "$1" >/dev/null && break; sleep 0.1; done
	store_is "$1"
}
store_is() {
	n=$(sd_prop vprocfs NFileDescriptorStore)
	echo "  NFileDescriptorStore=$n"
	[ "$n" = "$1" ]
}

# A runc container calling sysinfo in a loop, answered by the daemon's seccomp agent (its
# config.json as vprocfs-runc writes it): counts in its rootfs, /fails on any failed call.
SI_BUNDLE=/run/vmtest/si
sysinfo_container_start() {
	mkdir -p "$SI_BUNDLE/rootfs/bin" && cd "$SI_BUNDLE" || return 1
	cp /bin/busybox "$BUILD/sysinfo-probe" rootfs/bin/ && mv rootfs/bin/sysinfo-probe rootfs/bin/probe
	for t in sh cat mv echo; do ln -sf busybox "rootfs/bin/$t"; done
	cat > rootfs/loop.sh <<'LOOP'
while [ ! -e /stop ]; do
	if probe 50 > /last.tmp; then mv /last.tmp /last; else cat /last.tmp >> /fails; fi
done
LOOP
	runc spec
	sed -i -e 's/"terminal": true/"terminal": false/' -e 's|"sh"$|"sh", "/loop.sh"|' \
		-e 's|"readonly": true|"readonly": false|' \
		-e 's|"resources": {|"resources": { "memory": { "limit": 134217728 },|' \
		-e '0,/"linux": {/s||"linux": { "seccomp": { "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/vprocfs/seccomp.sock", "syscalls": [ { "names": [ "sysinfo" ], "action": "SCMP_ACT_NOTIFY" } ] },|' \
		config.json
	cd / && systemd-run --quiet --unit vmtest-sysinfo runc --root /run/vmtest/runc run \
		-b "$SI_BUNDLE" vmtest-si
}
si_started() {
	sysinfo_container_start >/dev/null 2>&1 && sysinfo_progress &&
		grep -q total_kb=131072 "$SI_BUNDLE/rootfs/last"
}
# Wait until the container has made another 50 successful calls (up to 300 s).
sysinfo_progress() {
	rm -f "$SI_BUNDLE/rootfs/last"
	for _ in $(seq 1 3000); do
		[ -s "$SI_BUNDLE/rootfs/last" ] && return 0
		sleep 0.1
	done
	return 1
}

suite_systemd() {
	mkdir -p /run/vmtest
	[ "$(cat /proc/1/comm)" = systemd ] || { echo "PID 1 is not systemd"; return 1; }
	echo "systemd: $(systemctl --version | head -n 1)"
	check "make install" make -s -C "$REPO" BUILD="$BUILD" -o "$BUILD/vprocfs" \
		-o "$BUILD/vprocfs-oci-hook" PREFIX=/usr/local install
	systemctl daemon-reload
	check "systemctl start vprocfs" systemctl start vprocfs
	check "mounted on /var/lib/vprocfs" vp_mounted
	check "serves meminfo" grep -q '^MemTotal:' /var/lib/vprocfs/proc/meminfo
	# The FUSE fd, INIT, the request journal, the seccomp agent's listening socket and journal.
	check "the store holds 5 fds after the start" store_is 5
	check "a runc container's sysinfo answered by vprocfs (128 MiB)" si_started
	check "the store holds its seccomp listener too" store_is 6

	for i in 1 2 3 4; do
		systemd-run --quiet --unit "vmtest-reader$i" -p MemoryMax=$((64 * i))M \
			/bin/sh "$REPO/tests/vm/reader.sh" $((65536 * i)) "/run/vmtest/r$i" /run/vmtest/stop
	done
	check "4 containers reading" readers_progress

	for k in $(seq 1 10); do
		systemctl restart vprocfs || echo "restart $k failed"
		check "restart $k: readers go on" readers_progress
		check "restart $k: sysinfo goes on" sysinfo_progress
	done
	check "the store holds 6 fds after 10 restarts" store_is 6
	for k in 1 2; do
		main=$(sd_prop vprocfs MainPID)
		kill -9 "$main"
		check "kill -9 $k: Restart=always starts a new daemon" wait_new_main "$main"
		check "kill -9 $k: readers go on" readers_progress
		check "kill -9 $k: sysinfo goes on" sysinfo_progress
	done
	check "the store holds 6 fds after 2 kill -9" store_is 6
	# An upgrade: another build (VERSION +upgrade) installed over the binary, then restarted.
	install -m 0755 "$BUILD/vprocfs-upgrade" /usr/local/sbin/vprocfs
	systemctl restart vprocfs
	check "upgrade: the new binary runs" sh -c \
		'tr "\0" " " < /proc/$(systemctl show -p MainPID --value vprocfs)/cmdline | grep -q /usr/local/sbin/vprocfs && /usr/local/sbin/vprocfs --version | grep -q upgrade'
	check "upgrade: readers go on" readers_progress
	check "upgrade: sysinfo goes on" sysinfo_progress
	check "the store holds 6 fds after the upgrade" store_is 6

	touch "$SI_BUNDLE/rootfs/stop"
	for _ in $(seq 1 600); do
		[ "$(sd_prop vmtest-sysinfo ActiveState)" = active ] || break
		sleep 0.1
	done
	echo "sysinfo container: $(cat "$SI_BUNDLE/rootfs/last")"
	check "sysinfo: no failed call through the restarts" sh -c "! test -e $SI_BUNDLE/rootfs/fails"
	[ -e "$SI_BUNDLE/rootfs/fails" ] && head -n 5 "$SI_BUNDLE/rootfs/fails"
	check "sysinfo: the gone container's listener leaves the store" wait_store 5

	touch /run/vmtest/stop
	for i in 1 2 3 4; do
		for _ in $(seq 1 600); do
			[ "$(sd_prop "vmtest-reader$i" ActiveState)" = active ] || break
			sleep 0.1
		done
		echo "reader $i ($((64 * i)) MiB): $(cat /run/vmtest/r$i)"
		check "reader $i: no failed or wrong read" grep -q ' bad=0 errors=0$' "/run/vmtest/r$i"
		check "reader $i: no ENOTCONN" sh -c "! grep -q 'not connected' /run/vmtest/r$i.err 2>/dev/null"
		[ -s "/run/vmtest/r$i.err" ] && head -n 5 "/run/vmtest/r$i.err"
	done
	# The whole boot's journal: systemd logs "Cannot store more fds" for the unit.
	journalctl -q -b --no-pager > /run/vmtest/journal
	check "journal: no 'Cannot store more fds'" sh -c "! grep 'Cannot store more fds' /run/vmtest/journal"
	echo "journal: $(grep -c vprocfs /run/vmtest/journal) lines name vprocfs"

	check "systemctl stop vprocfs" systemctl stop vprocfs
	check "stop: unmounted" sh -c '! grep -q " /var/lib/vprocfs .* - fuse.vprocfs " /proc/self/mountinfo'
	check "stop: the store is empty" store_is 0
	check "a later start" systemctl start vprocfs
	check "start after stop: serves meminfo" grep -q '^MemTotal:' /var/lib/vprocfs/proc/meminfo
	systemctl stop vprocfs
	[ "$SD_FAIL" = 0 ] || { echo "---- journal ----"; tail -n 60 /run/vmtest/journal; }
	SUITE_COUNTS="$SD_PASS passed, $SD_FAIL failed"
	[ "$SD_FAIL" = 0 ] && [ "$SD_PASS" -gt 0 ]
}
