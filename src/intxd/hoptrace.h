/* SPDX-License-Identifier: MIT */
/*
 * hoptrace.h - timestamps of the daemon's hops of one interrupt, for the
 * benchmark's per-hop breakdown (make bench).  Off unless the environment
 * names a shared memory fd (INTXD_HOPTRACE_FD); then each mark is one
 * clock_gettime (vDSO) and one store.  Off, a mark is one test of a
 * pointer.  Slots are the benchmark's (tests/bench/bench.h).
 */
#ifndef INTXD_HOPTRACE_H
#define INTXD_HOPTRACE_H

#include <stdint.h>
#include <time.h>

enum hop {
	HOP_WAKE = 1,     /* the device's fd is drained (a relay's read returns) */
	HOP_NOTIFIED = 2, /* the NOTIFY is written to the client's pipe */
	HOP_ACK_READ = 5, /* the client's ACK is read */
	HOP_UNMASKED = 6, /* the device is unmasked */
};

extern volatile uint64_t *hoptrace;

static inline void hop_mark(enum hop h)
{
	struct timespec ts;

	if (__builtin_expect(hoptrace == NULL, 1))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	hoptrace[h] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Map the fd named by INTXD_HOPTRACE_FD, if any. */
void hoptrace_init(void);

#endif
