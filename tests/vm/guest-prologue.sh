# tests/vm/guest-prologue.sh - sourced (not run), INSIDE the guest, by
# intx-guest.sh, health-guest.sh and e1000-guest.sh:
#   . "$(dirname "$0")/guest-prologue.sh"
# (run-guest.sh runs a script by its own path in the chroot of the host's
# root, so its directory is reachable as it is on the host).
#
# The caller sets B (the build tree, a host path).  Afterwards B is where
# the guest sees it, intxd and intxctl are INTXD and INTXCTL, SOCK is
# intxd's socket, and failed/ok report a check (rc=1 once one failed).
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

need() {
    for p in "$INTXD" "$INTXCTL" "$@"; do
        [ -x "$p" ] || { echo "FAIL: $p is not built"; exit 1; }
    done
}
