/* SPDX-License-Identifier: MIT */
/* simdev.c - the sim device's config image and interrupt signal. */
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <endian.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simdev.h"

static int mkdir_p(const char *dir)
{
	char *p, *copy = strdup(dir);
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			r = -errno;
		*p = '/';
		if (r)
			break;
	}
	if (!r && mkdir(copy, 0755) < 0 && errno != EEXIST)
		r = -errno;
	free(copy);
	return r;
}

static void put16(uint8_t *img, unsigned off, uint16_t v)
{
	img[off] = v & 0xff;
	img[off + 1] = v >> 8;
}

int simdev_create(const char *dir, int irq, uint16_t vendor, uint16_t device)
{
	uint8_t img[SIMDEV_CONFIG_SIZE] = { 0 };
	int dfd, fd, r;
	ssize_t n;

	if (irq < 0 || irq > 254)
		return -EINVAL;
	r = mkdir_p(dir);
	if (r < 0)
		return r;
	put16(img, PCI_VENDOR_ID, vendor);
	put16(img, PCI_DEVICE_ID, device);
	put16(img, PCI_COMMAND, PCI_COMMAND_MEMORY);
	put16(img, PCI_STATUS, 0);
	img[PCI_REVISION_ID] = 1;
	img[PCI_CLASS_DEVICE] = 0xff; /* class: unassigned */
	img[PCI_CLASS_DEVICE + 1] = 0x00;
	img[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	img[PCI_INTERRUPT_LINE] = (uint8_t)irq;
	img[PCI_INTERRUPT_PIN] = 1; /* INTA# */

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = openat(dfd, SIMDEV_CONFIG, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		r = -errno;
		close(dfd);
		return r;
	}
	/* Under the lock, so a daemon servicing an old image sees a whole one. */
	r = 0;
	if (flock(fd, LOCK_EX) < 0)
		r = -errno;
	else if ((n = pwrite(fd, img, sizeof(img), 0)) != (ssize_t)sizeof(img))
		r = n < 0 ? -errno : -EIO;
	else if (ftruncate(fd, sizeof(img)) < 0)
		r = -errno;
	close(fd);
	/* The interrupt signal; an earlier format left a socket here. */
	if (r == 0) {
		struct stat st;

		if (fstatat(dfd, SIMDEV_IRQ, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISFIFO(st.st_mode))
			(void)unlinkat(dfd, SIMDEV_IRQ, 0);
		if (mkfifoat(dfd, SIMDEV_IRQ, 0644) < 0 && errno != EEXIST)
			r = -errno;
	}
	close(dfd);
	return r;
}

int simdev_irq_path(const char *dir, char *buf, unsigned size)
{
	int n = snprintf(buf, size, "%s/%s", dir, SIMDEV_IRQ);

	return n < 0 || (unsigned)n >= size ? -ENAMETOOLONG : 0;
}

int simdev_open(struct simdev *s, const char *dir)
{
	struct stat st;
	int r;

	s->cfg_fd = s->dir_fd = s->sig_fd = -1;
	s->map = NULL;
	s->serving = false;
	s->dir = strdup(dir);
	if (!s->dir)
		return -ENOMEM;
	s->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dir_fd < 0)
		goto fail;
	s->cfg_fd = openat(s->dir_fd, SIMDEV_CONFIG, O_RDWR | O_CLOEXEC);
	if (s->cfg_fd < 0)
		goto fail;
	if (fstat(s->cfg_fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_size != SIMDEV_CONFIG_SIZE) {
		errno = ENODEV;
		goto fail;
	}
	s->map = mmap(NULL, SIMDEV_CONFIG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      s->cfg_fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		goto fail;
	}
	return 0;
fail:
	r = -errno;
	simdev_close(s);
	return r;
}

void simdev_close(struct simdev *s)
{
	if (s->map)
		munmap(s->map, SIMDEV_CONFIG_SIZE);
	if (s->sig_fd >= 0)
		close(s->sig_fd);
	if (s->cfg_fd >= 0)
		close(s->cfg_fd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->dir);
	s->cfg_fd = s->dir_fd = s->sig_fd = -1;
	s->dir = NULL;
	s->map = NULL;
}

/* The Command/Status word in the mapping (little-endian, as PCI is). */
static uint32_t *cmdsta(struct simdev *s)
{
	return (uint32_t *)((char *)s->map + PCI_COMMAND);
}

int simdev_serve(struct simdev *s)
{
	int fd = openat(s->dir_fd, SIMDEV_IRQ, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		return -ENODEV; /* not a sim device (or one of an older format) */
	}
	if (s->sig_fd >= 0)
		close(s->sig_fd);
	s->sig_fd = fd;
	s->serving = true;
	return fd;
}

/* Signal DIR/irq.  Nobody servicing it (no daemon yet) is fine: the device
 * stays masked and asserting in the image, where the daemon finds it when it
 * opens the device.  A full FIFO is fine too: one wakeup is as good as many. */
static int signal_irq(struct simdev *s)
{
	static const char one = 1;

	if (s->sig_fd < 0) {
		s->sig_fd = openat(s->dir_fd, SIMDEV_IRQ,
				   O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (s->sig_fd < 0)
			return errno == ENXIO || errno == ENOENT ? 0 : -errno;
	}
	if (write(s->sig_fd, &one, 1) == 1 || errno == EAGAIN)
		return 0;
	if (errno != EPIPE)
		return -errno;
	/* the reader went away (intxd stopped): open again next time */
	close(s->sig_fd);
	s->sig_fd = -1;
	return 0;
}

/* Let fn change Command/Status atomically; signal if it says so, after
 * the change is visible. */
static int update(struct simdev *s, int (*fn)(uint16_t *cmd, uint16_t *sta))
{
	uint32_t *w = cmdsta(s);
	uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE), nw;
	int sig, r;

	for (;;) {
		uint32_t v = le32toh(old);
		uint16_t cmd = (uint16_t)v, sta = (uint16_t)(v >> 16);

		sig = fn(&cmd, &sta);
		nw = htole32((uint32_t)cmd | (uint32_t)sta << 16);
		if (nw == old || __atomic_compare_exchange_n(w, &old, nw, false,
							     __ATOMIC_ACQ_REL,
							     __ATOMIC_ACQUIRE))
			break;
	}
	if (!sig)
		return 0;
	r = signal_irq(s);
	return r < 0 ? r : 1;
}

/* Assert; if unmasked, mask and signal (the kernel's check-and-mask). */
static int do_raise(uint16_t *cmd, uint16_t *sta)
{
	*sta |= PCI_STATUS_INTERRUPT;
	if (*cmd & PCI_COMMAND_INTX_DISABLE)
		return 0;
	*cmd |= PCI_COMMAND_INTX_DISABLE;
	return 1;
}

static int do_lower(uint16_t *cmd, uint16_t *sta)
{
	*sta &= (uint16_t)~PCI_STATUS_INTERRUPT;
	return 0;
}

static int do_mask(uint16_t *cmd, uint16_t *sta)
{
	*cmd |= PCI_COMMAND_INTX_DISABLE;
	return 0;
}

/* Unmask; a device still asserting interrupts again at once (level). */
static int do_unmask(uint16_t *cmd, uint16_t *sta)
{
	if (*sta & PCI_STATUS_INTERRUPT) {
		*cmd |= PCI_COMMAND_INTX_DISABLE;
		return 1;
	}
	*cmd &= (uint16_t)~PCI_COMMAND_INTX_DISABLE;
	return 0;
}

int simdev_raise(struct simdev *s)
{
	int r = update(s, do_raise);
	return r < 0 ? r : 0;
}

int simdev_lower(struct simdev *s)
{
	return update(s, do_lower);
}

int simdev_mask(struct simdev *s)
{
	return update(s, do_mask);
}

int simdev_unmask(struct simdev *s)
{
	return update(s, do_unmask);
}

bool simdev_asserting(struct simdev *s)
{
	uint32_t v = le32toh(__atomic_load_n(cmdsta(s), __ATOMIC_ACQUIRE));

	return (v >> 16) & PCI_STATUS_INTERRUPT;
}

int simdev_state(struct simdev *s, struct simdev_state *st)
{
	uint8_t img[SIMDEV_CONFIG_SIZE];
	uint32_t v;
	int fd;

	memcpy(img, s->map, sizeof(img));
	/* the one word that changes under us, read whole */
	v = le32toh(__atomic_load_n(cmdsta(s), __ATOMIC_ACQUIRE));
	st->vendor = (uint16_t)(img[PCI_VENDOR_ID] | img[PCI_VENDOR_ID + 1] << 8);
	st->device = (uint16_t)(img[PCI_DEVICE_ID] | img[PCI_DEVICE_ID + 1] << 8);
	st->command = (uint16_t)v;
	st->status = (uint16_t)(v >> 16);
	st->irq_line = img[PCI_INTERRUPT_LINE];
	st->irq_pin = img[PCI_INTERRUPT_PIN];
	st->asserting = st->status & PCI_STATUS_INTERRUPT;
	st->masked = st->command & PCI_COMMAND_INTX_DISABLE;
	/* a FIFO opens for writing without blocking only if it has a reader */
	fd = openat(s->dir_fd, SIMDEV_IRQ, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	st->serviced = fd >= 0;
	if (fd >= 0)
		close(fd);
	return 0;
}
