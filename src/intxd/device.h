/* SPDX-License-Identifier: MIT */
/*
 * device.h - one PCI function as intxd services it: its backend, the mask
 * state intxd keeps for it, its subscribers and counters.
 *
 * States (the device is masked in every state but IDLE):
 *   IDLE      unmasked; its interrupt fd is watched
 *   INFLIGHT  asserted; notified, and owed acknowledgements (ledger.h)
 *   PENDING   asserted with nobody who can hear it; offered to the next
 *             subscriber (and after a reload)
 * admin_masked holds a device masked (intxctl mask) whatever its state.
 */
#ifndef INTXD_DEVICE_H
#define INTXD_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"
#include "log.h"
#include "proto.h"

struct backend_ops;
struct conf_device;
struct daemon;
struct event;
struct itimer;
struct line;
struct session;

enum device_state {
	DEV_IDLE,
	DEV_INFLIGHT,
	DEV_PENDING,
};

/* Log-linear latency histogram: 8 sub-buckets per power of two of ns. */
#define LAT_SUB 8
#define LAT_BUCKETS (64 * LAT_SUB)

struct device {
	struct daemon *daemon;
	uint32_t id;
	char name[INTX_NAME_MAX];
	char pci[INTX_PCI_MAX];
	const struct backend_ops *ops;
	void *be; /* the backend's state */
	int fd;
	int irq;
	struct event *ev;
	bool ev_started; /* device_start() ran */
	struct line *line;

	enum device_state state;
	bool admin_masked;
	bool failed;
	char fail_reason[INTX_TEXT_MAX]; /* why it failed: for intxctl devices,
					  * and told to a client it refuses */
	bool no_status; /* cannot report Interrupt Status: its line broadcasts */
	bool stale;     /* found by another device's wakeup: its own signal may
			 * still be queued, to be dropped before unmasking */
	uint64_t raised_ns; /* when the interrupt being serviced was seen */
	uint64_t handled_at_raise; /* n.handled then (line.c: was it claimed?) */
	uint64_t unmasked_ns; /* when intxd last unmasked it */
	struct ledger owed; /* acknowledgements owed for it */

	struct session **subs;
	unsigned nsubs, subs_cap;

	/* storm: raises in the current one-second window, and the hold */
	uint64_t win_start, win_count;
	unsigned backoff_ms;
	bool hold_next;  /* hold masked after this interrupt completes */
	bool throttled;  /* held masked until throttle_timer fires */
	struct itimer *throttle_timer;

	/*
	 * seq: its interrupts, numbered.  raised: its interrupts (selective:
	 * found asserting by a Status read; broadcast: its fd woke the line).
	 * delivered: notifications of its interrupts (broadcast: to the
	 * subscribers of every device of the line).  acked: acknowledgements of
	 * its interrupts.  handled: acknowledgements through it (NOTIFY's
	 * device_id) in which a handler claimed the interrupt.  timeouts:
	 * deadlines passed for its interrupts.  delivered >= acked always.
	 */
	uint64_t seq;
	struct device_count {
		uint64_t raised, delivered, acked, handled, timeouts, storms;
		uint32_t lat[LAT_BUCKETS];
		uint64_t lat_count, lat_sum;
	} n; /* kept whole when the device is reopened in place */
	struct log_limit log_timeouts;
};

/* Open the device through its backend; on failure the device exists, is
 * marked failed, and the error is logged and returned. */
int device_open(struct daemon *d, struct device *dev, const struct conf_device *cd);
void device_free(struct device *dev);

/* Start watching the interrupt fd, and take over a device that an earlier
 * driver left masked (asserting: serviced as an interrupt; not: unmasked). */
int device_start(struct device *dev);

/* Status bit 3, through the backend: 1, 0 or -errno. */
int device_asserting(struct device *dev);

/* The device asserted (found by a Status read): notify its subscribers, or
 * keep it masked and PENDING when it has none. */
void device_raise(struct device *dev, uint64_t ts);

/* Count an interrupt against storm-limit (see device.c). */
void device_storm_check(struct device *dev, uint64_t ts);

/* The ledger settled the interrupt in flight (by_ack: its last debt was
 * an acknowledgement, which times the latency): unmask. */
void device_done(struct device *dev, bool by_ack);

/* A PENDING device: tell whoever can hear it now (subscribers of it, or on
 * a broadcast line of any device of the line); it stays PENDING if nobody.
 * now: the caller's clock read, which the deadlines count from. */
void device_offer(struct device *dev, uint64_t now);

/* Does intxd hold the device masked (any reason)? */
bool device_held(const struct device *dev);
/* Pending and offered to who can hear it: not while intxctl mask holds it. */
bool device_offerable(const struct device *dev);

/* Unmask unless the administrator holds it masked; marks the device IDLE. */
void device_unmask(struct device *dev);

/* The one place a session and a device are joined and parted: the device's
 * subscriber list and the session's subscribed[] change together.
 * Unsubscribing settles what the session owes through the device. */
int device_subscribe(struct device *dev, struct session *s);
void device_unsubscribe(struct device *dev, struct session *s);

/* Administrative mask/unmask (intxctl mask DEV). */
int device_admin_mask(struct device *dev, bool mask);

/* Mark failed, log why, stop watching; the rest of the daemon goes on. */
void device_fail(struct device *dev, const char *what, int err);

/* Latency percentile (0..1) of raise -> last ack, in ns; 0 if no samples. */
uint64_t device_latency(const struct device *dev, double q);

uint32_t device_flags(const struct device *dev);

#endif
