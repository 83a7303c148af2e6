/* SPDX-License-Identifier: MIT */
/*
 * rawclient.h - a client speaking the wire protocol by hand (no libintx),
 * for tests that need to choose exactly what is sent and when: an ACK with
 * a stale seq, one never sent, a session held open across a reload.
 */
#ifndef TESTS_RAWCLIENT_H
#define TESTS_RAWCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"

struct rc {
	int fd, pfd; /* the socket, the notification pipe */
	int afd;     /* the ACK pipe's write end (rc_ack_pipe), or -1 */
};

/* Connect and HELLO as client (as this process's uid). */
void rc_open(struct h_env *e, struct rc *c, const char *client);
void rc_close(struct rc *c);
/* The next message on the socket, which must be of type want. */
long rc_reply(struct rc *c, void *buf, size_t size, int want);
/* SUBSCRIBE; returns the device id. */
uint32_t rc_sub(struct rc *c, const char *dev);
/* The next message on the notification pipe (NOTIFY or REVOKED) into buf
 * (INTX_MSG_MAX bytes), waiting up to timeout_ms; its type, or 0 if none
 * came. */
int rc_unasked(struct rc *c, void *buf, int timeout_ms);
/* The next NOTIFY, waiting up to timeout_ms; false if none came. */
bool rc_notify(struct rc *c, struct intx_msg_notify *n, int timeout_ms);
void rc_ack(struct rc *c, const struct intx_msg_notify *n, uint64_t seq,
	    bool handled);
/* Send ACK_PIPE on socket fd; the answer's type, the answer in buf
 * (INTX_MSG_MAX bytes) and the fd it carried in *afd (-1: none). */
int rc_ask_ack_pipe(int fd, void *buf, int *afd);
/* Ask for the ACK pipe (ACK_PIPE); its write end lands in c->afd. */
void rc_ack_pipe(struct rc *c);
/* An ACK record as rc_ack sends it. */
void rc_ack_rec(struct intx_msg_ack *a, const struct intx_msg_notify *n,
		uint64_t seq, bool handled);
/* The same ACK as a record down the ACK pipe, in one write. */
void rc_pack(struct rc *c, const struct intx_msg_notify *n, uint64_t seq,
	     bool handled);
/* Send UNSUBSCRIBE without waiting for its answer. */
void rc_unsub_send(struct rc *c, uint32_t device_id);
/* Is the session still open (no end of stream on its socket)? */
bool rc_alive(struct rc *c);

/* On e's MONITOR session: wait for an event of kind for dev (seq 0: any),
 * failing if an event of kind `never` for dev comes first. */
void rc_expect_event(struct h_env *e, uint32_t kind, const char *dev,
		     uint64_t seq, uint32_t never);

/* The sim device at dir stops asserting, as its driver's handler makes it. */
void rc_lower(const char *dir);

#endif
