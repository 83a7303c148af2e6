/* SPDX-License-Identifier: MIT */
/*
 * linewatch.h - the health of the lines intxd serves (issue 13).
 *
 * Every LINEWATCH_PERIOD_MS, and at once when the kernel log says it
 * disabled a line, for each served line with an IRQ number:
 *  - rogue asserters: when the kernel's unhandled count for the IRQ
 *    (/proc/irq/N/spurious) or the line's own spurious count climbed, every
 *    PCI function routed to the IRQ that intxd does not serve is read for
 *    Status bit 3 with Command bit 10 clear.  Each one found is logged,
 *    counted (LINE.rogues) and sent to monitors (INTX_EV_ROGUE).
 *  - quarantine (conf quarantine = yes, or intxctl quarantine BDF): INTx
 *    Disable is set on such a function if it has no driver.  Undone by
 *    intxctl release, or when a driver binds to it.
 *  - a dead line: "Disabling IRQ #N" in /dev/kmsg, or /proc/interrupts
 *    frozen while the line's fds keep waking (the kernel's 10 Hz poll).
 *    Once no unmasked function asserts it any more, one served device's
 *    INTx is registered again (backend rearm), which makes the kernel enable
 *    the line (__setup_irq clears IRQS_SPURIOUS_DISABLED); logged, sent to
 *    monitors and written to the kernel log as "intxd: irq N: revived".
 * Only lines with uio or vfio devices are watched: a sim device's IRQ is
 * not the host's.  The watchdog runs when such a line exists at start; a
 * reload that brings the first one is watched from the next start.  Without
 * one, it runs while a function is quarantined (to end that when a driver
 * binds).  All
 * the state here is the watchdog's own; lines and devices are looked up
 * through the daemon each time.
 */
#ifndef INTXD_LINEWATCH_H
#define INTXD_LINEWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct daemon;
struct line;

#define LINEWATCH_PERIOD_MS 50

/* Start watching (after the devices are started); 0 or -errno.  Without
 * /proc or /dev/kmsg it watches with what is left and says so. */
int linewatch_start(struct daemon *d);
void linewatch_free(struct daemon *d);

/* After a reload changed the lines: watch the new ones (logs its trouble). */
void linewatch_lines_changed(struct daemon *d);

/* l is a line of host PCI functions with an IRQ number (not only sim
 * devices, whose IRQ is a number in their config image). */
bool linewatch_hw_line(const struct line *l);

/* For LINE records: rogues found on l, and INTX_F_DEAD/QUARANTINE/REVIVED. */
void linewatch_line_info(const struct daemon *d, const struct line *l,
			 uint32_t *rogues, uint32_t *flags);

/* intxctl quarantine/release BDF: 0, -EINVAL (not a PCI address), -ENOENT
 * (no such function), -EBUSY (a driver is bound: not ours to mask or, for
 * one not quarantined by this process, unmask), -EEXIST (served by intxd),
 * -EALREADY (release: INTx Disable is clear), -errno. */
int linewatch_quarantine(struct daemon *d, const char *bdf, const char *why);
int linewatch_release(struct daemon *d, const char *bdf, const char *why);

#endif
