/* SPDX-License-Identifier: MIT */
/*
 * relay-mux.h - the multiplexing relay floors of the benchmark (issue 11):
 * relay-sim's relay (owns DIR/irq, drains it, notifies the client on e2,
 * reads the ACK from e3, simdev_unmask()s, tells the source on e4), but
 * waiting for either of its two fds at once, as any broker serving more
 * than one fd must:
 *   epoll  one epoll instance, level-triggered, epoll_wait(-1) then a read
 *          of the ready fd: the cheapest loop that serves two fds;
 *   uring  io_uring (liburing): both reads submitted ahead, one
 *          io_uring_submit_and_wait() per wakeup; the eventfd writes are
 *          plain write()s, or (ring_writes) submitted through the ring too.
 * No logic and no library beyond that, so that what a wakeup costs over
 * relay-sim's blocking read() has an address.
 */
#ifndef TESTS_BENCH_RELAY_MUX_H
#define TESTS_BENCH_RELAY_MUX_H

#include <stdbool.h>
#include <stdint.h>

#include "simdev.h"

struct relay_mux {
	struct simdev *sd;         /* the device, being served */
	int irq_fd;                /* simdev_serve()'s fd, blocking */
	int e2, e3, e4;            /* notify the client, its ACK, tell the source */
	volatile uint64_t *hops;   /* enum bench_hop slots, or NULL: no marks */
	int ready_fd;              /* eventfd: 1 is written once set up */
	bool ring_writes;          /* uring: e2/e4 writes through the ring */
};

/*
 * Serve for ever (exit status 1 on any error).  They return only when the
 * setup fails, with -errno: for uring, the kernel refusing io_uring
 * (io_uring_queue_init(), e.g. kernel.io_uring_disabled), and -ENOSYS when
 * the bench was built without liburing.  Nothing is written to ready_fd then.
 */
int relay_mux_epoll(const struct relay_mux *m);
int relay_mux_uring(const struct relay_mux *m);

#endif
