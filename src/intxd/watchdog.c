/* SPDX-License-Identifier: MIT */
/*
 * watchdog.c - WATCHDOG=1 to systemd every half WATCHDOG_USEC.
 *
 * The keep-alive is sent from a timer of the daemon's own event loop, not
 * from a thread: what the watchdog must catch is a loop that no longer
 * runs.  The timer is an itimer (clock.c), so that it puts no time-out in
 * the loop's wait, re-armed on each firing.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "clock.h"
#include "log.h"
#include "watchdog.h"

/* This module's state: the keep-alive timer and its period (half of
 * WATCHDOG_USEC), set by watchdog_start(), gone with watchdog_stop(). */
static struct itimer *watchdog_timer;
static uint64_t watchdog_period_ns;

static void watchdog_fire(void *arg)
{
	int r;

	(void)arg;
	r = sd_notify(0, "WATCHDOG=1");
	if (r < 0)
		log_warn("watchdog: cannot notify the service manager: %s", strerror(-r));
	itimer_arm(watchdog_timer, now_ns() + watchdog_period_ns);
}

int watchdog_start(struct event_base *base)
{
	uint64_t usec = 0, half;
	int r;

	/* 0: leave WATCHDOG_USEC/WATCHDOG_PID alone for anything we exec */
	r = sd_watchdog_enabled(0, &usec);
	if (r < 0) {
		log_warn("watchdog: ignoring a bad WATCHDOG_USEC/WATCHDOG_PID: %s", strerror(-r));
		return 0;
	}
	if (r == 0 || usec == 0)
		return 0;
	half = usec / 2 ? usec / 2 : 1;
	watchdog_period_ns = half * 1000u;
	watchdog_timer = itimer_new(base, watchdog_fire, NULL);
	if (!watchdog_timer) {
		log_err("watchdog: cannot arm the keep-alive timer");
		return -ENOMEM;
	}
	log_debug("watchdog: keep-alive every %llu.%06llu s",
		  (unsigned long long)(half / 1000000), (unsigned long long)(half % 1000000));
	/* one now: the first period starts when systemd saw READY=1 */
	sd_notify(0, "WATCHDOG=1");
	itimer_arm(watchdog_timer, now_ns() + watchdog_period_ns);
	return 0;
}

void watchdog_stop(void)
{
	itimer_free(watchdog_timer);
	watchdog_timer = NULL;
}
