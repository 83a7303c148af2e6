#!/bin/bash
# test-deb.sh - build the Debian source and binary packages, check them with
# lintian, install them on this machine, use them, upgrade them, purge them.
#
#   contrib/test-deb.sh
#
# 1. contrib/build-deb.sh builds version V (contrib/debian/changelog): the
#    source package, and the binary packages from it (DEB_BUILD_OPTIONS=
#    nocheck unless DEB_BUILD_OPTIONS is set: `make check` is tested
#    elsewhere; DPKG_GENSYMBOLS_CHECK_LEVEL=4, so a symbol of libintx that
#    contrib/debian/libintx1.symbols does not list fails).  Then V+1: V's
#    source package unpacked, one changelog entry added, built again (a
#    Debian revision on the same orig tarball).
# 2. lintian --pedantic on V's source and binaries: no tag at all but those
#    overridden, with their reasons, in contrib/debian/*lintian-overrides.
# 3. Install V (apt-get), then check: the files land where a Debian admin
#    expects them; the group intx and /run/intxd exist; intxd --version and
#    --check-config on the installed example, also with every [intxd] example
#    in it uncommented; pkg-config finds libintx and a program links against
#    it; the example driver builds from libintx-dev's examples; intxctl, the
#    man pages and the bash completion are there; contrib/demo.sh runs on the
#    installed intxd, intxctl, intx-sim, libintx and example driver.
# 4. Upgrade to V+1: the conffile stays, intxd.service keeps running.
# 5. Purge: no file of the packages is left, nor /etc/intxd, /run/intxd or
#    the units' enablement links; the group intx stays (README.Debian).
#
# systemd: the maintainer scripts act on units only where systemd runs
# (/run/systemd/system).  Where it does not (a container, a build host),
# installation, upgrade and purge run in a private mount namespace in which
# /run/systemd/system exists, systemctl is a model of systemd's job
# semantics for intxd.socket and intxd.service (start, stop, restart,
# try-restart, Requires= propagation; see systemctl-model below) and
# policy-rc.d allows starting services; enabling runs the real systemctl
# offline.  The model records what the scripts asked for; the test checks
# the outcome: the service active after installation, still active (and
# restarted, so running the new binary) after the upgrade, stopped after
# removal.  Where systemd is PID 1, the real one is used and checked.
#
# Needs root; exits 77 when not on Debian; refuses to touch an intxd that is
# already installed.
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
pkgs=(intxd libintx1 libintx-dev)
for p in "${pkgs[@]}"; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		echo "test-deb.sh: $p is already installed; not touching it" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-deb.XXXXXX")
# the demo's clients (other uids) exec the example driver built in here
chmod 755 "$tmp"
installed=false
passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1: $2"; failed=$((failed + 1)); }

# --- where systemd is not PID 1: a namespace that looks like it runs ------
sd=$tmp/sd
real_systemd=false
[ -d /run/systemd/system ] && [ "$(ps -p 1 -o comm=)" = systemd ] && real_systemd=true
if ! $real_systemd; then
	mkdir -p "$sd/active"
	touch "$sd/real-systemctl" "$sd/log"
	printf '#!/bin/sh\nexit 0\n' >"$sd/policy-rc.d"
	# systemctl-model: units are active when $sd/active/UNIT exists; each
	# start of intxd.service is counted in $sd/starts.
	cat >"$sd/systemctl" <<'MODEL'
#!/bin/bash
sd=@SD@
echo "systemctl $*" >>"$sd/log"
action="" units=()
for a; do
	case $a in
	--version) echo "systemd 252 (model)"; exit 0 ;;
	-*) ;;
	*) if [ -z "$action" ]; then action=$a; else units+=("$a"); fi ;;
	esac
done
active() { [ -e "$sd/active/$1" ]; }
known() { case $1 in intxd.service | intxd.socket) ;; *) echo "Unit $1 not found." >&2; exit 5 ;; esac; }
start() {
	if [ "$1" = intxd.service ]; then
		start intxd.socket # Requires=
		active intxd.service || echo $(( $(cat "$sd/starts" 2>/dev/null || echo 0) + 1 )) >"$sd/starts"
	fi
	touch "$sd/active/$1"
}
stop() {
	[ "$1" = intxd.socket ] && stop intxd.service # Requires= propagates stop
	rm -f "$sd/active/$1"
}
restart() {
	local was=false
	# Requires= propagates a restart of the socket to a running service
	[ "$1" = intxd.socket ] && active intxd.service && was=true
	stop "$1"
	start "$1"
	if $was; then start intxd.service; fi
}
case $action in
preset | enable | disable | reenable | mask | unmask) exec "$sd/real-systemctl" "$@" ;;
is-enabled) exec "$sd/real-systemctl" --root=/ is-enabled "${units[@]}" ;;
daemon-reload) exit 0 ;;
is-active) for u in "${units[@]}"; do active "$u" || exit 3; done ;;
start | stop | restart)
	for u in "${units[@]}"; do known "$u"; "$action" "$u"; done ;;
try-restart)
	for u in "${units[@]}"; do known "$u"; if active "$u"; then restart "$u"; fi; done ;;
*) echo "systemctl-model: $action is not modelled" >&2; exit 1 ;;
esac
exit 0
MODEL
	sed -i "s|@SD@|'$sd'|" "$sd/systemctl"
	chmod +x "$sd/systemctl"
	cat >"$sd/in-ns" <<'NS'
#!/bin/bash
# run "$@" where /run/systemd/system exists and systemctl is the model
set -e
sd=$(dirname "$0")
mount -t tmpfs -o mode=0755 tmpfs /run/systemd
mkdir /run/systemd/system
mount --bind /usr/bin/systemctl "$sd/real-systemctl"
mount --bind "$sd/systemctl" /usr/bin/systemctl
if [ -e /usr/sbin/policy-rc.d ]; then mount --bind "$sd/policy-rc.d" /usr/sbin/policy-rc.d; fi
exec "$@"
NS
	chmod +x "$sd/in-ns"
	mkdir -p /run/systemd
fi
# maint CMD...: run a package operation where its maintainer scripts meet
# systemd (the real one, or the model)
maint() {
	if $real_systemd; then
		"$@"
	else
		unshare --mount --propagation private "$sd/in-ns" "$@"
	fi
}
unit_active() {
	if $real_systemd; then systemctl --quiet is-active "$1"; else [ -e "$sd/active/$1" ]; fi
}
service_starts() {
	if $real_systemd; then
		systemctl show -P ExecMainStartTimestampMonotonic intxd.service
	else
		cat "$sd/starts" 2>/dev/null || echo 0
	fi
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive maint apt-get install -y "$@"
}
purge() {
	DEBIAN_FRONTEND=noninteractive maint apt-get purge -y "${pkgs[@]}"
}
cleanup() {
	if $installed; then
		purge >"$tmp/purge.log" 2>&1 || { echo "test-deb.sh: purge failed:"; cat "$tmp/purge.log"; }
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# --- 1. build V and V+1 ----------------------------------------------------
echo "test-deb.sh: building the packages (log: build.log)"
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS-nocheck}
# libintx1.symbols must list every exported symbol: a new one fails the build
export DPKG_GENSYMBOLS_CHECK_LEVEL=${DPKG_GENSYMBOLS_CHECK_LEVEL:-4}
if ! "$here/build-deb.sh" "$tmp/v1" >"$tmp/build.log" 2>&1; then
	tail -40 "$tmp/build.log"
	fail build "contrib/build-deb.sh failed"
	exit 1
fi
v1=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
missing=""
for p in "${pkgs[@]}"; do ls "$tmp/v1/${p}_${v1#*:}_"*.deb >/dev/null 2>&1 || missing="$missing $p"; done
if ls "$tmp/v1/intxd_${v1#*:}.dsc" "$tmp/v1/intxd_${v1%-*}.orig.tar."* >/dev/null 2>&1 &&
	[ -z "$missing" ]; then
	pass "build $v1 (source package and binary packages)"
else
	fail build "$v1: missing .dsc, orig tarball or${missing:- nothing}"
	exit 1
fi

v2=${v1%-*}-$(( ${v1##*-} + 1 ))
mkdir "$tmp/v2src" "$tmp/v2"
(
	cd "$tmp/v2src"
	cp "$tmp/v1/intxd_${v1%-*}.orig.tar."* .
	dpkg-source -x "$tmp/v1/intxd_${v1#*:}.dsc" src
	cd src
	{
		printf 'intxd (%s) unstable; urgency=medium\n\n' "$v2"
		printf '  * Rebuilt by contrib/test-deb.sh, to test an upgrade.\n\n'
		printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
		cat debian/changelog
	} >debian/changelog.new
	mv debian/changelog.new debian/changelog
	dpkg-buildpackage -us -uc
) >"$tmp/build2.log" 2>&1 && cp "$tmp/v2src"/*.deb "$tmp/v2/" ||
	{ tail -40 "$tmp/build2.log"; fail build "$v2 failed"; exit 1; }
pass "build $v2"

# --- 2. lintian ---------------------------------------------------------------
if command -v lintian >/dev/null 2>&1; then
	if lintian --pedantic -I --fail-on error,warning,info,pedantic \
		"$tmp/v1/intxd_${v1#*:}_"*.changes >"$tmp/lintian.log" 2>&1; then
		pass "lintian --pedantic"
	else
		sed 's/^/    /' "$tmp/lintian.log"
		fail lintian "tags that are not overridden (contrib/debian/*lintian-overrides)"
	fi
else
	fail lintian "lintian is not installed (contrib/deps.sh --test)"
fi

# --- 3. install V -------------------------------------------------------------
debs() { for p in "${pkgs[@]}"; do echo "$1/${p}_${2#*:}_"*.deb; done; }
installed=true # whatever gets in must come out
# shellcheck disable=SC2046
if apt_install $(debs "$tmp/v1" "$v1") >"$tmp/install.log" 2>&1; then
	pass "install $v1"
else
	sed 's/^/    /' "$tmp/install.log" | tail -30
	fail install "apt-get install failed"
	exit 1
fi

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
missing=""
for f in /usr/sbin/intxd /usr/sbin/intxctl /usr/bin/intx-sim /etc/intxd/intxd.conf \
	/etc/intxd/intxd.conf.d /lib/systemd/system/intxd.service /lib/systemd/system/intxd.socket \
	/usr/lib/sysusers.d/intxd.conf /usr/lib/tmpfiles.d/intxd.conf \
	/usr/share/man/man8/intxd.8.gz /usr/share/man/man8/intxctl.8.gz \
	/usr/share/man/man1/intx-sim.1.gz \
	/usr/share/man/man5/intxd.conf.5.gz /usr/share/man/man3/libintx.3.gz \
	/usr/share/bash-completion/completions/intxctl /usr/share/doc/intxd/copyright \
	/usr/share/doc/intxd/README.Debian \
	/usr/include/intx.h "/usr/lib/$ma/libintx.so" "/usr/lib/$ma/libintx.so.1" \
	"/usr/lib/$ma/pkgconfig/libintx.pc" /usr/share/doc/libintx-dev/examples/Makefile \
	/usr/share/doc/libintx-dev/examples/intx-example-driver.c; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then pass files; else fail files "missing:$missing"; fi
if dpkg-query -W -f='${Conffiles}\n' intxd | grep -q '/etc/intxd/intxd.conf'; then
	pass conffile
else
	fail conffile "/etc/intxd/intxd.conf is not a conffile of intxd"
fi
if getent group intx >/dev/null; then pass group; else fail group "no group intx after install"; fi
if [ -d /run/intxd ] && [ "$(stat -c %G /run/intxd)" = intx ]; then
	pass "/run/intxd (tmpfiles.d)"
else
	fail /run/intxd "missing, or not of group intx, after install"
fi
if unit_active intxd.socket && unit_active intxd.service; then
	pass "systemd: intxd.socket and intxd.service started"
else
	fail systemd "after install: socket $(unit_active intxd.socket && echo active || echo inactive), service $(unit_active intxd.service && echo active || echo inactive)"
fi

# each unit, user and tmpfiles action once in each maintainer script
dups=""
for f in /var/lib/dpkg/info/intxd.preinst /var/lib/dpkg/info/intxd.postinst \
	/var/lib/dpkg/info/intxd.prerm /var/lib/dpkg/info/intxd.postrm; do
	[ -e "$f" ] || continue
	d=$(grep -E 'deb-systemd-helper|deb-systemd-invoke|systemd-sysusers|addgroup|systemd-tmpfiles' "$f" |
		sed 's/^[[:space:]]*//' | sort | uniq -d)
	[ -z "$d" ] || dups="$dups ${f##*/}: $d;"
done
if [ -z "$dups" ]; then pass "maintainer scripts: every action once"; else fail maint-scripts "twice:$dups"; fi

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
# the [intxd] examples, uncommented, name what exists here (group, user)
sed -n '/^\[intxd\]/,/^# \[device/ { /^\[intxd\]/p; s/^#\([a-z-]* = \)/\1/p; }' \
	/etc/intxd/intxd.conf >"$tmp/examples.conf"
if grep -q '^socket-group = ' "$tmp/examples.conf" &&
	out=$(/usr/sbin/intxd --check-config -c "$tmp/examples.conf" 2>&1) &&
	[[ $out == *"configuration OK"* ]]; then
	pass "check-config ([intxd] examples uncommented)"
else
	fail check-config-examples "$out"
fi
if /usr/sbin/intxctl --help >/dev/null 2>&1; then pass intxctl; else fail intxctl "intxctl --help failed"; fi

cat >"$tmp/t.c" <<'C'
#include <errno.h>
#include <stdio.h>
#include <intx.h>
int main(void) { return intx_strerror(-ENOENT) && *intx_strerror(-ENOENT) ? 0 : 1; }
C
# shellcheck disable=SC2046 # pkg-config's words
if cc -o "$tmp/t" "$tmp/t.c" $(pkg-config --cflags --libs libintx) 2>"$tmp/cc.log" && "$tmp/t"; then
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

# The example driver from libintx-dev's examples, as its Makefile says.
if cp -r /usr/share/doc/libintx-dev/examples "$tmp/examples" 2>"$tmp/examples.log" &&
	make -C "$tmp/examples" >>"$tmp/examples.log" 2>&1 && [ -x "$tmp/examples/intx-example-driver" ]; then
	pass "examples (make in a copy of /usr/share/doc/libintx-dev/examples)"
else
	sed 's/^/    /' "$tmp/examples.log"
	fail examples "the example driver does not build from the installed examples"
fi
# The demo against the installed daemon, tools, library and example.
if INTXD=/usr/sbin/intxd INTXCTL=/usr/sbin/intxctl INTX_SIM=/usr/bin/intx-sim \
	INTX_DRIVER="$tmp/examples/intx-example-driver" ROUNDS=5 "$here/demo.sh" >"$tmp/demo.log" 2>&1 &&
	grep -q '^vm1 .*|  *10 / 0 ' "$tmp/demo.log"; then
	pass "demo (installed binaries)"
else
	sed 's/^/    /' "$tmp/demo.log" | tail -40
	fail demo "contrib/demo.sh against the installed packages"
fi

# --- 4. upgrade to V+1 --------------------------------------------------------
echo '# a local change' >>/etc/intxd/intxd.conf
sum=$(md5sum </etc/intxd/intxd.conf)
# as a client's connection would (or an admin): the service runs
unit_active intxd.service || maint systemctl start intxd.service
starts=$(service_starts)
was_active=false
unit_active intxd.service && was_active=true
# shellcheck disable=SC2046
if apt_install $(debs "$tmp/v2" "$v2") >"$tmp/upgrade.log" 2>&1 &&
	[ "$(dpkg-query -W -f='${Version}' intxd)" = "$v2" ]; then
	pass "upgrade $v1 -> $v2"
else
	sed 's/^/    /' "$tmp/upgrade.log" | tail -30
	fail upgrade "apt-get install of $v2 failed"
fi
if [ "$(md5sum </etc/intxd/intxd.conf)" = "$sum" ]; then
	pass "upgrade keeps the changed conffile"
else
	fail upgrade-conffile "/etc/intxd/intxd.conf changed"
fi
if ! $was_active; then
	fail upgrade-service "intxd.service was not running before the upgrade"
elif unit_active intxd.service && [ "$(service_starts)" != "$starts" ]; then
	pass "upgrade: intxd.service running before, restarted, running after"
else
	[ -f "$sd/log" ] && sed 's/^/    /' "$sd/log"
	fail upgrade-service "intxd.service $(unit_active intxd.service && echo "was not restarted" || echo "is stopped") after the upgrade"
fi

# --- 5. purge -----------------------------------------------------------------
files=$(dpkg-query -L "${pkgs[@]}" | sort -u)
if purge >"$tmp/purge.log" 2>&1; then
	installed=false
	pass purge
else
	sed 's/^/    /' "$tmp/purge.log" | tail -30
	fail purge "apt-get purge failed"
fi
left=""
while IFS= read -r f; do
	# directories of other packages (/usr, /etc, ...) stay
	[ -e "$f" ] && ! [ -d "$f" ] && left="$left $f"
done <<<"$files"
for f in /etc/intxd /run/intxd /var/lib/systemd/deb-systemd-helper-enabled/intxd.service.dsh-also \
	$(find /etc/systemd/system -name 'intxd.*' 2>/dev/null); do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
if [ -z "$left" ]; then pass "purge leaves nothing"; else fail purge-left "left:$left"; fi
if unit_active intxd.service || unit_active intxd.socket; then
	fail purge-stop "intxd.service or intxd.socket still active after the purge"
else
	pass "purge stopped intxd.service and intxd.socket"
fi
# the group stays, as contrib/debian/intxd.postrm explains
if getent group intx >/dev/null; then pass "purge keeps the group intx"; else fail purge-group "group intx removed"; fi

echo "test-deb.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
