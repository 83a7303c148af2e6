/* SPDX-License-Identifier: MIT */
/*
 * backend-vfio.c - a PCI function bound to vfio-pci.  intxd opens its group
 * (in a container of its own: type1 IOMMU, or vfio's no-IOMMU driver where
 * the kernel has it) and its device fd, and sets an eventfd as the INTx
 * trigger (VFIO_DEVICE_SET_IRQS).  The kernel masks the device when it
 * signals (AUTOMASKED); VFIO_IRQ_SET_ACTION_UNMASK unmasks it, and signals
 * again at once if the device still asserts.  Config space is the device's
 * config region.  VFIO virtualizes Command bit 10 (it reads clear even while
 * the kernel holds the device masked), so the mask state is the daemon's;
 * Status bit 3 is the hardware's, which is all identification needs.
 *
 * Who owns what:
 *   intxd     the container, the group, the device fd it opened, and the
 *             INTx trigger: it alone sets, masks and unmasks INTx.
 *   a client  bound to the device receives a duplicate of the device fd
 *             with SUBSCRIBED (libintx: intx_device_fd()), to reach the
 *             device's regions (BARs, config): its driver maps BAR0 and
 *             acknowledges the device there.  It must leave the INTx index
 *             alone (VFIO_DEVICE_SET_IRQS on it would take the trigger from
 *             intxd), and must not write Command bit 10 or reset the device.
 *             Being the device's driver, it is trusted with it: a bound
 *             client is as privileged as the device.  Its copy keeps the
 *             group busy while it is open (and while a mapping of it
 *             lives): an intxd restarted before its clients let go cannot
 *             open the group (EBUSY below).
 *   DMA       on request (DMA, answered by DMA_FD; libintx: intx_dma_fd())
 *             a subscribed client gets a duplicate of the container fd and
 *             maps its own memory with VFIO_IOMMU_MAP_DMA.  Chosen over
 *             intxd mapping on the client's behalf: type1 pins the pages of
 *             the process that maps, so the memory and its locked-memory
 *             accounting stay the client's (intxd would have to take the
 *             client's memory as a memfd and pin it in its own address
 *             space), a driver maps its buffers without a round trip per
 *             buffer, and the mappings live in the container, which intxd
 *             keeps across a restart (fd store, re-exec) with nothing to
 *             replay.  The container fd carries no interrupt operation:
 *             INTx stays on the device fd, intxd's.  What it lets a client
 *             do: map and unmap IOVAs of this container only, which is the
 *             IOMMU domain of this device's group (every device of one
 *             IOMMU group shares it; the kernel cannot isolate them from
 *             each other anyway).  Clients bound to one device share its
 *             container: each can unmap the other's IOVAs, and a map that
 *             overlaps one fails (EEXIST); they must agree on the IOVA
 *             space, as they agree on the device.
 *             Clean-up: intxd counts the sessions it gave the container
 *             (SUB_DMA in their subscribed[]); when the last one ends,
 *             unsubscribes or loses the device, it turns the device's Bus
 *             Master off and unmaps everything left in the container
 *             (VFIO_DMA_UNMAP_FLAG_ALL: type1 lets any holder of the
 *             container unmap, the mappings of a dead process too - seen
 *             on Debian's 6.1), so a driver that died leaves no pinned
 *             pages and no IOVAs taken.  Not at an exit that leaves the
 *             container in systemd's fd store, nor across intxctl restart
 *             (an exec ends no session): the mappings live on, and libintx
 *             asks for the container again when it resubscribes.
 *             What intxd cannot enforce: it does not see the mappings, so
 *             it cannot tell one client's from another's (it unmaps only
 *             when no session holds the container), and it cannot take
 *             back a copy of the fd: a process the client gave it to can
 *             map again after the clean-up, until the container is
 *             released (intxd closes the device and no copy is left).  A
 *             no-IOMMU container is not handed out.
 *   the kernel (vfio-pci)  the host IRQ handler: it masks the device and
 *             signals intxd's eventfd.  A device that cannot mask itself
 *             (no PCI 2.3 masking) gets the IRQ line to itself: vfio-pci
 *             requests it unshared, so it cannot share a line at all.
 *
 * Kernel errors, by call (the action taken is in brackets):
 *   iommu_group link: ENOENT  no IOMMU group: no IOMMU enabled and no
 *                  no-IOMMU mode (CONFIG_VFIO_NOIOMMU)            [refuse]
 *   open /dev/vfio/N: ENOENT  no device of the group bound to vfio-pci
 *                                                                  [refuse]
 *                  EBUSY  the group is held by another process (QEMU,
 *                  another intxd, the clients of an intxd that was
 *                  restarted before they closed the device fd): a later
 *                  reload may succeed                              [refuse]
 *                  EACCES, EPERM  not root                         [refuse]
 *   GROUP_GET_STATUS not viable: another device of the group is bound to a
 *                  host driver: bind the whole group to vfio-pci   [refuse]
 *   SET_IOMMU: EPERM  no interrupt remapping (vfio_iommu_type1 refuses
 *                  unsafe interrupts); ENODEV, EINVAL  no IOMMU     [refuse]
 *   GET_DEVICE_FD: EBUSY  opened already; ENODEV  not in the group;
 *                  EPERM  the no-IOMMU mode needs CAP_SYS_RAWIO   [refuse]
 *   GET_INFO, GET_REGION_INFO, GET_IRQ_INFO: EINVAL, ENOTTY  not a PCI
 *                  device, or a vfio we do not understand; count 0 for
 *                  INTx: the device has no interrupt pin          [refuse]
 *   SET_IRQS (trigger): EBUSY  the IRQ is taken: a device without INTx
 *                  masking needs its line to itself; ENOMEM       [refuse]
 *   read(eventfd): EINTR [retry]; EAGAIN  nothing new [0: none]; other
 *                  (cannot happen for an eventfd)                  [give up]
 *   SET_IRQS (mask/unmask): EINTR [retry]; ENODEV, EIO, EINVAL  the device
 *                  was released or reset under us                  [give up]
 *   pread/pwrite(config region): EINTR [retry]; short, EIO, ENODEV  the
 *                  device is gone or in reset                      [give up]
 *   Every open-time error refuses the device: it is marked failed and
 *   logged, the others are served.  "Give up" is the same at run time: the
 *   daemon marks it failed and stops watching it; the kernel keeps it
 *   masked (automasked) after its next interrupt, so it cannot hold the
 *   line.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend.h"
#include "conf.h"
#include "device.h"
#include "fdstore.h"
#include "log.h"
#include "pcidev.h"

/*
 * The kernel lets a VFIO group be opened once, by one process, and the
 * devices of a group (functions of one card, devices behind a bridge
 * without ACS) are opened through that one fd.  So the groups are a
 * per-process table, shared by the devices of the group and reference
 * counted; the only state of this backend that is not per device.
 */
struct vfio_group {
	struct vfio_group *next;
	int no;
	int fd;
	int container;
	bool noiommu;
	unsigned refs;
	unsigned dma_holders; /* sessions given the container (DMA) */
};

static struct vfio_group *groups;

struct vfio {
	struct vfio_group *group;
	char keep[64];     /* the device fd's name in the fd store */
	int dev_fd;
	int efd;           /* the INTx trigger */
	uint64_t cfg_off;  /* of the config region in dev_fd */
	uint64_t cfg_size;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/*
 * Restarts: the container, group and device fds are kept (fdstore.h), as a
 * client's copy of the device fd keeps the group busy and a new intxd
 * could not open it.  Names: vfio.container.N and vfio.group.N (group N),
 * vfio.device.BDF (':' -> '_', which fd names cannot hold), with the suffix
 * .nostatus for a device found unable to report Interrupt Status: the
 * probe that found it cannot be run again on a device in use.
 */
static void keep_name(char *buf, size_t size, const char *kind, int no)
{
	snprintf(buf, size, "vfio.%s.%d", kind, no);
}

static void device_keep_name(char *buf, size_t size, const char *bdf, bool no_status)
{
	char *p;

	snprintf(buf, size, "vfio.device.%s%s", bdf, no_status ? ".nostatus" : "");
	for (p = buf; *p; p++)
		if (*p == ':')
			*p = '_';
}

/* The device fd kept from before a restart, or -1. */
static int take_device(const char *bdf, bool *no_status)
{
	char name[64];
	int fd;

	device_keep_name(name, sizeof(name), bdf, false);
	fd = fdstore_take(name);
	*no_status = false;
	if (fd < 0) {
		device_keep_name(name, sizeof(name), bdf, true);
		fd = fdstore_take(name);
		*no_status = fd >= 0;
	}
	return fd;
}

/* The group and container kept from before a restart: both or neither. */
static bool take_group(struct vfio_group *g)
{
	char name[48];

	keep_name(name, sizeof(name), "group", g->no);
	g->fd = fdstore_take(name);
	keep_name(name, sizeof(name), "container", g->no);
	g->container = fdstore_take(name);
	if (g->fd >= 0 && g->container >= 0)
		return true;
	if (g->fd >= 0)
		close(g->fd);
	if (g->container >= 0)
		close(g->container);
	return false;
}

static void keep_group(const struct vfio_group *g, bool keep)
{
	char name[48];

	keep_name(name, sizeof(name), "group", g->no);
	keep ? fdstore_keep(name, g->fd) : fdstore_forget(name);
	keep_name(name, sizeof(name), "container", g->no);
	keep ? fdstore_keep(name, g->container) : fdstore_forget(name);
}

static void vfio_log_open(struct device *dev, const char *bdf,
			  const char *what, int err, const char *hint)
{
	log_full(LOG_ERR, dev->name, NULL, NULL, "vfio %s: %s: %s%s%s", bdf, what,
		 strerror(-err), hint ? "; " : "", hint ? hint : "");
	/* for the clients it refuses (a SUBSCRIBE of a failed device) */
	snprintf(dev->fail_reason, sizeof(dev->fail_reason), "vfio %s: %s%s%s", what, strerror(-err),
		 hint ? "; " : "", hint ? hint : "");
}

static int group_get(struct device *dev, const char *bdf, struct vfio_group **out)
{
	struct vfio_group *g;
	int no, r;

	no = pcidev_iommu_group(bdf);
	if (no < 0) {
		vfio_log_open(dev, bdf, "no IOMMU group", no,
			      no == -ENOENT ? "enable the IOMMU (intel_iommu=on) or vfio's no-IOMMU mode" : NULL);
		return no;
	}
	for (g = groups; g; g = g->next) {
		if (g->no == no) {
			g->refs++;
			*out = g;
			return 0;
		}
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->no = no;
	if (take_group(g)) {
		/* kept from before a restart: the container is set up */
		char path[48];

		snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", no);
		g->noiommu = access(path, F_OK) == 0;
		r = 0;
		log_full(LOG_INFO, dev->name, NULL, NULL,
			 "vfio %s: IOMMU group %d kept from before the restart", bdf, no);
	} else {
		r = pcidev_vfio_group_open(no, &g->fd, &g->container, &g->noiommu);
	}
	if (r < 0) {
		char what[48], bind[128];
		const char *hint = NULL;

		snprintf(what, sizeof(what), "IOMMU group %d", no);
		snprintf(bind, sizeof(bind), "bind it: driverctl set-override %s "
			 "vfio-pci (doc/hardware.md)", bdf);
		if (r == -ENOENT)
			hint = bind;
		else if (r == -EBUSY)
			hint = "the group is held by another process (QEMU, another intxd, or clients of an earlier intxd)";
		else if (r == -EPERM)
			hint = "bind every device of the group to vfio-pci; without interrupt remapping vfio_iommu_type1 needs allow_unsafe_interrupts=1";
		else if (r == -EACCES)
			hint = "intxd needs root for VFIO";
		vfio_log_open(dev, bdf, what, r, hint);
		free(g);
		return r;
	}
	g->refs = 1;
	g->next = groups;
	groups = g;
	keep_group(g, true);
	*out = g;
	return 0;
}

static void group_put(struct vfio_group *g)
{
	struct vfio_group **p;

	if (!g || --g->refs > 0)
		return;
	for (p = &groups; *p; p = &(*p)->next) {
		if (*p == g) {
			*p = g->next;
			break;
		}
	}
	keep_group(g, false);
	/* The group first: closing it detaches it from the container. */
	close(g->fd);
	close(g->container);
	free(g);
}

/* The INTx trigger: an eventfd, or none (fd < 0) to tear it down. */
static int set_trigger(int dev_fd, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *s = (struct vfio_irq_set *)buf;
	int32_t fd = efd;

	memset(buf, 0, sizeof(buf));
	s->argsz = sizeof(buf);
	s->index = VFIO_PCI_INTX_IRQ_INDEX;
	s->start = 0;
	if (efd >= 0) {
		s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->count = 1;
		memcpy(s->data, &fd, sizeof(fd));
	} else {
		s->argsz = sizeof(*s);
		s->flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		s->count = 0;
	}
	return xioctl(dev_fd, VFIO_DEVICE_SET_IRQS, s);
}

static int intx_action(int dev_fd, uint32_t action)
{
	struct vfio_irq_set s = {
		.argsz = sizeof(s),
		.flags = VFIO_IRQ_SET_DATA_NONE | action,
		.index = VFIO_PCI_INTX_IRQ_INDEX,
		.start = 0,
		.count = 1,
	};

	return xioctl(dev_fd, VFIO_DEVICE_SET_IRQS, &s);
}

/* Find the config region and check the device has INTx at all. */
static int vfio_describe(struct device *dev, const char *bdf, struct vfio *v)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info ri = { .argsz = sizeof(ri) };
	struct vfio_irq_info ii = { .argsz = sizeof(ii) };
	int r;

	r = xioctl(v->dev_fd, VFIO_DEVICE_GET_INFO, &di);
	if (r < 0) {
		vfio_log_open(dev, bdf, "VFIO_DEVICE_GET_INFO", r, NULL);
		return r;
	}
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    di.num_irqs <= VFIO_PCI_INTX_IRQ_INDEX) {
		vfio_log_open(dev, bdf, "not a vfio-pci device", -ENODEV, NULL);
		return -ENODEV;
	}
	ri.index = VFIO_PCI_CONFIG_REGION_INDEX;
	r = xioctl(v->dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	if (r < 0) {
		vfio_log_open(dev, bdf, "config region", r, NULL);
		return r;
	}
	if (ri.size < PCI_STD_HEADER_SIZEOF ||
	    (ri.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) !=
	    (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)) {
		vfio_log_open(dev, bdf, "config region not accessible", -EIO, NULL);
		return -EIO;
	}
	v->cfg_off = ri.offset;
	v->cfg_size = ri.size;
	ii.index = VFIO_PCI_INTX_IRQ_INDEX;
	r = xioctl(v->dev_fd, VFIO_DEVICE_GET_IRQ_INFO, &ii);
	if (r < 0) {
		vfio_log_open(dev, bdf, "INTx information", r, NULL);
		return r;
	}
	if (ii.count < 1 || !(ii.flags & VFIO_IRQ_INFO_EVENTFD)) {
		vfio_log_open(dev, bdf, "INTx", -ENXIO,
			      "the device has no interrupt pin (Interrupt Pin register 0)");
		return -ENXIO;
	}
	/* Every vfio-pci INTx is both; without them our unmask would be
	 * wrong, so refuse rather than guess. */
	if (!(ii.flags & VFIO_IRQ_INFO_MASKABLE) || !(ii.flags & VFIO_IRQ_INFO_AUTOMASKED)) {
		vfio_log_open(dev, bdf, "INTx is not maskable/automasked", -ENOTSUP, NULL);
		return -ENOTSUP;
	}
	return 0;
}

/*
 * The INTx-masking probe (pcidev_intx_mask_probe()'s answer, or -errno)
 * must reach the hardware: VFIO virtualizes the bit.  Done before vfio-pci
 * enables the device (when its fd is opened), so nobody else is using the
 * device yet.
 */
static int probe_intx_mask(struct device *dev, const char *bdf)
{
	int r, cfg = pcidev_cfg_open(bdf, O_RDWR);

	if (cfg < 0) {
		vfio_log_open(dev, bdf, "open config", cfg,
			      cfg == -ENOENT ? "no such PCI device" : NULL);
		return cfg;
	}
	r = pcidev_intx_mask_probe(cfg);
	close(cfg);
	if (r < 0)
		vfio_log_open(dev, bdf, "probe INTx masking", r, NULL);
	return r;
}

static int vfio_open(struct device *dev, const struct conf_device *cd)
{
	const char *bdf = cd->pci;
	struct vfio *v;
	int r, kept;
	bool no_status;

	r = pcidev_check_bdf(bdf);
	if (r < 0) {
		vfio_log_open(dev, bdf, "not a PCI address", r, NULL);
		return r;
	}
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->dev_fd = v->efd = -1;

	/* Kept over a restart: the device is open and in use, by its
	 * clients too; what the probe found then is in the fd's name. */
	kept = take_device(bdf, &no_status);
	if (kept < 0) {
		r = probe_intx_mask(dev, bdf);
		if (r < 0)
			goto fail;
		no_status = r == 0;
	}
	dev->no_status = no_status;
	r = group_get(dev, bdf, &v->group);
	if (r < 0)
		goto fail;
	v->dev_fd = kept >= 0 ? kept : pcidev_vfio_device_open(v->group->fd, bdf);
	kept = -1;
	if (v->dev_fd < 0) {
		r = v->dev_fd;
		vfio_log_open(dev, bdf, "VFIO_GROUP_GET_DEVICE_FD", r,
			      r == -EBUSY ? "the device is open already" : NULL);
		goto fail;
	}
	r = vfio_describe(dev, bdf, v);
	if (r < 0)
		goto fail;
	v->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->efd < 0) {
		r = -errno;
		goto fail;
	}
	r = set_trigger(v->dev_fd, v->efd);
	if (r < 0) {
		vfio_log_open(dev, bdf, "VFIO_DEVICE_SET_IRQS (INTx eventfd)", r,
			      r == -EBUSY ? "the IRQ is in use: a device without INTx masking cannot share its line" : NULL);
		goto fail;
	}
	/* A kept device may have interrupted into the old trigger and been
	 * masked by the kernel since (Command bit 10 reads clear under VFIO,
	 * so device_start() cannot see it): unmask; one still asserting
	 * signals the new eventfd at once. */
	r = intx_action(v->dev_fd, VFIO_IRQ_SET_ACTION_UNMASK);
	if (r < 0) {
		vfio_log_open(dev, bdf, "VFIO_DEVICE_SET_IRQS (INTx unmask)", r, NULL);
		goto fail;
	}
	device_keep_name(v->keep, sizeof(v->keep), bdf, dev->no_status);
	fdstore_keep(v->keep, v->dev_fd);
	if (dev->no_status)
		log_full(LOG_WARNING, dev->name, NULL, NULL,
			 "vfio %s: Command bit 10 (Interrupt Disable) is not writable: "
			 "the device cannot report Interrupt Status, its line broadcasts",
			 bdf);
	dev->be = v;
	log_full(LOG_INFO, dev->name, NULL, NULL, "vfio %s: IOMMU group %d%s", bdf,
		 v->group->no, v->group->noiommu ? " (no-IOMMU)" : "");
	return v->efd;
fail:
	if (kept >= 0)
		close(kept);
	if (v->efd >= 0)
		close(v->efd);
	if (v->dev_fd >= 0)
		close(v->dev_fd);
	group_put(v->group);
	free(v);
	return r;
}

static void vfio_close(struct device *dev)
{
	struct vfio *v = dev->be;

	if (!v)
		return;
	/* Tear the trigger down before the eventfd goes: vfio-pci frees its
	 * IRQ here, leaving the device masked if it was.  Not for a device
	 * that systemd's fd store keeps for the next intxd: a device without
	 * a handler asserting a shared line would have it disabled. */
	if (!fdstore_kept_at_exit(v->keep))
		(void)set_trigger(v->dev_fd, -1);
	fdstore_forget(v->keep);
	close(v->efd);
	close(v->dev_fd);
	group_put(v->group);
	free(v);
	dev->be = NULL;
}

static int vfio_drain(struct device *dev)
{
	struct vfio *v = dev->be;

	return backend_drain_counter(v->efd, sizeof(uint64_t));
}

static int vfio_cfg_read(struct device *dev, unsigned off, uint16_t *val)
{
	struct vfio *v = dev->be;

	if (off + 2 > v->cfg_size)
		return -EINVAL;
	return pcidev_cfg_read16(v->dev_fd, v->cfg_off, off, val);
}

static int vfio_cfg_write(struct device *dev, unsigned off, uint16_t val)
{
	struct vfio *v = dev->be;

	if (off + 2 > v->cfg_size)
		return -EINVAL;
	return pcidev_cfg_write16(v->dev_fd, v->cfg_off, off, val);
}

static int vfio_mask(struct device *dev)
{
	struct vfio *v = dev->be;

	return intx_action(v->dev_fd, VFIO_IRQ_SET_ACTION_MASK);
}

static int vfio_unmask(struct device *dev)
{
	struct vfio *v = dev->be;
	int r;

	/* A signal still queued was raised while masked and is accounted
	 * for: vfio-pci signals again on unmask if the device still
	 * asserts. */
	r = vfio_drain(dev);
	if (r < 0)
		return r;
	r = intx_action(v->dev_fd, VFIO_IRQ_SET_ACTION_UNMASK);
	return r < 0 ? r : 0;
}

static int vfio_irq(struct device *dev)
{
	/* Right now: vfio-pci enabled the device when its fd was opened. */
	return pcidev_irq(dev->pci);
}

static int vfio_client_fd(struct device *dev)
{
	struct vfio *v = dev->be;

	return v ? v->dev_fd : -1;
}

/* A no-IOMMU container has no IOMMU to map: its driver uses physical
 * addresses, which this daemon does not hand out. */
static int vfio_dma_fd(struct device *dev, bool hold)
{
	struct vfio *v = dev->be;

	if (!v)
		return -ENODEV;
	if (v->group->noiommu)
		return -EOPNOTSUPP;
	if (hold)
		v->group->dma_holders++;
	return v->group->container;
}

/* The last session that mapped through the container is gone: stop the
 * device's DMA (Bus Master off, as vfio-pci does when its fd is
 * released; Command bit 10 written back as read) and unmap whatever the
 * clients left, so that a driver that died leaves no pinned pages and no
 * IOVAs taken.  Not when the fd store keeps the container for the next
 * intxd: its clients' mappings live on. */
static void vfio_dma_put(struct device *dev)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = VFIO_DMA_UNMAP_FLAG_ALL,
	};
	struct vfio *v = dev->be;
	char name[48];
	uint16_t cmd;
	int r;

	if (!v || !v->group->dma_holders || --v->group->dma_holders)
		return;
	keep_name(name, sizeof(name), "container", v->group->no);
	if (fdstore_kept_at_exit(name))
		return;
	if (vfio_cfg_read(dev, PCI_COMMAND, &cmd) == 0 && (cmd & PCI_COMMAND_MASTER))
		(void)vfio_cfg_write(dev, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);
	r = xioctl(v->group->container, VFIO_IOMMU_UNMAP_DMA, &u);
	if (r < 0)
		log_full(LOG_WARNING, dev->name, NULL, NULL,
			 "vfio %s: unmapping what its clients left mapped: %s",
			 dev->pci, strerror(-r));
	else if (u.size)
		log_full(LOG_INFO, dev->name, NULL, NULL,
			 "vfio %s: unmapped %llu bytes its clients left mapped "
			 "(IOMMU group %d)", dev->pci, (unsigned long long)u.size,
			 v->group->no);
}

/* The trigger off and on again: free_irq() then request_irq() in vfio-pci,
 * the same eventfd (linewatch.c revives a disabled line with it). */
static int vfio_rearm(struct device *dev)
{
	struct vfio *v = dev->be;
	int r;

	if (!v)
		return -ENODEV;
	r = set_trigger(v->dev_fd, -1);
	return r < 0 ? r : set_trigger(v->dev_fd, v->efd);
}

/*
 * attributed: vfio_intx_handler() (drivers/vfio/pci/vfio_pci_intrs.c)
 * signals only when !ctx[0].masked && pci_check_and_mask_intx() - Status
 * bit 3 read and Command bit 10 set under pci_lock (drivers/pci/pci.c,
 * pci_check_and_set_intx_mask) - and sets ctx[0].masked under irqlock
 * first; vfio_pci_intx_unmask() clears it, or, if the device still
 * asserts, keeps it and signals once more.  So one signal per masking,
 * for a device that asserted, and none while intxd services it.
 */
const struct backend_ops backend_vfio = {
	.name = "vfio",
	.attributed = true,
	.open = vfio_open,
	.close = vfio_close,
	.drain = vfio_drain,
	.cfg_read = vfio_cfg_read,
	.cfg_write = vfio_cfg_write,
	.mask = vfio_mask,
	.unmask = vfio_unmask,
	.irq = vfio_irq,
	.client_fd = vfio_client_fd,
	.dma_fd = vfio_dma_fd,
	.dma_put = vfio_dma_put,
	.rearm = vfio_rearm,
};
