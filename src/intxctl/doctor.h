/* SPDX-License-Identifier: MIT */
/*
 * doctor.h - `intxctl doctor [--json] [IRQ | BDF]`: the health of every
 * INTx line a PCI function is routed to, read-only.  What it prints and
 * the JSON schema are in intxctl(8) and doc/hardware.md.
 */
#ifndef INTXCTL_DOCTOR_H
#define INTXCTL_DOCTOR_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Look at the lines (all, or the one of IRQ number or function BDF in
 * which; NULL for all) and print on out.  Never writes config space or
 * sysfs.  Returns the exit status: 0 healthy, 1 findings (or nothing could
 * be read), 2 usage error (which names no IRQ or function; said on stderr).
 *
 * For tests and stand-ins only, the places it reads can be moved:
 * INTXCTL_DOCTOR_SYSFS (default /sys/bus/pci/devices), INTXCTL_DOCTOR_PROC
 * (default /proc), INTXCTL_DOCTOR_KMSG (default /dev/kmsg; a plain file of
 * kmsg records, one a line, is read the same way).
 */
int doctor_run(FILE *out, bool json, const char *which);

#endif
