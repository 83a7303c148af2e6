/* SPDX-License-Identifier: MIT */
/*
 * intx-relay.h - the zero-logic broker, for the contrib drivers' --relay
 * modes: the floor that any broker following the spec's data path
 * (SPEC.md section 3: a daemon wakes on the device's fd, notifies the
 * client, the client acks, the daemon unmasks) pays on top of a direct
 * driver.  A relay child process waits on the device's interrupt (an open
 * struct direct) and loops:
 *
 *   direct_wait() -> write the notify eventfd -> read the ack eventfd
 *   (blocking) -> direct_unmask()
 *
 * while the driver process waits on notify, runs its handler and writes
 * ack.  Nothing else: no routing, no Status read, no timers, no socket -
 * each interrupt crosses the same two extra process switches as through
 * intxd, and nothing more.
 */
#ifndef INTX_RELAY_H
#define INTX_RELAY_H

#include <stdint.h>

#include "intx-direct.h"

struct relay {
	int pid;    /* the relay child, or -1 */
	int notify; /* eventfd: the child -> the driver, one per interrupt */
	int ack;    /* eventfd: the driver -> the child, "unmask now" */
};

/* Fork the relay child on d (the caller keeps its copy of d, for its BAR
 * mapping, and must not wait on it); with cpu >= 0 the child runs on that
 * CPU only.  The child dies with the caller (PR_SET_PDEATHSIG), and on its
 * own when a call fails (it says why on stderr): the caller sees SIGCHLD.  spin: notify is made non-blocking,
 * for relay_wait() with spin_us > 0.  0 or -errno. */
int relay_start(struct relay *r, struct direct *d, int cpu, int spin);
/* Wait for the child's notification and consume it, polling without
 * sleeping for up to spin_us first (only if started with spin): 0 or
 * -errno (-ECHILD: the child gave up; -EINTR: a signal, e.g. SIGCHLD
 * when something else killed it). */
int relay_wait(struct relay *r, unsigned spin_us);
/* The handler is done: the child may unmask.  0 or -errno. */
int relay_ack(struct relay *r);
/* The child's context switches (voluntary or not) and time on a CPU (ns)
 * so far, from /proc/PID/status and /proc/PID/schedstat.  0 or -errno. */
int relay_stats(const struct relay *r, long *csw, uint64_t *cpu_ns);
/* Kill and reap the child, unmask d as its last ack asked (it may have
 * died before it did), close the eventfds; takes a stopped relay. */
void relay_stop(struct relay *r, struct direct *d);

#endif
