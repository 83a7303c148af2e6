/* SPDX-License-Identifier: MIT */
/*
 * ctl.h - the VM tests' control session with intxd (edu-test,
 * health-test): a bare fd, so that a test can poll it beside its drivers
 * and read the MONITOR stream at its own pace.
 */
#ifndef INTX_TESTS_VM_CTL_H
#define INTX_TESTS_VM_CTL_H

#include <stddef.h>

/* Wait up to timeout_ms (0: only what is queued) for one message from the
 * daemon into buf; its type after proto_check, or a negative errno
 * (-ETIMEDOUT, -ECONNRESET when the daemon hung up). */
int ctl_recv(int fd, void *buf, size_t size, int timeout_ms);

/* Connect to path and say HELLO as a control peer; the fd once WELCOMEd
 * (within timeout_ms), else a negative errno. */
int ctl_open(const char *path, int timeout_ms);

#endif
