/* SPDX-License-Identifier: MIT */
/*
 * model-clock.c - a fake clock.h for check-model: time stands still until
 * the test moves it, and timers fire only when the test says so.  Linked
 * before libintxd.a, it stands in for src/intxd/clock.c.
 */
#include <stdlib.h>

#include "clock.h"
#include "model-clock.h"

struct itimer {
	void (*cb)(void *);
	void *arg;
	uint64_t at;
	bool armed;
	struct itimer *next;
};

/* The fake clock's state: one instance per test process. */
static struct {
	uint64_t now;
	struct itimer *timers;
} mc = { 1000000000000ull, NULL };

uint64_t now_ns(void)
{
	return mc.now;
}

void model_clock_set(uint64_t ns)
{
	mc.now = ns;
}

struct itimer *itimer_new(struct event_base *base, void (*cb)(void *), void *arg)
{
	struct itimer *t = calloc(1, sizeof(*t));

	(void)base;
	if (!t)
		return NULL;
	t->cb = cb;
	t->arg = arg;
	t->next = mc.timers;
	mc.timers = t;
	return t;
}

void itimer_arm(struct itimer *t, uint64_t at_ns)
{
	t->at = at_ns;
	t->armed = true;
}

void itimer_cancel(struct itimer *t)
{
	t->armed = false;
}

bool itimer_armed(const struct itimer *t)
{
	return t->armed;
}

uint64_t itimer_when(const struct itimer *t)
{
	return t->at;
}

void itimer_free(struct itimer *t)
{
	struct itimer **p;

	if (!t)
		return;
	for (p = &mc.timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	free(t);
}

bool model_clock_next(uint64_t *at)
{
	const struct itimer *t;
	bool any = false;

	for (t = mc.timers; t; t = t->next)
		if (t->armed && (!any || t->at < *at)) {
			*at = t->at;
			any = true;
		}
	return any;
}

bool model_clock_fire_one(void)
{
	struct itimer *t, *due = NULL;

	for (t = mc.timers; t; t = t->next)
		if (t->armed && t->at <= mc.now && (!due || t->at < due->at))
			due = t;
	if (!due)
		return false;
	due->armed = false;
	due->cb(due->arg);
	return true;
}
