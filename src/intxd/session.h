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

struct session {
	TAILQ_ENTRY(session) entry;
	struct daemon *daemon;
	uint32_t id;
	int fd;
	int nfd; /* write end of the notification pipe (CLIENT), or -1 */
	struct event *ev_read, *ev_write; /* ev_write: on nfd when there is one */
	struct ucred cred;
	struct event *ev_kill;
	int role; /* 0 until HELLO */
	bool monitor;
	bool dead;   /* killed; freed from the loop */
	bool linked; /* on the daemon's list */
	struct client *client;
	struct control *ctl; /* CONTROL: rights and the reply in progress */

	/* by device id: subscribed?  acks owed, by token */
	uint8_t *subscribed;
	uint32_t *owed;
	unsigned ndevices;

	/* notifications the socket had no room for; sent when it drains */
	struct intx_msg_notify *backlog;
	unsigned nbacklog, backlog_cap;
};

/* Take over an accepted connection. */
int session_new(struct daemon *d, int fd);

/* Settle every ack the session owes for token's interrupts (as if given
 * unclaimed): the device unmasks once nobody else owes one. */
void session_settle(struct session *s, uint32_t token);

/* Make room for device ids below ndevices (a reload added devices). */
int session_grow(struct session *s, unsigned ndevices);

/* Close, release subscriptions (owed acks count as given), unhook; NULL ok. */
void session_free(struct session *s);

/* Send a reply; a peer with no room for it is killed.  0 or -errno. */
int session_send(struct session *s, const void *msg, size_t len, int passfd);
/* Send ERROR with a positive errno and a text. */
int session_error(struct session *s, int err, unsigned req_type,
		  const char *text);
/* End the session (logged with why, if given); freed from the event loop. */
void session_kill(struct session *s, const char *why);

/* Send NOTIFY (queued if the socket is full). */
void session_notify(struct session *s, struct device *dev, uint32_t token,
		    uint64_t seq, uint64_t ts);

/* Send an EVENT to every monitoring session. */
void session_broadcast_event(struct daemon *d, uint32_t kind, uint32_t flags,
			     uint64_t seq, const char *device,
			     const char *client);

#endif
