/* SPDX-License-Identifier: MIT */
/*
 * check-irqinfo.c - /proc/interrupts read the way intxd's line watchdog
 * reads it: every served line's count from one read of the file (issue 11:
 * the file has a line per IRQ and a column per CPU, and was read once per
 * line every tick), on a stand-in procfs of a 256-CPU host whose lines are
 * longer than any fixed buffer, with named rows (ERR, MIS, IPI0, LOC) and
 * an IRQ number wider than an int before the ones asked for.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-run.h"
#include "irqinfo.h"

#define NCPU 256

static char dir[64];

/* <dir>/interrupts: NCPU columns; IRQ n counts n + c on CPU c. */
static void write_interrupts(void)
{
	static const int irqs[] = { 0, 10, 11, 45, 200 };
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/interrupts", dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "     ");
	for (int c = 0; c < NCPU; c++)
		fprintf(fp, "       CPU%-3d", c);
	fprintf(fp, "\n");
	/* before the IRQs asked for: what must not be taken for them - the
	 * named rows (one count, or a column a CPU), and a number that is
	 * IRQ 10 once cut to an int (4294967306 = 2^32 + 10) */
	fprintf(fp, " ERR:          3\n MIS:          0\nIPI0:");
	for (int c = 0; c < NCPU; c++)
		fprintf(fp, " %10d", 999);
	fprintf(fp, "       Rescheduling interrupts\n LOC:");
	for (int c = 0; c < NCPU; c++)
		fprintf(fp, " %10d", 999);
	fprintf(fp, "   Local timer interrupts\n4294967306:");
	for (int c = 0; c < NCPU; c++)
		fprintf(fp, " %10d", 999);
	fprintf(fp, "   IO-APIC   10-fasteoi   bogus\n");
	for (size_t i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
		fprintf(fp, "%4d:", irqs[i]);
		for (int c = 0; c < NCPU; c++)
			fprintf(fp, " %10d", irqs[i] + c);
		fprintf(fp, "   IO-APIC   %d-fasteoi   dev%d\n", irqs[i], irqs[i]);
	}
	fprintf(fp, " NMI:");
	for (int c = 0; c < NCPU; c++)
		fprintf(fp, " %10d", 7);
	fprintf(fp, "   Non-maskable interrupts\n");
	ck_assert_int_eq(fclose(fp), 0);
}

/* What the stand-in says IRQ n counts over every CPU. */
static int64_t sum(int n)
{
	return (int64_t)n * NCPU + (int64_t)NCPU * (NCPU - 1) / 2;
}

static void setup(void)
{
	strcpy(dir, "/tmp/irqinfo-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_interrupts();
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/interrupts", dir);
	unlink(path);
	rmdir(dir);
}

START_TEST(many_in_one_read)
{
	int irqs[] = { 200, 11, 12, 10, 11 };
	int64_t counts[5];

	ck_assert_int_eq(irqinfo_interrupts_many(dir, irqs, counts, 5), 4);
	ck_assert_int_eq(counts[0], sum(200));
	ck_assert_int_eq(counts[1], sum(11));
	ck_assert_int_eq(counts[2], -1); /* not listed */
	ck_assert_int_eq(counts[3], sum(10));
	ck_assert_int_eq(counts[4], sum(11)); /* asked twice: both answered */
}
END_TEST

START_TEST(one_irq)
{
	ck_assert_int_eq(irqinfo_interrupts(dir, 45), sum(45));
	ck_assert_int_eq(irqinfo_interrupts(dir, 0), sum(0));
	ck_assert_int_eq(irqinfo_interrupts(dir, 46), -1);
	ck_assert_int_eq(irqinfo_interrupts("/nonexistent", 45), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("irqinfo");
	TCase *t = tcase_create("interrupts");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, many_in_one_read);
	tcase_add_test(t, one_irq);
	suite_add_tcase(s, t);
	return check_run(s);
}
