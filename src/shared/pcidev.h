/* SPDX-License-Identifier: MIT */
/*
 * pcidev.h - a PCI function as sysfs and VFIO show it: its attributes, its
 * config space through a kept fd, the INTx-masking probe, its uio node and
 * its VFIO group.  Shared by the uio and vfio backends and by `intxctl
 * discover`; nothing here logs (callers do, with the device's name).
 *
 * Every call returns 0 (or a count, or an fd) or a negative errno.  Calls
 * interrupted by a signal are retried here; every other errno goes back to
 * the caller, which decides whether to refuse the device or give up on it.
 */
#ifndef INTXD_PCIDEV_H
#define INTXD_PCIDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCIDEV_SYSFS "/sys/bus/pci/devices"
/* Room for a path under PCIDEV_SYSFS or a stand-in root (a test's). */
#define PCIDEV_PATH_MAX 512

/* -EINVAL unless bdf is a canonical "DDDD:BB:DD.F" (lower-case hex): it
 * becomes part of sysfs paths, so nothing else may get through. */
int pcidev_check_bdf(const char *bdf);

/* PCIDEV_SYSFS/bdf/attr into buf; -ENAMETOOLONG if it does not fit. */
int pcidev_path(char *buf, size_t size, const char *bdf, const char *attr);
/* The same under root instead of PCIDEV_SYSFS (intxctl doctor's stand-in
 * tree); so the _in variants below. */
int pcidev_path_in(char *buf, size_t size, const char *root, const char *bdf,
		   const char *attr);

/* The first line of a sysfs attribute of the device, without its newline. */
int pcidev_attr(const char *bdf, const char *attr, char *buf, size_t size);
int pcidev_attr_in(const char *root, const char *bdf, const char *attr,
		   char *buf, size_t size);

/* The device's IRQ as the kernel routed it (sysfs irq).  Only right once
 * the device is enabled: on q35 a disabled device reads a stale number. */
int pcidev_irq(const char *bdf);

/* 1 if the kernel has the device enabled (sysfs enable), 0 if not. */
int pcidev_enabled(const char *bdf);

/* The name of the driver bound to the device; "" (and 0) for none. */
int pcidev_driver(const char *bdf, char *buf, size_t size);
int pcidev_driver_in(const char *root, const char *bdf, char *buf, size_t size);

/* Open the sysfs config file, close-on-exec (flags: O_RDONLY or O_RDWR).
 * libpciaccess re-opens it on every access; the backends keep this one. */
int pcidev_cfg_open(const char *bdf, int flags);

/* Little-endian 16-bit access at off through an fd opened above, or any
 * fd whose config space starts at base (a VFIO config region). */
int pcidev_cfg_read16(int fd, uint64_t base, unsigned off, uint16_t *val);
int pcidev_cfg_write16(int fd, uint64_t base, unsigned off, uint16_t val);

/*
 * Can the device mask its INTx on its own (PCI 2.3: Command bit 10,
 * Interrupt Disable, is writable; such a device also reports Interrupt
 * Status, Status bit 3)?  The kernel's pci_intx_mask_supported() test:
 * 1 yes, 0 no (the bit is hardwired to 0), or -errno.  A device masked
 * already says yes without being touched; otherwise the bit is set, read
 * back and cleared again, which at worst delays an interrupt (level).  Must
 * go to the hardware: through sysfs, never through VFIO, which virtualizes
 * the bit.  fd from pcidev_cfg_open(bdf, O_RDWR).
 */
int pcidev_intx_mask_probe(int cfg_fd);

/* The uio node of a device bound to a uio driver ("uio3"); -ENOENT when
 * the device has none (not bound to uio_pci_generic or alike). */
int pcidev_uio_name(const char *bdf, char *buf, size_t size);

/* The device's IOMMU group number; -ENOENT when it has none (no IOMMU,
 * and vfio's no-IOMMU mode off). */
int pcidev_iommu_group(const char *bdf);

/*
 * Open a VFIO group and give it a container of its own (type1 IOMMU, or
 * the no-IOMMU driver for a /dev/vfio/noiommu-N group).  On success
 * *group_fd and *container_fd are close-on-exec fds and *noiommu says which
 * kind it was.  Errors: -ENOENT no such group (device not bound to a vfio
 * driver), -EBUSY group held by another process, -EPERM group not viable
 * (another device of the group is bound to a host driver) or IOMMU set-up
 * refused (no interrupt remapping), -ENOTSUP no IOMMU driver fits.
 */
int pcidev_vfio_group_open(int group, int *group_fd, int *container_fd,
			   bool *noiommu);

/* The device fd of bdf in an open group (close-on-exec).  Opening it
 * enables the device: its IRQ is right from then on. */
int pcidev_vfio_device_open(int group_fd, const char *bdf);

#endif
