/* SPDX-License-Identifier: MIT */
/* discover.h - `intxctl discover`: PCI devices, their INTx lines, and
 * config stanzas for intxd, found through libpciaccess and sysfs. */
#ifndef INTXCTL_DISCOVER_H
#define INTXCTL_DISCOVER_H

#include <stdbool.h>
#include <stdio.h>

/* List every PCI device on out (a table, or one JSON object with --json).
 * Needs no daemon, and only reads.  With probe (root only: -EPERM
 * otherwise) it also enables idle functions long enough to read their
 * routed IRQ and probes their INTx masking, writing Command bit 10 and
 * restoring it.  Problems are explained on stderr; returns 0 or a
 * negative errno. */
int discover_run(FILE *out, bool json, bool probe);

#endif
