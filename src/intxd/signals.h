/* SPDX-License-Identifier: MIT */
/*
 * signals.h - SIGTERM and SIGINT stop intxd, SIGHUP reloads it.
 *
 * Not libevent's signal events: those keep a signal for the loop's next
 * turn, and a restart, which stops the loop to execute, would forget a
 * stop that came meanwhile and execute instead.  Here the handler notes a
 * stop at once (signals_stop_asked()) and wakes the loop through a pipe.
 *
 * Over the exec of a restart the signals are blocked (signals_block()):
 * an exec resets a caught signal to its default, which for SIGHUP is to
 * terminate.  The mask and pending signals survive the exec; the new
 * image unblocks them in signals_watch(), and what came meanwhile is
 * handled then.
 */
#ifndef INTXD_SIGNALS_H
#define INTXD_SIGNALS_H

#include <stdbool.h>

struct daemon;

/* Handle the three signals in d's loop, and unblock them.  0 or -errno. */
int signals_watch(struct daemon *d);
void signals_free(void);

/* Block (true) or unblock them: around the exec of a restart. */
void signals_block(bool block);

/* Has SIGTERM or SIGINT come (handled or not yet)? */
bool signals_stop_asked(void);

#endif
