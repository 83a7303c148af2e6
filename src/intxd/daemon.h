/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - the root of the ownership tree.  A daemon owns its lines,
 * devices, clients and sessions; a line refers to its devices, a device to
 * its line and its subscribed sessions.  No other state is global.
 */
#ifndef INTXD_DAEMON_H
#define INTXD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "clock.h"
#include "log.h"

struct conf;
struct event_base;
struct event;
struct line;
struct device;
struct client;
struct session;
struct listener;
struct itimer;

TAILQ_HEAD(session_list, session);

struct daemon {
	struct event_base *base;
	struct conf *conf;
	char *conf_path;

	struct line **lines;
	unsigned nlines;
	/* A device's id is its index; ids are never reused, so a reload that
	 * removes a device leaves a NULL hole (clients hold ids). */
	struct device **devices;
	unsigned ndevices;
	struct client **clients;
	unsigned nclients;

	struct listener *listener;
	struct session_list sessions;
	unsigned nsessions;
	uint32_t next_session;
	unsigned monitors; /* sessions streaming events */
	struct itimer *deadlines; /* the ledger's: the earliest ack deadline */
	struct itimer *retry;     /* opens failed devices again (reload.c) */
	unsigned retry_ms;        /* its back-off; 0 when nothing failed */
	struct linewatch *linewatch; /* line health (linewatch.h) */
	struct placement *placement; /* the loop's CPUs (placement.h) */
	bool loop_busy; /* loop.c's: this wakeup served work (loop_busy()) */

	uint64_t start_ns;
	/* rate limits for what peers can make us log */
	struct log_limit log_refusals, log_sessions;
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

/* The line of that name, made if missing (reload.c and daemon.c). */
struct line *daemon_line_get(struct daemon *d, const char *name, int irq);
struct conf_device;
/* Put dev on the line its config names. */
int daemon_place_device(struct daemon *d, struct device *dev,
			const struct conf_device *cd);

/* The device with that id, or NULL (out of range, or removed). */
struct device *daemon_device(const struct daemon *d, uint32_t id);

/* Failed devices are opened again on a timer with back-off (reload.c);
 * device_fail() and start-up ask for it. */
int daemon_retry_init(struct daemon *d);
void daemon_schedule_retry(struct daemon *d);

/* Re-read the config: parse, validate, diff, apply.  On any config error
 * the running config stays, the errors are logged and put in msg, one a
 * line, as many as fit.  0 or -errno; on 0, msg has the devices that
 * are not served (did not open), one a line, or is empty. */
int daemon_reload(struct daemon *d, char *msg, size_t msgsize);

/* Would the config load now?  What a restart checks before its exec: a
 * new image that cannot load it exits, leaving nobody on the socket.
 * Errors are logged and put in msg as daemon_reload() does.  0 or -errno. */
int daemon_check_config(struct daemon *d, char *msg, size_t msgsize);

#endif
