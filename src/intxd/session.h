/* SPDX-License-Identifier: MIT */
/*
 * session.h - one connection: admission (HELLO), then either a driver's
 * subscriptions and acknowledgements or intxctl's queries.
 */
#ifndef INTXD_SESSION_H
#define INTXD_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "proto.h"

struct client;
struct control;
struct daemon;
struct device;
struct event;
struct itimer;

/* What the daemon sends unasked, in order, down the notification pipe. */
union session_unasked {
	struct intx_hdr hdr;
	struct intx_msg_notify notify;
	struct intx_msg_revoked revoked;
};

struct session {
	TAILQ_ENTRY(session) entry;
	struct daemon *daemon;
	uint32_t id;
	int fd;
	int nfd; /* write end of the notification pipe (CLIENT), or -1 */
	struct event *ev_read, *ev_write; /* ev_write: on nfd when there is one */
	/* on the ACK pipe's read end (CLIENT, asked for), or NULL; it holds
	 * the fd (event_get_fd) */
	struct event *ev_ack;
	/* the start of a record a read of the ACK pipe cut (a stream) */
	unsigned char ack_carry[sizeof(struct intx_msg_ack)];
	unsigned ack_ncarry;
	struct ucred cred;
	struct event *ev_kill;
	struct itimer *hello; /* ends a session that never says HELLO */
	int role; /* 0 until HELLO */
	bool monitor;
	uint64_t missed; /* monitor: events not sent since the last one (events.c) */
	bool dead;   /* killed; freed from the loop */
	bool linked; /* on the daemon's list */
	struct client *client;
	struct control *ctl; /* CONTROL: rights and the reply in progress */

	/* the supplementary groups it was admitted with (reload checks again) */
	gid_t *groups;
	unsigned ngroups;

	/* by device id: subscribed? (device_subscribe keeps it; what the
	 * session owes is the ledger's) */
	uint8_t *subscribed;
#define SUB_DMA 0x2 /* in subscribed[]: holds the device's IOMMU container */
	unsigned ndevices;

	/* notifications the socket had no room for; sent when it drains */
	union session_unasked *backlog;
	unsigned nbacklog, backlog_cap;
};

/* Take over an accepted connection. */
int session_new(struct daemon *d, int fd);

/* Make room for device ids below ndevices (a reload added devices). */
int session_grow(struct session *s, unsigned ndevices);

/* Close, release subscriptions (what it owes is settled), unhook; NULL ok. */
void session_free(struct session *s);

/* Send a reply; a peer with no room for it is killed.  0 or -errno. */
int session_send(struct session *s, const void *msg, size_t len, int passfd);
/* Send ERROR with a positive errno and a text. */
int session_error(struct session *s, int err, unsigned req_type,
		  const char *text);
/* End the session (logged with why, if given); freed from the event loop. */
void session_kill(struct session *s, const char *why);

/* Send NOTIFY (queued if the pipe is full).  Only the ledger calls it. */
void session_notify(struct session *s, uint32_t device_id, uint32_t token,
		    uint64_t seq, uint64_t ts);

/* The session loses dev (a reload unbound, removed or could not reopen
 * it): unsubscribe it, settle what it owed through dev, and tell it with
 * REVOKED (err, why), so that the client knows and can act. */
void session_revoke(struct session *s, struct device *dev, int err,
		    const char *why);

#endif
