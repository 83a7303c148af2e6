/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - the root of the ownership tree.  A daemon owns its lines,
 * devices, clients and sessions; a line refers to its devices, a device to
 * its line and its subscribed sessions.  No other state is global.
 */
#ifndef INTXD_DAEMON_H
#define INTXD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

struct conf;
struct event_base;
struct event;
struct line;
struct device;
struct client;
struct session;
struct listener;

TAILQ_HEAD(session_list, session);

struct daemon {
	struct event_base *base;
	struct conf *conf;
	char *conf_path;

	struct line **lines;
	unsigned nlines;
	struct device **devices; /* a device's id is its index */
	unsigned ndevices;
	struct client **clients;
	unsigned nclients;

	struct listener *listener;
	struct session_list sessions;
	unsigned nsessions;
	uint32_t next_session;
	unsigned monitors; /* sessions streaming events */

	uint64_t start_ns;
	struct event *sig_term, *sig_int, *sig_hup;
};

/* Build the model from conf (taken over) and open every device.  A device
 * that fails to open is marked failed and logged; the others are served.
 * Returns 0 or -errno. */
int daemon_new(struct event_base *base, struct conf *conf, const char *conf_path,
	       struct daemon **out);

/* Listen on the config's socket, or on fd (>= 0, socket activation). */
int daemon_listen(struct daemon *d, int fd);

/* Drop every session, close every device, free everything; NULL is fine. */
void daemon_free(struct daemon *d);

uint64_t now_ns(void);

#endif
