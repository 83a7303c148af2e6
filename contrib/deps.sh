#!/bin/bash
# deps.sh - install what building intxd needs on Debian 12, and with --test
# what its test suite needs too (QEMU and a guest kernel for the real-kernel
# tests).  Installs only what is missing; runs apt-get update once, first.
set -euo pipefail

pkgs=(build-essential autoconf automake libtool pkg-config util-linux
      libevent-dev libpciaccess-dev libsystemd-dev libinih-dev linux-libc-dev)
if [ "${1:-}" = --test ]; then
	pkgs+=(check mandoc systemd python3 valgrind clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps.sh: everything needed is installed"
else
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	echo "deps.sh: done"
fi
# the real-kernel tests: QEMU, Debian's kernel, busybox (one list, theirs)
if [ "${1:-}" = --test ]; then
	"$(dirname "$0")/../tests/vm/setup.sh"
fi
