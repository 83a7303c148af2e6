/* SPDX-License-Identifier: MIT */
/*
 * loop.h - intxd's event loop, with spin-before-block (spin-us = in
 * [intxd], issue 11): after the events of a wakeup were handled, the loop
 * keeps polling (epoll_wait with no time-out, through libevent's
 * EVLOOP_NONBLOCK) for up to spin-us microseconds before it blocks again,
 * so that the next event of a burst (the ACK, the next interrupt) finds
 * the daemon running rather than asleep.  spin-us is read at every wakeup:
 * a reload changes it at once.
 */
#ifndef INTXD_LOOP_H
#define INTXD_LOOP_H

struct daemon;

/* Run until event_base_loopexit/loopbreak or no events are left;
 * event_base_dispatch()'s return value. */
int loop_run(struct daemon *d);

#endif
