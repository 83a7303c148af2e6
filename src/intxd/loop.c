/* SPDX-License-Identifier: MIT */
/* loop.c - see loop.h. */
#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "loop.h"

static bool stopped(struct event_base *base)
{
	return event_base_got_exit(base) || event_base_got_break(base);
}

void loop_busy(struct daemon *d)
{
	d->loop_busy = true;
}

int loop_run(struct daemon *d)
{
	struct event_base *base = d->base;
	uint64_t until;
	int r;

	for (;;) {
		/* block until a wakeup, and handle its events: without
		 * spin-us, one epoll_wait per wakeup as
		 * event_base_dispatch() would */
		d->loop_busy = false;
		r = event_base_loop(base, EVLOOP_ONCE);
		if (r != 0 || stopped(base))
			return r;
		/* Poll for more only after a burst's work (loop_busy()), and
		 * for spin-us after the last of it: a wakeup for a timer
		 * alone (the watchdog, linewatch, placement) goes back to
		 * sleep, or an idle daemon would spin after every tick. */
		while (d->loop_busy && d->conf->spin_us > 0) {
			until = now_ns() + (uint64_t)d->conf->spin_us * 1000u;
			d->loop_busy = false;
			while (!d->loop_busy && now_ns() < until) {
				r = event_base_loop(base, EVLOOP_NONBLOCK);
				if (r != 0 || stopped(base))
					return r;
			}
		}
	}
}
