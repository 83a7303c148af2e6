/* SPDX-License-Identifier: MIT */
/*
 * backend-sim.c - the sim device (simdev.h) as a backend.  It plays the
 * part uio_pci_generic plays for real hardware: the interrupt fd is the
 * device's DIR/irq FIFO, config space is the DIR/config image.
 */
#include <endian.h>
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "conf.h"
#include "device.h"
#include "simdev.h"

struct sim {
	struct simdev sd;
	int irq_fd; /* DIR/irq, read-write, owned by sd */
};

static int sim_open(struct device *dev, const struct conf_device *cd)
{
	struct sim *s;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = simdev_open(&s->sd, cd->path);
	if (r < 0) {
		free(s);
		return r;
	}
	r = simdev_serve(&s->sd);
	if (r < 0) {
		simdev_close(&s->sd);
		free(s);
		return r;
	}
	s->irq_fd = r;
	dev->be = s;
	return s->irq_fd;
}

static void sim_close(struct device *dev)
{
	struct sim *s = dev->be;

	if (!s)
		return;
	simdev_close(&s->sd);
	free(s);
	dev->be = NULL;
}

/* Every byte is a signal; one read takes all that are queued (a raise
 * signals only an unmasked device, so there is rarely more than one). */
static int sim_drain(struct device *dev)
{
	struct sim *s = dev->be;
	char buf[64];
	ssize_t k;

	do
		k = read(s->irq_fd, buf, sizeof(buf));
	while (k < 0 && errno == EINTR);
	if (k > 0)
		return 1;
	return k == 0 || errno == EAGAIN ? 0 : -errno;
}

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
