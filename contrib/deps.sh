#!/bin/bash
# deps.sh - install what building intxd needs on Debian 12, and with --test
# what its test suite needs too (QEMU and a guest kernel for the real-kernel
# tests).  Installs only what is missing; runs apt-get update once, first.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pkgs=(build-essential autoconf automake libtool pkg-config util-linux
      libevent-dev libpciaccess-dev libsystemd-dev libinih-dev linux-libc-dev)
if [ "${1:-}" = --test ]; then
	# procps: /bin/kill, which systemd-analyze verify wants for ExecReload=
	pkgs+=(check mandoc systemd procps python3 strace valgrind clang libclang-rt-14-dev
	       debhelper lintian)
	# the real-kernel tests' packages, from tests/vm/setup.sh's one list,
	# installed here with the rest so apt-get update runs once
	vm_pkgs=$(sed -n 's/^PKGS="\(.*\)"$/\1/p' "$here/../tests/vm/setup.sh")
	[ -n "$vm_pkgs" ] || { echo "deps.sh: no PKGS= in tests/vm/setup.sh" >&2; exit 1; }
	read -r -a more <<<"$vm_pkgs"
	pkgs+=("${more[@]}")
fi

missing=()
updated=false
update_once() { $updated || apt-get update -qq; updated=true; }
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps.sh: everything needed is installed"
else
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	update_once
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	echo "deps.sh: done"
fi
# promtool, to check intxctl stats --prometheus: it comes with the server,
# which must not start here (policy-rc.d says no to every service start)
if [ "${1:-}" = --test ] && ! command -v promtool >/dev/null 2>&1; then
	echo "deps.sh: installing prometheus (for promtool; its service is not started)"
	policy=/usr/sbin/policy-rc.d
	made_policy=false
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod +x "$policy"
		made_policy=true
	fi
	update_once
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		prometheus >/dev/null || status=$?
	if $made_policy; then rm -f "$policy"; fi
	[ "${status:-0}" -eq 0 ] || exit "$status"
fi
# the real-kernel tests: QEMU, Debian's kernel, busybox (one list, theirs)
if [ "${1:-}" = --test ]; then
	"$here/../tests/vm/setup.sh"
fi
