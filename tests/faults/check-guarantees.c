/* SPDX-License-Identifier: MIT */
/*
 * check-guarantees.c - the acknowledgement promises of doc/protocol.md
 * against the real intxd on sim devices, with raw-protocol clients, each
 * one an interleaving that broke them once (issue 9):
 *   - each client's ack deadline and policy are its own;
 *   - deadlines of different lengths time out in their order, never early;
 *   - a late ACK (an older seq) never settles the notification in flight;
 *   - broadcast + redeliver: every owed ack is forgiven, nothing hangs;
 *   - broadcast: an interrupt delivered at SUBSCRIBE gets its deadline;
 *   - broadcast counters: one definition each;
 *   - the ACK pipe (issue 11): what it holds counts before any later socket
 *     message, a stale seq on it settles nothing, a bad record ends the
 *     session, its end of file alone does not, one write of many records.
 * Waits are on the daemon's own MONITOR events and replies, never timers.
 */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check-run.h"
#include "harness.h"
#include "rawclient.h"
#include "wire.h"

#define T_MS 20000

static struct h_env env;

static void setup(void)
{
	h_setup(&env);
}

static void teardown(void)
{
	h_teardown(&env);
}

static const char *const policies[] = { "wait", "redeliver", "drop" };

/* dev's UNMASK for seq has come (no TIMEOUT first), and dev counts acked
 * acknowledgements; its record is left in *d for more checks. */
static void unmasked_acked(const char *dev, uint64_t seq, uint64_t acked,
			   struct intx_msg_device *d)
{
	rc_expect_event(&env, INTX_EV_UNMASK, dev, seq, 0);
	h_device(&env, dev, d);
	ck_assert_uint_eq(d->acked, acked);
}

/* The session lived through the test: close it, stop the daemon. */
static void end_alive(struct rc *x)
{
	ck_assert(rc_alive(x));
	rc_close(x);
	h_daemon_stop(&env);
}

/*
 * Two clients on d0, the global deadline 100 ms: x keeps it, y waits
 * forever (ack-timeout-ms = 0).  x acknowledges; y's deadline must not be
 * x's, under any global policy: no time-out, no drop, no redelivery, and
 * d0 stays masked until y acknowledges.  z, a third client with the global
 * deadline on d1, notified after x and y, marks when 100 ms have passed.
 */
START_TEST(deadline_is_per_client)
{
	const char *pol = policies[_i];
	struct rc x, y, z;
	struct intx_msg_notify nx, ny, nz;
	struct intx_msg_device d;
	const char *d0 = h_sim(&env, "d0", 11), *d1 = h_sim(&env, "d1", 11);

	h_conf(&env, "ack-timeout-ms = 100\nack-timeout-policy = %s\n"
		     "[device d0]\nbackend = sim\npath = %s\n"
		     "[device d1]\nbackend = sim\npath = %s\n"
		     "[client x]\nuid = 0\ndevices = d0\n"
		     "[client y]\nuid = 0\ndevices = d0\nack-timeout-ms = 0\n"
		     "[client z]\nuid = 0\ndevices = d1\n", pol, d0, d1);
	h_daemon_start(&env);
	h_monitor(&env);
	rc_open(&env, &x, "x");
	rc_open(&env, &y, "y");
	rc_open(&env, &z, "z");
	rc_sub(&x, "d0");
	rc_sub(&y, "d0");
	rc_sub(&z, "d1");
	h_raise(d0);
	ck_assert(rc_notify(&x, &nx, T_MS));
	ck_assert(rc_notify(&y, &ny, T_MS));
	h_raise(d1);
	ck_assert(rc_notify(&z, &nz, T_MS));
	rc_lower(d0);
	rc_ack(&x, &nx, nx.seq, true);
	/* z's deadline passes (its time-out is reported); d0 has none */
	rc_expect_event(&env, INTX_EV_TIMEOUT, "d1", 0, 0);
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.timeouts, 0);
	ck_assert_uint_eq(d.flags & (INTX_F_INFLIGHT | INTX_F_MASKED),
			  INTX_F_INFLIGHT | INTX_F_MASKED);
	ck_assert_uint_eq(d.raised, 1);
	ck_assert(rc_alive(&y));
	/* y's own acknowledgement is what ends it */
	rc_ack(&y, &ny, ny.seq, false);
	rc_expect_event(&env, INTX_EV_UNMASK, "d0", 1, INTX_EV_TIMEOUT);
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.acked, 2);
	ck_assert_uint_eq(d.timeouts, 0);
	rc_close(&x);
	rc_close(&y);
	rc_close(&z);
	h_daemon_stop(&env);
}
END_TEST

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Three clients, each with its own ack-timeout-ms (1100, 600, 100), each
 * notified in turn on its own device and never acknowledging (policy
 * wait).  Each TIMEOUT (stamped with the daemon's monotonic clock, the
 * test's clock too) comes no earlier than the client's time-out after the
 * test raised its device, and a deadline that is surely earlier than
 * another (by the test's bounds on both) times out first.  The deadlines
 * share one timer of the ledger, armed for the earliest, again after each.
 * They are 500 ms apart: only an intxd stalled that long (which then times
 * out both in one pass, in device order) could see them in another order.
 */
START_TEST(deadlines_in_order_never_early)
{
	static const char *const dev[3] = { "d0", "d1", "d2" };
	static const uint64_t to[3] = { 1100, 600, 100 };
	struct rc c[3];
	struct intx_msg_notify n;
	struct intx_msg_event ev;
	unsigned char buf[INTX_MSG_MAX];
	uint64_t before[3], after[3], at[3] = { 0 };
	unsigned i, j, got = 0, rank[3];
	const char *dir[3];

	for (i = 0; i < 3; i++)
		dir[i] = h_sim(&env, dev[i], 11 + i);
	h_conf(&env, "ack-timeout-policy = wait\n"
		     "[device d0]\nbackend = sim\npath = %s\n"
		     "[device d1]\nbackend = sim\npath = %s\n"
		     "[device d2]\nbackend = sim\npath = %s\n"
		     "[client c0]\nuid = 0\ndevices = d0\nack-timeout-ms = 1100\n"
		     "[client c1]\nuid = 0\ndevices = d1\nack-timeout-ms = 600\n"
		     "[client c2]\nuid = 0\ndevices = d2\nack-timeout-ms = 100\n",
		 dir[0], dir[1], dir[2]);
	h_daemon_start(&env);
	h_monitor(&env);
	for (i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "c%u", i);
		rc_open(&env, &c[i], name);
		rc_sub(&c[i], dev[i]);
	}
	for (i = 0; i < 3; i++) {
		before[i] = mono_ns();
		h_raise(dir[i]);
		ck_assert(rc_notify(&c[i], &n, T_MS));
		after[i] = mono_ns();
		rc_lower(dir[i]);
	}
	while (got < 3) {
		long len = h_recv(env.monitor, buf, sizeof(buf), T_MS);

		ck_assert_msg(len > 0, "only %u time-outs came", got);
		if (proto_check(buf, (size_t)len, 0, INTX_FROM_DAEMON) != INTX_MSG_EVENT)
			continue;
		memcpy(&ev, buf, sizeof(ev));
		if (ev.kind != INTX_EV_TIMEOUT)
			continue;
		for (i = 0; i < 3 && strcmp(ev.device, dev[i]) != 0; i++)
			;
		ck_assert_uint_lt(i, 3);
		ck_assert_msg(!at[i], "%s timed out twice", dev[i]);
		ck_assert_msg(ev.ts_ns >= before[i] + to[i] * 1000000u,
			      "%s timed out %llu ns early", dev[i],
			      (unsigned long long)(before[i] + to[i] * 1000000u - ev.ts_ns));
		at[i] = ev.ts_ns;
		rank[i] = got++;
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			if (after[i] + to[i] * 1000000u < before[j] + to[j] * 1000000u)
				ck_assert_msg(rank[i] < rank[j],
					      "%s's deadline came before %s's, its "
					      "time-out after", dev[i], dev[j]);
	for (i = 0; i < 3; i++) {
		ck_assert(rc_alive(&c[i]));
		rc_close(&c[i]);
	}
	h_daemon_stop(&env);
}
END_TEST

/*
 * redeliver: seq 1 is forgiven at its deadline; the device, still
 * asserting, is notified again as seq 2.  The client's ACK of seq 1 now is
 * late: it must not unmask the device for seq 2, whose handler has not
 * run - the next event of d0 is seq 2's own time-out, not an unmask.
 */
START_TEST(late_ack_does_not_unmask)
{
	struct rc x;
	struct intx_msg_notify n1, n2;
	const char *d0 = h_sim(&env, "d0", 11);

	h_conf(&env, "ack-timeout-ms = 50\nack-timeout-policy = redeliver\n"
		     "[device d0]\nbackend = sim\npath = %s\n"
		     "[client x]\nuid = 0\ndevices = d0\n", d0);
	h_daemon_start(&env);
	h_monitor(&env);
	rc_open(&env, &x, "x");
	rc_sub(&x, "d0");
	h_raise(d0);
	ck_assert(rc_notify(&x, &n1, T_MS));
	rc_expect_event(&env, INTX_EV_TIMEOUT, "d0", 1, 0);
	rc_expect_event(&env, INTX_EV_RAISE, "d0", 2, 0);
	rc_ack(&x, &n1, n1.seq, true); /* late */
	rc_expect_event(&env, INTX_EV_TIMEOUT, "d0", 2, INTX_EV_UNMASK);
	ck_assert(rc_notify(&x, &n2, T_MS));
	ck_assert_uint_eq(n2.seq, 2);
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/* Wait until the kernel shows pid stopped (state T). */
static void wait_stopped(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (;;) {
		FILE *f = fopen(path, "r");
		size_t n;

		ck_assert_ptr_nonnull(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		p = strrchr(buf, ')');
		ck_assert_ptr_nonnull(p);
		if (p[2] == 'T')
			return;
		sched_yield();
	}
}

/*
 * The daemon stops reading a session after an ACK (the event loop calls
 * again while more is queued): two ACKs and a SUBSCRIBE queued behind each
 * other while the daemon is stopped must all be taken - both devices
 * unmask and the SUBSCRIBE is answered.
 */
START_TEST(acks_queued_behind_each_other)
{
	struct rc x;
	struct intx_msg_notify n0, n1;
	struct intx_msg_subscribe m;
	unsigned char buf[INTX_MSG_MAX];
	const char *d0 = h_sim(&env, "d0", 11), *d1 = h_sim(&env, "d1", 12);
	const char *d2 = h_sim(&env, "d2", 13);

	h_conf(&env, "[device d0]\nbackend = sim\npath = %s\n"
		     "[device d1]\nbackend = sim\npath = %s\n"
		     "[device d2]\nbackend = sim\npath = %s\n"
		     "[client x]\nuid = 0\ndevices = d0, d1, d2\n", d0, d1, d2);
	h_daemon_start(&env);
	h_monitor(&env);
	rc_open(&env, &x, "x");
	rc_sub(&x, "d0");
	rc_sub(&x, "d1");
	h_raise(d0);
	ck_assert(rc_notify(&x, &n0, T_MS));
	h_raise(d1);
	ck_assert(rc_notify(&x, &n1, T_MS));
	rc_lower(d0);
	rc_lower(d1);
	ck_assert_int_eq(kill(env.daemon, SIGSTOP), 0);
	wait_stopped(env.daemon);
	rc_ack(&x, &n0, n0.seq, true);
	rc_ack(&x, &n1, n1.seq, true);
	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_SUBSCRIBE, sizeof(m));
	ck_assert_int_eq(proto_strset(m.device, sizeof(m.device), "d2"), 0);
	ck_assert_int_eq(wire_send(x.fd, &m, sizeof(m), -1, 0), 0);
	ck_assert_int_eq(kill(env.daemon, SIGCONT), 0);
	rc_expect_event(&env, INTX_EV_UNMASK, "d0", n0.seq, 0);
	rc_expect_event(&env, INTX_EV_UNMASK, "d1", n1.seq, 0);
	rc_reply(&x, buf, sizeof(buf), INTX_MSG_SUBSCRIBED);
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/*
 * Broadcast + redeliver: x is bound to d0 and d1 of one line and never
 * acknowledges; it owes two acks for each interrupt (one through each
 * device).  Both must be forgiven at the deadline: the still-asserting
 * device interrupts again, again and again - never masked for good.
 */
START_TEST(broadcast_redeliver_forgives_all)
{
	struct rc x;
	struct intx_msg_notify n;
	const char *d0 = h_sim(&env, "d0", 11), *d1 = h_sim(&env, "d1", 11);
	unsigned seen = 0;

	h_conf(&env, "mode = broadcast\nack-timeout-ms = 50\n"
		     "ack-timeout-policy = redeliver\n"
		     "[device d0]\nbackend = sim\npath = %s\nline = l\n"
		     "[device d1]\nbackend = sim\npath = %s\nline = l\n"
		     "[client x]\nuid = 0\ndevices = d0, d1\n", d0, d1);
	h_daemon_start(&env);
	h_monitor(&env);
	rc_open(&env, &x, "x");
	rc_sub(&x, "d0");
	rc_sub(&x, "d1");
	h_raise(d0);
	rc_expect_event(&env, INTX_EV_RAISE, "d0", 1, 0);
	rc_expect_event(&env, INTX_EV_RAISE, "d0", 2, 0);
	rc_expect_event(&env, INTX_EV_RAISE, "d0", 3, 0);
	/* two notifications per interrupt, one through each device */
	while (seen < 6 && rc_notify(&x, &n, T_MS)) {
		ck_assert_uint_eq(n.token, 0);
		seen++;
	}
	ck_assert_uint_eq(seen, 6);
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/*
 * Broadcast: raised while nobody listens (pending), delivered when x
 * subscribes; x never acknowledges: the deadline applies all the same.
 */
START_TEST(broadcast_pending_gets_deadline)
{
	struct rc x;
	struct intx_msg_notify n;
	struct intx_msg_device d;
	const char *d0 = h_sim(&env, "d0", 11), *d1 = h_sim(&env, "d1", 11);

	h_conf(&env, "mode = broadcast\nack-timeout-ms = 100\n"
		     "ack-timeout-policy = wait\n"
		     "[device d0]\nbackend = sim\npath = %s\nline = l\n"
		     "[device d1]\nbackend = sim\npath = %s\nline = l\n"
		     "[client x]\nuid = 0\ndevices = d1\n", d0, d1);
	h_daemon_start(&env);
	h_monitor(&env);
	h_raise(d0);
	rc_expect_event(&env, INTX_EV_RAISE, "d0", 1, 0);
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.flags & INTX_F_PENDING, INTX_F_PENDING);
	rc_open(&env, &x, "x");
	rc_sub(&x, "d1");
	ck_assert(rc_notify(&x, &n, T_MS));
	ck_assert_uint_eq(n.token, 0);
	rc_expect_event(&env, INTX_EV_TIMEOUT, "d1", 1, 0);
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.timeouts, 1);
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/*
 * Broadcast counters, one definition each: d0 raised once; both owners on
 * the line are told (delivered 2, on d0's interrupt) and acknowledge it
 * (acked 2); x claims it through d0 (handled 1 on d0); d1 raised nothing,
 * and nothing is counted on it.  The raise shows in the monitor.
 */
START_TEST(broadcast_counters)
{
	struct rc x, y;
	struct intx_msg_notify nx, ny;
	struct intx_msg_device d;
	const char *d0 = h_sim(&env, "d0", 11), *d1 = h_sim(&env, "d1", 11);

	h_conf(&env, "mode = broadcast\n"
		     "[device d0]\nbackend = sim\npath = %s\nline = l\n"
		     "[device d1]\nbackend = sim\npath = %s\nline = l\n"
		     "[client x]\nuid = 0\ndevices = d0\n"
		     "[client y]\nuid = 0\ndevices = d1\n", d0, d1);
	h_daemon_start(&env);
	h_monitor(&env);
	rc_open(&env, &x, "x");
	rc_open(&env, &y, "y");
	rc_sub(&x, "d0");
	rc_sub(&y, "d1");
	h_raise(d0);
	rc_expect_event(&env, INTX_EV_RAISE, "d0", 1, 0);
	ck_assert(rc_notify(&x, &nx, T_MS));
	ck_assert(rc_notify(&y, &ny, T_MS));
	rc_lower(d0);
	rc_ack(&y, &ny, ny.seq, false);
	rc_ack(&x, &nx, nx.seq, true);
	rc_expect_event(&env, INTX_EV_UNMASK, "d0", 1, 0);
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.raised, 1);
	ck_assert_uint_eq(d.delivered, 2);
	ck_assert_uint_eq(d.acked, 2);
	ck_assert_uint_eq(d.handled, 1);
	h_device(&env, "d1", &d);
	ck_assert_uint_eq(d.raised, 0);
	ck_assert_uint_eq(d.delivered, 0);
	ck_assert_uint_eq(d.acked, 0);
	ck_assert_uint_eq(d.handled, 0);
	rc_close(&x);
	rc_close(&y);
	h_daemon_stop(&env);
}
END_TEST

/* --- the ACK pipe (issue 11) ------------------------------------------------ */

static void two_devices(const char *extra, const char **d0, const char **d1)
{
	*d0 = h_sim(&env, "d0", 11);
	*d1 = h_sim(&env, "d1", 12);
	h_conf(&env, "%s[device d0]\nbackend = sim\npath = %s\n"
		     "[device d1]\nbackend = sim\npath = %s\n"
		     "[client x]\nuid = 0\ndevices = d0, d1\n", extra, *d0, *d1);
	h_daemon_start(&env);
	h_monitor(&env);
}

/*
 * two_devices(), then client x with an ACK pipe subscribed to d0, d0
 * raised and the notification received in *n; d0 is left asserting.
 * Returns the subscription id.
 */
static uint32_t pipe_notified(const char *extra, struct rc *x,
			      struct intx_msg_notify *n,
			      const char **d0, const char **d1)
{
	uint32_t id;

	two_devices(extra, d0, d1);
	rc_open(&env, x, "x");
	rc_ack_pipe(x);
	id = rc_sub(x, "d0");
	h_raise(*d0);
	ck_assert(rc_notify(x, n, T_MS));
	return id;
}

/*
 * An ACK on the pipe, then UNSUBSCRIBE on the socket: the ACK was written
 * first, so it settles the notification (acked, handled) - the UNSUBSCRIBE
 * finds nothing owed.  The daemon is stopped while the client writes, and
 * a SUBSCRIBE goes on the socket before the ACK, so that the socket is
 * the first ready fd the daemon wakes to: only draining the pipe before
 * each socket message keeps the order.
 */
START_TEST(pipe_ack_then_unsubscribe)
{
	struct rc x;
	struct intx_msg_notify n;
	struct intx_msg_subscribe m;
	struct intx_msg_device d;
	unsigned char buf[INTX_MSG_MAX];
	const char *d0, *d1;
	uint32_t id;

	id = pipe_notified("ack-timeout-ms = 60000\n"
			   "ack-timeout-policy = redeliver\n", &x, &n, &d0, &d1);
	rc_lower(d0);
	ck_assert_int_eq(kill(env.daemon, SIGSTOP), 0);
	wait_stopped(env.daemon);
	memset(&m, 0, sizeof(m));
	proto_hdr(&m.hdr, INTX_MSG_SUBSCRIBE, sizeof(m));
	ck_assert_int_eq(proto_strset(m.device, sizeof(m.device), "d1"), 0);
	ck_assert_int_eq(wire_send(x.fd, &m, sizeof(m), -1, 0), 0);
	rc_pack(&x, &n, n.seq, true);
	rc_unsub_send(&x, id);
	ck_assert_int_eq(kill(env.daemon, SIGCONT), 0);
	rc_reply(&x, buf, sizeof(buf), INTX_MSG_SUBSCRIBED);
	rc_reply(&x, buf, sizeof(buf), INTX_MSG_UNSUBSCRIBED);
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.acked, 1);
	ck_assert_uint_eq(d.handled, 1);
	ck_assert_uint_eq(d.timeouts, 0);
	ck_assert_uint_eq(d.flags & (INTX_F_INFLIGHT | INTX_F_MASKED), 0);
	end_alive(&x);
}
END_TEST

/* late_ack_does_not_unmask with the late ACK on the pipe. */
START_TEST(pipe_stale_seq_does_not_unmask)
{
	struct rc x;
	struct intx_msg_notify n1, n2;
	const char *d0, *d1;

	pipe_notified("ack-timeout-ms = 50\nack-timeout-policy = redeliver\n",
		      &x, &n1, &d0, &d1);
	rc_expect_event(&env, INTX_EV_TIMEOUT, "d0", 1, 0);
	rc_expect_event(&env, INTX_EV_RAISE, "d0", 2, 0);
	rc_pack(&x, &n1, n1.seq, true); /* late */
	rc_expect_event(&env, INTX_EV_TIMEOUT, "d0", 2, INTX_EV_UNMASK);
	ck_assert(rc_notify(&x, &n2, T_MS));
	ck_assert_uint_eq(n2.seq, 2);
	/* the right one, on the pipe, does */
	rc_lower(d0);
	rc_pack(&x, &n2, n2.seq, true);
	rc_expect_event(&env, INTX_EV_UNMASK, "d0", 2, 0);
	end_alive(&x);
}
END_TEST

/*
 * What is not whole ACK records ends the session, as a malformed message
 * does: 20 bytes and then the end of the pipe (a record cut for good: a
 * piece alone waits for the rest, pipe_record_split_across_writes); a
 * record that is no ACK (reserved bytes set).  The ended session's debt
 * is settled: d0 unmasks.
 */
START_TEST(pipe_garbage_ends_the_session)
{
	struct rc x;
	struct intx_msg_notify n;
	struct intx_msg_ack a[2];
	struct intx_msg_error e;
	unsigned char buf[INTX_MSG_MAX];
	const char *d0, *d1;
	size_t len = 0;

	pipe_notified("", &x, &n, &d0, &d1);
	rc_lower(d0);
	rc_ack_rec(&a[0], &n, n.seq, true);
	rc_ack_rec(&a[1], &n, n.seq, true);
	switch (_i) {
	case 0:
		len = 20;
		break;
	case 1:
		a[0].reserved = 1;
		len = sizeof(a[0]);
		break;
	}
	ck_assert_int_eq(write(x.afd, a, len), (ssize_t)len);
	if (_i == 0) {
		close(x.afd);
		x.afd = -1;
	}
	rc_reply(&x, buf, sizeof(buf), INTX_MSG_ERROR);
	memcpy(&e, buf, sizeof(e));
	ck_assert_int_eq(e.error, EBADMSG);
	ck_assert_int_eq(h_recv(x.fd, buf, sizeof(buf), T_MS), 0);
	rc_expect_event(&env, INTX_EV_UNMASK, "d0", n.seq, INTX_EV_ACK);
	rc_close(&x);
	h_daemon_stop(&env);
}
END_TEST

/*
 * The ACK pipe is a stream of records, as the notification pipe is: a
 * record written in two pieces counts once whole, whatever the daemon
 * read in between.  The SUBSCRIBE round trip between the pieces makes
 * the daemon take the first piece alone (it drains the pipe before any
 * socket message); the second completes it: d0 is acked and unmasks, and
 * the session goes on.  Then a record and a piece of the next in one
 * write: the record counts at once.
 */
START_TEST(pipe_record_split_across_writes)
{
	struct rc x;
	struct intx_msg_notify n0, n1;
	struct intx_msg_ack a[2];
	struct intx_msg_device d;
	const char *d0, *d1;
	const size_t cut = 13;

	pipe_notified("", &x, &n0, &d0, &d1);
	rc_lower(d0);
	rc_ack_rec(&a[0], &n0, n0.seq, true);
	ck_assert_int_eq(write(x.afd, &a[0], cut), (ssize_t)cut);
	rc_sub(&x, "d1");
	ck_assert_int_eq(write(x.afd, (char *)&a[0] + cut, sizeof(a[0]) - cut),
			 (ssize_t)(sizeof(a[0]) - cut));
	unmasked_acked("d0", n0.seq, 1, &d);
	ck_assert_uint_eq(d.handled, 1);

	h_raise(d1);
	ck_assert(rc_notify(&x, &n1, T_MS));
	rc_lower(d1);
	rc_ack_rec(&a[0], &n1, n1.seq, false);
	rc_ack_rec(&a[1], &n1, n1.seq + 1000, false); /* stale: settles nothing */
	ck_assert_int_eq(write(x.afd, a, sizeof(a[0]) + cut),
			 (ssize_t)(sizeof(a[0]) + cut));
	rc_expect_event(&env, INTX_EV_UNMASK, "d1", n1.seq, 0);
	ck_assert_int_eq(write(x.afd, (char *)&a[1] + cut, sizeof(a[1]) - cut),
			 (ssize_t)(sizeof(a[1]) - cut));
	h_device(&env, "d1", &d);
	ck_assert_uint_eq(d.acked, 1);
	end_alive(&x);
}
END_TEST

/* Send ACK_PIPE on fd; the answer's type, its ERROR errno in *err, and
 * whether it carried an fd (closed here). */
static int ask_ack_pipe(int fd, int *err, bool *got_fd)
{
	struct intx_msg_error e;
	unsigned char buf[INTX_MSG_MAX];
	int pfd, type;

	type = rc_ask_ack_pipe(fd, buf, &pfd);
	*got_fd = pfd >= 0;
	if (pfd >= 0)
		close(pfd);
	*err = 0;
	if (type == INTX_MSG_ERROR) {
		memcpy(&e, buf, sizeof(e));
		ck_assert_int_eq(e.req_type, INTX_MSG_ACK_PIPE);
		*err = e.error;
	}
	return type;
}

/*
 * ACK_PIPE asked for out of turn: before HELLO (EPROTO, the session
 * ends); by a CONTROL session (EOPNOTSUPP, it goes on); a second time
 * (EALREADY, the first pipe still serves); again after the client closed
 * its write end (a new pipe: the SUBSCRIBE's drain saw the end of file
 * first, so the answer does not depend on timing).  Never an fd with an
 * ERROR.
 */
START_TEST(ack_pipe_out_of_turn)
{
	struct rc x;
	struct intx_msg_notify n;
	unsigned char buf[INTX_MSG_MAX];
	const char *d0, *d1;
	bool got_fd;
	int fd, err;

	two_devices("", &d0, &d1);
	switch (_i) {
	case 0:
		fd = h_connect(&env);
		ck_assert_int_eq(ask_ack_pipe(fd, &err, &got_fd), INTX_MSG_ERROR);
		ck_assert_int_eq(err, EPROTO);
		ck_assert(!got_fd);
		ck_assert_int_eq(h_recv(fd, buf, sizeof(buf), T_MS), 0);
		close(fd);
		break;
	case 1:
		fd = h_connect(&env);
		ck_assert_int_eq(h_hello(fd, INTX_ROLE_CONTROL, ""), INTX_MSG_WELCOME);
		ck_assert_int_eq(ask_ack_pipe(fd, &err, &got_fd), INTX_MSG_ERROR);
		ck_assert_int_eq(err, EOPNOTSUPP);
		ck_assert(!got_fd);
		ck_assert_int_eq(ask_ack_pipe(fd, &err, &got_fd), INTX_MSG_ERROR);
		close(fd);
		break;
	case 2:
	case 3:
		rc_open(&env, &x, "x");
		rc_ack_pipe(&x);
		if (_i == 2) {
			ck_assert_int_eq(ask_ack_pipe(x.fd, &err, &got_fd),
					 INTX_MSG_ERROR);
			ck_assert_int_eq(err, EALREADY);
			ck_assert(!got_fd);
		} else {
			close(x.afd);
			x.afd = -1;
			rc_sub(&x, "d1");
			rc_ack_pipe(&x);
		}
		rc_sub(&x, "d0");
		h_raise(d0);
		ck_assert(rc_notify(&x, &n, T_MS));
		rc_lower(d0);
		rc_pack(&x, &n, n.seq, true);
		rc_expect_event(&env, INTX_EV_UNMASK, "d0", n.seq, 0);
		ck_assert(rc_alive(&x));
		rc_close(&x);
		break;
	}
	h_daemon_stop(&env);
}
END_TEST

/*
 * An ACK on the pipe for a notification of an earlier subscription of the
 * same device (UNSUBSCRIBE, SUBSCRIBE, and the device still asserting, so
 * the new subscription is notified at once with the same token): its seq
 * is stale, so it settles nothing, and the new notification stays owed
 * until its own ACK.
 */
START_TEST(pipe_ack_of_an_old_subscription)
{
	struct rc x;
	struct intx_msg_notify n1, n2;
	unsigned char buf[INTX_MSG_MAX];
	struct intx_msg_device d;
	const char *d0, *d1;
	uint32_t id;

	id = pipe_notified("ack-timeout-ms = 60000\nack-timeout-policy = wait\n",
			   &x, &n1, &d0, &d1);
	rc_unsub_send(&x, id);
	rc_reply(&x, buf, sizeof(buf), INTX_MSG_UNSUBSCRIBED);
	ck_assert_uint_eq(rc_sub(&x, "d0"), id);
	ck_assert(rc_notify(&x, &n2, T_MS));
	ck_assert_uint_eq(n2.token, n1.token);
	ck_assert_uint_ne(n2.seq, n1.seq);
	rc_pack(&x, &n1, n1.seq, true);
	rc_sub(&x, "d1"); /* the daemon has read the stale ACK */
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.acked, 0);
	ck_assert(d.flags & INTX_F_INFLIGHT);
	rc_lower(d0);
	rc_pack(&x, &n2, n2.seq, true);
	unmasked_acked("d0", n2.seq, 1, &d);
	end_alive(&x);
}
END_TEST

/*
 * The client closes its end of the ACK pipe: the session goes on, and an
 * ACK on the socket settles (the SUBSCRIBE round trip makes the daemon
 * read the pipe's end of file first).
 */
START_TEST(pipe_closed_acks_by_socket)
{
	struct rc x;
	struct intx_msg_notify n;
	struct intx_msg_device d;
	const char *d0, *d1;

	pipe_notified("", &x, &n, &d0, &d1);
	close(x.afd);
	x.afd = -1;
	rc_sub(&x, "d1");
	ck_assert(rc_alive(&x));
	rc_lower(d0);
	rc_ack(&x, &n, n.seq, true);
	unmasked_acked("d0", n.seq, 1, &d);
	end_alive(&x);
}
END_TEST

/*
 * Many records in one write, more than intxd reads at once: 98 of them
 * stale (another seq; each settles nothing), then the two owed.  Both
 * devices unmask, each counted acked once, and the session goes on.
 */
START_TEST(pipe_many_records_in_one_write)
{
	struct rc x;
	struct intx_msg_notify n0, n1;
	struct intx_msg_ack a[100];
	struct intx_msg_device d;
	const char *d0, *d1;
	unsigned i;

	two_devices("", &d0, &d1);
	rc_open(&env, &x, "x");
	rc_ack_pipe(&x);
	rc_sub(&x, "d0");
	rc_sub(&x, "d1");
	h_raise(d0);
	ck_assert(rc_notify(&x, &n0, T_MS));
	h_raise(d1);
	ck_assert(rc_notify(&x, &n1, T_MS));
	rc_lower(d0);
	rc_lower(d1);
	for (i = 0; i < 98; i++)
		rc_ack_rec(&a[i], i % 2 ? &n1 : &n0, 1000 + i, true);
	rc_ack_rec(&a[98], &n0, n0.seq, true);
	rc_ack_rec(&a[99], &n1, n1.seq, false);
	ck_assert_uint_le(sizeof(a), 4096); /* PIPE_BUF: lands whole */
	ck_assert_int_eq(write(x.afd, a, sizeof(a)), (ssize_t)sizeof(a));
	rc_expect_event(&env, INTX_EV_UNMASK, "d0", n0.seq, 0);
	rc_expect_event(&env, INTX_EV_UNMASK, "d1", n1.seq, 0);
	h_device(&env, "d0", &d);
	ck_assert_uint_eq(d.acked, 1);
	ck_assert_uint_eq(d.handled, 1);
	h_device(&env, "d1", &d);
	ck_assert_uint_eq(d.acked, 1);
	ck_assert_uint_eq(d.handled, 0);
	end_alive(&x);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("guarantees");
	TCase *tc = tcase_create("ledger");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, deadline_is_per_client, 0, 3);
	tcase_add_test(tc, deadlines_in_order_never_early);
	tcase_add_test(tc, late_ack_does_not_unmask);
	tcase_add_test(tc, acks_queued_behind_each_other);
	tcase_add_test(tc, broadcast_redeliver_forgives_all);
	tcase_add_test(tc, broadcast_pending_gets_deadline);
	tcase_add_test(tc, broadcast_counters);
	suite_add_tcase(s, tc);
	tc = tcase_create("ack_pipe");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pipe_ack_then_unsubscribe);
	tcase_add_test(tc, pipe_stale_seq_does_not_unmask);
	tcase_add_loop_test(tc, pipe_garbage_ends_the_session, 0, 2);
	tcase_add_test(tc, pipe_record_split_across_writes);
	tcase_add_test(tc, pipe_closed_acks_by_socket);
	tcase_add_loop_test(tc, ack_pipe_out_of_turn, 0, 4);
	tcase_add_test(tc, pipe_ack_of_an_old_subscription);
	tcase_add_test(tc, pipe_many_records_in_one_write);
	suite_add_tcase(s, tc);
	return check_run(s);
}
