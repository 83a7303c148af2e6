/* SPDX-License-Identifier: MIT */
/*
 * check-relay.c - contrib/intx-relay.c, the zero-logic broker of
 * intx-edu-driver --relay, on a stand-in for a uio device: a pipe is
 * /dev/uioN (4 bytes an interrupt) and a temporary file is its config
 * space (Command at 4, bit 10 the mask the kernel sets).  The real device
 * is tests/vm/check-vm-bench.sh's.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check-run.h"
#include "intx-relay.h"

static struct direct d;
static int irq_w = -1; /* the pipe's write end: "the device interrupts" */
static char cfg_path[] = "/tmp/check-relay.XXXXXX";

static void set_cmd(uint16_t v)
{
	ck_assert_int_eq(pwrite(d.cfg_fd, &v, 2, PCI_COMMAND), 2);
}

static uint16_t cmd(void)
{
	uint16_t v = 0;

	ck_assert_int_eq(pread(d.cfg_fd, &v, 2, PCI_COMMAND), 2);
	return v;
}

/* The device interrupts: the pipe is readable (the kernel's handler has
 * masked it: the caller sets Command bit 10 where no unmask can race). */
static void interrupt(void)
{
	uint32_t n = 1;

	ck_assert_int_eq(write(irq_w, &n, 4), 4);
}

static void setup(void)
{
	int p[2];
	char zero[64] = { 0 };

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0); /* as /dev/uioN is opened */
	irq_w = p[1];
	d = (struct direct){ .kind = DIRECT_UIO, .irq_fd = p[0], .dev_fd = -1,
			     .container = -1, .group = -1 };
	d.cfg_fd = mkstemp(cfg_path);
	ck_assert_int_ge(d.cfg_fd, 0);
	unlink(cfg_path);
	ck_assert_int_eq(write(d.cfg_fd, zero, sizeof(zero)), (int)sizeof(zero));
	set_cmd(PCI_COMMAND_MEMORY);
}

static void teardown(void)
{
	direct_close(&d);
	close(irq_w);
}

/* Each interrupt: one notification; the unmask comes after the ack and
 * before the child waits for the next interrupt. */
static void relays(int spin)
{
	const uint16_t masked = PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE;
	unsigned us = spin ? 50 : 0;
	struct relay r;
	uint64_t cpu;
	long csw;
	int i;

	ck_assert_int_eq(relay_start(&r, &d, -1, spin), 0);
	set_cmd(masked);
	interrupt();
	ck_assert_int_eq(relay_wait(&r, us), 0);
	/* the child waits for our ack: no unmask yet */
	ck_assert_uint_eq(cmd(), masked);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(relay_ack(&r), 0);
		interrupt();
		ck_assert_int_eq(relay_wait(&r, us), 0);
		/* the unmask of the one acked came before this notification */
		ck_assert_uint_eq(cmd(), PCI_COMMAND_MEMORY);
		/* the kernel's mask of this one: the child waits for our ack */
		set_cmd(masked);
	}
	ck_assert_int_eq(relay_stats(&r, &csw, &cpu), 0);
	ck_assert_int_gt(csw, 0); /* it slept for each interrupt */
	ck_assert_uint_gt(cpu, 0);
	relay_stop(&r, &d);
	ck_assert_int_eq(r.pid, -1);
}

START_TEST(relays_blocking)
{
	relays(0);
}
END_TEST

START_TEST(relays_spinning)
{
	relays(1);
}
END_TEST

/* Stopped before its ack, the child never unmasked: relay_stop() does,
 * or the next driver of the device waits for an interrupt in vain. */
START_TEST(stop_unmasks)
{
	struct relay r;

	ck_assert_int_eq(relay_start(&r, &d, -1, 0), 0);
	set_cmd(PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE);
	interrupt();
	ck_assert_int_eq(relay_wait(&r, 0), 0);
	relay_stop(&r, &d);
	ck_assert_uint_eq(cmd(), PCI_COMMAND_MEMORY);
}
END_TEST

/* A child that gives up (here: its unmask fails, config space reads
 * nothing) ends the driver's wait instead of leaving it blocked. */
START_TEST(death_ends_wait)
{
	struct relay r;

	close(d.cfg_fd);
	d.cfg_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(d.cfg_fd, 0);
	ck_assert_int_eq(relay_start(&r, &d, -1, 0), 0);
	interrupt();
	ck_assert_int_eq(relay_wait(&r, 0), 0);
	ck_assert_int_eq(relay_ack(&r), 0);
	ck_assert_int_eq(relay_wait(&r, 0), -ECHILD);
	relay_stop(&r, &d);
	ck_assert_int_eq(r.pid, -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("relay");
	TCase *t = tcase_create("relay");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, relays_blocking);
	tcase_add_test(t, relays_spinning);
	tcase_add_test(t, stop_unmasks);
	tcase_add_test(t, death_ends_wait);
	suite_add_tcase(s, t);
	return check_run(s);
}
