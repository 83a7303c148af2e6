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

#define BENCH_DEVS 1024 /* the most devices a config may declare */

struct bench_shm {
	volatile uint64_t t_raise[BENCH_DEVS];   /* driver: just before raise */
	volatile uint64_t t_handler[BENCH_DEVS]; /* client: handler start */
	volatile uint64_t calls[BENCH_DEVS];     /* handler calls per device */
	volatile uint64_t handled[BENCH_DEVS];   /* ... that found it asserting */
	volatile uint64_t t_handler_end[BENCH_DEVS]; /* client: handler returns */
};

/*
 * The per-hop breakdown of one interrupt (device 0): slots of a second
 * shared page, written by the relay floor and by intxd itself when started
 * with INTXD_HOPTRACE_FD (src/intxd/hoptrace.h uses the same numbers).
 */
enum bench_hop {
	BHOP_RAISE,       /* driver: just before the raise */
	BHOP_WAKE,        /* daemon/relay: has read (drained) the device's fd */
	BHOP_NOTIFIED,    /* daemon/relay: notification written */
	BHOP_HANDLER,     /* client: handler starts (libintx: after its read) */
	BHOP_HANDLER_END, /* client: handler returns; the ACK is written next */
	BHOP_ACK_READ,    /* daemon/relay: ACK read */
	BHOP_UNMASKED,    /* daemon/relay: device unmasked */
	BHOP_N
};

static inline uint64_t bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
