#!/bin/sh
# tests/vm/setup.sh - install what the VM test harness needs (idempotent).
# Runs `apt-get update` at most once, and only when a package is missing.
set -eu

PKGS="qemu-system-x86 linux-image-amd64 busybox-static cpio kmod xz-utils binutils linux-libc-dev"

missing=""
for p in $PKGS; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        :
    else
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "setup.sh: all packages present:$(printf ' %s' $PKGS)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

echo "setup.sh: missing:$missing"
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
echo "setup.sh: apt-get update"
$SUDO apt-get update -q
echo "setup.sh: apt-get install -y$missing"
# install the full list so apt resolves them together; present ones are no-ops
$SUDO apt-get install -y -q --no-install-recommends $PKGS
end=$(date +%s)
echo "setup.sh: installed in $((end - start)) s"
