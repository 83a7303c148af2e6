/* SPDX-License-Identifier: MIT */
/*
 * request.h - the peer side of one connection to intxd, shared by libintx
 * and intxctl: connect, HELLO, one request at a time and its reply, and the
 * sentence that tells a user what went wrong.
 *
 * The module owns the socket and what it learnt from the daemon (an fd
 * passed with a reply, the text of its last ERROR, its protocol version);
 * it never decides to reconnect or to give up: every function returns a
 * negative errno and leaves that to the caller.
 */
#ifndef INTX_REQUEST_H
#define INTX_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "proto.h"

struct req {
	int fd;    /* the socket, -1 when not connected */
	int rx_fd; /* the fd that came with the last WELCOME or SUBSCRIBED, or -1 */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	/* What the last req_hello()/req_call() failed on, so that
	 * req_explain() can say it in words; each is 0 unless that call
	 * failed that way. */
	int connect_err;             /* connect() to path failed */
	int refused_err;             /* the daemon answered ERROR */
	char errtext[INTX_TEXT_MAX]; /* ... with these words */
	unsigned peer_version;       /* the daemon's, on -EPROTONOSUPPORT */
};

/* A receive buffer: any message the daemon sends fits, suitably aligned. */
union req_buf {
	struct intx_hdr hdr;
	struct intx_msg_error error;
	uint64_t align;
	unsigned char raw[INTX_MSG_MAX];
};

/* Called by req_call() for a message that is neither the reply nor an
 * ERROR (a NOTIFY met on the way, a record of a listing): 0 to go on
 * waiting, or a negative errno to stop with. */
typedef int (*req_other_fn)(void *arg, void *msg, int type);

void req_init(struct req *r);

/* Close the socket (and an fd received but not taken). */
void req_close(struct req *r);

/* Connect to path and say HELLO as role (client name "" = any); the
 * WELCOME is left in buf, an fd that came with it in r->rx_fd.  Nobody
 * listening is -ECONNREFUSED whether or not the socket file exists (ENOENT
 * means "no such device" to a peer of intxd).  timeout_ms bounds the wait
 * for WELCOME. */
int req_hello(struct req *r, const char *path, uint32_t role,
	      const char *client, int timeout_ms, req_other_fn other,
	      void *arg, void *buf);

int req_send(struct req *r, const void *msg, size_t len);

/*
 * Receive and check one message into buf (INTX_MSG_MAX bytes).  timeout_ms
 * < 0 blocks in the receive itself (a signal ends it with -EINTR), else
 * polls first (-ETIMEDOUT); flags may be MSG_DONTWAIT (-EAGAIN: nothing
 * waits).  Returns the type, INTX_MSG_ERROR included, or a negative errno
 * after which the connection is of no further use (-ECONNRESET: the daemon
 * hung up).
 */
int req_recv(struct req *r, void *buf, int timeout_ms, int flags);

/* The errno an ERROR carries (recording its text), -EPROTO when it is not
 * a plausible errno. */
int req_error(struct req *r, const struct intx_msg_error *e);

/*
 * Send a request and wait for its reply of reply_type, each message
 * within timeout_ms.  An ERROR about this request (or about the session,
 * req_type 0) ends the wait with its errno (r->refused_err set); one about
 * another request (an ACK, which has no reply) is skipped.  Anything else
 * goes to other, or is -EPROTO without one.  The reply is left in buf.
 */
int req_call(struct req *r, const void *msg, size_t len, int reply_type,
	     int timeout_ms, req_other_fn other, void *arg, void *buf);

/*
 * The sentence for err after the last req_hello()/req_call(), when there is
 * more to say than the errno: "intxd is not running (no socket at PATH)",
 * "permission denied on PATH (add the user to group G)", "refused by
 * intxd: TEXT", a daemon that does not answer, a version mismatch.  Returns buf, or NULL when err has no
 * such story (the caller words it itself).
 */
const char *req_explain(const struct req *r, int err, char *buf, size_t len);

#endif
