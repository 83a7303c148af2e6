# tests/vm/guest-prologue.sh - sourced (not run), INSIDE the guest, by
# intx-guest.sh, health-guest.sh, e1000-guest.sh and bench-guest.sh:
#   . "$(dirname "$0")/guest-prologue.sh"
# (run-guest.sh runs a script by its own path in the chroot of the host's
# root, so its directory is reachable as it is on the host).
#
# The caller sets B (the build tree, a host path).  Afterwards B is where
# the guest sees it, intxd and intxctl are INTXD and INTXCTL, SOCK is
# intxd's socket, failed/ok report a check (rc=1 once one failed), and
# bind KDRIVER BDF binds one device to a kernel driver.
# `need PROGRAM...` exits 1 unless every PROGRAM is built.

# A build tree under the host's /tmp is at /run/host-tmp in the guest; the
# rpath libtool gave the programs points at the host path, so say where
# libintx is.
case "$B" in /tmp/*) B=/run/host-tmp/${B#/tmp/} ;; esac
export LD_LIBRARY_PATH=$B/src/libintx/.libs
INTXD=$B/src/intxd/intxd
INTXCTL=$B/src/intxctl/intxctl
SOCK=/run/intxd/intxd.sock
rc=0
failed() { echo "FAIL: $*"; rc=1; }
ok() { echo "OK: $*"; }

# bind KDRIVER BDF: only this device (driver_override; new_id would take
# every edu, a culprit left driverless on purpose too)
bind() {
    echo "$1" > /sys/bus/pci/devices/$2/driver_override || failed "driver_override $2"
    echo "$2" > /sys/bus/pci/drivers_probe || failed "drivers_probe $2"
    d=$(readlink /sys/bus/pci/devices/$2/driver); d=${d##*/}
    [ "$d" = "$1" ] || failed "$2 is bound to '${d:-nothing}', not $1"
}

need() {
    for p in "$INTXD" "$INTXCTL" "$@"; do
        [ -x "$p" ] || { echo "FAIL: $p is not built"; exit 1; }
    done
}
