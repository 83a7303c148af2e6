/* SPDX-License-Identifier: MIT */
/* control.h - intxctl's requests: queries and administration. */
#ifndef INTXD_CONTROL_H
#define INTXD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

struct daemon;
struct session;

/* What a control session may do. */
#define CONTROL_READ 0x1u  /* queries and MONITOR */
#define CONTROL_ADMIN 0x2u /* ADMIN: mask, unmask, reload, log-level */

/*
 * Admit a HELLO as CONTROL: root and members of admin-group get both
 * rights, members of the socket's group (socket-group, else the socket
 * file's group) read only.  Returns the rights (> 0) and hangs the
 * session's control state on it, or -EPERM / -ENOMEM with why filled in.
 */
int control_admit(struct session *s, char *why, size_t n);
/* Free the control state, if any (session_free). */
void control_free(struct session *s);
/* Is a reply still being streamed?  The session reads no request until
 * it is done, so replies never interleave. */
bool control_busy(const struct session *s);

/* Answer with the records asked for and LIST_END, as fast as the peer
 * reads them.  0, or -errno to end the session. */
int control_query(struct session *s, const struct intx_msg_query *m);

/* MASK/UNMASK/RELOAD/LOG_LEVEL: DONE or ERROR (EPERM without the
 * admin right). */
int control_admin(struct session *s, const struct intx_msg_admin *m);

/* The exec of a restart failed with err (-errno): tell the sessions that
 * asked for it (ERROR after their DONE); the daemon goes on. */
void control_restart_failed(struct daemon *d, int err);

/* READY=1 and STATUS= for the service manager: the devices served, and
 * how many failed (which are not).  Logs the failed count. */
void control_notify_ready(struct daemon *d);

#endif
