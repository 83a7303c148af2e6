/* SPDX-License-Identifier: MIT */
/* check-log.c - the log module: rate limiting, stderr format. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-run.h"
#include "log.h"

#define S 1000000000ull

/* stderr into a temporary file, to read what was logged */
static char *capture(void (*fn)(void))
{
	char path[] = "/tmp/check-log.XXXXXX", *buf = calloc(1, 8192);
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(buf);
	fflush(stderr);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	(void)!fread(buf, 1, 8191, f);
	fclose(f);
	unlink(path);
	return buf;
}

static struct log_limit lim;
static unsigned allowed;

static void burst(void)
{
	unsigned i;

	allowed = 0;
	for (i = 0; i < 100; i++)
		allowed += log_allow_at(&lim, "refusal", 5 * S + i);
	/* the next window opens: one line tells what was dropped */
	allowed += log_allow_at(&lim, "refusal", 5 * S + LOG_LIMIT_WINDOW_S * S);
}

START_TEST(rate_limit)
{
	char *out;

	memset(&lim, 0, sizeof(lim));
	log_setup(LOG_INFO);
	out = capture(burst);
	ck_assert_uint_eq(allowed, LOG_LIMIT_BURST + 1);
	ck_assert_msg(strstr(out, "80 more refusal message(s) suppressed in 10 s"),
		      "got: %s", out);
	free(out);
}
END_TEST

static void structured(void)
{
	log_full(LOG_WARNING, "nic0", "irq11", "vm1", "storm: %d", 7);
	log_full(LOG_DEBUG, NULL, NULL, NULL, "hidden");
}

START_TEST(stderr_format)
{
	char *out;

	log_setup(LOG_INFO);
	out = capture(structured);
	ck_assert_str_eq(out, "intxd: warning: device=nic0 client=vm1 storm: 7\n");
	free(out);
}
END_TEST

/* A message longer than the module's buffer, as placement logs a large
 * host's CPU list: whole, not cut to fewer CPUs. */
static char long_list[2100];

static void long_message(void)
{
	log_info("running on CPU(s) %s (%s)", long_list, "cpu =");
}

START_TEST(long_message_whole)
{
	char *out, *want;
	size_t len = 0;

	for (int c = 0; c < 1024; c += 2)
		len += (size_t)snprintf(long_list + len, sizeof(long_list) - len,
					"%s%d", c ? "," : "", c);
	ck_assert_uint_gt(len, 2000);
	ck_assert_uint_lt(len, sizeof(long_list) - 1);
	log_setup(LOG_INFO);
	out = capture(long_message);
	ck_assert_int_gt(asprintf(&want, "intxd: info: running on CPU(s) %s (cpu =)\n",
				  long_list), 0);
	ck_assert_str_eq(out, want);
	free(want);
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *t = tcase_create("log");

	tcase_add_test(t, rate_limit);
	tcase_add_test(t, stderr_format);
	tcase_add_test(t, long_message_whole);
	suite_add_tcase(s, t);
	return check_run(s);
}
