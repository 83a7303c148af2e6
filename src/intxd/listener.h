/* SPDX-License-Identifier: MIT */
/* listener.h - the listening socket: accept, and back off when out of fds. */
#ifndef INTXD_LISTENER_H
#define INTXD_LISTENER_H

struct daemon;
struct listener;

/* Accept on fd (listening, non-blocking; taken over). */
struct listener *listener_new(struct daemon *d, int fd);
void listener_free(struct listener *l);
/* The listening socket (intxctl restart passes it on over the exec). */
int listener_fd(const struct listener *l);

/* Is path taken: a live intxd answers there, or it is not a socket?
 * Then logs why intxd does not start and returns -errno; else 0 (a stale
 * socket is replaced when listening). */
int listener_check_path(const char *path);
/* Log why listening on path failed with err (from wire_listen). */
void listener_explain(const char *path, int err);

#endif
