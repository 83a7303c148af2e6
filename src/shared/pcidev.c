/* SPDX-License-Identifier: MIT */
/* pcidev.c - sysfs, config space and VFIO groups of one PCI function. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pcidev.h"

static bool is_lhex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int pcidev_check_bdf(const char *bdf)
{
	static const char pat[] = "hhhh:hh:hh.f";
	size_t i;

	if (!bdf || strlen(bdf) != sizeof(pat) - 1)
		return -EINVAL;
	for (i = 0; i < sizeof(pat) - 1; i++) {
		if (pat[i] == 'h' ? !is_lhex(bdf[i]) :
		    pat[i] == 'f' ? bdf[i] < '0' || bdf[i] > '7' : bdf[i] != pat[i])
			return -EINVAL;
	}
	return 0;
}

int pcidev_path_in(char *buf, size_t size, const char *root, const char *bdf,
		    const char *attr)
{
	int n;

	if (pcidev_check_bdf(bdf) < 0)
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s%s%s", root, bdf, attr ? "/" : "",
		     attr ? attr : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int pcidev_path(char *buf, size_t size, const char *bdf, const char *attr)
{
	return pcidev_path_in(buf, size, PCIDEV_SYSFS, bdf, attr);
}

int pcidev_attr_in(const char *root, const char *bdf, const char *attr,
		   char *buf, size_t size)
{
	char path[PCIDEV_PATH_MAX];
	ssize_t n;
	int fd, r;

	r = pcidev_path_in(path, sizeof(path), root, bdf, attr);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int pcidev_attr(const char *bdf, const char *attr, char *buf, size_t size)
{
	return pcidev_attr_in(PCIDEV_SYSFS, bdf, attr, buf, size);
}

static int attr_long(const char *bdf, const char *attr, long *out)
{
	char buf[32], *end;
	long v;
	int r;

	r = pcidev_attr(bdf, attr, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	v = strtol(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EBADMSG;
	*out = v;
	return 0;
}

int pcidev_irq(const char *bdf)
{
	long v;
	int r = attr_long(bdf, "irq", &v);

	if (r < 0)
		return r;
	return v < 0 || v > 0xffffff ? -ERANGE : (int)v;
}

int pcidev_enabled(const char *bdf)
{
	long v;
	int r = attr_long(bdf, "enable", &v);

	return r < 0 ? r : v != 0;
}

/* The last component of the symlink bdf/link: a driver or a group. */
static int link_name(const char *root, const char *bdf, const char *link,
		     char *buf, size_t size)
{
	char path[PCIDEV_PATH_MAX], target[512], *base;
	ssize_t n;
	int r;

	r = pcidev_path_in(path, sizeof(path), root, bdf, link);
	if (r < 0)
		return r;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

int pcidev_driver_in(const char *root, const char *bdf, char *buf, size_t size)
{
	char path[PCIDEV_PATH_MAX];
	int r;

	r = link_name(root, bdf, "driver", buf, size);
	if (r != -ENOENT)
		return r;
	/* No driver link: unbound, or no such device at all. */
	r = pcidev_path_in(path, sizeof(path), root, bdf, NULL);
	if (r < 0)
		return r;
	if (access(path, F_OK) < 0)
		return -errno;
	if (size)
		buf[0] = '\0';
	return 0;
}

int pcidev_driver(const char *bdf, char *buf, size_t size)
{
	return pcidev_driver_in(PCIDEV_SYSFS, bdf, buf, size);
}

int pcidev_cfg_open(const char *bdf, int flags)
{
	char path[256];
	int r, fd;

	r = pcidev_path(path, sizeof(path), bdf, "config");
	if (r < 0)
		return r;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pcidev_cfg_read16(int fd, uint64_t base, unsigned off, uint16_t *val)
{
	uint8_t b[2];
	ssize_t n;

	do
		n = pread(fd, b, 2, (off_t)(base + off));
	while (n < 0 && errno == EINTR);
	if (n != 2)
		return n < 0 ? -errno : -EIO; /* short: beyond what we may read */
	*val = (uint16_t)(b[0] | b[1] << 8);
	return 0;
}

int pcidev_cfg_write16(int fd, uint64_t base, unsigned off, uint16_t val)
{
	uint8_t b[2] = { val & 0xff, val >> 8 };
	ssize_t n;

	do
		n = pwrite(fd, b, 2, (off_t)(base + off));
	while (n < 0 && errno == EINTR);
	if (n != 2)
		return n < 0 ? -errno : -EIO;
	return 0;
}

int pcidev_intx_mask_probe(int fd)
{
	uint16_t orig, back;
	int r;

	r = pcidev_cfg_read16(fd, 0, PCI_COMMAND, &orig);
	if (r < 0)
		return r;
	if (orig == 0xffff)
		return -ENODEV; /* nothing answers: the device is gone */
	/* A pre-2.3 device hardwires the bit to 0: set means writable.  And
	 * clearing it would unmask a device its driver masked on purpose. */
	if (orig & PCI_COMMAND_INTX_DISABLE)
		return 1;
	r = pcidev_cfg_write16(fd, 0, PCI_COMMAND, orig | PCI_COMMAND_INTX_DISABLE);
	if (r < 0)
		return r;
	r = pcidev_cfg_read16(fd, 0, PCI_COMMAND, &back);
	/* Restore whatever the read said: an interrupt that came in while
	 * masked is still asserted (level) and fires when this lands. */
	{
		int w = pcidev_cfg_write16(fd, 0, PCI_COMMAND, orig);

		if (r >= 0 && w < 0)
			r = w;
	}
	if (r < 0)
		return r;
	return !!(back & PCI_COMMAND_INTX_DISABLE);
}

int pcidev_uio_name(const char *bdf, char *buf, size_t size)
{
	char path[256];
	struct dirent *e;
	DIR *dir;
	int r;

	r = pcidev_path(path, sizeof(path), bdf, "uio");
	if (r < 0)
		return r;
	dir = opendir(path);
	if (!dir)
		return -errno;
	r = -ENOENT;
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "uio", 3) != 0 || !e->d_name[3])
			continue;
		if (strspn(e->d_name + 3, "0123456789") != strlen(e->d_name + 3))
			continue;
		if (strlen(e->d_name) >= size) {
			r = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, e->d_name);
		r = 0;
		break;
	}
	closedir(dir);
	return r;
}

int pcidev_iommu_group(const char *bdf)
{
	char name[32], *end;
	long g;
	int r;

	r = link_name(PCIDEV_SYSFS, bdf, "iommu_group", name, sizeof(name));
	if (r < 0)
		return r;
	g = strtol(name, &end, 10);
	if (end == name || *end || g < 0 || g > 0xffffff)
		return -EBADMSG;
	return (int)g;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int pcidev_vfio_group_open(int group, int *group_fd, int *container_fd,
			   bool *noiommu)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	int g, c = -1, r, type;
	bool noio = false;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	g = open(path, O_RDWR | O_CLOEXEC);
	if (g < 0 && errno == ENOENT) {
		/* vfio's no-IOMMU mode names its groups differently. */
		snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", group);
		g = open(path, O_RDWR | O_CLOEXEC);
		noio = g >= 0;
	}
	if (g < 0)
		return -errno;
	r = xioctl(g, VFIO_GROUP_GET_STATUS, &st);
	if (r < 0)
		goto fail;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		r = -EPERM;
		goto fail;
	}
	c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c < 0) {
		r = -errno;
		goto fail;
	}
	r = xioctl(c, VFIO_GET_API_VERSION, NULL);
	if (r < 0)
		goto fail;
	if (r != VFIO_API_VERSION) {
		r = -EPROTONOSUPPORT;
		goto fail;
	}
	if (noio)
		type = VFIO_NOIOMMU_IOMMU;
	else if (xioctl(c, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_TYPE1v2_IOMMU) > 0)
		type = VFIO_TYPE1v2_IOMMU;
	else if (xioctl(c, VFIO_CHECK_EXTENSION, (void *)(long)VFIO_TYPE1_IOMMU) > 0)
		type = VFIO_TYPE1_IOMMU;
	else {
		r = -ENOTSUP;
		goto fail;
	}
	r = xioctl(g, VFIO_GROUP_SET_CONTAINER, &c);
	if (r < 0)
		goto fail;
	r = xioctl(c, VFIO_SET_IOMMU, (void *)(long)type);
	if (r < 0)
		goto fail;
	*group_fd = g;
	*container_fd = c;
	*noiommu = noio;
	return 0;
fail:
	if (c >= 0)
		close(c);
	close(g);
	return r;
}

int pcidev_vfio_device_open(int group_fd, const char *bdf)
{
	int fd;

	if (pcidev_check_bdf(bdf) < 0)
		return -EINVAL;
	fd = xioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, (void *)bdf);
	if (fd < 0)
		return fd;
	/* The kernel sets it already (since 3.x); this costs nothing and
	 * keeps the fd from leaking into a child if that ever changes. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}
