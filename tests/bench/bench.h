/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what the benchmark driver and its client processes share: one
 * page-aligned MAP_SHARED region (a memfd inherited across exec) holding
 * the raise and handler timestamps of every device, and per-session
 * counters.  Timestamps are CLOCK_MONOTONIC ns.
 */
#ifndef TESTS_BENCH_H
#define TESTS_BENCH_H

#include <stdint.h>
#include <time.h>

#define BENCH_DEVS 512

struct bench_shm {
	volatile uint64_t t_raise[BENCH_DEVS];   /* driver: just before raise */
	volatile uint64_t t_handler[BENCH_DEVS]; /* client: handler start */
	volatile uint64_t calls[BENCH_DEVS];     /* handler calls per device */
	volatile uint64_t handled[BENCH_DEVS];   /* ... that found it asserting */
};

static inline uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
