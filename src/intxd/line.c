/* SPDX-License-Identifier: MIT */
/* line.c - which device on a shared line asserted, and who is told. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "conf.h"
#include "daemon.h"
#include "device.h"
#include "events.h"
#include "hoptrace.h"
#include "line.h"
#include "log.h"

struct line *line_new(struct daemon *d, const char *name, int irq)
{
	struct line *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->daemon = d;
	l->irq = irq;
	if (proto_strset(l->name, sizeof(l->name), name) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

int line_add(struct line *l, struct device *dev)
{
	struct device **n = realloc(l->devs, (l->ndevs + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	l->devs = n;
	l->devs[l->ndevs++] = dev;
	dev->line = l;
	if (dev->no_status)
		l->broadcast = true;
	return 0;
}

void line_free(struct line *l)
{
	if (!l)
		return;
	free(l->devs);
	free(l);
}

void line_fd_event(struct line *l, struct device *sig)
{
	uint64_t ts;
	unsigned i, found = 0;
	int r, sig_asserts = 0;

	r = sig->ops->drain(sig);
	if (r <= 0) {
		if (r < 0)
			device_fail(sig, "read interrupt fd", r);
		return; /* consumed already, by an unmask */
	}
	hop_mark(HOP_WAKE); /* where a relay's blocking read returns */
	l->events++;
	/*
	 * intxd masked it already (the kernel woke the fd again because the
	 * device still asserts while another one fired, as uio_pci_generic
	 * does): this is the interrupt being serviced, not a new one.
	 */
	if (device_held(sig)) {
		l->merged++;
		return;
	}
	ts = now_ns();
	if (ts - sig->unmasked_ns >= LINE_IDLE_WAKE_NS)
		l->idle_wakes++;
	if (l->broadcast) {
		/*
		 * Broadcast (the baseline, and the fallback for devices that
		 * cannot report Interrupt Status): nobody knows who asserted;
		 * the device whose fd woke is raised, and device_offer() tells
		 * every subscriber of every device on the line.
		 */
		device_raise(sig, ts);
		return;
	}
	if (l->daemon->conf->scan == CONF_SCAN_SIGNALLED) {
		/*
		 * The backend attributes wakeups: a device's fd is signalled
		 * only when that device asserted (uio and vfio run the kernel's
		 * pci_check_and_mask_intx per device; sim does the same), and
		 * every asserting device gets its own wakeup.
		 *
		 * Where the kernel read this device's Status and masked it
		 * before it signalled, once per masking (ops->attributed:
		 * backend.h, backend-vfio.c), reading Status again costs a
		 * config access (7 us on an emulated host bridge, 22 us on a
		 * cloud VM's passthrough GPU) to learn the same; a direct
		 * driver does not make it either.  No stale signal gets here:
		 * the one of the interrupt being serviced was drained (above,
		 * or by the unmask, which drains before it unmasks), and one
		 * while held was merged.  Only after an interrupt nobody
		 * claimed is Status read: a device that fell off the bus reads
		 * all ones, which the kernel takes for asserting, and is
		 * failed there.
		 *
		 * Otherwise one read, as the signal may be a late one for an
		 * interrupt already serviced (uio: backend-uio.c).
		 */
		bool trusted = sig->ops->attributed &&
			       !(sig->n.raised && sig->n.handled == sig->handled_at_raise);

		r = 1;
		if (!trusted) {
			l->status_reads++;
			r = device_asserting(sig);
		}
		if (r > 0) {
			sig->handled_at_raise = sig->n.handled;
			found = sig_asserts = 1;
			device_raise(sig, ts);
		}
	} else {
		/* Read the Status of every unmasked device on the line: the
		 * reference scan.  Masked ones are being serviced and must
		 * not be raised twice. */
		for (i = 0; i < l->ndevs; i++) {
			struct device *dev = l->devs[i];

			if (device_held(dev))
				continue;
			l->status_reads++;
			r = device_asserting(dev);
			if (r <= 0)
				continue;
			found++;
			if (dev == sig)
				sig_asserts = 1;
			else
				dev->stale = true;
			device_raise(dev, ts);
		}
	}
	if (!found) {
		l->spurious++;
		events_emit(l->daemon, INTX_EV_SPURIOUS, 0, 0, sig->name, "");
	}
	/* The kernel masked sig when it signalled; nobody else will unmask it. */
	if (!sig_asserts && !sig->failed)
		device_unmask(sig);
}
