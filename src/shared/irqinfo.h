/* SPDX-License-Identifier: MIT */
/*
 * irqinfo.h - what the kernel says about an IRQ line and a PCI function
 * in small text files (/proc/irq/N/spurious, /proc/interrupts, sysfs
 * attributes), read the same way by intxd's line watchdog, intxctl doctor
 * and the VM tests.
 */
#ifndef INTX_IRQINFO_H
#define INTX_IRQINFO_H

#include <stddef.h>
#include <stdint.h>

/* Read a small text file whole into buf (NUL-terminated): its length, or
 * -errno. */
int irqinfo_read_text(const char *path, char *buf, size_t size);

/* /proc/irq/N/spurious: "count", "unhandled", "last_unhandled" (ms); a
 * field the kernel did not print stays -1. */
struct irq_spurious {
	int64_t count, unhandled, last_unhandled_ms;
};

/* proc: the procfs root ("/proc", or a test's stand-in).  0 or -errno. */
int irqinfo_spurious(const char *proc, int irq, struct irq_spurious *out);

/* The <proc>/interrupts count of irq, summed over CPUs, or -1. */
int64_t irqinfo_interrupts(const char *proc, int irq);

#endif
