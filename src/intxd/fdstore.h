/* SPDX-License-Identifier: MIT */
/*
 * fdstore.h - file descriptors that outlive one intxd process, by name.
 *
 * A vfio device whose fd a client still holds (a BAR mapped through it)
 * cannot be opened again by a new intxd: the group is busy.  So the VFIO
 * container, group and device fds are kept across a restart:
 *   - under systemd, in the service's file descriptor store
 *     (FileDescriptorStoreMax= in intxd.service; FDSTORE=1 with FDNAME=),
 *     which hands them back at the next start, named, with LISTEN_FDNAMES;
 *   - without it, `intxctl restart` makes intxd re-execute itself, keeping
 *     them open across the exec; INTXD_FDS="FD=NAME ..." (and
 *     INTXD_FDS_PID, our pid) names them for the new image.
 * Names are systemd fd names: printable ASCII without ':'.
 *
 * The re-exec also carries the devices the administrator masked
 * (intxctl mask), in INTXD_MASKED, which it would otherwise forget: the
 * new image would unmask them.
 */
#ifndef INTXD_FDSTORE_H
#define INTXD_FDSTORE_H

#include <stdbool.h>

/* At start: collect the inherited fds (systemd's LISTEN_FDS or
 * INTXD_FDS).  Returns the listening socket among them (an fd systemd
 * passed that is not ours by name, or "listen" after a re-exec), or -1. */
int fdstore_init(void);

/* Take the inherited fd of that name (the caller owns it now), or -1. */
int fdstore_take(const char *name);

/* After start-up: close the inherited fds nobody took (a device no longer
 * in the config), and drop them from systemd's store. */
void fdstore_close_unclaimed(void);

/* Keep fd under name across a restart: remember it for a re-exec and,
 * under systemd, push a copy into the fd store.  The caller still owns fd. */
void fdstore_keep(const char *name, int fd);

/* fd of that name is being closed (a device removed by reload): forget
 * it, and drop it from systemd's store -- unless the daemon is exiting,
 * when the store keeps it for the next start. */
void fdstore_forget(const char *name);

/* The daemon is stopping: what is kept stays kept. */
void fdstore_exiting(void);

/* Is fd of that name held outside this process after it exits (in
 * systemd's store)?  Then its device is left as it is, interrupt trigger
 * and all, for the next intxd to take over. */
bool fdstore_kept_at_exit(const char *name);

/* intxctl restart: ask for a re-exec once the event loop has stopped. */
void fdstore_request_exec(void);
bool fdstore_exec_requested(void);

/* Re-execute /proc/self/exe with argv, keeping the kept fds and the
 * listening socket listen_fd, which the new image serves on at once (no
 * connection attempt fails meanwhile, and it needs no privilege to listen
 * again), and telling it the names of the administratively masked devices
 * (masked: space-separated, may be empty).  Returns only on failure:
 * -errno (the process goes on). */
int fdstore_exec(char **argv, int listen_fd, const char *masked);

/* After a re-exec: did the previous image hold the device of that name
 * masked for the administrator? */
bool fdstore_admin_masked(const char *name);

#endif
