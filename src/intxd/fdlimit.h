/* SPDX-License-Identifier: MIT */
/*
 * fdlimit.h - the file descriptors intxd may hold.  At the config's limits
 * (1024 devices, 1024 sessions) it needs about 5000, far above the soft
 * RLIMIT_NOFILE of 1024 that a login shell (and systemd, for services
 * without LimitNOFILE=) gives: the soft limit is raised to the hard one,
 * as systemd advises programs that need many fds and use no select().
 */
#ifndef INTXD_FDLIMIT_H
#define INTXD_FDLIMIT_H

#include "conf.h"

/* Raise the soft limit to the hard one; warn when even that is below
 * what c's devices and max-sessions may need. */
void fdlimit_raise(const struct conf *c);

#endif
