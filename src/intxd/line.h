/* SPDX-License-Identifier: MIT */
/*
 * line.h - a set of devices sharing one interrupt line.  When any of their
 * fds wakes, the line reads the Status register of its devices to find the
 * ones that assert (selective), or wakes every subscriber (broadcast).
 */
#ifndef INTXD_LINE_H
#define INTXD_LINE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

struct daemon;
struct device;

/* how long after its unmask a device's wakeup counts as idle */
#define LINE_IDLE_WAKE_NS 50000000u

struct line {
	struct daemon *daemon;
	char name[INTX_NAME_MAX];
	int irq; /* -1 for a named line */
	bool broadcast;
	struct device **devs;
	unsigned ndevs;
	uint64_t events, spurious, status_reads;
	uint64_t merged; /* wakeups of a device already held masked */
	/* wakeups of a device unmasked well before (LINE_IDLE_WAKE_NS): a
	 * real interrupt, or the kernel's poll of a disabled line; not the
	 * signal a vfio unmask sends at once for a device still asserting */
	uint64_t idle_wakes;
};

struct line *line_new(struct daemon *d, const char *name, int irq);
int line_add(struct line *l, struct device *dev);
void line_free(struct line *l);

/* The interrupt fd of dev (a member) is readable. */
void line_fd_event(struct line *l, struct device *dev);

#endif
