/* SPDX-License-Identifier: MIT */
/*
 * backend.h - how intxd reaches a device: its interrupt fd, 2-byte config
 * space access, and mask/unmask.  One const ops table per backend, chosen by
 * name once when the device is opened.  The daemon keeps each device's mask
 * state itself; backends only carry out what it decides.
 */
#ifndef INTXD_BACKEND_H
#define INTXD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf_device;
struct device;

struct backend_ops {
	const char *name;
	/* The kernel attributes each signal: the fd is signalled only for a
	 * device it found asserting (Status bit 3) and masked, once per
	 * masking, and not again until intxd unmasks it.  line.c then takes
	 * the signal for the Status read (scan = signalled). */
	bool attributed;
	/* Open the device; store private state in dev->be.  Returns the
	 * interrupt fd (readable when the kernel masked the device and
	 * signalled), owned by the backend, or -errno. */
	int (*open)(struct device *dev, const struct conf_device *cd);
	void (*close)(struct device *dev);
	/* Consume the fd's pending signals: >0 if there were any, 0 if none
	 * (already consumed), -errno. */
	int (*drain)(struct device *dev);
	int (*cfg_read)(struct device *dev, unsigned off, uint16_t *val);
	int (*cfg_write)(struct device *dev, unsigned off, uint16_t val);
	/* Mask: the device cannot interrupt.  Unmask: it can again; one that
	 * still asserts interrupts again (level). */
	int (*mask)(struct device *dev);
	int (*unmask)(struct device *dev);
	/* The host IRQ number (for line = auto), or -errno. */
	int (*irq)(struct device *dev);
	/* Optional: an fd to hand to a subscribing client (vfio), or -1. */
	int (*client_fd)(struct device *dev);
	/* Optional: the IOMMU container to hand to a subscribed client for
	 * its DMA mappings (vfio), or -EOPNOTSUPP; hold: one more session
	 * maps through it.  dma_put: one fewer (it unsubscribed, ended or
	 * lost the device); after the last, whatever is mapped is unmapped. */
	int (*dma_fd)(struct device *dev, bool hold);
	void (*dma_put)(struct device *dev);
	/* Optional: free and request the device's IRQ again, so the kernel
	 * enables a line it disabled (linewatch.h).  The interrupt fd keeps
	 * its number but may be a new file behind it (uio: a new /dev/uioN),
	 * so the caller registers its event again; the device may come back
	 * unmasked (vfio).  0 or -errno. */
	int (*rearm)(struct device *dev);
};

/* Consume a counter fd (uio: 4-byte event count, eventfd: 8 bytes): one
 * read takes every event since the last.  1, 0 (none) or -errno. */
int backend_drain_counter(int fd, size_t size);

/* The backend of that name, or NULL. */
const struct backend_ops *backend_find(const char *name);

extern const struct backend_ops backend_sim;
extern const struct backend_ops backend_uio;
extern const struct backend_ops backend_vfio;

#endif
