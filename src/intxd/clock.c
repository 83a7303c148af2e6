/* SPDX-License-Identifier: MIT */
/* clock.c - now_ns() and itimers on libevent's timers. */
#include <event2/event.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

struct itimer {
	struct event *ev;
	void (*cb)(void *);
	void *arg;
	uint64_t at;
};

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct itimer *t = arg;

	(void)fd;
	(void)what;
	t->cb(t->arg);
}

struct itimer *itimer_new(struct event_base *base, void (*cb)(void *), void *arg)
{
	struct itimer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cb = cb;
	t->arg = arg;
	t->ev = evtimer_new(base, on_timer, t);
	if (!t->ev) {
		free(t);
		return NULL;
	}
	return t;
}

void itimer_arm(struct itimer *t, uint64_t at_ns)
{
	uint64_t now = now_ns(), d = at_ns > now ? at_ns - now : 0;
	struct timeval tv;

	/* libevent's timers count in microseconds: round up, never early */
	d = (d + 999) / 1000;
	tv.tv_sec = (time_t)(d / 1000000);
	tv.tv_usec = (suseconds_t)(d % 1000000);
	t->at = at_ns;
	evtimer_add(t->ev, &tv);
}

void itimer_cancel(struct itimer *t)
{
	evtimer_del(t->ev);
}

bool itimer_armed(const struct itimer *t)
{
	return evtimer_pending(t->ev, NULL);
}

uint64_t itimer_when(const struct itimer *t)
{
	return t->at;
}

void itimer_free(struct itimer *t)
{
	if (!t)
		return;
	event_free(t->ev);
	free(t);
}
