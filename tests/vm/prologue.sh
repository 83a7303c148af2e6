# tests/vm/prologue.sh - sourced (not run) by check-vm.sh, check-health.sh
# and check-e1000.sh: the skip rules and the build tree they share.
#
# The caller sets NAME (for its messages) and HERE (this directory), then
# runs `vm_prologue PROGRAM...`.  Afterwards BUILD is the absolute build
# tree with every PROGRAM built in it, and QEMU, a kernel and busybox are
# there (tests/vm/setup.sh installed them if it could); otherwise the script
# has exited: 77 (skip), or 1 when INTXVM_REQUIRE is set or a PROGRAM is
# not built.

# Exit 77 for reason $*, or 1 when the caller demands the VM tests run.
skip() {
    echo "$NAME: $*"
    if [ -n "${INTXVM_REQUIRE:-}" ]; then echo "$NAME: FAIL (INTXVM_REQUIRE is set)"; exit 1; fi
    echo "$NAME: SKIP"
    exit 77
}

have_vm() {
    command -v qemu-system-x86_64 >/dev/null 2>&1 && ls /boot/vmlinuz-* >/dev/null 2>&1 \
        && { [ -x /bin/busybox ] || [ -x /usr/bin/busybox ]; }
}

vm_prologue() {
    # SKIP_VM_TESTS wins over INTXVM_REQUIRE: the CI's sanitizer and
    # distcheck stages, after the VM tests ran once
    if [ -n "${SKIP_VM_TESTS:-}" ]; then
        echo "$NAME: SKIP (SKIP_VM_TESTS is set)"
        exit 77
    fi
    BUILD=${INTXVM_BUILDDIR:-}
    if [ -z "$BUILD" ] && [ -n "${INTXD:-}" ]; then BUILD=${INTXD%/src/intxd/intxd}; fi
    [ -n "$BUILD" ] || BUILD=$(pwd)
    BUILD=$(cd "$BUILD" && pwd)
    for p in src/intxd/intxd src/intxctl/intxctl "$@"; do
        [ -x "$BUILD/$p" ] || { echo "$NAME: $BUILD/$p is not built"; exit 1; }
    done
    case "$BUILD" in
        *[[:space:]]*) skip "the build path has white space: the guest cannot be told it" ;;
    esac
    if ! have_vm; then
        if [ -n "${INTXVM_NO_SETUP:-}" ]; then
            skip "QEMU or a kernel is missing and INTXVM_NO_SETUP is set"
        elif [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
            "$HERE/setup.sh" || skip "installing QEMU and a kernel failed"
            have_vm || skip "QEMU or a kernel is still missing after setup.sh"
        else
            skip "QEMU or a kernel is missing, and installing needs root"
        fi
    fi
}
