/* SPDX-License-Identifier: MIT */
/*
 * client.h - a named identity from the config: who it admits (uid/gid) and
 * which devices it is bound to.  Sessions are its live connections.
 */
#ifndef INTXD_CLIENT_H
#define INTXD_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct conf_client;
struct device;

struct client {
	const struct conf *root; /* the config conf belongs to */
	const struct conf_client *conf;
	const char *name;
	unsigned sessions;
	uint64_t delivered, acked, handled, unhandled, timeouts, late_acks;
};

/* Does the peer (credentials, supplementary groups) match this client? */
bool client_admits(const struct client *c, const struct ucred *cred,
		   const gid_t *groups, unsigned ngroups);

/* Is the client bound to the device of that name? */
bool client_bound(const struct client *c, const char *device);

#endif
