/* SPDX-License-Identifier: MIT */
/*
 * intx-direct.h - a device's INTx without a broker, for the contrib
 * drivers' --direct modes (the figures intxd is priced against): the
 * driver opens the device's interrupt itself, as a userspace driver that
 * owns its line alone would.
 *
 *   vfio  the device's VFIO group and container, its device fd and an
 *         eventfd as the INTx trigger; unmask: VFIO_DEVICE_SET_IRQS
 *         (ACTION_UNMASK): no config access from userspace.
 *   uio   /dev/uioN of a device bound to uio_pci_generic; unmask: clear
 *         Command bit 10 through sysfs config (read, write: 2 config
 *         accesses), as uio_pci_generic has no irqcontrol (write() to
 *         /dev/uioN fails with ENOSYS; Documentation/driver-api/uio-howto).
 */
#ifndef INTX_DIRECT_H
#define INTX_DIRECT_H

enum direct_kind { DIRECT_VFIO, DIRECT_UIO };

struct direct {
	enum direct_kind kind;
	int irq_fd;    /* the VFIO eventfd or /dev/uioN: readable on an interrupt */
	int dev_fd;    /* vfio: the device fd (regions); -1 for uio */
	int container; /* vfio: the container (DMA mappings); -1 for uio */
	int cfg_fd;    /* uio: sysfs config; -1 for vfio */
	int group;     /* vfio: the group, kept open with the container */
};

/* Open BDF's interrupt; 0 or -errno (d's fds are -1 or open). */
int direct_open(struct direct *d, enum direct_kind kind, const char *bdf);
/* Wait up to timeout_ms for an interrupt and consume it: 1, 0 (none),
 * -errno (-EINTR: a signal). */
int direct_wait(struct direct *d, int timeout_ms);
/* Let the device interrupt again (after it was acknowledged). */
int direct_unmask(struct direct *d);
void direct_close(struct direct *d);

#endif
