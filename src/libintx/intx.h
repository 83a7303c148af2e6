/* SPDX-License-Identifier: MIT */
/*
 * intx.h - libintx, the client library of intxd.
 *
 * A client connects to intxd, subscribes to the devices its credentials are
 * bound to, and runs a chain of handlers for each interrupt notification;
 * intx_dispatch() runs the handlers and acknowledges, after which intxd
 * unmasks the device.  See libintx(3).
 *
 * All calls but intx_open() return a negative errno value on failure
 * (intx_open() returns NULL and sets errno); intx_strerror() explains them.
 * Several threads may each own a client; one client is used by one thread
 * at a time.
 */
#ifndef INTX_H
#define INTX_H

#include <sched.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define INTX_HANDLED 1 /* the handler serviced its device */
#define INTX_NONE 0    /* not mine: the next handler in the chain runs */

struct intx_client;

/* What a handler is told; may grow at the end. */
struct intx_event {
	const char *device; /* the device's name from the config */
	uint64_t seq;       /* per-device sequence number */
	uint64_t raised_ns; /* CLOCK_MONOTONIC when intxd saw the interrupt */
};

typedef int (*intx_handler_fn)(const struct intx_event *ev, void *arg);

/* Connect; socket_path NULL means the default (/run/intxd/intxd.sock, or
 * $INTXD_SOCKET).  client_name NULL or "" means whichever client the
 * caller's credentials match first.  NULL with errno set on failure
 * (ECONNREFUSED: intxd is not running); intx_last_error(NULL) says it in
 * a sentence. */
struct intx_client *intx_open(const char *socket_path, const char *client_name);

/* Add fn to the device's handler chain (handlers run in the order added);
 * the first call for a device subscribes to it.  -EACCES when the client is
 * not bound to the device, -ENOENT when no such device exists. */
int intx_subscribe(struct intx_client *c, const char *device,
		   intx_handler_fn fn, void *arg);

/* Drop the device's whole handler chain and the subscription. */
int intx_unsubscribe(struct intx_client *c, const char *device);

/* The fd to watch for readability in poll/epoll/libevent; -ENOTCONN while
 * the daemon is away.  intx_dispatch() replaces the fd when it reconnects
 * after a daemon restart (the new fd never has the old one's number), so
 * a caller watching it in its own loop must read intx_fd() again after
 * every intx_dispatch() and re-register it when it changed; while it is
 * -ENOTCONN, call intx_dispatch() with a time-out to keep trying. */
int intx_fd(struct intx_client *c);

/* Wait up to timeout_ms (-1: forever, 0: do not wait) for notifications,
 * run the handlers of each and acknowledge it.  Returns the number of
 * notifications processed (0 on time-out) or a negative errno.  When the
 * daemon has gone away it reconnects (with back-off, within timeout_ms)
 * and resubscribes every device; -ENOTCONN only if the time ran out while
 * still disconnected.  A device the new daemon refuses is lost: its
 * handlers are dropped, the lost callback (intx_on_lost) runs and
 * -ENODEV is returned at once, instead of the count.  -EINTR when a signal
 * interrupted the wait; -EDEADLK when called from a handler.  Handlers
 * may call intx_subscribe() and intx_unsubscribe() but not intx_close(). */
int intx_dispatch(struct intx_client *c, int timeout_ms);

/* Told that device is lost: err (negative errno) why, reason the daemon's
 * own words or NULL.  Its handlers are already gone; subscribing again
 * (from here, too) is the caller's choice. */
typedef void (*intx_lost_fn)(struct intx_client *c, const char *device,
			     int err, const char *reason, void *arg);

/* Call fn from intx_dispatch() for every device lost (NULL: none).  0. */
int intx_on_lost(struct intx_client *c, intx_lost_fn fn, void *arg);

/* The device fd intxd passed with the subscription of a vfio device (its
 * driver maps the device's regions through it: VFIO_DEVICE_GET_REGION_INFO,
 * mmap), or -ENOENT when the device has none (uio, sim) or is not
 * subscribed.  The fd stays libintx's: valid until the device is
 * unsubscribed, the client closed, or the connection lost (a reconnect
 * brings a new one: ask again after intx_dispatch()); dup() it to keep it
 * longer.  intxd keeps the device's INTx: leave its IRQ index alone. */
int intx_device_fd(struct intx_client *c, const char *device);

/* The VFIO container fd of a subscribed vfio device, for the driver's DMA
 * mappings (VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA of its own memory);
 * asked of intxd at the first call (DMA, answered by DMA_FD), then kept
 * like intx_device_fd()'s fd and closed with it.  Mappings belong to the
 * container, not to this fd: they outlive a reconnect and a restart of
 * intxd that keeps the device.  Unmap them before exiting; intxd unmaps
 * what is left when the last session that asked ends (libintx(3), "DMA").  -EOPNOTSUPP for a device without an IOMMU container (uio, sim,
 * no-IOMMU vfio), -ENOENT when not subscribed, -ENOTCONN while
 * disconnected. */
int intx_dma_fd(struct intx_client *c, const char *device);

/* Where to run for the lowest latency on a subscribed device (the bench
 * measured the same CPU as intxd's best): the daemon's CPUs when its
 * config pins it (cpu = in intxd.conf(5)), else the CPUs the device's IRQ
 * is delivered to, as of the subscription; for sched_setaffinity(2).
 * -ENODATA when there is no hint (a sim device of an unpinned daemon:
 * run anywhere), -ENOENT when not subscribed.  CPU_ISSET() and friends
 * need _GNU_SOURCE. */
int intx_cpu(struct intx_client *c, const char *device, cpu_set_t *cpus);

/* Spin-before-block: intx_dispatch() with a time-out other than 0 polls
 * the notification pipe without sleeping for up to usec microseconds
 * (at most INTX_SPIN_MAX_US) before it blocks, so a notification that
 * comes soon finds the client running (bursts; a CPU of its own).  The
 * CPU is busy all that time.  0 (the default) blocks at once.  0,
 * -EINVAL (c NULL) or -ERANGE. */
#define INTX_SPIN_MAX_US 1000
int intx_set_spin(struct intx_client *c, unsigned usec);

/* The name the daemon admitted this client as. */
const char *intx_client_name(struct intx_client *c);

/* Disconnect and free; NULL is accepted. */
void intx_close(struct intx_client *c);

/* A static description of a (negative or positive) errno value. */
const char *intx_strerror(int err);

/* The last failure of c in a sentence that says what to do ("intxd is
 * not running (no socket at PATH)", "refused by intxd: REASON", "lost
 * device NAME: ..."); with c NULL, the calling thread's last failed
 * intx_open().  NULL when there was none.  Valid until the next call on
 * c (or intx_open() in the thread). */
const char *intx_last_error(struct intx_client *c);

#ifdef __cplusplus
}
#endif

#endif
