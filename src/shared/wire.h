/* SPDX-License-Identifier: MIT */
/* wire.h - framed SOCK_SEQPACKET I/O, fd passing and peer credentials. */
#ifndef INTX_WIRE_H
#define INTX_WIRE_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Send one message, optionally with one fd (passfd < 0: none).
 * flags: extra send flags such as MSG_DONTWAIT.  0 or -errno. */
int wire_send(int sock, const void *msg, size_t len, int passfd, int flags);

/*
 * Receive one message into buf.  A received fd is stored in *fd_out (or
 * closed if fd_out is NULL); *nfds counts the fds that came with it, so the
 * caller can refuse a message that carries one it did not expect.
 * Returns the length, 0 at end of stream, -EMSGSIZE if the message did not
 * fit in bufsize (it is consumed), -EBADMSG if more fds came than fit, or
 * -errno (-EAGAIN when nothing is waiting on a non-blocking call, -EINTR
 * when a signal interrupts a blocking one).
 */
long wire_recv(int sock, void *buf, size_t bufsize, int *fd_out,
	       unsigned *nfds, int flags);

/* The peer's pid/uid/gid as the kernel saw them at connect().  0 or -errno. */
int wire_peercred(int sock, struct ucred *cred);

/* What is at a socket path: WIRE_ABSENT (nothing), WIRE_STALE (a socket
 * nobody listens on: connect() is refused), -EADDRINUSE (a live listener;
 * its pid in *holder when the kernel tells, else 0), -ENOTSOCK (something
 * that is not a socket), or another -errno. */
#define WIRE_ABSENT 0
#define WIRE_STALE 1
int wire_probe(const char *path, pid_t *holder);

/* A listening SOCK_SEQPACKET socket at path, close-on-exec and
 * non-blocking.  Only a stale socket is replaced: a live listener gives
 * -EADDRINUSE and anything that is not a socket -ENOTSOCK, both left
 * untouched.  Returns the fd or -errno. */
int wire_listen(const char *path, unsigned mode, int backlog);

/* Connect to path; close-on-exec, blocking.  Returns the fd or -errno. */
int wire_connect(const char *path);

#endif
