/* SPDX-License-Identifier: MIT */
/*
 * check-placement.c - cpu = in [intxd] with the real daemon (issue 11):
 * the daemon's own affinity as the kernel reports it (sched_getaffinity of
 * its pid), after start and after a reload; what intxctl status/lines and
 * intx_cpu() say.  Sim devices have no host IRQ, so cpu = irq must leave
 * the daemon unpinned and say so, and intx_cpu() has no hint to give.
 * And spin-before-block (spin-us =, intx_set_spin()): what spinning must
 * not change, every notification delivered and acknowledged once.  How
 * much sooner it delivers is the bench's (timings are no test).
 */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check-run.h"
#include "cpulist.h"
#include "harness.h"
#include "intx.h"
#include "irqinfo.h"
#include "simdev.h"

static struct h_env env;
static const char *dev0;

static const char *intxctl(void)
{
	const char *p = getenv("INTXCTL");

	ck_assert_msg(p && *p, "INTXCTL is not set (run through make check)");
	return p;
}

static int ctl(char *out, size_t size, const char *a1, const char *a2)
{
	return h_run(out, size, intxctl(), "-s", env.sock, a1, a2, (char *)NULL);
}

/* One sim device on "IRQ" 11, bound to root; keys go into [intxd]. */
static void conf(const char *keys)
{
	h_conf(&env, "%s\n[device d0]\nbackend = sim\npath = %s\n"
	       "[client root]\nuid = 0\ndevices = d0\n", keys, dev0);
}

static cpu_set_t affinity(pid_t pid)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	ck_assert_int_eq(sched_getaffinity(pid, sizeof(s), &s), 0);
	return s;
}

/* A CPU this test may run on, not the only one when there are more. */
static int last_cpu(const cpu_set_t *s)
{
	int i, last = -1;

	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, s))
			last = i;
	ck_assert_int_ge(last, 0);
	return last;
}

static int claim(const struct intx_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return INTX_HANDLED;
}

/* intx_cpu() for d0 of a fresh client. */
static int client_cpu(cpu_set_t *out)
{
	struct intx_client *c = intx_open(env.sock, "root");
	int r;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_subscribe(c, "d0", claim, NULL), 0);
	r = intx_cpu(c, "d0", out);
	ck_assert_int_eq(intx_cpu(c, "nope", out), -ENOENT);
	ck_assert_int_eq(intx_cpu(c, "d0", NULL), -EINVAL);
	intx_close(c);
	return r;
}

static void setup(void)
{
	h_setup(&env);
	dev0 = h_sim(&env, "d0", 11);
}

static void teardown(void)
{
	h_teardown(&env);
}

/* Start intxd with cpu = the last CPU of orig (keys: that line), and see
 * it pinned there (want: that CPU alone). */
static int start_pinned(const cpu_set_t *orig, char *keys, size_t size, cpu_set_t *want)
{
	int cpu = last_cpu(orig);
	cpu_set_t got;

	if (CPU_COUNT(orig) < 2)
		printf("placement: one CPU only; pinning cannot be told from not\n");
	snprintf(keys, size, "cpu = %d", cpu);
	conf(keys);
	h_daemon_start(&env);
	CPU_ZERO(want);
	CPU_SET(cpu, want);
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, want), "intxd not pinned to CPU %d", cpu);
	return cpu;
}

START_TEST(pinned_by_list)
{
	cpu_set_t orig = affinity(0), want, got;
	char keys[64], out[4096], text[64];
	int cpu = start_pinned(&orig, keys, sizeof(keys), &want);

	ck_assert_int_eq(ctl(out, sizeof(out), "status", NULL), 0);
	snprintf(text, sizeof(text), "cpus:      %d\n", cpu);
	ck_assert_msg(strstr(out, text), "%s", out);
	ck_assert_int_eq(ctl(out, sizeof(out), "--json", "status"), 0);
	snprintf(text, sizeof(text), "\"cpus\":\"%d\"", cpu);
	ck_assert_msg(strstr(out, text), "%s", out);

	/* a pinned daemon's CPUs are the client's hint, sim or not */
	ck_assert_int_eq(client_cpu(&got), 0);
	ck_assert_msg(CPU_EQUAL(&got, &want), "intx_cpu() is not CPU %d", cpu);

	/* a reload to none gives back the CPUs it started with */
	conf("cpu = none");
	ck_assert_msg(ctl(out, sizeof(out), "reload", NULL) == 0, "%s", out);
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, &orig), "still pinned after cpu = none");
	ck_assert_int_eq(client_cpu(&got), -ENODATA);

	/* and a reload to a list pins again */
	conf(keys);
	ck_assert_msg(ctl(out, sizeof(out), "reload", NULL) == 0, "%s", out);
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, &want), "not pinned again by reload");

	/* intxctl restart: the new image is pinned as configured, and still
	 * knows the CPUs to go back to (not the pinned ones it inherits) */
	ck_assert_msg(ctl(out, sizeof(out), "restart", NULL) == 0, "%s", out);
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, &want), "not pinned after restart");
	conf("cpu = none");
	ck_assert_msg(ctl(out, sizeof(out), "reload", NULL) == 0, "%s", out);
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, &orig), "restart lost the CPUs to go back to");
	h_daemon_stop(&env);
}
END_TEST

START_TEST(irq_without_host_irq)
{
	cpu_set_t orig = affinity(0), got;
	char out[4096];

	conf("cpu = irq");
	h_daemon_start(&env);
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, &orig), "cpu = irq pinned a sim-only daemon");
	ck_assert(h_log_has(&env, "cpu = irq: no served line has a host IRQ"));
	/* no hint: run anywhere (libintx(3)) */
	ck_assert_int_eq(client_cpu(&got), -ENODATA);

	/* the lines' CPU column: "-" without a host IRQ */
	ck_assert_int_eq(ctl(out, sizeof(out), "lines", NULL), 0);
	ck_assert_msg(strstr(out, " CPU\n"), "no CPU column: %s", out);
	ck_assert_msg(strstr(out, " -\n"), "no empty CPU cell: %s", out);
	ck_assert_int_eq(ctl(out, sizeof(out), "--json", "lines"), 0);
	ck_assert_msg(strstr(out, "\"cpus\":\"\""), "%s", out);
	h_daemon_stop(&env);
}
END_TEST

/* A list the kernel refuses (no such CPU here): logged, and intxd serves
 * unpinned rather than not at all. */
START_TEST(list_refused)
{
	cpu_set_t orig = affinity(0), got;

	conf("cpu = 1023");
	h_daemon_start(&env);
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, &orig), "affinity changed");
	ck_assert(h_log_has(&env, "cannot run on CPU(s) 1023 (cpu =)"));
	h_daemon_stop(&env);
}
END_TEST

/* Pinned, then reloaded to a list the kernel refuses: the daemon goes
 * back to the CPUs it started with (placement.h), not the old config's
 * CPU, which it would also keep giving clients as their hint. */
START_TEST(refused_after_pinned)
{
	cpu_set_t orig = affinity(0), want, got;
	char keys[64], out[4096];
	int cpu = start_pinned(&orig, keys, sizeof(keys), &want);

	conf("cpu = 1023");
	ck_assert_msg(ctl(out, sizeof(out), "reload", NULL) == 0, "%s", out);
	ck_assert(h_log_has(&env, "cannot run on CPU(s) 1023 (cpu =)"));
	got = affinity(env.daemon);
	ck_assert_msg(CPU_EQUAL(&got, &orig), "still on the old config's CPU %d", cpu);
	ck_assert_int_eq(client_cpu(&got), -ENODATA);
	h_daemon_stop(&env);
}
END_TEST

START_TEST(check_config_reports)
{
	char out[4096];

	conf("cpu = 2-1");
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXD"), "-c", env.conf,
			       "--check-config", (char *)NULL), 1);
	ck_assert_msg(strstr(out, ":4: invalid value '2-1' for 'cpu'"), "%s", out);
	/* a CPU this host does not give intxd: a warning, not an error */
	conf("cpu = 1023");
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXD"), "-c", env.conf,
			       "--check-config", (char *)NULL), 0);
	ck_assert_msg(strstr(out, "warning: cpu: none of these CPUs"), "%s", out);
	conf("cpu = 0-1023");
	ck_assert_int_eq(h_run(out, sizeof(out), getenv("INTXD"), "-c", env.conf,
			       "--check-config", (char *)NULL), 0);
	ck_assert_msg(!strstr(out, "warning"), "%s", out);
}
END_TEST

/* The handler: lower the sim device (as a driver services its device) and
 * note the sequence number. */
struct seen {
	struct simdev sd;
	unsigned calls;
	uint64_t last_seq;
};

static int lower(const struct intx_event *ev, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->last_seq = ev->seq;
	ck_assert_int_eq(simdev_lower(&s->sd), 0);
	return INTX_HANDLED;
}

START_TEST(spin_delivers_and_acks)
{
	struct intx_msg_device rec;
	struct intx_client *c;
	struct seen seen = { .calls = 0 };
	unsigned i;

	conf("spin-us = 300");
	h_daemon_start(&env);
	c = intx_open(env.sock, "root");
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(intx_set_spin(NULL, 10), -EINVAL);
	ck_assert_int_eq(intx_set_spin(c, INTX_SPIN_MAX_US + 1), -ERANGE);
	ck_assert_int_eq(intx_set_spin(c, INTX_SPIN_MAX_US), 0);
	ck_assert_int_eq(intx_set_spin(c, 300), 0);
	ck_assert_int_eq(simdev_open(&seen.sd, dev0), 0);
	ck_assert_int_eq(intx_subscribe(c, "d0", lower, &seen), 0);
	/* nothing raised: a time-out after the spin, not a false wakeup */
	ck_assert_int_eq(intx_dispatch(c, 0), 0);
	ck_assert_int_eq(intx_dispatch(c, 20), 0);
	for (i = 1; i <= 50; i++) {
		h_raise(dev0);
		ck_assert_int_eq(intx_dispatch(c, 10000), 1);
		ck_assert_uint_eq(seen.calls, i);
		ck_assert_uint_eq(seen.last_seq, i);
		/* the daemon has the ack and unmasked before the next */
		h_settle(&env, "d0", i, &rec);
		ck_assert_uint_eq(rec.handled, i);
		ck_assert_uint_eq(rec.raised, i);
	}
	simdev_close(&seen.sd);
	intx_close(c);
	h_daemon_stop(&env);
}
END_TEST

/* A pinned daemon whose CPU list is long (every other CPU of 64, a
 * hundred CPUs more and CPU 1023: 300 CPUs in 180 characters, longer than
 * the 64-byte text field the protocol had).  The kernel keeps the list's
 * CPUs this host has (CPU 0 at least; all 301 on a host that has them),
 * and the client's hint is every one of those, where the daemon runs: not
 * nothing (run anywhere), nor the first ones as if they were all, nor the
 * CPUs the kernel did not give (placement.c). */
START_TEST(long_list_whole)
{
	static char text[CPULIST_MAX], line[CPULIST_MAX + 64];
	char keys[200];
	size_t len;
	cpu_set_t got, want, configured;
	int c;

	len = (size_t)snprintf(keys, sizeof(keys), "cpu = ");
	for (c = 0; c < 64; c += 2)
		len += (size_t)snprintf(keys + len, sizeof(keys) - len, "%d,", c);
	snprintf(keys + len, sizeof(keys) - len, "100-367,1023");
	ck_assert_int_eq(cpulist_parse(keys + 6, &configured), 0);
	ck_assert_int_eq(CPU_COUNT(&configured), 32 + 268 + 1);
	conf(keys);
	h_daemon_start(&env);
	got = affinity(env.daemon);
	ck_assert(CPU_ISSET(0, &got));
	CPU_AND(&configured, &configured, &got);
	ck_assert_msg(CPU_EQUAL(&configured, &got), "intxd runs off its list");
	ck_assert_int_eq(cpulist_format(&got, text, sizeof(text)), 0);
	snprintf(line, sizeof(line), "running on CPU(s) %s (cpu =)", text);
	ck_assert_msg(h_log_has(&env, line), "the log does not say '%s'", line);
	want = got;
	ck_assert_int_eq(client_cpu(&got), 0);
	ck_assert_int_eq(CPU_COUNT(&got), CPU_COUNT(&want));
	ck_assert_msg(CPU_EQUAL(&got, &want), "intx_cpu() is not where intxd runs");
	h_daemon_stop(&env);
}
END_TEST

/* In the stand-in /proc at proc: irq/<irq>/<name> holding text. */
static void put_irq_file(const char *proc, int irq, const char *name,
			 const char *text)
{
	char path[200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/irq/%d", proc, irq);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/irq/%d/%s", proc, irq, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* What cpu = irq reads, from a stand-in /proc; and lists both ways. */
START_TEST(affinity_lists)
{
	char proc[160], path[200], buf[16];
	cpu_set_t set;

	snprintf(proc, sizeof(proc), "%s/proc", env.dir);
	ck_assert_int_eq(mkdir(proc, 0755), 0);
	snprintf(path, sizeof(path), "%s/irq", proc);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	put_irq_file(proc, 11, "effective_affinity_list", "0-1,3\n");

	ck_assert_int_eq(irqinfo_affinity(proc, 11, &set), 0);
	ck_assert_int_eq(CPU_COUNT(&set), 3);
	ck_assert(CPU_ISSET(0, &set) && CPU_ISSET(1, &set) && CPU_ISSET(3, &set));
	ck_assert_int_eq(irqinfo_affinity(proc, 12, &set), -ENOENT);

	/* a kernel without effective affinity (no
	 * CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK) has only smp_affinity_list */
	put_irq_file(proc, 12, "smp_affinity_list", "2\n");
	ck_assert_int_eq(irqinfo_affinity(proc, 12, &set), 0);
	ck_assert_int_eq(CPU_COUNT(&set), 1);
	ck_assert(CPU_ISSET(2, &set));

	/* hostile lists: refused whole, never a partial set */
	{
		static const char *const bad[] = {
			"", "0-", "-1", "+1", " 1", "1 ", "1\n", "1,,2", ",1", "1,",
			"2-1", "1-2-3", "0x1", "1024", "0-1024", "0-100000",
			"4294967296", "18446744073709551617", "1023-4294967297",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			ck_assert_msg(cpulist_parse(bad[i], &set) < 0, "'%s' parsed", bad[i]);
		ck_assert_int_eq(cpulist_parse("1023", &set), 0);
		ck_assert(CPU_ISSET(1023, &set) && CPU_COUNT(&set) == 1);
		ck_assert_int_eq(cpulist_parse("0-1023", &set), 0);
		ck_assert_int_eq(CPU_COUNT(&set), 1024);
	}

	/* back to the same text; a buffer too small holds no list, not a
	 * shorter one ("0-1" is another set) */
	ck_assert_int_eq(cpulist_parse("0-1,3", &set), 0);
	ck_assert_int_eq(cpulist_format(&set, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0-1,3");
	ck_assert_int_eq(cpulist_format(&set, buf, 5), -ENOSPC);
	ck_assert_str_eq(buf, "");
	CPU_ZERO(&set);
	ck_assert_int_eq(cpulist_format(&set, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("placement");
	TCase *t = tcase_create("placement");

	tcase_set_timeout(t, 120);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, pinned_by_list);
	tcase_add_test(t, irq_without_host_irq);
	tcase_add_test(t, list_refused);
	tcase_add_test(t, refused_after_pinned);
	tcase_add_test(t, check_config_reports);
	tcase_add_test(t, spin_delivers_and_acks);
	tcase_add_test(t, affinity_lists);
	suite_add_tcase(s, t);

	/* CPU sets of any size on the wire (protocol 2's cpus fields) */
	t = tcase_create("cpus");
	tcase_set_timeout(t, 120);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, long_list_whole);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(suite());
}
