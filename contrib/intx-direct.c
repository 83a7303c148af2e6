/* SPDX-License-Identifier: MIT */
/* intx-direct.c - a device's INTx without a broker (intx-direct.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <dirent.h>
#include <unistd.h>

#include "intx-direct.h"

static int open_vfio(struct direct *d, const char *bdf)
{
	char path[128], link[64];
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;
	ssize_t len;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	len = readlink(path, link, sizeof(link) - 1);
	if (len < 0)
		return -errno;
	link[len] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0)
		return -errno;
	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0 ||
	    ioctl(d->group, VFIO_GROUP_GET_STATUS, &gs) < 0 ||
	    !(gs.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container) < 0 ||
	    ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0 ||
	    (d->dev_fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, bdf)) < 0 ||
	    (d->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return errno ? -errno : -EINVAL;
	memset(buf, 0, sizeof(buf));
	s->argsz = sizeof(buf);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = VFIO_PCI_INTX_IRQ_INDEX;
	s->count = 1;
	memcpy(s->data, &d->irq_fd, sizeof(d->irq_fd));
	return ioctl(d->dev_fd, VFIO_DEVICE_SET_IRQS, s) < 0 ? -errno : 0;
}

static int open_uio(struct direct *d, const char *bdf)
{
	char path[300];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio", bdf);
	dir = opendir(path);
	if (!dir)
		return -errno;
	path[0] = 0;
	while ((e = readdir(dir)))
		if (strncmp(e->d_name, "uio", 3) == 0)
			snprintf(path, sizeof(path), "/dev/%s", e->d_name);
	closedir(dir);
	if (!path[0])
		return -ENOENT;
	d->irq_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (d->irq_fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	d->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
	return d->cfg_fd < 0 ? -errno : 0;
}

int direct_open(struct direct *d, enum direct_kind kind, const char *bdf)
{
	d->kind = kind;
	d->irq_fd = d->dev_fd = d->container = d->cfg_fd = d->group = -1;
	errno = 0;
	return kind == DIRECT_VFIO ? open_vfio(d, bdf) : open_uio(d, bdf);
}

int direct_wait(struct direct *d, int timeout_ms)
{
	struct pollfd p = { .fd = d->irq_fd, .events = POLLIN };
	uint64_t v = 0;
	ssize_t n;
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r <= 0)
		return r < 0 ? -errno : 0;
	/* an eventfd counts in 8 bytes, uio in 4 (a cumulative count) */
	n = read(d->irq_fd, &v, d->kind == DIRECT_VFIO ? 8 : 4);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return 1;
}

int direct_unmask(struct direct *d)
{
	struct vfio_irq_set s = {
		.argsz = sizeof(s),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
		.index = VFIO_PCI_INTX_IRQ_INDEX,
		.count = 1,
	};
	uint16_t cmd;

	if (d->kind == DIRECT_VFIO)
		return ioctl(d->dev_fd, VFIO_DEVICE_SET_IRQS, &s) < 0 ? -errno : 0;
	/* the kernel's handler set Command bit 10 (pci_check_and_mask_intx) */
	if (pread(d->cfg_fd, &cmd, 2, PCI_COMMAND) != 2)
		return -EIO;
	cmd &= (uint16_t)~PCI_COMMAND_INTX_DISABLE;
	return pwrite(d->cfg_fd, &cmd, 2, PCI_COMMAND) == 2 ? 0 : -EIO;
}

void direct_close(struct direct *d)
{
	if (d->kind == DIRECT_VFIO && d->dev_fd >= 0) {
		struct vfio_irq_set s = {
			.argsz = sizeof(s),
			.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			.index = VFIO_PCI_INTX_IRQ_INDEX,
		};

		(void)ioctl(d->dev_fd, VFIO_DEVICE_SET_IRQS, &s);
	}
	if (d->irq_fd >= 0)
		close(d->irq_fd);
	if (d->dev_fd >= 0)
		close(d->dev_fd);
	/* the group before the container: closing it detaches it */
	if (d->group >= 0)
		close(d->group);
	if (d->container >= 0)
		close(d->container);
	if (d->cfg_fd >= 0)
		close(d->cfg_fd);
	d->irq_fd = d->dev_fd = d->container = d->cfg_fd = d->group = -1;
}
