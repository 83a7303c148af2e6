/* SPDX-License-Identifier: MIT */
/* fdlimit.c - see fdlimit.h. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "fdlimit.h"
#include "log.h"

/* what intxd holds: a device's fds, by backend (below), a session's
 * (socket, notification pipe), and its own (listener, kmsg, signals,
 * journal) */
#define FDS_PER_SESSION 2u
#define FDS_OWN 64u

/* vfio: device, eventfd, and the group and its container (one group a
 * device, as usual); sim: directory, config image, signal FIFO; uio: the
 * uio node and the config file */
static unsigned fds_per_device(const struct conf_device *cd)
{
	if (strcmp(cd->backend, "vfio") == 0)
		return 4;
	if (strcmp(cd->backend, "uio") == 0)
		return 2;
	return 3;
}

void fdlimit_raise(const struct conf *c)
{
	unsigned long long want = (unsigned long long)c->max_sessions * FDS_PER_SESSION +
				  FDS_OWN;
	struct rlimit rl;
	unsigned i;

	for (i = 0; i < c->ndevices; i++)
		want += fds_per_device(&c->devices[i]);

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		unsigned long long was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warn("cannot raise RLIMIT_NOFILE from %llu: %s", was,
				 strerror(errno));
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		} else {
			log_debug("RLIMIT_NOFILE raised from %llu to %llu", was,
				  (unsigned long long)rl.rlim_cur);
		}
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
		log_warn("RLIMIT_NOFILE is %llu; %u device(s) and max-sessions %u may "
			 "need %llu: devices may fail to open and accepting pauses when "
			 "out (raise LimitNOFILE= or ulimit -n)",
			 (unsigned long long)rl.rlim_cur, c->ndevices, c->max_sessions, want);
}
