/* SPDX-License-Identifier: MIT */
/*
 * backend-uio.c - a PCI function bound to uio_pci_generic (or another uio
 * driver).  The interrupt fd is /dev/uioN: the kernel masks the device
 * (Command bit 10) in its interrupt handler and bumps the event count that
 * read() returns.  Config space is sysfs config, through an fd kept open.
 *
 * Unmask: write 1 to /dev/uioN where the driver has irqcontrol (igb_uio
 * and alike); uio_pci_generic has none (ENOSYS), so there intxd clears
 * Command bit 10 itself.  Either way the kernel keeps no mask state of its
 * own that intxd would have to agree with.
 *
 * Spurious wakeups: uio_pci_generic's handler reports every device of the
 * line whose Status bit 3 is set, masked or not, so a device that intxd
 * holds masked while its owner works wakes its fd again whenever another
 * device on the line fires.  The daemon's own mask state tells these apart
 * (line_fd_event() ignores a wakeup of a device it is servicing), and
 * unmask() drops wakeups still queued from while the device was masked.
 *
 * Kernel errors, by call (the action taken is in brackets):
 *   open sysfs device dir / uio dir / /dev/uioN / config:
 *     ENOENT   no such device, or not bound to a uio driver     [refuse]
 *     EACCES, EPERM  intxd is not root (or lacks the device's
 *              permissions)                                      [refuse]
 *     ENODEV, ENXIO  device removed while we looked              [refuse]
 *     EMFILE, ENFILE, ENOMEM  out of resources                   [refuse]
 *   read(/dev/uioN):
 *     EINTR    a signal                                          [retry]
 *     EAGAIN   no new event (consumed by an earlier read)        [0: none]
 *     EIO      the uio device was unregistered: driver unbound,
 *              device hot-removed                                [give up]
 *     other    unexpected                                        [give up]
 *   write(/dev/uioN, 1 or 0):
 *     ENOSYS   no irqcontrol (uio_pci_generic): use Command bit 10 from
 *              then on                                            [fall back]
 *     EINTR                                                      [retry]
 *     other    the device or its driver is broken                [give up]
 *   pread/pwrite(config):
 *     EINTR                                                      [retry]
 *     short, EIO, ENODEV  the device is gone or in a state where
 *              config cycles fail                                [give up]
 *   "give up" means: return -errno; the daemon marks the device failed,
 *   logs it once, stops watching it and keeps serving the others.  A failed
 *   device that still asserts is masked by the kernel's handler, so it
 *   cannot hold the shared line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "conf.h"
#include "device.h"
#include "log.h"
#include "pcidev.h"

enum irqcontrol {
	IRQCTL_UNKNOWN, /* not tried yet: the first unmask finds out */
	IRQCTL_YES,
	IRQCTL_NO,      /* ENOSYS: Command bit 10 it is */
};

struct uio {
	int uio_fd;  /* /dev/uioN, non-blocking */
	int cfg_fd;  /* sysfs config, read-write */
	enum irqcontrol irqctl;
	char node[16];
};

static void uio_log_open(const struct device *dev, const char *bdf,
			 const char *what, int err, const char *hint)
{
	if (!hint && (err == -EACCES || err == -EPERM))
		hint = "intxd needs root to open uio devices and write config space";
	log_full(LOG_ERR, dev->name, NULL, NULL, "uio %s: %s: %s%s%s", bdf, what,
		 strerror(-err), hint ? "; " : "", hint ? hint : "");
}

static int uio_open(struct device *dev, const struct conf_device *cd)
{
	char drv[64] = "", path[64];
	struct uio *u;
	int r;

	r = pcidev_check_bdf(cd->pci);
	if (r < 0) {
		uio_log_open(dev, cd->pci, "not a PCI address", r, NULL);
		return r;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->uio_fd = u->cfg_fd = -1;
	r = pcidev_driver(cd->pci, drv, sizeof(drv));
	if (r < 0) {
		uio_log_open(dev, cd->pci, "no such PCI device", r, NULL);
		goto fail;
	}
	r = pcidev_uio_name(cd->pci, u->node, sizeof(u->node));
	if (r < 0) {
		char what[96], hint[128];

		snprintf(what, sizeof(what), "no uio node (driver: %s)",
			 drv[0] ? drv : "none");
		/* driver_override binds this function only, where new_id
		 * would take every device with its ID */
		snprintf(hint, sizeof(hint), "bind it: driverctl set-override %s "
			 "uio_pci_generic (doc/hardware.md)", cd->pci);
		uio_log_open(dev, cd->pci, what, r, hint);
		goto fail;
	}
	snprintf(path, sizeof(path), "/dev/%s", u->node);
	u->uio_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (u->uio_fd < 0) {
		r = -errno;
		uio_log_open(dev, cd->pci, path, r, NULL);
		goto fail;
	}
	u->cfg_fd = pcidev_cfg_open(cd->pci, O_RDWR);
	if (u->cfg_fd < 0) {
		r = u->cfg_fd;
		uio_log_open(dev, cd->pci, "open config", r, NULL);
		goto fail;
	}
	/* uio_pci_generic binds only devices that pass this very test, but
	 * other uio drivers do not ask: without it the line broadcasts. */
	r = pcidev_intx_mask_probe(u->cfg_fd);
	if (r < 0) {
		uio_log_open(dev, cd->pci, "probe INTx masking", r, NULL);
		goto fail;
	}
	dev->no_status = r == 0;
	if (dev->no_status)
		log_full(LOG_WARNING, dev->name, NULL, NULL,
			 "uio %s: Command bit 10 (Interrupt Disable) is not writable: "
			 "the device cannot report Interrupt Status, its line broadcasts",
			 cd->pci);
	u->irqctl = strcmp(drv, "uio_pci_generic") == 0 ? IRQCTL_NO : IRQCTL_UNKNOWN;
	dev->be = u;
	log_full(LOG_INFO, dev->name, NULL, NULL, "uio %s: /dev/%s, driver %s",
		 cd->pci, u->node, drv);
	return u->uio_fd;
fail:
	if (u->cfg_fd >= 0)
		close(u->cfg_fd);
	if (u->uio_fd >= 0)
		close(u->uio_fd);
	free(u);
	return r;
}

static void uio_close(struct device *dev)
{
	struct uio *u = dev->be;

	if (!u)
		return;
	close(u->uio_fd);
	close(u->cfg_fd);
	free(u);
	dev->be = NULL;
}

static int uio_drain(struct device *dev)
{
	struct uio *u = dev->be;

	/* the cumulative event count: one read consumes them all */
	return backend_drain_counter(u->uio_fd, sizeof(uint32_t));
}

static int uio_cfg_read(struct device *dev, unsigned off, uint16_t *val)
{
	struct uio *u = dev->be;

	return pcidev_cfg_read16(u->cfg_fd, 0, off, val);
}

static int uio_cfg_write(struct device *dev, unsigned off, uint16_t val)
{
	struct uio *u = dev->be;

	return pcidev_cfg_write16(u->cfg_fd, 0, off, val);
}

/* Through irqcontrol: 1 done, 0 not supported (fall back), -errno. */
static int uio_irqcontrol(struct uio *u, int32_t on)
{
	ssize_t n;

	if (u->irqctl == IRQCTL_NO)
		return 0;
	do
		n = write(u->uio_fd, &on, sizeof(on));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(on)) {
		u->irqctl = IRQCTL_YES;
		return 1;
	}
	if (n < 0 && errno == ENOSYS && u->irqctl == IRQCTL_UNKNOWN) {
		u->irqctl = IRQCTL_NO;
		return 0;
	}
	return n < 0 ? -errno : -EIO;
}

/*
 * Command bit 10 by read-modify-write.  The kernel's handler writes the
 * same register (to mask) under its own lock, but only for a device that
 * asserts while unmasked, which this one is not while intxd changes it:
 * masked devices are left as they are, and a device we are masking ends up
 * masked whichever write lands last.
 */
static int uio_cmd_intx(struct uio *u, bool disable)
{
	uint16_t cmd, want;
	int r;

	r = pcidev_cfg_read16(u->cfg_fd, 0, PCI_COMMAND, &cmd);
	if (r < 0)
		return r;
	if (cmd == 0xffff)
		return -ENODEV;
	want = disable ? cmd | PCI_COMMAND_INTX_DISABLE :
			 cmd & ~PCI_COMMAND_INTX_DISABLE;
	if (want == cmd)
		return 0;
	return pcidev_cfg_write16(u->cfg_fd, 0, PCI_COMMAND, want);
}

static int uio_mask(struct device *dev)
{
	struct uio *u = dev->be;
	int r = uio_irqcontrol(u, 0);

	return r != 0 ? (r < 0 ? r : 0) : uio_cmd_intx(u, true);
}

static int uio_unmask(struct device *dev)
{
	struct uio *u = dev->be;
	int r;

	/* Wakeups queued while masked (the spurious ones above, or the
	 * interrupt being serviced) are accounted for: a device that still
	 * asserts interrupts again once unmasked. */
	r = uio_drain(dev);
	if (r < 0)
		return r;
	r = uio_irqcontrol(u, 1);
	return r != 0 ? (r < 0 ? r : 0) : uio_cmd_intx(u, false);
}

static int uio_irq(struct device *dev)
{
	return pcidev_irq(dev->pci);
}

static int write_attr(const char *path, const char *value)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, strlen(value));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * Unbind the device from its uio driver and bind it again: the driver's
 * request_irq() makes the kernel enable a line it disabled (linewatch.c).
 * The device comes back as a new /dev/uioN; it is put in place of the old
 * one under the same fd number (dup2), so the daemon's fd stays valid - the
 * event on it must be registered again (a new file behind the number).
 */
static int uio_rearm(struct device *dev)
{
	struct uio *u = dev->be;
	char drv[64] = "", path[128], node[16], dpath[32];
	int r, fd;

	if (!u)
		return -ENODEV;
	r = pcidev_driver(dev->pci, drv, sizeof(drv));
	if (r < 0)
		return r;
	if (!drv[0])
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind", drv);
	r = write_attr(path, dev->pci);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", drv);
	r = write_attr(path, dev->pci);
	if (r < 0)
		return r;
	r = pcidev_uio_name(dev->pci, node, sizeof(node));
	if (r < 0)
		return r;
	snprintf(dpath, sizeof(dpath), "/dev/%s", node);
	fd = open(dpath, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (dup3(fd, u->uio_fd, O_CLOEXEC) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	close(fd);
	memcpy(u->node, node, sizeof(u->node));
	log_full(LOG_INFO, dev->name, NULL, NULL, "uio %s: bound to %s again: /dev/%s",
		 dev->pci, drv, node);
	return 0;
}

/*
 * Not attributed (backend.h): uio_pci_generic's irqhandler() is
 * pci_check_and_mask_intx() alone, true for any device whose Status bit 3
 * is set, masked already or not (drivers/uio/uio_pci_generic.c), so a
 * device being serviced is signalled again when the line fires; and the
 * count is bumped after pci_lock is released (uio_interrupt()), so such a
 * signal can land after uio_unmask() drained the queue and cleared
 * Command bit 10, for an interrupt the owner has acknowledged.  Only the
 * Status read tells it from a new one: line.c keeps it for uio (one
 * config read per interrupt that a direct uio driver, which asks its
 * device, does not make).
 */
const struct backend_ops backend_uio = {
	.name = "uio",
	.open = uio_open,
	.close = uio_close,
	.drain = uio_drain,
	.cfg_read = uio_cfg_read,
	.cfg_write = uio_cfg_write,
	.mask = uio_mask,
	.unmask = uio_unmask,
	.irq = uio_irq,
	.rearm = uio_rearm,
};
