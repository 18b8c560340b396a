#!/bin/sh
# Quick start on a Debian/Ubuntu host, as root: installs whatever is missing, then runs
# `make ARGS` (e.g. `./quickstart.sh run`, `./quickstart.sh check`).
set -eu

PKGS="build-essential pkg-config libfuse3-dev fuse3 libcgroup-dev libsystemd-dev libcriterion-dev libjson-c-dev procps sysstat util-linux mount runc busybox-static podman systemd dbus docker.io crun qemu-system-x86 cpio kmod xz-utils zstd python3 python3-yaml"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "quickstart: need root to install:$missing" >&2
		exit 1
	fi
	echo "quickstart: installing:$missing"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi
cd "$(dirname "$0")"
exec make "$@"
