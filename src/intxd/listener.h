/* SPDX-License-Identifier: MIT */
/* listener.h - the listening socket: accept, and back off when out of fds. */
#ifndef INTXD_LISTENER_H
#define INTXD_LISTENER_H

struct daemon;
struct listener;

/* Accept on fd (listening, non-blocking; taken over). */
struct listener *listener_new(struct daemon *d, int fd);
void listener_free(struct listener *l);

#endif
