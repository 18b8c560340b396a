# vprocfs — see README.md. `make help` lists the targets.
PREFIX   ?= /usr/local
DESTDIR  ?=
BUILD    ?= build
MOUNTPOINT ?= /var/lib/vprocfs
VERSION  := 0.1.0

CC       ?= cc
PKGS     := fuse3 libcgroup libsystemd json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
CFLAGS   ?= -O2 -g
SANFLAGS ?=
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -I. $(PKG_CFLAGS) \
	-DVPROCFS_VERSION='"$(VERSION)"' -D_GNU_SOURCE -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)

LIB_SRCS := $(wildcard util/*.c cgroup/*.c core/*.c proc_views/*.c seccomp/*.c) $(filter-out fs/main.c,$(wildcard fs/*.c))
UNIT_SRCS := $(wildcard tests/unit/*.c)
INTEG_SRCS := $(wildcard tests/integration/*.c)
BENCH_SRCS := $(wildcard bench/*.c)

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_OBJS  := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)
INTEG_OBJS := $(INTEG_SRCS:%.c=$(BUILD)/obj/%.o)

DAEMON     := $(BUILD)/vprocfs
# The same daemon with another version string: the test lab's "upgrade to another binary".
UPGRADE    := $(BUILD)/vprocfs-upgrade
PROBE      := $(BUILD)/sysinfo-probe
HOOK       := $(BUILD)/vprocfs-oci-hook
SHIM       := $(BUILD)/vprocfs-runc
FAKEBUS    := $(BUILD)/fake-systemd-bus
UNIT_BIN   := $(BUILD)/unit-tests
INTEG_BIN  := $(BUILD)/integration-tests
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all run check test unit integration asan valgrind bench install uninstall clean help verify-unit \
	fuzz fuzz-build stress vmtest

all: $(DAEMON) $(HOOK) $(SHIM) $(FAKEBUS) $(PROBE) $(UNIT_BIN) $(INTEG_BIN) $(BENCH_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(DAEMON): $(LIB_OBJS) $(BUILD)/obj/fs/main.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

$(UPGRADE): $(LIB_OBJS) fs/main.c
	$(CC) $(ALL_CFLAGS) -UVPROCFS_VERSION -DVPROCFS_VERSION='"$(VERSION)+upgrade"' -MF /dev/null \
		-c fs/main.c -o $(BUILD)/obj/fs/main-upgrade.o
	$(CC) $(ALL_LDFLAGS) -o $@ $(LIB_OBJS) $(BUILD)/obj/fs/main-upgrade.o $(PKG_LIBS) -lpthread

# The OCI hook: a separate, single-threaded program (json-c).
$(HOOK): oci/vprocfs-oci-hook.c oci/oci-spec.c oci/oci-spec.h core/table.c core/table.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags json-c) $(ALL_LDFLAGS) -o $@ \
		oci/vprocfs-oci-hook.c oci/oci-spec.c core/table.c $(shell pkg-config --libs json-c)

# The OCI runtime shim (json-c): edits config.json on create/run, then execs the real runtime.
$(SHIM): oci/vprocfs-runc.c oci/runc-shim.c oci/runc-shim.h oci/oci-spec.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags json-c) \
		-DVPROCFS_HOOK_PATH='"$(PREFIX)/libexec/vprocfs/vprocfs-oci-hook"' $(ALL_LDFLAGS) -o $@ \
		oci/vprocfs-runc.c oci/runc-shim.c $(shell pkg-config --libs json-c)

# Test helper: sysinfo(2) and getloadavg(3) as a container sees them (static: busybox rootfs).
$(PROBE): tests/helpers/sysinfo_probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -static -o $@ $<

# Test helper: the slice of systemd's D-Bus API the daemon asks at SIGTERM.
$(FAKEBUS): tests/helpers/fake_systemd_bus.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PKG_LIBS)

$(BUILD)/obj/oci/oci-spec.o $(BUILD)/obj/oci/runc-shim.o: ALL_CFLAGS += $(shell pkg-config --cflags json-c)

$(UNIT_BIN): $(UNIT_OBJS) $(LIB_OBJS) $(BUILD)/obj/oci/oci-spec.o $(BUILD)/obj/oci/runc-shim.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRIT_LIBS) $(PKG_LIBS) $(shell pkg-config --libs json-c) \
		-lpthread

$(INTEG_BIN): $(INTEG_OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CRIT_LIBS) -lpthread

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PKG_LIBS) -lpthread

# The foreground daemon on its default mount point (Ctrl-C stops it and unmounts).
run: $(DAEMON)
	$(DAEMON) $(MOUNTPOINT)

# Every test: unit and integration tests on this host (alone: they bound latencies), then the
# test lab's v2 guests and, beside them, the integration suite against the daemon under
# valgrind (neither checks a time bound; together they take the time of the lab alone).
check: test
	@mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)-valgrind valgrind > $(BUILD)/valgrind.log 2>&1 & \
	 vg=$$!; $(MAKE) --no-print-directory vmtest; v=$$?; wait $$vg; g=$$?; \
	 echo "== valgrind (beside the test lab; whole log: $(BUILD)/valgrind.log) =="; \
	 grep -a -E '^\[(FAIL|SKIP)|Synthesis|Assertion|==[0-9]+== [A-Z]' $(BUILD)/valgrind.log | head -n 60; \
	 echo "vmtest exit $$v, valgrind exit $$g"; test $$v -eq 0 -a $$g -eq 0

# Every unit and integration test on this host; exits non-zero if any fails.
test: $(UNIT_BIN) $(INTEG_BIN) $(DAEMON) $(HOOK) $(SHIM) $(FAKEBUS) $(PROBE) verify-unit
	@echo "== unit tests =="
	@cd tests && timeout -k 10 900 ../$(UNIT_BIN) --jobs 2; u=$$?; \
	 echo "== integration tests =="; \
	 VPROCFS_BIN=$(CURDIR)/$(DAEMON) VPROCFS_HOOK=$(CURDIR)/$(HOOK) VPROCFS_FAKEBUS=$(CURDIR)/$(FAKEBUS) VPROCFS_PROBE=$(CURDIR)/$(PROBE) \
		VPROCFS_SHIM=$(CURDIR)/$(SHIM) timeout -k 10 1800 ../$(INTEG_BIN) --jobs 1; i=$$?; \
	 echo "unit exit $$u, integration exit $$i"; test $$u -eq 0 -a $$i -eq 0

# systemd-analyze verify on the unit, pointed at this build's daemon.
verify-unit: $(DAEMON)
	@if ! command -v systemd-analyze >/dev/null; then \
		echo "*** SKIPPED verify-unit: systemd-analyze not installed ***"; exit 0; fi; \
	 d=$$(mktemp -d); sed 's|@SBINDIR@/vprocfs|$(CURDIR)/$(DAEMON)|g' systemd/vprocfs.service.in \
		> $$d/vprocfs.service; \
	 out=$$(systemd-analyze verify --man=no $$d/vprocfs.service 2>&1); s=$$?; rm -rf $$d; \
	 if [ $$s -ne 0 ] || [ -n "$$out" ]; then echo "verify-unit: FAILED"; echo "$$out"; exit 1; fi; \
	 echo "verify-unit: systemd-analyze accepts systemd/vprocfs.service"

unit: $(UNIT_BIN)
	cd tests && ../$(UNIT_BIN)

integration: $(INTEG_BIN) $(DAEMON) $(HOOK) $(SHIM) $(FAKEBUS) $(PROBE)
	cd tests && VPROCFS_BIN=$(CURDIR)/$(DAEMON) VPROCFS_HOOK=$(CURDIR)/$(HOOK) \
		VPROCFS_FAKEBUS=$(CURDIR)/$(FAKEBUS) VPROCFS_PROBE=$(CURDIR)/$(PROBE) \
		VPROCFS_SHIM=$(CURDIR)/$(SHIM) ../$(INTEG_BIN) --jobs 1

# The whole suite built with AddressSanitizer + UndefinedBehaviorSanitizer, daemon included.
# ASan and UBSan errors abort (the test crashes); a leak report only changes a process's exit
# code, which criterion does not count, so the log is searched for sanitizer reports too.
asan:
	@mkdir -p build-asan
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	 $(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" test \
		> build-asan/test.log 2>&1; s=$$?; cat build-asan/test.log; \
	 if grep -qE "ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:" build-asan/test.log; then \
		echo "asan: FAILED: sanitizer reports above"; exit 1; fi; \
	 echo "asan: no sanitizer reports"; exit $$s

# The integration suite against the daemon under valgrind memcheck (slow: about a minute).
valgrind: $(INTEG_BIN) $(DAEMON) $(HOOK) $(SHIM) $(FAKEBUS) $(PROBE)
	cd tests && VPROCFS_REAL_BIN=$(CURDIR)/$(DAEMON) VPROCFS_BIN=$(CURDIR)/tests/valgrind-daemon.sh \
		VPROCFS_HOOK=$(CURDIR)/$(HOOK) VPROCFS_FAKEBUS=$(CURDIR)/$(FAKEBUS) VPROCFS_PROBE=$(CURDIR)/$(PROBE) \
		VPROCFS_SHIM=$(CURDIR)/$(SHIM) VPROCFS_VALGRIND_SUPP=$(CURDIR)/tests/valgrind.supp \
		../$(INTEG_BIN) --jobs 1

# libFuzzer targets, one per parser family (tests/fuzz/fuzz_*.c), built with clang, ASan and
# UBSan. `make fuzz` runs each for FUZZ_SECONDS from its seed corpus (tests/fuzz/corpus/NAME;
# what it finds goes to build-fuzz/corpus/NAME); -jN runs N at once. Any crash, sanitizer
# report, broken invariant or timeout fails the target and leaves build-fuzz/crash-NAME-*.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
FUZZ_BUILD   := build-fuzz
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=gnu11 $(WARN) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -I. $(PKG_CFLAGS) $(shell pkg-config --cflags json-c) -D_GNU_SOURCE
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,\
	$(wildcard util/*.c cgroup/*.c core/*.c proc_views/*.c seccomp/*.c) oci/oci-spec.c oci/runc-shim.c)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS) \
		$(shell pkg-config --libs json-c) -lpthread

# Objects reached through the fuzz-run-% chain are not intermediate files to delete.
.SECONDARY: $(FUZZ_LIB_OBJS) $(FUZZ_NAMES:%=$(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o) $(FUZZ_BINS)

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_NAMES:%=fuzz-run-%)
	@echo "fuzz: $(words $(FUZZ_NAMES)) targets, $(FUZZ_SECONDS) s each, no findings"

fuzz-run-%: $(FUZZ_BUILD)/fuzz_%
	@mkdir -p $(FUZZ_BUILD)/corpus/$*
	@echo "== fuzz $* for $(FUZZ_SECONDS) s =="
	@UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) \
		-timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_BUILD)/crash-$*- $(FUZZ_BUILD)/corpus/$* tests/fuzz/corpus/$* \
		> $(FUZZ_BUILD)/fuzz-$*.log 2>&1; s=$$?; tail -n 14 $(FUZZ_BUILD)/fuzz-$*.log; \
	 if [ $$s -ne 0 ]; then echo "fuzz $*: FAILED (exit $$s), see $(FUZZ_BUILD)/fuzz-$*.log"; \
		exit 1; fi

# The long stress run: 60 s and at least a million reads after warm-up (`make test` runs a
# 12 s version), then the hostile-neighbour tests.
STRESS_SECONDS ?= 60
STRESS_MIN_READS ?= 1000000
stress: $(INTEG_BIN) $(DAEMON)
	cd tests && VPROCFS_BIN=$(CURDIR)/$(DAEMON) VPROCFS_STRESS_SECONDS=$(STRESS_SECONDS) \
		VPROCFS_STRESS_MIN_READS=$(STRESS_MIN_READS) ../$(INTEG_BIN) --jobs 1 --verbose=0 \
		--filter '@(stress|hostile)/*'

# The test lab (tests/vm/README.md): throw-away pure cgroup v2 virtual machines on Debian's
# 6.1 and 6.12 kernels that run the integration suite (again with crun), Docker, and real
# systemd as PID 1. VMTEST_GUESTS picks guests by name (default: all).
vmtest: $(DAEMON) $(UPGRADE) $(HOOK) $(FAKEBUS) $(PROBE) $(INTEG_BIN)
	tests/vm/vmtest.sh $(BUILD) $(VMTEST_GUESTS)

bench: $(DAEMON) $(BENCH_BINS)
	bench/run.sh $(BUILD)

# The hooks.d file goes where podman and CRI-O look (/usr/share/containers/oci/hooks.d) and
# the CDI spec where podman, Docker >= 25 and containerd look (/etc/cdi), whatever PREFIX is.
HOOKSDIR ?= /usr/share/containers/oci/hooks.d
CDIDIR   ?= /etc/cdi

install: $(DAEMON) $(HOOK) $(SHIM)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/systemd/system \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/libexec/vprocfs \
		$(DESTDIR)$(HOOKSDIR) $(DESTDIR)$(CDIDIR) $(DESTDIR)/etc/vprocfs
	install -m 0755 $(DAEMON) $(DESTDIR)$(PREFIX)/sbin/vprocfs
	install -m 0755 $(SHIM) $(DESTDIR)$(PREFIX)/sbin/vprocfs-runc
	sed 's|@LIBEXECDIR@|$(PREFIX)/libexec/vprocfs|g' oci/runc.conf \
		> $(DESTDIR)/etc/vprocfs/runc.conf.example
	chmod 0644 $(DESTDIR)/etc/vprocfs/runc.conf.example
	install -m 0755 $(HOOK) $(DESTDIR)$(PREFIX)/libexec/vprocfs/vprocfs-oci-hook
	install -m 0644 man/vprocfs.8 $(DESTDIR)$(PREFIX)/share/man/man8/vprocfs.8
	sed 's|@LIBEXECDIR@|$(PREFIX)/libexec/vprocfs|g' oci/hooks.d/vprocfs.json.in \
		> $(DESTDIR)$(HOOKSDIR)/vprocfs.json
	$(HOOK) --cdi $(MOUNTPOINT) $(PREFIX)/libexec/vprocfs/vprocfs-oci-hook > $(DESTDIR)$(CDIDIR)/vprocfs.json
	chmod 0644 $(DESTDIR)$(CDIDIR)/vprocfs.json
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' systemd/vprocfs.service.in \
		> $(DESTDIR)$(PREFIX)/lib/systemd/system/vprocfs.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/vprocfs.service

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/vprocfs $(DESTDIR)$(PREFIX)/lib/systemd/system/vprocfs.service \
		$(DESTDIR)$(PREFIX)/share/man/man8/vprocfs.8 \
		$(DESTDIR)$(PREFIX)/libexec/vprocfs/vprocfs-oci-hook \
		$(DESTDIR)$(HOOKSDIR)/vprocfs.json $(DESTDIR)$(CDIDIR)/vprocfs.json \
		$(DESTDIR)$(PREFIX)/sbin/vprocfs-runc $(DESTDIR)/etc/vprocfs/runc.conf.example

clean:
	rm -rf build build-asan build-fuzz

help:
	@echo "targets: all run check test vmtest unit integration asan valgrind fuzz stress bench install uninstall clean"
	@echo "vars: PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) MOUNTPOINT=$(MOUNTPOINT) BUILD=$(BUILD)"

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/*/*/*.d $(FUZZ_BUILD)/obj/*/*.d $(FUZZ_BUILD)/obj/*/*/*.d)
