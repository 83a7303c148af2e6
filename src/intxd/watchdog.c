/* SPDX-License-Identifier: MIT */
/*
 * watchdog.c - WATCHDOG=1 to systemd every half WATCHDOG_USEC.
 *
 * The keep-alive is sent from a timer of the daemon's own event loop, not
 * from a thread: what the watchdog must catch is a loop that no longer
 * runs.  The timer is an event_base_once() one, re-armed on each firing;
 * libevent (2.1 and later) frees pending once-events with their base, so
 * nothing here needs tearing down.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdint.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "watchdog.h"

static struct timeval watchdog_period;

static int watchdog_arm(struct event_base *base);

static void watchdog_fire(evutil_socket_t fd, short what, void *arg)
{
	struct event_base *base = arg;
	int r;

	(void)fd;
	(void)what;
	r = sd_notify(0, "WATCHDOG=1");
	if (r < 0)
		log_warn("watchdog: cannot notify the service manager: %s", strerror(-r));
	/* a failure to re-arm is logged there; systemd will restart us */
	watchdog_arm(base);
}

static int watchdog_arm(struct event_base *base)
{
	if (event_base_once(base, -1, EV_TIMEOUT, watchdog_fire, base, &watchdog_period) < 0) {
		log_err("watchdog: cannot arm the keep-alive timer");
		return -ENOMEM;
	}
	return 0;
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
	watchdog_period.tv_sec = (time_t)(half / 1000000);
	watchdog_period.tv_usec = (suseconds_t)(half % 1000000);
	log_debug("watchdog: keep-alive every %llu.%06llu s",
		  (unsigned long long)(half / 1000000), (unsigned long long)(half % 1000000));
	/* one now: the first period starts when systemd saw READY=1 */
	sd_notify(0, "WATCHDOG=1");
	return watchdog_arm(base);
}
