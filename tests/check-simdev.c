/* SPDX-License-Identifier: MIT */
/* check-simdev.c - the sim device's level semantics and its lock. */
#include <check.h>
#include <errno.h>
#include <linux/pci_regs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-run.h"
#include "simdev.h"

static char dir[64];
static int irq_fd = -1;
static struct simdev daemon_side;

/* Be the daemon: service DIR/irq, as backend-sim does. */
static void setup(void)
{
	strcpy(dir, "/tmp/simdev-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(simdev_create(dir, 11, 0x1234, 0x11e8), 0);
	ck_assert_int_eq(simdev_open(&daemon_side, dir), 0);
	irq_fd = simdev_serve(&daemon_side);
	ck_assert_int_ge(irq_fd, 0);
}

static void teardown(void)
{
	char cmd[128];

	simdev_close(&daemon_side);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
}

static int signals(void)
{
	char b[64];
	int n = 0;
	ssize_t k;

	while ((k = read(irq_fd, b, sizeof(b))) > 0)
		n += (int)k;
	return n;
}

START_TEST(create_layout)
{
	struct simdev s;
	struct simdev_state st;

	ck_assert_int_eq(simdev_open(&s, dir), 0);
	ck_assert_int_eq(simdev_state(&s, &st), 0);
	ck_assert_uint_eq(st.vendor, 0x1234);
	ck_assert_uint_eq(st.device, 0x11e8);
	ck_assert_uint_eq(st.irq_line, 11);
	ck_assert_uint_eq(st.irq_pin, 1);
	ck_assert(!st.asserting && !st.masked && st.serviced);
	simdev_close(&s);
	ck_assert_int_eq(simdev_open(&s, "/nonexistent/dir"), -ENOENT);
	ck_assert_int_eq(simdev_create(dir, 300, 0, 0), -EINVAL);
}
END_TEST

START_TEST(raise_masks_and_signals_once)
{
	struct simdev s;
	struct simdev_state st;

	ck_assert_int_eq(simdev_open(&s, dir), 0);
	ck_assert_int_eq(simdev_raise(&s), 0);
	ck_assert_int_eq(simdev_raise(&s), 0); /* masked: no second signal */
	ck_assert_int_eq(signals(), 1);
	ck_assert_int_eq(simdev_state(&s, &st), 0);
	ck_assert(st.asserting && st.masked);
	simdev_close(&s);
}
END_TEST

START_TEST(unmask_while_asserting_refires)
{
	struct simdev s;
	struct simdev_state st;

	ck_assert_int_eq(simdev_open(&s, dir), 0);
	ck_assert_int_eq(simdev_raise(&s), 0);
	ck_assert_int_eq(signals(), 1);
	ck_assert_int_eq(simdev_unmask(&s), 1); /* level: fires again */
	ck_assert_int_eq(signals(), 1);
	ck_assert_int_eq(simdev_state(&s, &st), 0);
	ck_assert(st.masked);
	ck_assert_int_eq(simdev_lower(&s), 0);
	ck_assert_int_eq(simdev_unmask(&s), 0); /* quiet once acknowledged */
	ck_assert_int_eq(signals(), 0);
	ck_assert_int_eq(simdev_state(&s, &st), 0);
	ck_assert(!st.masked && !st.asserting);
	simdev_close(&s);
}
END_TEST

START_TEST(raised_while_masked_fires_on_unmask)
{
	struct simdev s;

	ck_assert_int_eq(simdev_open(&s, dir), 0);
	ck_assert_int_eq(simdev_mask(&s), 0);
	ck_assert_int_eq(simdev_raise(&s), 0);
	ck_assert_int_eq(signals(), 0);
	ck_assert_int_eq(simdev_unmask(&s), 1);
	ck_assert_int_eq(signals(), 1);
	simdev_close(&s);
}
END_TEST

/* Two processes hammering the image: the invariant "asserting and
 * unmasked" never holds outside the lock, and every raise on an unmasked
 * device signals. */
START_TEST(concurrent_writers_keep_invariant)
{
	struct simdev s;
	struct simdev_state st;
	pid_t pid;
	int i, status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct simdev c;

		if (simdev_open(&c, dir) < 0)
			_exit(1);
		for (i = 0; i < 2000; i++)
			if (simdev_raise(&c) < 0 || simdev_lower(&c) < 0)
				_exit(1);
		simdev_close(&c);
		_exit(0);
	}
	ck_assert_int_eq(simdev_open(&s, dir), 0);
	for (i = 0; i < 2000; i++) {
		(void)signals();
		ck_assert_int_ge(simdev_unmask(&s), 0);
		ck_assert_int_eq(simdev_state(&s, &st), 0);
		ck_assert_msg(!(st.asserting && !st.masked),
			      "asserting while unmasked at %d", i);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	simdev_close(&s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("simdev");
	TCase *t = tcase_create("simdev");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, create_layout);
	tcase_add_test(t, raise_masks_and_signals_once);
	tcase_add_test(t, unmask_while_asserting_refires);
	tcase_add_test(t, raised_while_masked_fires_on_unmask);
	tcase_add_test(t, concurrent_writers_keep_invariant);
	suite_add_tcase(su, t);
	return check_run(su);
}
