/* SPDX-License-Identifier: MIT */
/*
 * backend-sim.c - the sim device (simdev.h) as a backend.  It plays the
 * part uio_pci_generic plays for real hardware: the interrupt fd is the
 * device's DIR/irq datagram socket, config space is the DIR/config image.
 */
#include <endian.h>
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend.h"
#include "conf.h"
#include "device.h"
#include "simdev.h"

struct sim {
	struct simdev sd;
	int irq_fd;
	char irq_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static int sim_open(struct device *dev, const struct conf_device *cd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	struct sim *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->irq_fd = -1;
	r = simdev_open(&s->sd, cd->path);
	if (r < 0)
		goto fail;
	r = simdev_irq_path(cd->path, sa.sun_path, sizeof(sa.sun_path));
	if (r < 0)
		goto fail;
	strcpy(s->irq_path, sa.sun_path);
	s->irq_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->irq_fd < 0) {
		r = -errno;
		goto fail;
	}
	/* A socket left by an earlier intxd is stale: we are its driver now. */
	(void)unlink(sa.sun_path);
	if (bind(s->irq_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto fail;
	}
	/* Whoever may write the device's image may signal its interrupt
	 * (intx-sim as the device's owner; intxd itself after dropping
	 * privileges, when an unmask finds the device still asserting). */
	if (fstat(s->sd.cfg_fd, &st) == 0)
		(void)chmod(sa.sun_path, (st.st_mode & 0666) | 0600);
	dev->be = s;
	return s->irq_fd;
fail:
	if (s->irq_fd >= 0)
		close(s->irq_fd);
	simdev_close(&s->sd);
	free(s);
	return r;
}

static void sim_close(struct device *dev)
{
	struct sim *s = dev->be;

	if (!s)
		return;
	close(s->irq_fd);
	(void)unlink(s->irq_path);
	simdev_close(&s->sd);
	free(s);
	dev->be = NULL;
}

/* One datagram is one wakeup.  Any other queued (rare: a raise signals
 * only an unmasked device) wakes the loop again and is merged there. */
static int sim_drain(struct device *dev)
{
	struct sim *s = dev->be;
	char buf[8];
	ssize_t k;

	do
		k = recv(s->irq_fd, buf, sizeof(buf), MSG_DONTWAIT);
	while (k < 0 && errno == EINTR);
	if (k >= 0)
		return 1;
	return errno == EAGAIN ? 0 : -errno;
}

/* Config space is memory-mapped, as ECAM is on real machines: a 2-byte
 * read is a load (no system call), atomic against the writers' CAS. */
static int sim_cfg_read(struct device *dev, unsigned off, uint16_t *val)
{
	struct sim *s = dev->be;

	if (off > SIMDEV_CONFIG_SIZE - 2 || (off & 1))
		return -EINVAL;
	*val = le16toh(__atomic_load_n((uint16_t *)((char *)s->sd.map + off),
				       __ATOMIC_ACQUIRE));
	return 0;
}

static int sim_cfg_write(struct device *dev, unsigned off, uint16_t val)
{
	struct sim *s = dev->be;
	uint8_t b[2] = { val & 0xff, val >> 8 };
	ssize_t n = pwrite(s->sd.cfg_fd, b, 2, off);

	if (n != 2)
		return n < 0 ? -errno : -EIO;
	return 0;
}

static int sim_mask(struct device *dev)
{
	struct sim *s = dev->be;
	int r = simdev_mask(&s->sd);

	return r < 0 ? r : 0;
}

static int sim_unmask(struct device *dev)
{
	struct sim *s = dev->be;
	int r = simdev_unmask(&s->sd);

	return r < 0 ? r : 0;
}

static int sim_irq(struct device *dev)
{
	uint16_t v = 0;
	int r = sim_cfg_read(dev, PCI_INTERRUPT_LINE, &v);

	return r < 0 ? r : (v & 0xff);
}

const struct backend_ops backend_sim = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.drain = sim_drain,
	.cfg_read = sim_cfg_read,
	.cfg_write = sim_cfg_write,
	.mask = sim_mask,
	.unmask = sim_unmask,
	.irq = sim_irq,
};
