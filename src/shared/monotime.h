/* SPDX-License-Identifier: MIT */
/* monotime.h - CLOCK_MONOTONIC, for time-outs and deadlines in the client
 * side (libintx, request.c); intxd has its own clock module (clock.h). */
#ifndef INTX_MONOTIME_H
#define INTX_MONOTIME_H

#include <stdint.h>
#include <time.h>

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int64_t mono_ms(void)
{
	return mono_ns() / 1000000;
}

#endif
