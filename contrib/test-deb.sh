#!/bin/bash
# test-deb.sh - build the Debian packages, install them on this machine,
# use them, remove them.
#
#   contrib/test-deb.sh
#
# Runs contrib/build-deb.sh (with DEB_BUILD_OPTIONS=nocheck unless
# DEB_BUILD_OPTIONS is set: `make check` is tested elsewhere), installs
# intxd, libintx1 and libintx-dev with apt-get, then checks:
#   - the files land where a Debian admin expects them;
#   - intxd --version, and intxd --check-config on the installed example;
#   - pkg-config finds libintx and a program links against it;
#   - intxctl, the man pages and the bash completion are there;
#   - contrib/demo.sh runs on the installed intxd, intxctl, intx-sim and
#     libintx;
# and purges the packages again (also when a check failed).  Needs root
# and must not be run where intxd is already installed from elsewhere.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "test-deb.sh: needs root (it installs packages)" >&2
	exit 77
fi
if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
	echo "test-deb.sh: not a Debian system" >&2
	exit 77
fi
for p in intxd libintx1 libintx-dev; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		echo "test-deb.sh: $p is already installed; not touching it" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-deb.XXXXXX")
installed=false
cleanup() {
	if $installed; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y intxd libintx1 libintx-dev \
			>"$tmp/purge.log" 2>&1 || { echo "test-deb.sh: purge failed:"; cat "$tmp/purge.log"; }
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }

echo "test-deb.sh: building the packages (log: build.log)"
if ! DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck} "$here/build-deb.sh" "$tmp/out" \
	>"$tmp/build.log" 2>&1; then
	tail -40 "$tmp/build.log"
	fail build "contrib/build-deb.sh failed"
	exit 1
fi
pass build
for p in intxd libintx1 libintx-dev; do
	ls "$tmp/out/${p}_"*.deb >/dev/null 2>&1 || fail "build" "no $p package"
done

# apt-get resolves the runtime dependencies of local .deb files
if DEBIAN_FRONTEND=noninteractive apt-get install -y "$tmp"/out/*.deb >"$tmp/install.log" 2>&1; then
	installed=true
	pass install
else
	installed=true # whatever got in must come out
	sed 's/^/    /' "$tmp/install.log" | tail -30
	fail install "apt-get install failed"
	exit 1
fi

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
missing=""
for f in /usr/sbin/intxd /usr/sbin/intxctl /usr/bin/intx-sim /etc/intxd/intxd.conf \
	/lib/systemd/system/intxd.service /lib/systemd/system/intxd.socket \
	/usr/lib/sysusers.d/intxd.conf /usr/lib/tmpfiles.d/intxd.conf \
	/usr/share/man/man8/intxd.8.gz /usr/share/man/man8/intxctl.8.gz \
	/usr/share/man/man5/intxd.conf.5.gz /usr/share/man/man3/libintx.3.gz \
	/usr/share/bash-completion/completions/intxctl \
	/usr/include/intx.h "/usr/lib/$ma/libintx.so" "/usr/lib/$ma/libintx.so.1" \
	"/usr/lib/$ma/pkgconfig/libintx.pc"; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then pass files; else fail files "missing:$missing"; fi
if dpkg-query -W -f='${Conffiles}\n' intxd | grep -q '/etc/intxd/intxd.conf'; then
	pass conffile
else
	fail conffile "/etc/intxd/intxd.conf is not a conffile of intxd"
fi
if getent group intx >/dev/null; then pass group; else fail group "no group intx after install"; fi

if out=$(/usr/sbin/intxd --version 2>&1) && [[ $out == intxd\ * ]]; then
	pass "version ($out)"
else
	fail version "intxd --version: $out"
fi
if out=$(/usr/sbin/intxd --check-config 2>&1) && [[ $out == *"configuration OK"* ]]; then
	pass check-config
else
	fail check-config "intxd --check-config on /etc/intxd/intxd.conf: $out"
fi
if /usr/sbin/intxctl --help >/dev/null 2>&1; then pass intxctl; else fail intxctl "intxctl --help failed"; fi

cat >"$tmp/t.c" <<'C'
#include <intx.h>
#include <stdio.h>
int main(void) { puts(intx_strerror(-ENOENT_PLACEHOLDER)); return 0; }
C
sed -i 's/-ENOENT_PLACEHOLDER/-2/' "$tmp/t.c"
if cc -o "$tmp/t" "$tmp/t.c" $(pkg-config --cflags --libs libintx) 2>"$tmp/cc.log" &&
	[ "$("$tmp/t")" = "no such device" ]; then
	pass libintx-dev
else
	sed 's/^/    /' "$tmp/cc.log"
	fail libintx-dev "cannot build and run a program with pkg-config libintx"
fi
if bash -c 'source /usr/share/bash-completion/completions/intxctl 2>/dev/null || true
	type _intxctl' >/dev/null 2>&1; then
	pass bash-completion
else
	fail bash-completion "the completion does not define _intxctl"
fi

# The demo against the installed daemon, tools and library: the example
# driver is built here against the installed libintx (pkg-config).
top=$(cd "$here/.." && pwd)
if cc -D_GNU_SOURCE -I"$top/src/shared" -o "$tmp/intx-example-driver" \
	"$top/contrib/intx-example-driver.c" "$top/src/shared/simdev.c" \
	$(pkg-config --cflags --libs libintx) 2>"$tmp/cc-driver.log" &&
	INTXD=/usr/sbin/intxd INTXCTL=/usr/sbin/intxctl INTX_SIM=/usr/bin/intx-sim \
	INTX_DRIVER="$tmp/intx-example-driver" ROUNDS=5 "$here/demo.sh" >"$tmp/demo.log" 2>&1 &&
	grep -q '^vm1 .*|  *10 / 0 ' "$tmp/demo.log"; then
	pass "demo (installed binaries)"
else
	sed 's/^/    /' "$tmp/cc-driver.log" "$tmp/demo.log" | tail -40
	fail demo "contrib/demo.sh against the installed packages"
fi

echo "test-deb.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
