/* SPDX-License-Identifier: MIT */
/* device.c - one device's mask state, subscribers and counters. */
#include <errno.h>
#include <event2/event.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "client.h"
#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "device.h"
#include "events.h"
#include "hoptrace.h"
#include "ledger.h"
#include "line.h"
#include "log.h"
#include "loop.h"
#include "session.h"

static void device_log(int level, const struct device *dev, const char *fmt,
		       const char *what, int err)
{
	log_full(level, dev->name, dev->line ? dev->line->name : NULL, NULL, fmt,
		 what, strerror(err < 0 ? -err : err));
}

void device_fail(struct device *dev, const char *what, int err)
{
	if (dev->failed)
		return;
	dev->failed = true;
	snprintf(dev->fail_reason, sizeof(dev->fail_reason), "%s: %s", what, strerror(err < 0 ? -err : err));
	if (dev->ev)
		event_del(dev->ev);
	device_log(LOG_ERR, dev, "device failed: %s: %s; not serviced until it "
		   "opens again", what, err);
	daemon_schedule_retry(dev->daemon);
}

static void on_throttle_end(void *arg)
{
	struct device *dev = arg;

	dev->throttled = false;
	if (dev->state == DEV_IDLE)
		device_unmask(dev);
}

/* Count a raise in the device's one-second window; past storm-limit, hold
 * the device masked after this interrupt until the window is over (or
 * longer, doubling, while the storm goes on).  The line is untouched. */
void device_storm_check(struct device *dev, uint64_t ts)
{
	int64_t limit = dev->daemon->conf->storm_limit;

	if (!limit)
		return;
	if (ts - dev->win_start >= 1000000000u) {
		if (dev->win_count <= (uint64_t)limit)
			dev->backoff_ms = 0; /* a quiet window ends the storm */
		dev->win_start = ts;
		dev->win_count = 0;
	}
	if (++dev->win_count != (uint64_t)limit + 1)
		return;
	dev->hold_next = true;
	dev->n.storms++;
	dev->backoff_ms = dev->backoff_ms ? dev->backoff_ms * 2 : 10;
	if (dev->backoff_ms > 8000)
		dev->backoff_ms = 8000;
	log_full(LOG_WARNING, dev->name, dev->line->name, NULL,
		 "interrupt storm: more than %lld interrupts/s; throttled",
		 (long long)limit);
	events_emit(dev->daemon, INTX_EV_STORM, 0, dev->seq, dev->name, "");
}

static void on_irq_fd(evutil_socket_t fd, short what, void *arg)
{
	struct device *dev = arg;

	(void)fd;
	(void)what;
	loop_busy(dev->daemon);
	line_fd_event(dev->line, dev);
}

int device_open(struct daemon *d, struct device *dev, const struct conf_device *cd)
{
	int fd;

	dev->daemon = d;
	dev->fd = -1;
	dev->irq = -1;
	memcpy(dev->name, cd->name, sizeof(dev->name));
	memcpy(dev->pci, cd->pci, sizeof(dev->pci));
	dev->ops = backend_find(cd->backend);
	if (!dev->ops) {
		dev->failed = true;
		snprintf(dev->fail_reason, sizeof(dev->fail_reason), "backend '%s' is not built in",
			 cd->backend);
		log_full(LOG_ERR, dev->name, NULL, NULL,
			 "backend '%s' is not built in", cd->backend);
		return -ENOTSUP;
	}
	fd = dev->ops->open(dev, cd);
	if (fd < 0) {
		dev->failed = true;
		/* the backend may have said better why */
		if (!dev->fail_reason[0])
			snprintf(dev->fail_reason, sizeof(dev->fail_reason), "cannot open %s: %s",
				 cd->path ? cd->path : cd->pci, strerror(-fd));
		device_log(LOG_ERR, dev, "cannot open device: %s: %s",
			   cd->path ? cd->path : cd->pci, fd);
		return fd;
	}
	dev->fd = fd;
	dev->irq = dev->ops->irq(dev);
	dev->ev = event_new(d->base, fd, EV_READ | EV_PERSIST, on_irq_fd, dev);
	dev->throttle_timer = itimer_new(d->base, on_throttle_end, dev);
	if (!dev->ev || !dev->throttle_timer) {
		device_fail(dev, "event_new", -ENOMEM);
		return -ENOMEM;
	}
	return 0;
}

int device_start(struct device *dev)
{
	uint16_t cmd;
	int r;

	dev->ev_started = true;
	if (dev->failed)
		return 0;
	if (event_add(dev->ev, NULL) < 0) {
		device_fail(dev, "event_add", -ENOMEM);
		return -ENOMEM;
	}
	/* reopened by a reload, or carried over a restart (fdstore.h),
	 * while masked by the administrator: masked it stays, asserting or
	 * not, until intxctl unmask */
	if (dev->admin_masked) {
		r = dev->ops->mask(dev);
		if (r < 0)
			device_fail(dev, "mask", r);
		return r;
	}
	/* An earlier driver (or intxd before a restart) may have left the
	 * device masked by its kernel driver; nobody else will unmask it. */
	r = dev->ops->cfg_read(dev, PCI_COMMAND, &cmd);
	if (r < 0) {
		device_fail(dev, "read Command", r);
		return r;
	}
	if (!(cmd & PCI_COMMAND_INTX_DISABLE))
		return 0;
	(void)dev->ops->drain(dev);
	r = device_asserting(dev);
	if (r > 0)
		device_raise(dev, now_ns());
	else if (r == 0)
		device_unmask(dev);
	return r < 0 ? r : 0;
}

void device_free(struct device *dev)
{
	if (!dev)
		return;
	if (dev->ev)
		event_free(dev->ev);
	itimer_free(dev->throttle_timer);
	ledger_free(&dev->owed);
	if (dev->ops && dev->be)
		dev->ops->close(dev);
	free(dev->subs);
	free(dev);
}

int device_asserting(struct device *dev)
{
	uint16_t sta;
	int r;

	r = dev->ops->cfg_read(dev, PCI_STATUS, &sta);
	if (r < 0) {
		device_fail(dev, "read Status", r);
		return r;
	}
	/* All ones: the device is gone (surprise removal, or it fell off). */
	if (sta == 0xffff) {
		device_fail(dev, "read Status", -ENODEV);
		return -ENODEV;
	}
	return !!(sta & PCI_STATUS_INTERRUPT);
}

void device_offer(struct device *dev, uint64_t now)
{
	const struct line *l = dev->line;
	unsigned i, k;

	/* masked by the administrator: pending until intxctl unmask */
	if (dev->admin_masked)
		return;

	if (!l || !l->broadcast) {
		for (k = 0; k < dev->nsubs; k++)
			ledger_deliver(dev, dev, dev->subs[k], now);
		return;
	}
	/* broadcast: nobody knows whose it is; every owner on the line runs
	 * its handlers, through the device it is bound to */
	for (i = 0; i < l->ndevs; i++) {
		struct device *via = l->devs[i];

		for (k = 0; !via->failed && k < via->nsubs; k++)
			ledger_deliver(dev, via, via->subs[k], now);
	}
}

void device_raise(struct device *dev, uint64_t ts)
{
	dev->seq++;
	dev->n.raised++;
	dev->raised_ns = ts;
	device_storm_check(dev, ts);
	events_emit(dev->daemon, INTX_EV_RAISE, 0, dev->seq, dev->name, "");
	dev->state = DEV_PENDING; /* until somebody is told */
	device_offer(dev, ts);
}

static void lat_record(struct device *dev, uint64_t ns)
{
	unsigned b;

	if (ns < LAT_SUB) {
		b = (unsigned)ns;
	} else {
		unsigned e = 63 - (unsigned)__builtin_clzll(ns); /* ns >= 2^e */
		unsigned sub = (unsigned)((ns >> (e - 3)) & (LAT_SUB - 1));

		b = e * LAT_SUB + sub;
	}
	if (b >= LAT_BUCKETS)
		b = LAT_BUCKETS - 1;
	dev->n.lat[b]++;
	dev->n.lat_count++;
	dev->n.lat_sum += ns;
}

uint64_t device_latency(const struct device *dev, double q)
{
	uint64_t want, seen = 0;
	unsigned b;

	if (!dev->n.lat_count)
		return 0;
	want = (uint64_t)(q * (double)dev->n.lat_count);
	if (want >= dev->n.lat_count)
		want = dev->n.lat_count - 1;
	for (b = 0; b < LAT_BUCKETS; b++) {
		seen += dev->n.lat[b];
		if (seen > want)
			break;
	}
	if (b < LAT_SUB)
		return b;
	/* the bucket's upper bound */
	{
		unsigned e = b / LAT_SUB, sub = b % LAT_SUB;

		return ((uint64_t)(LAT_SUB + sub + 1)) << (e - 3);
	}
}

bool device_offerable(const struct device *dev)
{
	return dev->state == DEV_PENDING && !dev->admin_masked;
}

bool device_held(const struct device *dev)
{
	return dev->state != DEV_IDLE || dev->admin_masked || dev->throttled ||
	       dev->failed;
}

/* Unmask, now being now: the caller that read the clock already passes it
 * (one clock read per interrupt on the acknowledgement path). */
static void unmask_at(struct device *dev, uint64_t now)
{
	int r;

	dev->state = DEV_IDLE;
	if (dev->admin_masked || dev->failed || dev->throttled)
		return;
	if (dev->hold_next) {
		uint64_t until = dev->win_start + 1000000000u;

		if (until < now + (uint64_t)dev->backoff_ms * 1000000u)
			until = now + (uint64_t)dev->backoff_ms * 1000000u;
		dev->hold_next = false;
		dev->throttled = true;
		itimer_arm(dev->throttle_timer, until);
		return;
	}
	if (dev->stale) {
		/* Its signal, if still queued, was for the interrupt just
		 * serviced; unmasking a device that asserts signals anew. */
		dev->stale = false;
		while (dev->ops->drain(dev) > 0)
			;
	}
	r = dev->ops->unmask(dev);
	if (r < 0) {
		device_fail(dev, "unmask", r);
		return;
	}
	hop_mark(HOP_UNMASKED);
	dev->unmasked_ns = now;
	events_emit(dev->daemon, INTX_EV_UNMASK, 0, dev->seq, dev->name, "");
}

void device_unmask(struct device *dev)
{
	unmask_at(dev, now_ns());
}

void device_done(struct device *dev, bool by_ack)
{
	uint64_t now = now_ns();

	if (by_ack)
		lat_record(dev, now - dev->raised_ns);
	unmask_at(dev, now);
}

int device_subscribe(struct device *dev, struct session *s)
{
	if (dev->nsubs == dev->subs_cap) {
		unsigned cap = dev->subs_cap ? dev->subs_cap * 2 : 4;
		struct session **n = realloc(dev->subs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		dev->subs = n;
		dev->subs_cap = cap;
	}
	dev->subs[dev->nsubs++] = s;
	s->subscribed[dev->id] = 1;
	/* Asserted while nobody listened: deliver it now.  On a broadcast
	 * line, a pending interrupt of any device concerns the newcomer. */
	if (dev->line && dev->line->broadcast) {
		struct line *l = dev->line;
		uint64_t now = now_ns();
		unsigned i;

		for (i = 0; i < l->ndevs; i++)
			if (device_offerable(l->devs[i]))
				ledger_deliver(l->devs[i], dev, s, now);
	} else if (device_offerable(dev)) {
		ledger_deliver(dev, dev, s, now_ns());
	}
	return 0;
}

void device_unsubscribe(struct device *dev, struct session *s)
{
	unsigned i;

	for (i = 0; i < dev->nsubs; i++) {
		if (dev->subs[i] != s)
			continue;
		memmove(&dev->subs[i], &dev->subs[i + 1],
			(dev->nsubs - i - 1) * sizeof(dev->subs[0]));
		dev->nsubs--;
		break;
	}
	if (dev->id < s->ndevices) {
		if ((s->subscribed[dev->id] & SUB_DMA) && dev->ops->dma_put)
			dev->ops->dma_put(dev);
		s->subscribed[dev->id] = 0;
	}
	ledger_drop_via(dev->daemon, s, dev);
}

int device_admin_mask(struct device *dev, bool mask)
{
	int r;

	if (dev->failed)
		return -ENODEV;
	if (mask == dev->admin_masked)
		return 0;
	dev->admin_masked = mask;
	if (mask) {
		/* INFLIGHT and PENDING devices are masked already. */
		if (dev->state != DEV_IDLE)
			return 0;
		r = dev->ops->mask(dev);
		if (r < 0)
			device_fail(dev, "mask", r);
		return r;
	}
	if (dev->state == DEV_IDLE)
		device_unmask(dev);
	else if (dev->state == DEV_PENDING)
		device_offer(dev, now_ns()); /* held back while masked */
	return 0;
}

uint32_t device_flags(const struct device *dev)
{
	uint32_t f = 0;

	if (device_held(dev))
		f |= INTX_F_MASKED;
	if (dev->throttled)
		f |= INTX_F_THROTTLED;
	if (dev->state == DEV_PENDING)
		f |= INTX_F_PENDING;
	if (dev->state == DEV_INFLIGHT)
		f |= INTX_F_INFLIGHT;
	if (dev->admin_masked)
		f |= INTX_F_ADMIN;
	if (dev->failed)
		f |= INTX_F_FAILED;
	if (dev->no_status)
		f |= INTX_F_NO_STATUS;
	if (dev->line && dev->line->broadcast)
		f |= INTX_F_BROADCAST;
	return f;
}
