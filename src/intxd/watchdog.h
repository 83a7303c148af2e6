/* SPDX-License-Identifier: MIT */
/* watchdog.h - keep systemd's service watchdog (WatchdogSec=) fed from the event loop. */
#ifndef INTXD_WATCHDOG_H
#define INTXD_WATCHDOG_H

struct event_base;

/*
 * When the service manager asked for keep-alives (WATCHDOG_USEC, and
 * WATCHDOG_PID naming us if set), send WATCHDOG=1 from the event loop every
 * half period, so a loop that stops turning gets the daemon restarted.
 * Call it once the daemon is READY=1, before the loop runs, and
 * watchdog_stop() before the base is freed.  Returns 0 (also when no
 * watchdog was asked for) or a negative errno, logged here.
 */
int watchdog_start(struct event_base *base);
void watchdog_stop(void);

#endif
