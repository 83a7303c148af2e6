/* SPDX-License-Identifier: MIT */
/*
 * irqinfo.h - what the kernel says about an IRQ line in
 * /proc/irq/N/spurious and /proc/interrupts, read the same way by intxd's
 * line watchdog, intxctl doctor and the VM tests (a PCI function's sysfs
 * attributes are pcidev's).
 */
#ifndef INTX_IRQINFO_H
#define INTX_IRQINFO_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

/* /proc/irq/N/spurious: "count", "unhandled", "last_unhandled" (ms); a
 * field the kernel did not print stays -1. */
struct irq_spurious {
	int64_t count, unhandled, last_unhandled_ms;
};

/* proc: the procfs root ("/proc", or a test's stand-in).  0 or -errno. */
int irqinfo_spurious(const char *proc, int irq, struct irq_spurious *out);

/* <proc>/irq/N/effective_affinity_list: the CPUs the IRQ is delivered to
 * now (irqbalance may move it); smp_affinity_list where the kernel has no
 * effective affinity.  0 or -errno. */
int irqinfo_affinity(const char *proc, int irq, cpu_set_t *out);

/* The <proc>/interrupts count of irq, summed over CPUs, or -1. */
int64_t irqinfo_interrupts(const char *proc, int irq);

/* The counts of n IRQs from one read of <proc>/interrupts (-1 each one
 * not listed): what a periodic check of many lines calls once a tick.
 * Returns how many were found, or -errno when the file cannot be read. */
int irqinfo_interrupts_many(const char *proc, const int *irqs, int64_t *counts,
			    unsigned n);

#endif
