/* SPDX-License-Identifier: MIT */
/*
 * simdev.h - the sim device: a directory that behaves like a PCI function
 * behind uio_pci_generic.
 *
 *   DIR/config  256-byte PCI config-space image in the standard layout
 *   DIR/irq     a FIFO; whoever services the device (intxd) holds it open
 *               for reading, and a byte in it is an interrupt, like the
 *               count a read of /dev/uioN returns
 *
 * A FIFO is the cheapest signal two unrelated processes can share (an
 * eventfd cannot be opened by path).  Its one catch: writing to a FIFO
 * whose reader went away raises SIGPIPE, so a program that raises
 * interrupts (intx-sim, tests, benchmarks) ignores SIGPIPE.
 *
 * Command and Status are adjacent (offsets 4 and 6): every change to them is
 * one compare-and-swap of that 32-bit word in a shared mapping of config,
 * so intx-sim, drivers and intxd can race on it the way a CPU and a device
 * race on a register.  The invariant every writer keeps: the device never
 * asserts (Status bit 3) unmasked (Command bit 10 clear).  Raising an
 * unmasked device masks it and signals DIR/irq, as the kernel's
 * pci_check_and_mask_intx() does; unmasking a device that still asserts
 * masks it again and signals again (level).  Readers may pread() the file:
 * it is the same page.
 */
#ifndef INTX_SIMDEV_H
#define INTX_SIMDEV_H

#include <stdbool.h>
#include <stdint.h>

#define SIMDEV_CONFIG "config"
#define SIMDEV_IRQ "irq"
#define SIMDEV_CONFIG_SIZE 256

struct simdev {
	int cfg_fd;  /* DIR/config, read-write */
	int dir_fd;  /* DIR */
	char *dir;
	void *map;   /* config, mapped shared */
	int sig_fd;  /* DIR/irq for writing, -1 until needed (or no reader) */
	bool serving; /* sig_fd is the servicer's own read-write end */
};

struct simdev_state {
	uint16_t vendor, device, command, status;
	uint8_t irq_line, irq_pin;
	bool asserting; /* Status bit 3 */
	bool masked;    /* Command bit 10 */
	bool serviced;  /* somebody holds DIR/irq open for reading */
};

/* Make DIR (and missing parents) and a fresh config image. 0 or -errno. */
int simdev_create(const char *dir, int irq, uint16_t vendor, uint16_t device);

/* Open an existing sim device.  0 or -errno (-ENODEV: not a sim device). */
int simdev_open(struct simdev *s, const char *dir);
void simdev_close(struct simdev *s);

/* The device asserts its interrupt (and the "kernel" masks and signals). */
int simdev_raise(struct simdev *s);
/* The device stops asserting: what its driver does to acknowledge it. */
int simdev_lower(struct simdev *s);
/* Command bit 10 set/cleared; clearing it on an asserting device signals
 * again.  Returns 1 if the unmask signalled, 0 if not, or -errno. */
int simdev_mask(struct simdev *s);
int simdev_unmask(struct simdev *s);
int simdev_state(struct simdev *s, struct simdev_state *st);
/* Status bit 3, read from the mapping (no system call). */
bool simdev_asserting(struct simdev *s);

/* The path of DIR/irq: 0 or -ENAMETOOLONG. */
int simdev_irq_path(const char *dir, char *buf, unsigned size);

/* Service the device: open DIR/irq for reading (and writing, so it never
 * sees end-of-file and can signal itself when an unmask finds the device
 * still asserting), non-blocking.  Returns the fd, owned by s, or -errno. */
int simdev_serve(struct simdev *s);

#endif
