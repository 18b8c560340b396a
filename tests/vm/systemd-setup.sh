#!/bin/sh
# Run by the test lab's initramfs before it switches to systemd as PID 1 (vmtest.init=systemd):
# in the guest's root (NEWROOT, a tmpfs overlay over the host's /), add a target that runs
# tests/vm/guest.sh as a service and powers off, and nothing else of the host's units.
#   systemd-setup.sh NEWROOT REPO
set -eu
root=$1 repo=$2
# The host's fstab and units that wait for hardware have no business in the guest.
: > "$root/etc/fstab"
mkdir -p "$root/etc/systemd/system"
cat > "$root/etc/systemd/system/vmtest.target" <<UNIT
[Unit]
Description=vprocfs test lab
Requires=basic.target vmtest.service
After=basic.target vmtest.service
AllowIsolate=yes
UNIT
cat > "$root/etc/systemd/system/vmtest.service" <<UNIT
[Unit]
Description=vprocfs test lab suites
After=basic.target

[Service]
Type=oneshot
ExecStart=/bin/sh $repo/tests/vm/guest.sh service
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
UNIT
ln -sf /etc/systemd/system/vmtest.target "$root/etc/systemd/system/default.target"
