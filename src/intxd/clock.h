/* SPDX-License-Identifier: MIT */
/*
 * clock.h - the broker core's time: the monotonic clock and one-shot
 * timers at absolute times.  The core (devices, lines, the ledger, reload)
 * reads time and sets deadlines only through here, so a test can link a
 * fake clock instead (tests/model-clock.c) and drive the core step by step,
 * as chrony's tests stub their neighbours.
 */
#ifndef INTXD_CLOCK_H
#define INTXD_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct itimer;

/* CLOCK_MONOTONIC in ns. */
uint64_t now_ns(void);

/* A timer that calls cb(arg) once at or after the time it is armed for. */
struct itimer *itimer_new(struct event_base *base, void (*cb)(void *), void *arg);
/* (Re-)arm for the absolute time at_ns; a time past fires at once. */
void itimer_arm(struct itimer *t, uint64_t at_ns);
void itimer_cancel(struct itimer *t);
bool itimer_armed(const struct itimer *t);
/* The time it is armed for (meaningful while armed). */
uint64_t itimer_when(const struct itimer *t);
void itimer_free(struct itimer *t);

#endif
