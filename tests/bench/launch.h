/* SPDX-License-Identifier: MIT */
/*
 * launch.h - start intxd and bench-client processes the way both benchmark
 * drivers (bench, scale) do: intxd's READY=1 on a notify socket of our
 * own; bench-client's arguments, the descriptors it inherits, and the wait
 * for its ready byte.
 */
#ifndef TESTS_BENCH_LAUNCH_H
#define TESTS_BENCH_LAUNCH_H

#include <sys/types.h>

struct bench_client {
	const char *path;   /* the bench-client binary */
	const char *sock;   /* intxd's socket */
	const char *simdir; /* where the sim devices are */
	int shm_fd, done_fd; /* inherited: the bench_shm memfd, the done eventfd */
	unsigned spin_us;   /* --spin, 0 for none */
};

/*
 * Fork with fork_fn(cpu) (fork() when NULL), exec c->path with specs
 * ("cK:dK=N") and wait until it has subscribed.  *pid is set as soon as
 * the child exists, so that the caller can stop it on failure.  0, or
 * -EPIPE when it exited before it got ready, or -errno.
 */
int bench_client_start(const struct bench_client *c, char *const *specs,
		       unsigned nspecs, pid_t (*fork_fn)(int cpu), int cpu, pid_t *pid);

/* A datagram socket bound at path (replacing a stale one) for intxd's
 * NOTIFY_SOCKET.  The fd, or -errno. */
int bench_notify_socket(const char *path);

/* Wait up to timeout_ms for READY=1 on nfd from the intxd pid.  0, or
 * -ECHILD when it exited first, or -ETIMEDOUT. */
int bench_wait_ready(int nfd, pid_t pid, unsigned timeout_ms);

#endif
