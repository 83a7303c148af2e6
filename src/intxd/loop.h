/* SPDX-License-Identifier: MIT */
/*
 * loop.h - intxd's event loop, with spin-before-block (spin-us = in
 * [intxd], issue 11): after a wakeup that served an interrupt or a
 * client's message (loop_busy()), the loop keeps polling (epoll_wait with
 * no time-out, through libevent's EVLOOP_NONBLOCK) until spin-us
 * microseconds have passed without more such work, and only then blocks,
 * so that the next event of a burst (the ACK, the next interrupt) finds
 * the daemon running rather than asleep.  Timers and signals are served
 * while it spins; a wakeup for timers alone does not spin.  spin-us is
 * read at every wakeup: a reload changes it at once.
 */
#ifndef INTXD_LOOP_H
#define INTXD_LOOP_H

struct daemon;

/* Run until event_base_loopexit/loopbreak or no events are left;
 * event_base_dispatch()'s return value. */
int loop_run(struct daemon *d);

/* Called by the callbacks of a burst's work (an interrupt, a session's
 * message or ACK): the loop spins after it (when spin-us is set). */
void loop_busy(struct daemon *d);

#endif
